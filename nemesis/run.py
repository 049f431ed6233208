"""One simulator run: servers, apps, load, the fault schedule, heal, drain, collect, check."""

import collections
import os
import random
import shutil
import signal
import sys
import threading
import time
import types

from smsbench.apps import Apps
from smsbench.pg import Psql
from smsbench.redis import RedisError
from smsbench.util import BenchError

from . import check, load, schedule
from .servers import PrivatePostgres, PrivateRedis

_T0 = time.monotonic()
_ENV_LOCK = threading.Lock()


def say(msg):
    print("[nemesis %5.1fs] %s" % (time.monotonic() - _T0, msg), flush=True)


# The apps' settings for a run: short timeouts, so that reclaims, retries and expiries happen within seconds.
API_ENV = {
    "SMS_RATE_LIMIT_REQUESTS_PER_SECOND": "0",
    "SMS_API_ADMIN_KEY": "nemesis-admin",
}
WORKER_ENV = {
    "SMS_WORKER_RECLAIM_IDLE": "10s",
    "SMS_WORKER_RECLAIM_INTERVAL": "1s",
    # The delivery fix checks "provider timeout + persist bound < reclaim-idle" at start.
    "SMS_PROVIDER_TIMEOUT": "2s",
    "SMS_WORKER_BATCH_SIZE": "50",
    "SMS_WORKER_RETRY_MAX_ATTEMPTS": "3",
    "SMS_WORKER_RETRY_INITIAL_BACKOFF": "200ms",
    "SMS_WORKER_RETRY_MAX_BACKOFF": "2s",
    "SMS_WORKER_SHUTDOWN_TIMEOUT": "5s",
    "SMS_PROVIDER_LATENCY_MS": "10",
    "SMS_PROVIDER_FAILURE_RATE": "0.02",
    "SMS_PROVIDER_FAIL_PREFIX": load.FAIL_PREFIX,
    "SMS_PROVIDER_TRANSIENT_FAIL_PREFIX": load.TRANSIENT_PREFIX,
}
JAVA_OPTS = "-Xmx256m -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1"


class Simulator:
    def __init__(self, opts, root):
        self.o = opts
        self.root = root
        self.keep = opts.keep or opts.dir is not None
        self.dir = os.path.abspath(opts.dir) if opts.dir else None
        self.roster = ["api-1", "api-2"] + ["worker-%s-%d" % ("express" if i % 2 == 0 else "normal", i // 2 + 1)
                                            for i in range(opts.workers)]
        self.faults = schedule.generate(opts.seed, opts.duration, self.roster)
        self.events = []
        self.events_lock = threading.Lock()
        self.starts = collections.Counter()
        # Faults on one target run one after the other, in schedule order: a restart can take far longer on a
        # busy machine than the schedule allowed for, and two faults must never start or stop one app at once.
        self.target_locks = collections.defaultdict(threading.Lock)
        self.procs = []  # every app process ever started, so that cleanup misses none
        self.closing = threading.Event()  # set by cleanup: no app starts any more, fault threads stop waiting
        self.fault_threads = []
        self.ledger = load.Ledger()

    # ------------------------------------------------------------------ setup ----

    def _folder(self):
        if self.dir:
            os.makedirs(self.dir, exist_ok=True)
        else:
            import tempfile
            self.dir = tempfile.mkdtemp(prefix="nemesis-")
        for sub in ("logs", "sends"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)

    def event(self, msg):
        with self.events_lock:
            self.events.append("%6.1fs  %s" % (time.monotonic() - self.t_load, msg))
        say(msg)

    def _ports(self):
        from .servers import free_port
        return {name: free_port() for name in self.roster}

    def start_app(self, name, extra=None):
        """Start one app (a fresh JVM on its fixed port) through bench.smsbench's Apps / bin/lib/launch."""
        self.starts[name] += 1
        env = dict(API_ENV if name.startswith("api") else WORKER_ENV)
        if name.startswith("worker"):
            env["SMS_PROVIDER_SEND_LOG"] = os.path.join(self.dir, "sends", "%s-%d.log" % (name, self.starts[name]))
        env.update(extra or {})
        if name in self.apps:
            raise BenchError("%s is already running" % name)
        # A restart's log goes to a new file: the old one stays as NAME.<start>.log (a hard link made below).
        log = os.path.join(self.dir, "logs", name + ".log")
        if os.path.exists(log):
            os.unlink(log)
        # Apps.start passes this process's environment on: set it for the moment of the fork only.
        with _ENV_LOCK:
            if self.closing.is_set():
                raise BenchError("the run is ending")
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                if name.startswith("api"):
                    self.apps.start(name, self.ports[name], "sms", "api")
                else:
                    self.apps.start(name, self.ports[name], "sms", "worker", "--queue=" + name.split("-")[1])
                self.procs.append(self.apps[name].proc)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        try:
            os.link(log, "%s.%d.log" % (log[:-4], self.starts[name]))
        except OSError:
            pass

    def ensure_app(self, name, extra=None, deadline=None):
        """Start NAME and wait until it is ready; a start that fails (a store down) is tried again."""
        deadline = deadline or time.monotonic() + 120
        while not self.closing.is_set():
            if name not in self.apps:
                try:
                    self.start_app(name, extra)
                except BenchError as e:
                    say("%s: %s" % (name, e))
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(1)
                    continue
            try:
                self.apps.wait_ready(name)
                return True
            except BenchError as e:
                if name in self.apps:  # not ready in time but alive: stop it and start again
                    self.apps.stop(name)
                if time.monotonic() > deadline:
                    say("%s did not come back: %s" % (name, e))
                    return False
                time.sleep(1)
        return False

    def kill_app(self, name):
        a = self.apps.running.pop(name, None)
        if a:
            try:
                a.proc.send_signal(signal.SIGCONT)
                a.proc.kill()
            except ProcessLookupError:
                pass
            a.proc.wait()

    # ------------------------------------------------------------------ faults ----

    def run_fault(self, f, previous):
        delay = self.t_load + f.at - time.monotonic()
        if delay > 0 and self.closing.wait(delay):
            return
        if previous is not None:
            previous.join()  # the previous fault on the same target, whose turn comes first
        if self.closing.is_set():
            return
        try:
            with self.target_locks[f.target]:
                self._fault(f)
        except Exception as e:  # noqa: BLE001 - a fault that could not be applied is reported, the run goes on
            self.event("%s %s failed: %s" % (f.kind, f.target, e))

    def _fault(self, f):
        k, t, d = f.kind, f.target, f.duration
        if k in ("kill9", "sigstop", "term", "provider") and t not in self.apps:
            self.event("%s %s skipped: not running" % (k, t))
            return
        if k == "kill9":
            self.event("kill -9 %s (pid %d)" % (t, self.apps[t].pid))
            self.kill_app(t)
            self.closing.wait(d)
            self.event("start %s" % t)
            self.event(("%s ready" if self.ensure_app(t) else "%s did not come back") % t)
        elif k == "sigstop":
            pid = self.apps[t].pid
            self.event("SIGSTOP %s (pid %d) for %.1fs" % (t, pid, d))
            os.kill(pid, signal.SIGSTOP)
            self.closing.wait(d)
            os.kill(pid, signal.SIGCONT)
            self.event("SIGCONT %s" % t)
        elif k == "term":
            self.event("SIGTERM %s (graceful stop)" % t)
            self.apps.stop(t)
            self.closing.wait(d)
            self.event("start %s" % t)
            self.event(("%s ready" if self.ensure_app(t) else "%s did not come back") % t)
        elif k == "provider":
            key, value = f.detail.split("=")
            extra = {"SMS_PROVIDER_" + key.upper().replace("-", "_"): value}
            self.event("restart %s with provider %s" % (t, f.detail))
            self.apps.stop(t)
            if not self.ensure_app(t, extra):
                self.event("%s did not come back" % t)
            self.closing.wait(d)
            self.event("restart %s with a healthy provider" % t)
            self.apps.stop(t)
            self.event(("%s ready" if self.ensure_app(t) else "%s did not come back") % t)
        elif k == "redis-kill":
            self.event("kill -9 redis-server")
            self.redis.kill()
            if self.closing.wait(d):
                return
            self.redis.start()
            self.event("redis-server restarted (AOF)")
        elif k == "pg-stop":
            mode = f.detail.split("=")[1]
            self.event("pg_ctl stop -m %s" % mode)
            self.pg.stop(mode)
            if self.closing.wait(d):
                return
            self.pg.start()
            self.event("PostgreSQL started")
        elif k == "client-pause":
            self.event("CLIENT PAUSE %d %s" % (d * 1000, f.detail))
            self.redis.call("CLIENT", "PAUSE", str(int(d * 1000)), f.detail)
            self.closing.wait(d)
            self.event("pause over")

    # ------------------------------------------------------------------ phases ----

    def heal(self):
        if not self.redis.running():
            self.redis.start()
        if not self.pg.running():
            self.pg.start()
        self.redis.call("CLIENT", "UNPAUSE")
        for name in list(self.apps.running):
            try:
                os.kill(self.apps[name].pid, signal.SIGCONT)
            except (ProcessLookupError, KeyError):
                pass
        for name in self.roster:
            if name not in self.apps or self.apps[name].proc.poll() is not None:
                self.apps.running.pop(name, None)
                self.event("heal: start %s" % name)
            if not self.ensure_app(name, deadline=time.monotonic() + 180):
                raise BenchError("%s cannot be started after the heal" % name)

    def backlog(self):
        r = self.redis.client()
        try:
            out = collections.OrderedDict()
            for t in ("express", "normal"):
                out["sms:%s length" % t] = r.call("XLEN", "sms:" + t)
                try:
                    out["sms:%s pending" % t] = r.call("XPENDING", "sms:" + t, "sms-workers")[0]
                except RedisError:
                    out["sms:%s pending" % t] = 0
                out["sms:retry:%s" % t] = r.call("ZCARD", "sms:retry:" + t)
        finally:
            r.close()
        # A top-up recorded in PostgreSQL whose Redis step did not answer (503 credit-pending) is applied by the
        # recovery job a little later (sms.credit.recovery-age): the system has settled only once none is left.
        out["top-ups pending"] = int(Psql(self.pg.psql_bin(), self.pg.port).run("sms", "-Atc",
            "SELECT count(*) FROM credit_ledger WHERE reason = 'top_up' AND applied_at IS NULL").strip() or 0)
        return out

    def drain(self, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            b = self.backlog()
            if not any(b.values()):
                return True
            if b != last:
                say("draining: " + ", ".join("%s=%d" % kv for kv in b.items() if kv[1]))
                last = b
            if time.monotonic() > deadline:
                return False
            time.sleep(1)

    def collect(self):
        psql = Psql(self.pg.psql_bin(), self.pg.port)
        state = {"queues": self.backlog()}
        rows = {}
        details = {}
        presumed = set()
        credits = {}
        for line in psql.run("sms", "-Atc", "SELECT id, client_id, status, credits, type, queued_at, attempts, "
                             "coalesce(error_message, '') FROM messages").splitlines():
            i, c, st, charged, rest = line.split("|", 4)
            credits[i] = int(charged)
            # A receipt moves a sent message on; for money and sends, delivered and undelivered are sent (charged).
            if st in ("delivered", "undelivered"):
                st = "sent"
            rows[i] = (c, st)
            details[i] = "%s %s %s" % (c, st, rest.replace("|", " "))
            if st == "sent" and rest.split("|")[-1].startswith("presumed sent:"):
                presumed.add(i)
        state["rows"], state["details"], state["presumed"] = rows, details, presumed
        state["credits"] = credits  # id -> credits charged at acceptance (one per SMS part)
        topup, sent = collections.Counter(), collections.Counter()
        for line in psql.run("sms", "-Atc", "SELECT client_id, reason, sum(delta) FROM credit_ledger GROUP BY 1, 2").splitlines():
            c, reason, total = line.split("|")
            if reason == "top_up":
                topup[c] += int(total)
            elif reason == "sent":
                sent[c] -= int(total)
            else:
                topup[c] += int(total)  # any other reason counts as credit added
        state["ledger_topup"], state["ledger_sent"] = topup, sent
        state["usage"] = {c: [int(v) for v in rest] for c, *rest in (line.split("|") for line in psql.run(
            "sms", "-Atc", "SELECT client_id, sum(accepted), sum(sent), sum(failed), sum(credits_charged), "
            "sum(credits_refunded) FROM usage_daily GROUP BY 1").splitlines())}
        state["pg_balance"] = {c: int(b) for c, b in (line.split("|") for line in psql.run(
            "sms", "-Atc", "SELECT client_id, balance FROM credits").splitlines())}
        r = self.redis.client()
        try:
            state["live"] = {c: int(r.call("GET", "sms:credit:{%s}" % c) or 0) for c in load.CLIENTS}
            dead = []
            for t in ("express", "normal"):
                for _, fields in r.call("XRANGE", "sms:%s:dead" % t, "-", "+"):
                    f = dict(zip(fields[::2], fields[1::2]))
                    dead.append(f.get("id"))
            state["dead"] = dead
            markers, cursor = set(), "0"
            while True:
                cursor, keys = r.call("SCAN", cursor, "MATCH", "sms:refund:*", "COUNT", "1000")
                markers.update(k.rsplit(":", 1)[1] for k in keys)
                if cursor == "0":
                    break
            state["markers"] = markers
        finally:
            r.close()
        sends = collections.Counter()
        for f in sorted(os.listdir(os.path.join(self.dir, "sends"))):
            with open(os.path.join(self.dir, "sends", f)) as fh:
                sends.update(line.strip() for line in fh if line.strip())
        state["sends"] = sends
        return state

    def write_sends(self):
        """Every send the load made, with its outcome: the story behind a failed check (kept with --dir/--keep)."""
        import json
        with open(os.path.join(self.dir, "sends.json"), "w") as fh:
            json.dump([{"key": s.key, "client": s.client, "type": s.type, "state": s.state, "ids": s.ids,
                        "replays": s.replays, "first": s.first} for s in self.ledger.sends.values()], fh, indent=0)

    def sabotage(self):
        """Break invariants on purpose, after the drain and before the check, to show that the checker sees it."""
        psql = Psql(self.pg.psql_bin(), self.pg.port)
        victim = psql.val("sms", "SELECT id FROM messages WHERE status IN ('sent', 'delivered') ORDER BY id LIMIT 1")
        self.redis.call("INCRBY", "sms:credit:{%s}" % load.CLIENTS[0], "1")
        with open(os.path.join(self.dir, "sends", "sabotage.log"), "w") as fh:
            fh.write(victim + "\n")
        # another client's row: the same client's deleted row would cancel its extra credit in the conservation sum
        other = psql.val("sms", "SELECT id FROM messages WHERE status IN ('sent', 'delivered') AND client_id <> '%s' ORDER BY id DESC "
                         "LIMIT 1" % load.CLIENTS[0])
        psql.run("sms", "-c", "DELETE FROM messages WHERE id = '%s'" % other)
        say("SABOTAGE: +1 live credit for %s, a second provider send of %s, row %s deleted"
            % (load.CLIENTS[0], victim, other))

    def main(self):
        o = self.o
        self.apps = None
        print("nemesis seed=%d duration=%ds workers=%d max-sends=%d" % (o.seed, o.duration, o.workers, o.max_sends))
        print("replay: bin/nemesis --seed %d --duration %d --workers %d" % (o.seed, o.duration, o.workers))
        print("schedule (%d faults):" % len(self.faults))
        for f in self.faults:
            print("  " + f.describe())
        sys.stdout.flush()
        if o.schedule_only:
            return 0
        self._folder()
        self.redis = PrivateRedis(self.dir)
        self.pg = PrivatePostgres()
        try:
            return self._run()
        finally:
            self.cleanup()

    def _run(self):
        o = self.o
        say("private Redis on %d, PostgreSQL on %d, folder %s" % (self.redis.port, self.pg.port, self.dir))
        self.redis.start()
        self.pg.init()
        self.ports = self._ports()
        settings = types.SimpleNamespace(root=self.root, pg_port=self.pg.port, redis_port=self.redis.port, redis_db=0,
                                         app_java_opts=JAVA_OPTS, normal_nice=0, start_timeout=o.start_timeout)
        home = os.path.join(self.dir, "app-home")
        os.makedirs(home, exist_ok=True)
        for app in ("api", "worker"):
            target = os.path.join(str(self.root), "sms-%s" % app, "target", "quarkus-app")
            if not os.path.isfile(os.path.join(target, "quarkus-run.jar")):
                raise BenchError("%s is missing: build first (./mvnw -o -q -DskipTests package)" % target)
            if not os.path.exists(os.path.join(home, app)):
                os.symlink(target, os.path.join(home, app))
        self.apps = Apps(settings, home, os.path.join(self.dir, "logs"))
        self.t_load = time.monotonic()
        # the API migrates the schema; the workers check it at start
        for name in self.roster[:1]:
            self.start_app(name)
            self.apps.wait_ready(name)
        for name in self.roster[1:]:
            self.start_app(name)
        self.apps.wait_ready(*self.roster[1:])
        say("apps ready: " + ", ".join("%s:%d" % (n, self.ports[n]) for n in self.roster))
        api_ports = [self.ports[n] for n in self.roster if n.startswith("api")]
        lg = load.Load(api_ports, self.ledger, o.seed, threads=o.load_threads)
        lg.setup(time.monotonic() + 60)

        say("load and faults for %d s" % o.duration)
        self.t_load = time.monotonic()
        lg.start()
        threads, last = self.fault_threads, {}
        for f in self.faults:
            t = threading.Thread(target=self.run_fault, args=(f, last.get(f.target)), daemon=True)
            last[f.target] = t
            threads.append(t)
        for t in threads:
            t.start()
        time.sleep(o.duration)
        lg.stop()
        self.event("load stopped")
        for t in threads:
            t.join()
        self.event("every fault ended; healing")
        self.heal()
        self.event("healed")
        unresolved = load.resolve_uncertain(api_ports, self.ledger, time.monotonic() + 60, random.Random(o.seed))
        self.event("uncertain sends and top-ups replayed (%d sends still without an answer)" % unresolved)
        drained = self.drain(o.drain_timeout)
        self.event("drained" if drained else "NOT drained within %d s" % o.drain_timeout)
        self.apps.stop_all()
        if o.sabotage:
            self.sabotage()
        state = self.collect()
        self.write_sends()
        results = check.run_checks(state, self.ledger, o.max_sends, unresolved)
        return self.report(results, state)

    def report(self, results, state):
        o = self.o
        print("\nevents:")
        for e in self.events:
            print("  " + e)
        print("\nload (answers seen):")
        for k, v in sorted(self.ledger.counts.items()):
            print("  %-28s %d" % (k, v))
        print("  sends by outcome: " + ", ".join("%s=%d" % kv for kv in sorted(self.ledger.by_state().items())))
        rows = state["rows"]
        st = collections.Counter(s for _, s in rows.values())
        print("\ncounts: accepted=%d rows=%d sent=%d failed=%d dead-letters=%d provider-sends=%d (distinct %d) "
              "app-starts=%d" % (len(self.ledger.accepted_ids()), len(rows), st["sent"], st["failed"],
                                 len(state["dead"]), sum(state["sends"].values()), len(state["sends"]),
                                 sum(self.starts.values())))
        print("\nchecks:")
        failed_enforced, failed_other = [], []
        for name, r in results.items():
            enforced = name in o.enforce
            mark = "ok  " if r.ok else ("FAIL" if enforced else "fail (not enforced)")
            print("  %-24s %s  %s" % (name, mark, "; ".join(r.facts)))
            for ex in r.examples:
                print("      " + ex)
            if r.violations > 5:
                print("      ... %d violations in all" % r.violations)
            if not r.ok:
                (failed_enforced if enforced else failed_other).append("%s=%d" % (name, r.violations))
        verdict = "FAILED" if failed_enforced else "PASSED"
        print("\nnemesis seed=%d %s%s%s" % (
            o.seed, verdict, (" violated: " + ", ".join(failed_enforced)) if failed_enforced else "",
            (" (not enforced, violated: %s)" % ", ".join(failed_other)) if failed_other else ""))
        if self.keep:
            print("logs: %s" % self.dir)
        sys.stdout.flush()
        return 1 if failed_enforced else 0

    def cleanup(self):
        with _ENV_LOCK:
            self.closing.set()
        if self.apps is not None:
            for name in list(self.apps.running):
                try:
                    os.kill(self.apps[name].pid, signal.SIGCONT)
                except (ProcessLookupError, KeyError):
                    pass
            try:
                self.apps.stop_all()
            except Exception:  # noqa: BLE001 - kill whatever is left below
                pass
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGCONT)
                    p.kill()
                except ProcessLookupError:
                    pass
                p.wait()
        # fault threads notice the end within a second or two (a wait for readiness ends with its app)
        for t in self.fault_threads:
            t.join(timeout=10)
        self.redis.kill()
        try:
            if self.pg.running():
                self.pg.stop("immediate")
        except BenchError:
            pass
        self.pg.cleanup(os.path.join(self.dir, "logs") if self.keep else None)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
