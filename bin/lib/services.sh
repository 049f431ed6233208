#!/usr/bin/env bash
# Shared helpers for bin/run and bin/test, so that a bare Debian/Ubuntu machine
# needs nothing but the checkout: install Java 17, Maven and curl when missing
# (ensure_toolchain), make sure the Redis and PostgreSQL the SMS platform needs
# are reachable, starting project-local instances when none is running, and
# stop again only what we started. For bin/test only: ensure_test_tools
# installs the programs the tests run. Missing packages come from apt-get, as
# root directly or through sudo.
#
# Sourced, not executed. Usage:
#   source bin/lib/services.sh
#   trap stop_started_services EXIT
#   ensure_toolchain
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
# noninteractive so that no debconf prompt can block a script or CI. Says
# first how much it is about to install: on a bare machine that is most of
# the first run's time.
_sms_apt_install() {
    local how="apt-get install -y --no-install-recommends $*"
    command -v apt-get >/dev/null 2>&1 \
        || _sms_die "cannot install $* automatically (no apt-get here); please install it yourself"
    local -a sudo=()
    if ! _sms_is_root; then
        command -v sudo >/dev/null 2>&1 \
            || _sms_die "installing $* needs root, and sudo is not available; as root, run: $how"
        sudo=(sudo)
    fi
    # The package lists may be missing or stale on a fresh machine.
    if ((_SMS_APT_UPDATED == 0)); then
        echo "Updating the package lists (apt-get update) ..."
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
            || _sms_die "apt-get update failed (see above); fix the package sources, then run again or install $* yourself"
        _SMS_APT_UPDATED=1
    fi
    # --print-uris lists each package to download with its size (MB below as
    # apt counts them, 10^6 bytes); what is already cached is left out, so a
    # rerun after a failure shows less.
    local count=0 bytes=0 uri file size rest
    while read -r uri file size rest; do
        [[ $uri == "'"* && $size =~ ^[0-9]+$ ]] || continue
        count=$((count + 1))
        bytes=$((bytes + size))
    done < <("${sudo[@]}" apt-get install -qq --no-install-recommends --print-uris "$@" 2>/dev/null || true)
    if ((count > 0)); then
        echo "Installing $* with apt-get: $count packages with their dependencies, $(((bytes + 500000) / 1000000)) MB to download ..."
    else
        echo "Installing $* with apt-get ..."
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        || _sms_die "apt-get could not install $* (see above); install it yourself: $how"
}

# Install the given Debian packages unless the command is there already.
#   ensure_command COMMAND PACKAGE...
ensure_command() {
    local cmd=$1
    shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    _sms_apt_install "$@"
    command -v "$cmd" >/dev/null 2>&1 \
        || _sms_die "$cmd is still missing after installing Debian package(s) $*"
}

# ------------------------------------------------------------ toolchain ----

# The JDK Debian installs when none fits: the project is built for Java 17.
_SMS_JDK_PACKAGE=openjdk-17-jdk-headless

# Major version of the java program $1: 17 for "17.0.15", 8 for "1.8.0_392".
_sms_java_major() {
    local out
    out=$("$1" -version 2>&1) || return 1
    [[ $out =~ version\ \"([0-9]+)(\.([0-9]+))? ]] || return 1
    if [[ ${BASH_REMATCH[1]} == 1 ]]; then
        echo "${BASH_REMATCH[3]}"
    else
        echo "${BASH_REMATCH[1]}"
    fi
}

# True if $1 is a JDK of Java 17 or newer. javac too, not just java: a
# runtime alone (openjdk-17-jre-headless) runs the apps but cannot build them.
_sms_jdk_ok() {
    local home=$1 major
    [[ -n $home && -x $home/bin/java && -x $home/bin/javac ]] || return 1
    major=$(_sms_java_major "$home/bin/java") || return 1
    ((major >= 17))
}

# The Java 17+ JDK under /usr/lib/jvm (Debian's layout) nearest to 17, the
# version the project is written and tested for; false when there is none.
_sms_find_jdk() {
    local home best="" best_major=0 major
    for home in /usr/lib/jvm/*; do
        [[ -d $home && ! -L $home ]] || continue
        _sms_jdk_ok "$home" || continue
        major=$(_sms_java_major "$home/bin/java")
        if ((best_major == 0 || major < best_major)); then
            best=$home
            best_major=$major
        fi
    done
    [[ -n $best ]] && echo "$best"
}

# The Java 17+ JDK to use, into _SMS_JDK_HOME (empty when there is none yet):
# JAVA_HOME if it is one, else the `java` on PATH, else one under /usr/lib/jvm.
# What was passed over goes into _SMS_JDK_PASSED for messages.
_SMS_JDK_HOME=""
_SMS_JDK_PASSED=""
_sms_select_jdk() {
    local path_java major
    _SMS_JDK_HOME=""
    _SMS_JDK_PASSED=""
    if [[ -n ${JAVA_HOME:-} ]]; then
        if _sms_jdk_ok "$JAVA_HOME"; then
            _SMS_JDK_HOME=$JAVA_HOME
            return 0
        fi
        _SMS_JDK_PASSED="JAVA_HOME=$JAVA_HOME"
    fi
    if command -v java >/dev/null 2>&1; then
        path_java=$(readlink -f "$(command -v java)")
        if _sms_jdk_ok "${path_java%/bin/java}"; then
            _SMS_JDK_HOME=${path_java%/bin/java}
            return 0
        fi
        major=$(_sms_java_major "$path_java") || major="of unknown version"
        [[ -x ${path_java%/bin/java}/bin/javac ]] || major="$major without javac"
        _SMS_JDK_PASSED="${_SMS_JDK_PASSED:+$_SMS_JDK_PASSED, }java $major ($path_java)"
    fi
    _SMS_JDK_HOME=$(_sms_find_jdk) || true
}

# Point this script and its children at _SMS_JDK_HOME: Maven runs the JDK in
# JAVA_HOME, the apps and tests run `java` from PATH, so both are set. The
# machine's default java is not changed.
_sms_use_jdk() {
    local home=$_SMS_JDK_HOME path_java=""
    export JAVA_HOME=$home
    command -v java >/dev/null 2>&1 && path_java=$(readlink -f "$(command -v java)")
    if [[ $path_java != "$(readlink -f "$home/bin/java")" ]]; then
        export PATH="$home/bin:$PATH"
    fi
    if [[ -n $_SMS_JDK_PASSED ]]; then
        # The user's own shell still finds the old one: say so once.
        local hint=""
        [[ $_SMS_JDK_PASSED == *"java "* ]] && hint=" (to make it the default: update-alternatives --config java)"
        echo "Java: not using $_SMS_JDK_PASSED; this run uses $home$hint"
    fi
    echo "Java: $(_sms_java_major "$home/bin/java") ($home)"
}

# Maven: the project's wrapper when it has one, else the system's mvn.
sms_mvn() {
    if [[ -x $ROOT/mvnw ]]; then
        "$ROOT/mvnw" "$@"
    else
        mvn "$@"
    fi
}

# Java 17+ (a JDK), Maven (unless the project has its wrapper) and curl (the
# readiness checks), installed in one apt-get run when missing.
ensure_toolchain() {
    local -a packages=()
    _sms_select_jdk
    if [[ -z $_SMS_JDK_HOME ]]; then
        echo "Java: a Java 17 (or newer) JDK is required${_SMS_JDK_PASSED:+; found only $_SMS_JDK_PASSED}"
        packages+=("$_SMS_JDK_PACKAGE")
    fi
    if [[ ! -x $ROOT/mvnw ]] && ! command -v mvn >/dev/null 2>&1; then
        packages+=(maven)
    fi
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    # The wrapper checks Maven's download against the SHA-256 of the .zip; without unzip it fetches the
    # .tar.gz instead, whose sum differs, and refuses to run. A bare Debian has no unzip.
    if [[ -x $ROOT/mvnw ]] && ! command -v unzip >/dev/null 2>&1; then
        packages+=(unzip)
    fi
    if ((${#packages[@]} > 0)); then
        _sms_apt_install "${packages[@]}"
    fi

    if [[ -z $_SMS_JDK_HOME ]]; then
        _SMS_JDK_HOME=$(_sms_find_jdk) \
            || _sms_die "Java: no Java 17+ JDK under /usr/lib/jvm even after installing $_SMS_JDK_PACKAGE; install one and set JAVA_HOME to it"
    fi
    _sms_use_jdk
    if [[ ! -x $ROOT/mvnw ]]; then
        command -v mvn >/dev/null 2>&1 || _sms_die "Maven (mvn) is still missing after installing Debian package maven"
    fi
    command -v curl >/dev/null 2>&1 || _sms_die "curl is still missing after installing Debian package curl"
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

# Where the project-local PostgreSQL keeps its cluster. initdb and postgres
# refuse to run as root, so as root they run as user postgres, which must be
# able to reach the data dir through every parent directory. A checkout under
# /root (0700) or another closed home is out of its reach, and opening those
# up (chmod o+x, ACLs) would weaken the machine for the sake of a dev database.
# So as root a new cluster lives outside the checkout, in
#   /var/lib/sms-local/<checkout name>-<hash of the checkout's real path>/
# (one per checkout, owned by postgres, 0700): /var/lib because only root can
# create entries there, unlike /var/tmp, where another user could plant a
# symlink under the predictable name for root to chown. A cluster that an
# earlier version of this script created in .data/pg as root stays there, so
# its data (which must match the credit kept in Redis) is not left behind.
# Anyone else runs PostgreSQL as themselves, with the cluster in .data/pg.
_sms_pg_home() {
    if ! _sms_is_root || [[ -s $SMS_DATA_DIR/pg/PG_VERSION ]]; then
        echo "$SMS_DATA_DIR"
        return 0
    fi
    local name=${ROOT##*/} real hash
    # Short enough that the socket path below stays within its limit.
    name=${name//[^A-Za-z0-9._-]/_}
    name=${name:0:32}
    real=$(cd "$ROOT" && pwd -P)
    hash=$(printf '%s' "$real" | sha256sum | cut -c1-12)
    echo "/var/lib/sms-local/${name:-checkout}-$hash"
}
_SMS_PG_HOME="$(_sms_pg_home)"
_SMS_PG_DATA="$_SMS_PG_HOME/pg"
# Our own socket dir: Debian's default (/var/run/postgresql) is not writable
# for non-root users and may belong to a system cluster.
_SMS_PG_SOCKET_DIR="$_SMS_PG_HOME/pg-socket"
# The data dir as messages show it: relative when it is inside the checkout.
_SMS_PG_DATA_SHOWN="${_SMS_PG_DATA#"$ROOT"/}"

# Newest installed server bin dir (Debian layout), or empty. When the data
# dir already holds a cluster, prefer the matching major version: a cluster can
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
    mkdir -p "$SMS_DATA_DIR" "$SMS_LOG_DIR"
    if _sms_is_root; then
        id -u postgres >/dev/null 2>&1 \
            || _sms_die "PostgreSQL: running as root but there is no 'postgres' user to own the cluster"
        if [[ $_SMS_PG_HOME == "$SMS_DATA_DIR" ]]; then
            # A cluster an earlier version made in .data/pg: the postgres
            # user must still reach .data (a restrictive umask would hide it).
            chmod 755 "$SMS_DATA_DIR"
        else
            # Explicit modes: root's umask may be 077, which would close
            # /var/lib/sms-local to the postgres user.
            mkdir -p /var/lib/sms-local
            chmod 755 /var/lib/sms-local
            mkdir -p "$_SMS_PG_HOME"
            chown postgres: "$_SMS_PG_HOME"
            chmod 700 "$_SMS_PG_HOME"
            # Which checkout this cluster belongs to, for whoever cleans up.
            printf '%s\n' "$ROOT" >"$_SMS_PG_HOME/checkout"
        fi
        mkdir -p "$_SMS_PG_DATA" "$_SMS_PG_SOCKET_DIR"
        chown postgres: "$_SMS_PG_SOCKET_DIR"
        chown -R postgres: "$_SMS_PG_DATA"
        _sms_as_pg_owner test -w "$_SMS_PG_DATA" \
            || _sms_die "PostgreSQL: user postgres cannot write $_SMS_PG_DATA (is a parent directory closed to other users? Moving $_SMS_PG_DATA away makes the next run create a new cluster under /var/lib/sms-local)"
    else
        mkdir -p "$_SMS_PG_DATA" "$_SMS_PG_SOCKET_DIR"
    fi
    # initdb wants an empty directory, so 0700 on the data dir first.
    chmod 700 "$_SMS_PG_DATA"

    # The log is opened here, by the caller, and handed to initdb and the
    # server as stdout (no pg_ctl -l): as root, the postgres user running them
    # may not be able to open a file inside the checkout itself.
    if [[ ! -s $_SMS_PG_DATA/PG_VERSION ]]; then
        echo "PostgreSQL: creating project-local cluster in $_SMS_PG_DATA_SHOWN ..."
        # trust auth: it only listens on 127.0.0.1 and its own socket dir.
        if ! _sms_as_pg_owner "$bin/initdb" -D "$_SMS_PG_DATA" --auth=trust -U postgres \
            --encoding=UTF8 --locale=C >>"$_SMS_PG_LOG" 2>&1; then
            _sms_log_tail "$_SMS_PG_LOG"
            _sms_die "PostgreSQL: initdb failed"
        fi
    fi

    # A socket's path holds at most 107 bytes (dir + "/.s.PGSQL.<port>"), and
    # the server refuses to start when its only socket dir is longer, as in a
    # deep checkout. Everything here connects over TCP, so the socket is only a
    # convenience for psql: go without one then.
    local socket_dir=$_SMS_PG_SOCKET_DIR
    if ((${#socket_dir} + 15 > 107)); then
        echo "PostgreSQL: no Unix socket (the path under $_SMS_PG_SOCKET_DIR would be too long); connect over TCP, 127.0.0.1:$port"
        socket_dir=""
    fi
    # Options go through a shell inside pg_ctl, hence the inner quotes
    # around the socket dir (ROOT may contain spaces).
    if ! _sms_as_pg_owner "$bin/pg_ctl" -D "$_SMS_PG_DATA" -w -t 60 \
        -o "-k '$socket_dir' -c listen_addresses=127.0.0.1 -p $port" \
        start >>"$_SMS_PG_LOG" 2>&1; then
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

    # bin/test starts from an empty test database: a schema left by another
    # checkout (a migration that is not on this branch) would stop Flyway.
    if [[ ${SMS_RESET_TEST_DB:-0} == 1 ]]; then
        PGCONNECT_TIMEOUT=5 "${su_psql[@]}" -d postgres -q -v ON_ERROR_STOP=1 \
            -c 'DROP DATABASE IF EXISTS sms_test WITH (FORCE)' >/dev/null ||
            _sms_die "PostgreSQL on 127.0.0.1:$port: could not drop the test database sms_test"
    fi

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
            what="started project-local cluster on 127.0.0.1:$port (data in $_SMS_PG_DATA_SHOWN)"
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
        echo "PostgreSQL: pg_ctl stop failed for $_SMS_PG_DATA_SHOWN (see $_SMS_PG_LOG)" >&2
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
#   python3               NemesisIT runs bin/nemesis (standard library only)
#   chromium              DashboardBrowserIT: the dashboard in Debian's headless
#                         Chromium (/usr/bin/chromium, the path the test launches)
#   node, npm             DashboardBrowserIT runs sms-system-tests/src/test/browser
#                         (npm ci installs playwright-core from its package-lock.json;
#                         it needs Node.js >= 18, see _sms_check_node)
_SMS_TEST_TOOLS=(promtool prometheus kubectl redis-server postgresql-server runuser python3 chromium node npm)
# The oldest Node.js the browser test's playwright-core runs on (its "engines").
_SMS_NODE_MIN=18

_sms_test_tool_package() {
    case $1 in
        promtool | prometheus) echo prometheus ;;
        kubectl) echo kubernetes-client ;;
        redis-server) echo redis-server redis-tools ;;
        postgresql-server) echo postgresql ;;
        runuser) echo util-linux ;;
        python3) echo python3 ;;
        chromium) echo chromium ;;
        node) echo nodejs ;;
        npm) echo npm ;;
    esac
}

# Why bin/test installs a package, for the line it prints before doing so.
_sms_test_package_purpose() {
    case $1 in
        prometheus) echo "promtool and prometheus: the monitoring tests" ;;
        kubernetes-client) echo "kubectl: the Kubernetes manifest tests" ;;
        redis-server | redis-tools) echo "the fault tests' own Redis servers" ;;
        postgresql) echo "the fault tests' own PostgreSQL clusters" ;;
        util-linux) echo "runuser: PostgreSQL runs as user postgres when bin/test runs as root" ;;
        python3) echo "python3: the fault simulator bin/nemesis (NemesisIT)" ;;
        chromium) echo "Chromium: the dashboard's browser test (DashboardBrowserIT)" ;;
        nodejs) echo "Node.js: runs the dashboard's browser test" ;;
        npm) echo "npm: installs the browser test's playwright-core" ;;
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
        # Debian's package, where the test looks for it: another chromium on PATH is not the one launched.
        chromium) [[ -x /usr/bin/chromium ]] && echo /usr/bin/chromium ;;
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
        # A one-time cost, but the largest of a first run: say what and why.
        local why=""
        for pkg in "${packages[@]}"; do
            why+="${why:+, }$pkg ($(_sms_test_package_purpose "$pkg"))"
        done
        echo "Test tools: installing $why. A one-time step that makes the first bin/test some minutes longer."
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
    _sms_check_node
}

# The browser test's playwright-core (1.61, the newest that still runs on
# Debian 12's own nodejs 18) needs Node.js 18: an older one is said here, where
# it is clear, rather than in the middle of the test run. Only a warning: every
# other test runs without Node.js.
_sms_check_node() {
    local version major
    version=$(node --version 2>/dev/null) || return 0
    major=${version#v}
    major=${major%%.*}
    if [[ ! $major =~ ^[0-9]+$ ]] || ((major < _SMS_NODE_MIN)); then
        echo "WARNING: Node.js $version is older than $_SMS_NODE_MIN, which the dashboard's browser test (playwright-core) needs: DashboardBrowserIT will fail. Install Node.js $_SMS_NODE_MIN or later." >&2
    fi
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
# once (e.g. from both a signal trap and the EXIT trap). Data stays (in .data/;
# as root, PostgreSQL's in /var/lib/sms-local/).
stop_started_services() {
    # Usually runs from an EXIT trap, possibly after Ctrl-C also killed the
    # reader of our stdout (`... | tee`): a SIGPIPE from an echo must not
    # end the script before the services are stopped.
    trap '' PIPE
    _sms_stop_redis || true
    _sms_stop_pg || true
}
