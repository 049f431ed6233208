#!/usr/bin/env bash
# Shared helpers for bin/run and bin/test: make sure the Redis and PostgreSQL
# the SMS platform needs are reachable, starting project-local instances (data
# under .data/) when none is running, and stop again only what we started.
# For bin/test only: ensure_test_tools installs the programs the tests run.
#
# Sourced, not executed. Usage:
#   source bin/lib/services.sh
#   trap stop_started_services EXIT
#   ensure_services
#   ensure_test_tools        # bin/test only
#
# Settings (environment):
#   SMS_REDIS_PORT  Redis port on 127.0.0.1       (default 6379)
#   SMS_PG_PORT     PostgreSQL port on 127.0.0.1  (default 5432)
#   SMS_KUBECTL     kubectl for the Kubernetes manifest checks (default: the
#                   kubectl on PATH); a path or a command name

# Every script that sources this runs with these options, and the functions
# below are written for them (unset variables are bugs, failures must stop).
set -euo pipefail

# `local -a x=(); "${x[@]}"` under `set -u` and `wait -n` need bash >= 4.4.
if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
    echo "bin/lib/services.sh: bash >= 4.4 is required (this is $BASH_VERSION)" >&2
    exit 1
fi

# Repo root: this file lives in <root>/bin/lib/.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

: "${SMS_REDIS_PORT:=6379}"
: "${SMS_PG_PORT:=5432}"
# Exported so that child processes (Maven, tests, the apps) can see which
# ports were used when they were overridden.
export SMS_REDIS_PORT SMS_PG_PORT

SMS_DATA_DIR="$ROOT/.data"
SMS_LOG_DIR="$SMS_DATA_DIR/logs"
_SMS_REDIS_DIR="$SMS_DATA_DIR/redis"
_SMS_REDIS_PIDFILE="$_SMS_REDIS_DIR/redis.pid"
_SMS_REDIS_LOG="$SMS_LOG_DIR/redis.log"
_SMS_PG_DATA="$SMS_DATA_DIR/pg"
# Our own socket dir: Debian's default (/var/run/postgresql) is not writable
# for non-root users and may belong to a system cluster.
_SMS_PG_SOCKET_DIR="$SMS_DATA_DIR/pg-socket"
_SMS_PG_LOG="$SMS_LOG_DIR/postgresql.log"

# What ensure_services started itself (1) and must therefore stop again.
_SMS_STARTED_REDIS=0
_SMS_STARTED_PG=0
# Bin dir of the PostgreSQL server we started (for pg_ctl stop).
_SMS_PG_BIN=""
_SMS_APT_UPDATED=0

_sms_die() {
    echo "ERROR: $*" >&2
    exit 1
}

_sms_is_root() {
    [[ $(id -u) -eq 0 ]]
}

# Last lines of a log, to make a failed start self-explanatory.
_sms_log_tail() {
    local file=$1
    if [[ -s $file ]]; then
        echo "---- last lines of $file ----" >&2
        tail -n 30 "$file" >&2 || true
        echo "----" >&2
    else
        echo "(log $file is empty or missing)" >&2
    fi
}

_sms_check_port() {
    if [[ ! $2 =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > 65535)); then
        _sms_die "$1 must be a TCP port number, got '$2'"
    fi
}

# True if something accepts TCP connections on 127.0.0.1:$1. Uses bash's
# /dev/tcp so it needs no extra tool; `timeout` guards against a hanging connect.
_sms_port_open() {
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# apt-get install from Debian's archive. Needs root, so sudo otherwise;
# noninteractive so that no debconf prompt can block a script or CI.
_sms_apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || _sms_die "cannot install $* automatically (no apt-get here); please install it yourself"
    local -a sudo=()
    if ! _sms_is_root; then
        command -v sudo >/dev/null 2>&1 \
            || _sms_die "installing $* needs root, and sudo is not available; please install it yourself"
        sudo=(sudo)
    fi
    echo "Installing $* with apt-get ..."
    # The package lists may be missing or stale on a fresh machine.
    if ((_SMS_APT_UPDATED == 0)); then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        _SMS_APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# ---------------------------------------------------------------- Redis ----

# True if a Redis on 127.0.0.1:$1 answers PING with PONG.
_sms_redis_ping() {
    local port=$1
    if command -v redis-cli >/dev/null 2>&1; then
        [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]
    else
        # No redis-cli: speak the (inline) Redis protocol over /dev/tcp.
        # shellcheck disable=SC2016  # $1 is expanded by the inner bash
        timeout 3 bash -c '
            exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
            printf "PING\r\n" >&3
            IFS= read -r reply <&3
            [[ $reply == "+PONG"* ]]' _ "$port" 2>/dev/null
    fi
}

_sms_ensure_redis() {
    local port=$SMS_REDIS_PORT
    if _sms_redis_ping "$port"; then
        echo "Redis: using the one already running on 127.0.0.1:$port"
        return 0
    fi
    # Something else (or a Redis with a password) holds the port: starting
    # our own would only fail to bind, so say so plainly.
    if _sms_port_open "$port"; then
        _sms_die "Redis: something listens on 127.0.0.1:$port but does not answer PING with PONG; free the port or set SMS_REDIS_PORT"
    fi

    if ! command -v redis-server >/dev/null 2>&1; then
        _sms_apt_install redis-server redis-tools
        # Debian's package may start its own server on 6379 right away.
        if _sms_redis_ping "$port"; then
            echo "Redis: using the one the redis-server package started on 127.0.0.1:$port"
            return 0
        fi
    fi

    mkdir -p "$_SMS_REDIS_DIR" "$SMS_LOG_DIR"
    # AOF with fsync every second keeps queued messages across restarts;
    # noeviction because losing queue entries silently is worse than an error.
    if ! redis-server --daemonize yes \
        --bind 127.0.0.1 --port "$port" \
        --dir "$_SMS_REDIS_DIR" \
        --appendonly yes --appendfsync everysec \
        --maxmemory-policy noeviction \
        --pidfile "$_SMS_REDIS_PIDFILE" \
        --logfile "$_SMS_REDIS_LOG"; then
        _sms_log_tail "$_SMS_REDIS_LOG"
        _sms_die "Redis: redis-server failed to start on 127.0.0.1:$port"
    fi
    # --daemonize returns before the server has bound its port (or failed to).
    local i
    for ((i = 0; i < 100; i++)); do
        if _sms_redis_ping "$port"; then
            _SMS_STARTED_REDIS=1
            echo "Redis: started project-local instance on 127.0.0.1:$port (data in .data/redis)"
            return 0
        fi
        sleep 0.2
    done
    _sms_log_tail "$_SMS_REDIS_LOG"
    _sms_die "Redis: the project-local instance did not answer PING on 127.0.0.1:$port within 20 s"
}

_sms_stop_redis() {
    ((_SMS_STARTED_REDIS == 1)) || return 0
    _SMS_STARTED_REDIS=0
    local port=$SMS_REDIS_PORT pid=""
    [[ -s $_SMS_REDIS_PIDFILE ]] && pid=$(<"$_SMS_REDIS_PIDFILE")
    # Plain SHUTDOWN (not NOSAVE) so the AOF is flushed and data survives.
    if command -v redis-cli >/dev/null 2>&1; then
        timeout 10 redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
    elif [[ -n $pid ]]; then
        # SIGTERM makes Redis do the same graceful shutdown.
        kill -TERM "$pid" 2>/dev/null || true
    fi
    if [[ -n $pid ]]; then
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "Redis: did not stop within 10 s, killing pid $pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    echo "Redis: stopped project-local instance on 127.0.0.1:$port"
}

# ----------------------------------------------------------- PostgreSQL ----

# Newest installed server bin dir (Debian layout), or empty. When .data/pg
# already holds a cluster, prefer the matching major version: a cluster can
# only be run by the version that created it.
_sms_pg_server_bin() {
    local want="" dir best=""
    [[ -s $_SMS_PG_DATA/PG_VERSION ]] && want=$(<"$_SMS_PG_DATA/PG_VERSION")
    if [[ -n $want && -x /usr/lib/postgresql/$want/bin/initdb ]]; then
        echo "/usr/lib/postgresql/$want/bin"
        return 0
    fi
    local -a found=()
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb ]] && found+=("$dir")
    done
    if ((${#found[@]} > 0)); then
        best=$(printf '%s\n' "${found[@]}" | sort -V | tail -n 1)
    fi
    echo "$best"
}

# A client tool (pg_isready, psql): from PATH, else from a server bin dir.
_sms_pg_tool() {
    local tool=$1 bin
    if command -v "$tool" >/dev/null 2>&1; then
        command -v "$tool"
        return 0
    fi
    bin=$(_sms_pg_server_bin)
    if [[ -n $bin && -x $bin/$tool ]]; then
        echo "$bin/$tool"
        return 0
    fi
    return 1
}

# True if PostgreSQL on 127.0.0.1:$1 accepts connections.
_sms_pg_ready() {
    local port=$1 isready
    if isready=$(_sms_pg_tool pg_isready); then
        "$isready" -q -h 127.0.0.1 -p "$port" -t 5
    else
        # No client tools at all: an open port is the best we can tell.
        _sms_port_open "$port"
    fi
}

# Run a server command as the cluster's owner: initdb and postgres refuse to
# run as root, so as root they run as the `postgres` user. `cd /` because that
# user may not be allowed into the caller's working directory.
_sms_as_pg_owner() {
    if _sms_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_sms_start_local_pg() {
    local port=$1 bin=$2
    mkdir -p "$SMS_DATA_DIR" "$SMS_LOG_DIR" "$_SMS_PG_DATA" "$_SMS_PG_SOCKET_DIR"
    touch "$_SMS_PG_LOG"
    if _sms_is_root; then
        id -u postgres >/dev/null 2>&1 \
            || _sms_die "PostgreSQL: running as root but there is no 'postgres' user to own the cluster"
        # The postgres user must be able to reach .data (a restrictive umask
        # would hide it) and to own the data dir, socket dir and log.
        chmod 755 "$SMS_DATA_DIR" "$SMS_LOG_DIR"
        chown postgres: "$_SMS_PG_SOCKET_DIR" "$_SMS_PG_LOG"
        chown -R postgres: "$_SMS_PG_DATA"
        _sms_as_pg_owner test -w "$_SMS_PG_DATA" \
            || _sms_die "PostgreSQL: user postgres cannot write $_SMS_PG_DATA (is a parent directory of $ROOT closed to other users?)"
    fi
    # initdb wants an empty directory, so 0700 on the data dir first.
    chmod 700 "$_SMS_PG_DATA"

    if [[ ! -s $_SMS_PG_DATA/PG_VERSION ]]; then
        echo "PostgreSQL: creating project-local cluster in .data/pg ..."
        # trust auth: it only listens on 127.0.0.1 and its own socket dir.
        if ! _sms_as_pg_owner "$bin/initdb" -D "$_SMS_PG_DATA" --auth=trust -U postgres \
            --encoding=UTF8 --locale=C >>"$_SMS_PG_LOG" 2>&1; then
            _sms_log_tail "$_SMS_PG_LOG"
            _sms_die "PostgreSQL: initdb failed"
        fi
    fi

    # Options go through a shell inside pg_ctl, hence the inner quotes
    # around the socket dir (ROOT may contain spaces).
    if ! _sms_as_pg_owner "$bin/pg_ctl" -D "$_SMS_PG_DATA" -l "$_SMS_PG_LOG" -w -t 60 \
        -o "-k '$_SMS_PG_SOCKET_DIR' -c listen_addresses=127.0.0.1 -p $port" \
        start >/dev/null; then
        _sms_log_tail "$_SMS_PG_LOG"
        _sms_die "PostgreSQL: the project-local cluster did not start on 127.0.0.1:$port"
    fi
    _SMS_STARTED_PG=1
    _SMS_PG_BIN=$bin
}

# Create role sms and databases sms, sms_test. Idempotent, and the password
# is reset every time in case someone changed it.
_sms_pg_setup_db() {
    local port=$1 psql
    if ! psql=$(_sms_pg_tool psql); then
        _sms_apt_install postgresql-client
        psql=$(_sms_pg_tool psql) || _sms_die "PostgreSQL: psql not found even after installing postgresql-client"
    fi

    # Find a way in as superuser: TCP as postgres (trust, or a password from
    # PGPASSWORD/.pgpass; -w never prompts), else peer auth over the local
    # socket as the postgres OS user (Debian's default setup).
    local -a su_psql
    local -a candidates=("tcp")
    if _sms_is_root; then
        candidates+=("runuser")
    elif command -v sudo >/dev/null 2>&1; then
        candidates+=("sudo")
    fi
    local how ok=0
    for how in "${candidates[@]}"; do
        case $how in
            tcp) su_psql=("$psql" -w -h 127.0.0.1 -p "$port" -U postgres) ;;
            # env -u: a PGHOST in the caller's environment would defeat the socket.
            runuser) su_psql=(_sms_as_pg_owner env -u PGHOST -u PGHOSTADDR "$psql" -w -p "$port") ;;
            sudo) su_psql=(sudo -u postgres env -u PGHOST -u PGHOSTADDR "$psql" -w -p "$port") ;;
        esac
        if PGCONNECT_TIMEOUT=5 "${su_psql[@]}" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
            ok=1
            break
        fi
    done
    ((ok == 1)) || _sms_die "PostgreSQL on 127.0.0.1:$port: cannot connect as superuser postgres (tried: ${candidates[*]}); create role sms (password sms) and databases sms, sms_test yourself"

    if ! PGCONNECT_TIMEOUT=5 "${su_psql[@]}" -d postgres -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'; then
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sms') THEN
        CREATE ROLE sms LOGIN PASSWORD 'sms';
    END IF;
END
$$;
ALTER ROLE sms WITH LOGIN PASSWORD 'sms';
SELECT 'CREATE DATABASE sms OWNER sms'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sms') \gexec
SELECT 'CREATE DATABASE sms_test OWNER sms'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sms_test') \gexec
ALTER DATABASE sms OWNER TO sms;
ALTER DATABASE sms_test OWNER TO sms;
SQL
        _sms_die "PostgreSQL on 127.0.0.1:$port: creating role sms / databases sms, sms_test failed"
    fi
}

_sms_ensure_pg() {
    local port=$SMS_PG_PORT what=""
    if _sms_pg_ready "$port"; then
        what="using the one already running on 127.0.0.1:$port"
    elif _sms_port_open "$port"; then
        # A server that is still starting up (pg_isready: rejecting) gets a
        # moment; anything else on the port cannot be replaced by ours.
        local i
        for ((i = 0; i < 20; i++)); do
            sleep 0.5
            if _sms_pg_ready "$port"; then
                what="using the one already running on 127.0.0.1:$port"
                break
            fi
        done
        [[ -n $what ]] || _sms_die "PostgreSQL: something listens on 127.0.0.1:$port but does not accept PostgreSQL connections; free the port or set SMS_PG_PORT"
    fi

    if [[ -z $what ]]; then
        local bin
        bin=$(_sms_pg_server_bin)
        if [[ -z $bin ]]; then
            _sms_apt_install postgresql
            # Debian's package creates a cluster on 5432 and may start it.
            if _sms_pg_ready "$port"; then
                what="using the cluster the postgresql package started on 127.0.0.1:$port"
            else
                bin=$(_sms_pg_server_bin)
                [[ -n $bin ]] || _sms_die "PostgreSQL: no server binaries under /usr/lib/postgresql even after installing postgresql"
            fi
        fi
        if [[ -z $what ]]; then
            _sms_start_local_pg "$port" "$bin"
            what="started project-local cluster on 127.0.0.1:$port (data in .data/pg)"
        fi
    fi

    _sms_pg_setup_db "$port"
    echo "PostgreSQL: $what; role sms, databases sms and sms_test ready"
}

_sms_stop_pg() {
    ((_SMS_STARTED_PG == 1)) || return 0
    _SMS_STARTED_PG=0
    # fast: roll back open transactions and disconnect clients, then a clean
    # shutdown checkpoint, so nothing is lost and no recovery on next start.
    if _sms_as_pg_owner "$_SMS_PG_BIN/pg_ctl" -D "$_SMS_PG_DATA" -m fast -w -t 60 stop >/dev/null; then
        echo "PostgreSQL: stopped project-local cluster on 127.0.0.1:$SMS_PG_PORT"
    else
        echo "PostgreSQL: pg_ctl stop failed for .data/pg (see $_SMS_PG_LOG)" >&2
    fi
}

# ----------------------------------------------------------- test tools ----

# The programs the test suite runs besides Maven and Java, each with the Debian
# package that provides it:
#   promtool, prometheus  MonitoringConfigTest, MonitoringIT
#   kubectl               KubernetesManifestsTest (`kubectl kustomize`; Debian
#                         12's kubectl 1.20 is enough, deploy/k8s is written
#                         for it; SMS_KUBECTL may name another one)
#   redis-server          the fault tests' private Redis instances
#   PostgreSQL server     the fault tests' private clusters (initdb, pg_ctl and
#                         psql under /usr/lib/postgresql/<version>/bin)
#   runuser               as root: server commands run as user postgres
_SMS_TEST_TOOLS=(promtool prometheus kubectl redis-server postgresql-server runuser)

_sms_test_tool_package() {
    case $1 in
        promtool | prometheus) echo prometheus ;;
        kubectl) echo kubernetes-client ;;
        redis-server) echo redis-server redis-tools ;;
        postgresql-server) echo postgresql ;;
        runuser) echo util-linux ;;
    esac
}

# Where the tool is (prints the path), or false when it is missing.
_sms_test_tool_path() {
    local bin
    case $1 in
        kubectl) command -v "${SMS_KUBECTL:-kubectl}" ;;
        postgresql-server)
            bin=$(_sms_pg_server_bin)
            [[ -n $bin && -x $bin/pg_ctl && -x $bin/psql ]] && echo "$bin"
            ;;
        *) command -v "$1" ;;
    esac
}

# Install (apt-get, as for Redis and PostgreSQL above) the Debian packages of
# the test tools that are missing; one line per tool. Nothing is reinstalled.
ensure_test_tools() {
    local tool path pkg
    local -a missing=() packages=()
    for tool in "${_SMS_TEST_TOOLS[@]}"; do
        # Only root needs runuser (to act as the postgres user).
        [[ $tool == runuser ]] && ! _sms_is_root && continue
        _sms_test_tool_path "$tool" >/dev/null && continue
        # A kubectl chosen by name or path is the user's to provide.
        [[ $tool == kubectl && -n ${SMS_KUBECTL:-} ]] \
            && _sms_die "SMS_KUBECTL=$SMS_KUBECTL: no such command"
        missing+=("$tool")
        for pkg in $(_sms_test_tool_package "$tool"); do
            [[ " ${packages[*]} " == *" $pkg "* ]] || packages+=("$pkg")
        done
    done
    if ((${#packages[@]} > 0)); then
        _sms_apt_install "${packages[@]}"
    fi

    for tool in "${_SMS_TEST_TOOLS[@]}"; do
        [[ $tool == runuser ]] && ! _sms_is_root && continue
        path=$(_sms_test_tool_path "$tool") \
            || _sms_die "test tool $tool: still missing after installing Debian package $(_sms_test_tool_package "$tool")"
        if [[ " ${missing[*]} " == *" $tool "* ]]; then
            echo "Test tool $tool: installed, $path (Debian package $(_sms_test_tool_package "$tool"))"
        else
            echo "Test tool $tool: $path"
        fi
    done
}

# ------------------------------------------------------------ public API ----

# Make Redis and PostgreSQL reachable on 127.0.0.1 and PostgreSQL set up for
# the platform (role sms/sms, databases sms and sms_test).
ensure_services() {
    _sms_check_port SMS_REDIS_PORT "$SMS_REDIS_PORT"
    _sms_check_port SMS_PG_PORT "$SMS_PG_PORT"
    _sms_ensure_redis
    _sms_ensure_pg
}

# Stop what ensure_services started, nothing else. Safe to call more than
# once (e.g. from both a signal trap and the EXIT trap). Data stays in .data/.
stop_started_services() {
    # Usually runs from an EXIT trap, possibly after Ctrl-C also killed the
    # reader of our stdout (`... | tee`): a SIGPIPE from an echo must not
    # end the script before the services are stopped.
    trap '' PIPE
    _sms_stop_redis || true
    _sms_stop_pg || true
}
