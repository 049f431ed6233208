"""One bench run: prepare (databases, build, private app copies, Redis db), the scenarios, the report, and
a cleanup that stops everything the run started, also on an error or Ctrl-C."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

from . import scenarios
from .apps import Apps
from .config import CLIENT_PREFIX, CLIENTS, CREDIT_PER_CLIENT
from .load import Wrk, extract_lua, optout_key, probe_accept
from .pg import Psql
from .redis import Redis
from .report import report
from .sampler import Sampler, load_samples, summarize_samples
from .util import BenchError, say, tail, warn

# The receipts too: those of a scenario's messages, left when its workers stopped, would be applied in the next
# scenario (to rows it truncated: kept as unmatched and tried again) and cost it CPU.
QUEUE_KEYS = ("sms:normal", "sms:express", "sms:normal:dead", "sms:express:dead", "sms:retry:normal",
              "sms:retry:express", "sms:receipts", "sms:receipts:unmatched")


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the run stops, the cleanup still runs."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _on_signal(signum, _frame):
    # The first signal ends the run; further ones must not interrupt the cleanup.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(130 if signum == signal.SIGINT else 143)


class Processes:
    """Load generators running in the background (wrk, redis-benchmark), stopped by the cleanup."""

    def __init__(self):
        self.procs = set()

    def add(self, proc):
        self.procs.add(proc)

    def discard(self, proc):
        self.procs.discard(proc)

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


class Bench:
    def __init__(self, settings):
        self.s = settings
        self.sz = settings.sizes
        self.bench_dir = settings.root / "bench"
        self.lua_dir = str(self.bench_dir / "lua")
        self.ts = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.results_dir = self.bench_dir / "results"
        self.run_dir = self.results_dir / self.ts
        self.log_dir = self.run_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="sms-bench.", dir=os.environ.get("TMPDIR") or "/tmp")
        self.procs = Processes()
        self.apps = Apps(settings, self.work, str(self.log_dir))
        self.wrk = Wrk(self.lua_dir, self.procs)
        self.api_url = "http://127.0.0.1:%d" % settings.api_port
        self.frags = {}
        self.meta = None
        self.redis = None
        self.psql = None
        self.sampler = None
        self.credited = False
        self.accept_lua = None
        self.accept_sha = None
        self.accept_fillers = 0
        self.accept_optout = False

    def path(self, name):
        return str(self.run_dir / name)

    # ------------------------------------------------------------ prepare ----

    def prepare(self):
        psql = os.environ.get("BENCH_PSQL") or shutil.which("psql")
        if not psql:
            raise BenchError("psql not found")
        self.psql = Psql(psql, self.s.pg_port)
        self.psql.ensure_db(self.s.db)
        if self.s.wants("sentlog"):
            self.psql.ensure_db(self.s.log_db)
        if self.s.wants("bigclient"):
            self.psql.ensure_db(self.s.big_db)
        self.build()
        # Private copies: a rebuild during the run must not pull the jars from under the apps.
        for app in ("api", "worker"):
            subprocess.run(["cp", "-a", str(self.s.root / ("sms-" + app) / "target" / "quarkus-app"),
                            os.path.join(self.work, app)], check=True)
        self.accept_lua = extract_lua(os.path.join(self.work, "api"), "accept")
        self.redis = Redis(self.s.redis_port, self.s.redis_db)
        # The bench's Redis db is the bench's alone: emptied at the start and at the end.
        self.redis.call("FLUSHDB")
        self.meta = self.metadata()

    def build(self):
        root = self.s.root
        if self.s.skip_build:
            say("build skipped (BENCH_SKIP_BUILD=1)")
        else:
            say("building (mvn -B -q package -DskipTests) ...")
            log = str(self.log_dir / "build.log")
            with open(log, "w") as out:
                rc = subprocess.run(["mvn", "-B", "-q", "package", "-DskipTests"], cwd=root, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
            if rc != 0:
                tail(log, 40)
                raise BenchError("build failed (log: %s)" % log)
        for m in ("sms-api", "sms-worker"):
            if not (root / m / "target" / "quarkus-app" / "quarkus-run.jar").is_file():
                raise BenchError("%s/target/quarkus-app is missing; build first (mvn package)" % m)

    def metadata(self):
        def first(path, key, conv=str):
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith(key):
                            return conv(line.split(":", 1)[1].strip())
            except OSError:
                pass
            return None

        def out(*cmd):
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=self.s.root)
            return p.stdout if p.returncode == 0 else ""

        mem_kib = first("/proc/meminfo", "MemTotal", lambda v: int(v.split()[0])) or 0
        java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
        git = out("git", "rev-parse", "--short", "HEAD").strip() or "unknown"
        if out("git", "status", "--porcelain", "--", "sms-api", "sms-worker", "sms-common").strip():
            git += "+uncommitted"
        info = self.redis.call("INFO", "server")
        redis_v = next((line.split(":", 1)[1] for line in info.splitlines() if line.startswith("redis_version:")), "")
        env = os.environ
        return {
            "timestamp": self.ts, "quick": self.s.quick, "scenarios": list(self.s.scenarios),
            "machine": {"nproc": len(os.sched_getaffinity(0)), "cpu_model": first("/proc/cpuinfo", "model name") or "",
                        "mem_gib": round(mem_kib / 1048576, 1), "redis": redis_v,
                        "postgres": self.psql.val(self.s.db, "SHOW server_version").split()[0],
                        "java": java[0].replace('"', "") if java else ""},
            "config": {"git": git, "clients": CLIENTS, "e2e_offered_msgs_per_s": self.s.e2e_rate,
                       "sla_express_rps": self.s.sla_rate, "optouts_per_client": self.s.optouts, "sentlog_rows": self.sz.sentlog_rows,
                       "bigclient_rows": self.sz.big_rows,
                       "worker_batch_size": env.get("SMS_WORKER_BATCH_SIZE") or "default",
                       "worker_concurrency": env.get("SMS_WORKER_CONCURRENCY") or "default",
                       "provider_latency_ms": env.get("SMS_PROVIDER_LATENCY_MS") or "default",
                       "java_opts": self.s.java_opts},
        }

    # ------------------------------------------------------ shared steps ----

    def frag(self, scenario, **fields):
        """Add figures to a scenario's part of the results."""
        self.frags.setdefault(scenario, {}).update(fields)

    def start_sampler(self, scenario, *app_names):
        """Sample every second into samples-SCENARIO.jsonl until stop_sampler; returns the file."""
        out = self.path("samples-%s.jsonl" % scenario)
        apps = [(a.name, a.pid, a.management_url, a.role) for a in (self.apps[n] for n in app_names)]
        self.sampler = Sampler(out, apps, self.s.redis_port, self.s.redis_db)
        self.sampler.start()
        # the first sample lies before the measured window
        time.sleep(1.2)
        return out

    def stop_sampler(self):
        if self.sampler is not None:
            self.sampler.stop()
            self.sampler = None

    @staticmethod
    def summarize(samples, t0, t1):
        return summarize_samples(load_samples(samples), t0, t1)

    def xlen(self, key):
        return self.redis.xlen(key)

    def used_memory(self):
        return self.redis.info_field("memory", "used_memory")

    def clear_streams(self):
        """Drop both queues (and their dead-letter and retry keys, and the receipts). Only while no worker runs: the consumer
        group goes with the stream and the next worker recreates it."""
        self.redis.call("DEL", *QUEUE_KEYS)

    def truncate_messages(self):
        # usage_daily (V11) too: its counters must agree with the rows.
        self.psql.run(self.s.db, "-c", "TRUNCATE messages, message_outcomes, message_parts, credit_ledger, usage_daily")

    def ensure_api(self):
        if "api" in self.apps:
            return
        say("starting the API on :%d (db %s, Redis db %d)" % (self.s.api_port, self.s.db, self.s.redis_db))
        self.apps.start("api", self.s.api_port, self.s.db, "api")
        self.apps.wait_ready("api")

    def ensure_credit(self):
        """Give every bench client plenty of credit (through the API, as a user would)."""
        if self.credited:
            return
        for i in range(CLIENTS):
            body = json.dumps({"name": "bench client %d" % i, "balance": CREDIT_PER_CLIENT}).encode()
            code = self.api_status("POST", "/api/credit/increase", "%s%03d" % (CLIENT_PREFIX, i), body)
            if code != 200:
                raise BenchError("credit increase for client %d answered HTTP %s" % (i, code))
        self.credited = True
        say("credited %d clients with %d each" % (CLIENTS, CREDIT_PER_CLIENT))
        self.opt_out_numbers()

    def api_status(self, method, path, client, body=None):
        """The HTTP status of one call of the API as CLIENT (a JSON BODY when given); "none (...)" without an answer."""
        headers = {"X-Client-ID": client}
        if body is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.api_url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError as e:
            return "none (%s)" % e

    def optout_numbers(self):
        """The numbers every bench client opts out: +4915..., a range no scenario sends to."""
        return ["+4915%08d" % j for j in range(self.s.optouts)]

    def opt_out_numbers(self):
        """Opt out BENCH_OPTOUTS numbers for every bench client through the API, so that acceptance checks each
        message against a non-empty list (a client with none skips the checks). An API without opt-outs (an older
        commit) answers 404 to the first: then nothing is opted out, and the bench says so."""
        for i in range(CLIENTS):
            for number in self.optout_numbers():
                code = self.api_status("PUT", "/api/opt-outs/" + number, "%s%03d" % (CLIENT_PREFIX, i))
                if code in (404, 405) and i == 0:
                    say("this API has no opt-outs (PUT /api/opt-outs answered %s): none set" % code)
                    return
                if code not in (200, 201):
                    raise BenchError("opt-out for client %d answered HTTP %s" % (i, code))
        if self.s.optouts:
            say("opted out %d numbers for each of the %d clients" % (self.s.optouts, CLIENTS))

    def start_workers(self, normal, extra_env=None):
        """One express worker and NORMAL normal workers, ready (EXTRA_ENV: settings for all of them)."""
        s = self.s
        self.apps.start("worker-express", s.express_port, s.db, "worker", "--queue=express", extra_env=extra_env)
        self.apps.start("worker-normal", s.normal_port, s.db, "worker", "--queue=normal", extra_env=extra_env)
        if normal >= 2:
            self.apps.start("worker-normal2", s.normal2_port, s.db, "worker", "--queue=normal", extra_env=extra_env)
        self.apps.wait_ready(*self.apps.workers())

    def stop_workers(self):
        self.apps.stop(*self.apps.workers())

    def load_accept_script(self):
        """SCRIPT LOAD of the app's own accept.lua, and how many settings sit between the message count and
        the messages in its ARGV (probed, so the bench follows the script; they are passed as "0")."""
        if self.accept_sha:
            return
        self.accept_sha = self.redis.call("SCRIPT", "LOAD", self.accept_lua)
        self.accept_fillers, self.accept_optout = probe_accept(self.redis, self.accept_sha)
        say("accept.lua loaded (%s); KEYS: balance, stream,%s freeze; ARGV: client, n, %d setting(s), "
            "n x (id, to, from, content)"
            % (self.accept_sha, " opt-outs," if self.accept_optout else "", self.accept_fillers))

    def ready_clients(self, clients):
        """Marks the clients' opt-out sets as loaded (none opted out), as the API would from PostgreSQL, so that
        calls of accept.lua made directly by the bench are not refused for an unloaded set."""
        if self.accept_optout:
            for client in clients:
                self.redis.call("SADD", optout_key(client), "!loaded", *self.optout_numbers())

    # ------------------------------------------------------------- finish ----

    def finish(self):
        self.apps.stop_all()
        out = str(self.results_dir / (self.ts + ".json"))
        table = report(self.frags, self.meta, str(self.run_dir), out)
        sys.stdout.write(table)
        sys.stdout.flush()
        with open(self.path("table.txt"), "w") as f:
            f.write(table)
        shutil.copyfile(out, str(self.results_dir / "latest.json"))

    def cleanup(self, rc):
        """Stop everything this run started and leave nothing queued or charged behind."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        steps = [self.stop_sampler, self.procs.stop_all, self._stop_apps, self._reset_stores,
                 lambda: shutil.rmtree(self.work, ignore_errors=True)]
        for step in steps:
            try:
                step()
            except Exception as e:  # noqa: BLE001 - one failed step must not skip the others
                warn("cleanup: %s" % e)
        if rc != 0:
            print("bench/run failed (exit %d); logs in %s" % (rc, self.log_dir.relative_to(self.s.root)),
                  file=sys.stderr)

    def _stop_apps(self):
        if self.apps.running:
            say("stopping the apps ...")
            self.apps.stop_all()

    def _reset_stores(self):
        if self.psql is None:
            return
        r = Redis(self.s.redis_port, self.s.redis_db, timeout=10)
        try:
            r.call("FLUSHDB")
        finally:
            r.close()
        self.psql.run(self.s.db, "-c", "DROP TABLE IF EXISTS bench_copy_scratch", check=False)


def run(settings):
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    bench = None
    rc = 0
    try:
        bench = Bench(settings)
        bench.prepare()
        say("scenarios: %s%s; raw output in %s" % (" ".join(settings.scenarios), " (QUICK)" if settings.quick else "",
                                                   bench.run_dir.relative_to(settings.root)))
        for name in settings.scenarios:
            scenarios.ALL[name](bench)
        bench.finish()
    except Interrupted as e:
        rc = e.code
    except BenchError as e:
        print("ERROR: %s" % e, file=sys.stderr)
        rc = 1
    except Exception:  # noqa: BLE001 - a bug in the bench: show it, then clean up as for any failure
        traceback.print_exc()
        rc = 1
    finally:
        if bench is not None:
            bench.cleanup(rc)
    return rc
