#!/usr/bin/env bash
# Helpers for bench/run: the bench's own PostgreSQL databases and Redis db,
# starting/stopping the apps on the bench's ports, and small Redis/psql
# wrappers. Sourced after bin/lib/services.sh (which sets ROOT, SMS_REDIS_PORT,
# SMS_PG_PORT, SMS_LOG_DIR and `set -euo pipefail`).

# ------------------------------------------------------------- logging ----

BENCH_T0=$SECONDS

say() {
    printf '[bench %4ds] %s\n' "$((SECONDS - BENCH_T0))" "$*"
}

warn() {
    printf '[bench %4ds] WARNING: %s\n' "$((SECONDS - BENCH_T0))" "$*" >&2
}

die() {
    echo "ERROR: $*" >&2
    exit 1
}

# -------------------------------------------------------------- Redis ----

# rcli ARGS...: redis-cli against the bench's logical db.
rcli() {
    timeout 60 redis-cli -h 127.0.0.1 -p "$SMS_REDIS_PORT" -n "$BENCH_REDIS_DB" "$@"
}

redis_used_memory() {
    rcli info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'
}

xlen() {
    rcli xlen "$1"
}

# Drop both queues (and their dead-letter streams). Only while no worker
# runs: the consumer group goes with the stream and the next worker
# recreates it.
clear_streams() {
    rcli del sms:normal sms:express sms:normal:dead sms:express:dead sms:retry:normal sms:retry:express >/dev/null
}

# --------------------------------------------------------- PostgreSQL ----

PSQL_BIN=""

# psql as role sms on database $1; the rest are psql arguments.
bpsql() {
    local db=$1
    shift
    PGPASSWORD=sms PGCONNECT_TIMEOUT=10 PGOPTIONS='-c client_min_messages=warning' "$PSQL_BIN" -X -w -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$SMS_PG_PORT" -U sms -d "$db" "$@"
}

# A single value from a query.
bpsql_val() {
    local db=$1
    shift
    bpsql "$db" -Atc "$*"
}

# Find a way in as superuser, as bin/lib/services.sh does: TCP as postgres,
# else peer auth as the postgres OS user (root: runuser; else sudo).
_bench_su_psql() {
    local -a cand=(tcp)
    if [[ $(id -u) -eq 0 ]]; then
        cand+=(runuser)
    elif command -v sudo >/dev/null 2>&1; then
        cand+=(sudo)
    fi
    local how
    for how in "${cand[@]}"; do
        case $how in
            tcp) SU_PSQL=("$PSQL_BIN" -X -w -h 127.0.0.1 -p "$SMS_PG_PORT" -U postgres) ;;
            runuser) SU_PSQL=(_sms_as_pg_owner env -u PGHOST -u PGHOSTADDR "$PSQL_BIN" -X -w -p "$SMS_PG_PORT") ;;
            sudo) SU_PSQL=(sudo -u postgres env -u PGHOST -u PGHOSTADDR "$PSQL_BIN" -X -w -p "$SMS_PG_PORT") ;;
        esac
        if PGCONNECT_TIMEOUT=5 "${SU_PSQL[@]}" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

# ensure_bench_db NAME: create database NAME owned by sms unless it exists.
ensure_bench_db() {
    local db=$1
    if bpsql_val "$db" 'SELECT 1' >/dev/null 2>&1; then
        return 0
    fi
    local -a SU_PSQL=()
    _bench_su_psql || die "cannot connect to PostgreSQL as superuser to create database $db; create it yourself: CREATE DATABASE $db OWNER sms"
    PGCONNECT_TIMEOUT=5 "${SU_PSQL[@]}" -d postgres -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "creating database $db failed"
SELECT 'CREATE DATABASE $db OWNER sms'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
SQL
    say "PostgreSQL: created database $db (owner sms)"
}

# ---------------------------------------------------------------- apps ----

declare -A APP_PID=()
declare -A APP_LOG=()
declare -A APP_PORT=()

app_url() {
    echo "http://127.0.0.1:${APP_PORT[$1]}"
}

# start_app NAME PORT DB JAR ARGS...: run one of the Java apps against the
# bench database DB and the bench's Redis db, in the background.
start_app() {
    local name=$1 port=$2 db=$3 jar=$4
    shift 4
    if _sms_port_open "$port"; then
        die "port $port (for $name) is already in use; set BENCH_PORT_BASE to another range"
    fi
    local log="$RUN_DIR/logs/$name.log"
    local -a jopts=()
    # Deliberately word-split: BENCH_JAVA_OPTS is a list of JVM options.
    # shellcheck disable=SC2206
    [[ -n ${BENCH_JAVA_OPTS:-} ]] && jopts=($BENCH_JAVA_OPTS)
    # Normal-queue workers run at a lower CPU priority, as bin/run starts them: on a shared box the express
    # worker must get the CPU first to keep its SLA while a normal backlog drains (BENCH_NORMAL_NICE=0: off).
    local -a prio=()
    [[ $name == worker-normal* && ${BENCH_NORMAL_NICE:-10} != 0 ]] && prio=(nice -n "${BENCH_NORMAL_NICE:-10}")
    QUARKUS_HTTP_PORT=$port \
        QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$SMS_PG_PORT/$db" \
        QUARKUS_DATASOURCE_USERNAME=sms \
        QUARKUS_DATASOURCE_PASSWORD=sms \
        QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$SMS_REDIS_PORT/$BENCH_REDIS_DB" \
        "${prio[@]}" java "${jopts[@]}" -jar "$jar" "$@" >"$log" 2>&1 &
    APP_PID[$name]=$!
    APP_LOG[$name]=$log
    APP_PORT[$name]=$port
}

# wait_app_ready NAME...: poll each app's /q/health/ready (bounded).
wait_app_ready() {
    local name deadline
    for name in "$@"; do
        deadline=$((SECONDS + BENCH_START_TIMEOUT))
        while :; do
            if ! kill -0 "${APP_PID[$name]}" 2>/dev/null; then
                tail -n 30 "${APP_LOG[$name]}" >&2 || true
                unset 'APP_PID[$name]'
                die "$name exited during startup (log: ${APP_LOG[$name]})"
            fi
            if curl -fsS --max-time 2 -o /dev/null "$(app_url "$name")/q/health/ready" 2>/dev/null; then
                break
            fi
            if ((SECONDS >= deadline)); then
                tail -n 30 "${APP_LOG[$name]}" >&2 || true
                die "$name was not ready within ${BENCH_START_TIMEOUT} s (log: ${APP_LOG[$name]})"
            fi
            sleep 0.5
        done
    done
}

# stop_app NAME...: SIGTERM (graceful: workers finish their batch), then
# SIGKILL after 30 s. Only the pids we started.
stop_app() {
    local name pid i
    for name in "$@"; do
        [[ -n ${APP_PID[$name]:-} ]] || continue
        kill -TERM "${APP_PID[$name]}" 2>/dev/null || true
    done
    for name in "$@"; do
        [[ -n ${APP_PID[$name]:-} ]] || continue
        pid=${APP_PID[$name]}
        for ((i = 0; i < 150; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            warn "$name (pid $pid) did not stop within 30 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        unset 'APP_PID[$name]'
    done
}

stop_all_apps() {
    local -a names=("${!APP_PID[@]}")
    ((${#names[@]} == 0)) || stop_app "${names[@]}"
}

# Prometheus text of an app (empty on failure).
app_metrics() {
    curl -fsS --max-time 5 "$(app_url "$1")/q/metrics" 2>/dev/null || true
}
