"""What a bench run does: the scenarios from the command line, every knob from the environment.

All of it is read and checked before anything is started, so that a typo fails at once and not after the
build. bench/run calls `python3 -m smsbench --check ARGS` for exactly that before it touches the services.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .util import BenchError

HELP = """\
Benchmark of the SMS platform: starts Redis/PostgreSQL (bin/lib/services.sh)
and its own copies of the API and workers on its own ports, databases and
Redis db, drives them with wrk / redis-benchmark / COPY, prints a table and
writes bench/results/<timestamp>.json (+ latest.json). See bench/README.md.

  bench/run                      all scenarios (about 10 minutes)
  BENCH_QUICK=1 bench/run        smoke version: small sizes, about 3 minutes
  bench/run ingest otp           only these scenarios

Scenarios (in this order): ceiling ingest otp e2e sla sentlog bigclient attack smpp webhooks

Settings (environment):
  BENCH_QUICK=1             small sizes and short runs
  BENCH_SKIP_BUILD=1        use the jars in */target/quarkus-app as they are (also SMS_SKIP_BUILD=1)
  BENCH_PORT_BASE           first of the 5 HTTP ports used (default 18080); each app's
                            management port (health, metrics) is its HTTP port + 1000
  BENCH_REDIS_DB            Redis logical db of the bench (default 13; it is EMPTIED)
  BENCH_DB, BENCH_LOG_DB, BENCH_BIG_DB
                            PostgreSQL databases (default sms_bench, sms_bench_log, sms_bench_big; created, owner sms)
  BENCH_JAVA_OPTS           JVM options for the apps (default: the JVM's default heap)
  BENCH_NORMAL_NICE         nice level of the normal-queue workers (default 10, as bin/run; 0 = off)
  BENCH_E2E_RATE            offered load of the end-to-end runs in msg/s (default 22000; 0 = as fast as possible)
  BENCH_SLA_RATE            express requests/s during the backlog drain (default 200)
  BENCH_OPTOUTS             numbers each bench client has opted out (default 10; none of them is sent to), so that
                            acceptance checks every message against a non-empty list; 0 = none
  BENCH_SENTLOG_ROWS        rows of the sent-log table (default 10,000,000; quick 200,000)
  BENCH_BIG_ROWS            messages of the bigclient scenario's large client (default 20,000,000; quick 200,000),
                            beside 2,000,000 (quick 100,000) of 1,000 small clients, over 60 days
  BENCH_BIG_READS_IN_FLIGHT the bigclient API's sms.api.sent-log-reads-in-flight and the connections of its sent-log
                            reads (default: the API's own bound, 2)
  BENCH_LOAD_JOBS           psql sessions that load the sentlog / bigclient rows side by side (default 2)
  BENCH_START_TIMEOUT       seconds to wait for an app's readiness (default 600: a migration may build an index over the 10M-row table)
  SMS_REDIS_PORT, SMS_PG_PORT, SMS_WORKER_*, SMS_PROVIDER_*   as for bin/run
"""

ALL_SCENARIOS = ("ceiling", "ingest", "otp", "e2e", "sla", "sentlog", "bigclient", "attack", "smpp", "webhooks")

# Databases that hold the user's and the tests' data: the bench creates, truncates and reloads its own.
FORBIDDEN_DBS = ("sms", "sms_test")

# The JVM's own default heap (a quarter of the RAM), stated explicitly: bin/lib/launch would otherwise apply
# bin/run's -Xmx512m, and the bench has always measured the apps on the default heap.
DEFAULT_JAVA_OPTS = "-XX:MaxRAMPercentage=25"


@dataclass(frozen=True)
class Sizes:
    """How much work each scenario does: full size, or the quick smoke version."""

    lua_calls: int
    lua1_calls: int
    copy_rows: int
    warmup_s: int
    ingest_s: int
    otp_s: int
    e2e_s: int
    e2e_warm_s: int
    e2e_drain_cap_s: int
    sla_backlog: int
    sla_cap_s: int
    sentlog_rows: int
    sentlog_s: int
    attack_s: int         # seconds of the sent-log flood, and as many of the reference flood
    big_rows: int         # the large client's messages
    big_small_rows: int   # the small clients' messages beside them
    big_s: int            # seconds of each measured read run (at 200 req/s, and at saturation)
    big_drop_rows: int    # rows of the old day whose partitions are dropped
    big_export_rows: int  # about how many rows each export reads (a range of whole days)


FULL = Sizes(lua_calls=20000, lua1_calls=300000, copy_rows=1000000, warmup_s=10, ingest_s=30, otp_s=20,
             e2e_s=60, e2e_warm_s=5, e2e_drain_cap_s=120, sla_backlog=1000000, sla_cap_s=360,
             sentlog_rows=10000000, sentlog_s=10, attack_s=15, big_rows=20000000, big_small_rows=2000000,
             big_s=10, big_drop_rows=1000000, big_export_rows=3000000)
QUICK = Sizes(lua_calls=5000, lua1_calls=50000, copy_rows=100000, warmup_s=3, ingest_s=5, otp_s=5,
              e2e_s=10, e2e_warm_s=2, e2e_drain_cap_s=30, sla_backlog=50000, sla_cap_s=90,
              sentlog_rows=200000, sentlog_s=3, attack_s=4, big_rows=200000, big_small_rows=100000,
              big_s=3, big_drop_rows=50000, big_export_rows=100000)

# The clients every scenario but sentlog sends as, credited once through the API.
CLIENTS = 100
CLIENT_PREFIX = "bench-c"
CREDIT_PER_CLIENT = 10000000
# The sent-log table: its clients, and the version of the generated data (bump it when the generator
# changes, so that tables loaded by an older bench are reloaded).
SENTLOG_CLIENTS = 1000
SENTLOG_DATA_VERSION = 3
# The bigclient scenario: one large client beside small ones, over BIG_DAYS days (a partition each).
BIG_CLIENT = "bigclient"
BIG_SMALL_CLIENTS = 1000
BIG_SMALL_PREFIX = "small-"
BIG_DAYS = 60
BIG_DATA_VERSION = 1
# The fixed offered load of its read runs.
BIG_RATE = 200


@dataclass(frozen=True)
class Settings:
    root: Path
    quick: bool
    scenarios: tuple
    sizes: Sizes
    redis_port: int
    pg_port: int
    redis_db: int
    db: str
    log_db: str
    big_db: str
    big_reads_in_flight: int
    load_jobs: int
    start_timeout: int
    port_base: int
    e2e_rate: int
    smpp_rate: int
    smpp_receipt_delay_ms: int
    sla_rate: int
    optouts: int
    java_opts: str
    normal_nice: int
    skip_build: bool

    @property
    def api_port(self):
        return self.port_base

    @property
    def express_port(self):
        return self.port_base + 1

    @property
    def normal_port(self):
        return self.port_base + 2

    @property
    def normal2_port(self):
        return self.port_base + 3

    @property
    def log_api_port(self):
        return self.port_base + 4

    @property
    def webhook_port(self):
        """The webhooks scenario's receiver."""
        return self.port_base + 7

    @property
    def smsc_port(self):
        """bin/smsc's SMPP port; its control port is the next one."""
        return self.port_base + 5

    @property
    def app_java_opts(self):
        return self.java_opts or DEFAULT_JAVA_OPTS

    def wants(self, scenario):
        return scenario in self.scenarios


def wants_help(argv):
    return any(a in ("-h", "--help") for a in argv)


def parse_scenarios(argv):
    if not argv:
        return ALL_SCENARIOS
    for a in argv:
        if a not in ALL_SCENARIOS:
            raise BenchError("unknown scenario '%s' (choose from: %s)" % (a, " ".join(ALL_SCENARIOS)))
    # Always in the canonical order, whatever order they were named in.
    return tuple(s for s in ALL_SCENARIOS if s in argv)


def _whole(env, name, default, label=None):
    v = env.get(name, "")
    v = v if v != "" else str(default)
    if not re.fullmatch(r"[0-9]+", v):
        raise BenchError("%s must be a whole number, got '%s'" % (label or name, v))
    return int(v)


def load(argv, env=None, root=None):
    """Settings of this run, or BenchError with what is wrong."""
    env = os.environ if env is None else env
    scenarios = parse_scenarios(argv)
    quick = env.get("BENCH_QUICK", "0") == "1"
    sizes = QUICK if quick else FULL

    redis_db = _whole(env, "BENCH_REDIS_DB", 13)
    port_base = _whole(env, "BENCH_PORT_BASE", 18080, "PORT_BASE")
    e2e_rate = _whole(env, "BENCH_E2E_RATE", 22000, "E2E_RATE")
    smpp_rate = _whole(env, "BENCH_SMPP_RATE", 12000, "SMPP_RATE")
    smpp_receipt_delay_ms = _whole(env, "BENCH_SMPP_RECEIPT_DELAY_MS", 100, "SMPP_RECEIPT_DELAY_MS")
    sla_rate = _whole(env, "BENCH_SLA_RATE", 200, "SLA_RATE")
    optouts = _whole(env, "BENCH_OPTOUTS", 10)
    start_timeout = _whole(env, "BENCH_START_TIMEOUT", 600)
    normal_nice = _whole(env, "BENCH_NORMAL_NICE", 10)
    db = env.get("BENCH_DB") or "sms_bench"
    log_db = env.get("BENCH_LOG_DB") or "sms_bench_log"
    big_db = env.get("BENCH_BIG_DB") or "sms_bench_big"
    if not all(re.fullmatch(r"[a-z_][a-z0-9_]*", d) for d in (db, log_db, big_db)):
        raise BenchError("BENCH_DB / BENCH_LOG_DB / BENCH_BIG_DB must be plain lower-case identifiers")
    if len({db, log_db, big_db}) != 3:
        raise BenchError("BENCH_DB, BENCH_LOG_DB and BENCH_BIG_DB must be three different databases")
    if any(d in FORBIDDEN_DBS for d in (db, log_db, big_db)):
        raise BenchError("the bench must not use the databases sms or sms_test (they hold the user's and the tests' data)")
    if redis_db == 0:
        raise BenchError("BENCH_REDIS_DB must not be 0 (the platform's own db); the bench empties it")
    rows = env.get("BENCH_SENTLOG_ROWS") or str(sizes.sentlog_rows)
    if not re.fullmatch(r"[0-9]+", rows) or int(rows) < 1000:
        raise BenchError("BENCH_SENTLOG_ROWS must be a number >= 1000")
    big = env.get("BENCH_BIG_ROWS") or str(sizes.big_rows)
    if not re.fullmatch(r"[0-9]+", big) or int(big) < 10000:
        raise BenchError("BENCH_BIG_ROWS must be a number >= 10000")
    sizes = Sizes(**{**sizes.__dict__, "sentlog_rows": int(rows), "big_rows": int(big)})
    load_jobs = _whole(env, "BENCH_LOAD_JOBS", 2)
    if load_jobs < 1:
        raise BenchError("BENCH_LOAD_JOBS must be 1 or more")

    return Settings(
        root=root or Path(__file__).resolve().parents[2],
        quick=quick,
        scenarios=scenarios,
        sizes=sizes,
        redis_port=_whole(env, "SMS_REDIS_PORT", 6379),
        pg_port=_whole(env, "SMS_PG_PORT", 5432),
        redis_db=redis_db,
        db=db,
        log_db=log_db,
        big_db=big_db,
        big_reads_in_flight=_whole(env, "BENCH_BIG_READS_IN_FLIGHT", 0),
        load_jobs=load_jobs,
        start_timeout=start_timeout,
        port_base=port_base,
        e2e_rate=e2e_rate,
        smpp_rate=smpp_rate,
        smpp_receipt_delay_ms=smpp_receipt_delay_ms,
        sla_rate=sla_rate,
        optouts=optouts,
        java_opts=env.get("BENCH_JAVA_OPTS", ""),
        normal_nice=normal_nice,
        skip_build=(env.get("BENCH_SKIP_BUILD") or env.get("SMS_SKIP_BUILD") or "0") == "1",
    )
