"""Per-second samples of queue depths, worker counters, CPU and memory while a scenario runs, and their
summary over the measured window."""

import json
import math
import os
import re
import threading
import time
import urllib.request

from .redis import Redis, info_field

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text -> list of (name, {labels}, value)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            continue
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        out.append((m.group(1), dict(LABEL_RE.findall(m.group(3) or "")), value))
    return out


def metric_sum(samples, name, **labels):
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items()))


def fetch(url, timeout=3):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a failed scrape is just a gap in the series
        return None


def histogram_quantiles(before, after, name, labels, qs=(0.5, 0.99)):
    """Upper bucket bounds holding the quantiles of what a histogram counted between two scrapes."""
    def buckets(text):
        b = {}
        for n, lab, v in parse_metrics(text or ""):
            if n == name and all(lab.get(k) == x for k, x in labels.items()) and "le" in lab:
                le = math.inf if lab["le"] == "+Inf" else float(lab["le"])
                b[le] = b.get(le, 0) + v
        return b
    b0, b1 = buckets(before), buckets(after)
    les = sorted(b1)
    if not les:
        return None
    delta = [(le, b1[le] - b0.get(le, 0)) for le in les]
    total = delta[-1][1]
    if total <= 0:
        return {"count": 0}
    res = {"count": int(total)}
    for q in qs:
        for le, c in delta:
            if c >= q * total:
                res["p%g_le_ms" % (q * 100)] = None if le == math.inf else le * 1000
                break
    return res


CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
GROUPS = {"redis-server": "redis", "postgres": "postgres", "wrk": "wrk", "redis-benchmark": "redis-benchmark",
          "psql": "psql", "redis-cli": "redis-cli"}


def proc_stat(pid):
    """(comm, cpu seconds, rss bytes) of a process, or None."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = int(fields[21]) * PAGE
    return comm, cpu, rss


def system_cpu():
    """(busy, steal, irq) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = vals[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK, (irq + softirq) / CLK_TCK


class Sampler:
    """Writes one JSON line per second to OUT until stop(); runs in a thread of the bench.

    apps: (name, pid, management url, role) of the bench's apps, whose CPU and memory are reported by name.
    """

    def __init__(self, out, apps, redis_port, redis_db, interval=1.0, max_seconds=1800):
        self.out = out
        self.apps = list(apps)
        self.redis_port = redis_port
        self.redis_db = redis_db
        self.interval = interval
        self.max_seconds = max_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        redis = None
        seen = {}
        app_pids = {str(pid) for _, pid, _, _ in self.apps}
        t_start = time.time()
        tick = 0
        try:
            with open(self.out, "a") as out:
                while True:
                    t = time.time()
                    rec = {"ts": round(t, 3)}
                    try:
                        if redis is None:
                            redis = Redis(self.redis_port, self.redis_db, timeout=5)
                        rec["xlen"] = {"normal": redis.xlen("sms:normal"), "express": redis.xlen("sms:express")}
                        if tick % 5 == 0:
                            rec["redis_used_memory"] = info_field(redis.call("INFO", "memory"), "used_memory")
                        rec["redis_forks"] = info_field(redis.call("INFO", "stats"), "total_forks")
                    except Exception:  # noqa: BLE001
                        if redis is not None:
                            redis.close()
                        redis = None
                    self._processes(rec, seen, app_pids)
                    self._scrape(rec, tick)
                    out.write(json.dumps(rec) + "\n")
                    out.flush()
                    tick += 1
                    if self._stop.is_set() or t - t_start > self.max_seconds:
                        break
                    # to the next whole interval; a stop wakes it early for one last sample right away
                    self._stop.wait(max(0.0, t_start + tick * self.interval - time.time()))
        finally:
            if redis is not None:
                redis.close()

    def _processes(self, rec, seen, app_pids):
        # CPU per group summed over every process ever seen in it (the last value seen for one that
        # has exited since), so that short-lived processes (wrk, psql backends) keep their share.
        rss = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            st = proc_stat(d)
            if st is None:
                continue
            g = GROUPS.get(st[0])
            if g:
                rss[g] = rss.get(g, 0) + st[2]
            elif d not in app_pids:
                # anything else on the machine, by command name (kernel workers rename
                # themselves after their current work item: kworker/0:1-events -> kworker)
                g = "~" + (st[0].split("/")[0] if st[0].startswith("kworker") else st[0])
            seen[d] = (g, st[1])
        cpu = {}
        for d, (g, c) in seen.items():
            if d not in app_pids:
                cpu[g] = cpu.get(g, 0) + c
        for name, pid, _, _ in self.apps:
            st = proc_stat(pid)
            if st is not None:
                cpu[name] = st[1]
                rss[name] = st[2]
        rec["cpu"] = {k: round(v, 3) for k, v in cpu.items()}
        busy, steal, softirq = system_cpu()
        rec["cpu_total"] = round(busy, 3)
        rec["cpu_steal"] = round(steal, 3)
        rec["cpu_softirq"] = round(softirq, 3)
        rec["rss"] = rss

    def _scrape(self, rec, tick):
        heap, processed = {}, {}
        for name, _, url, role in self.apps:
            if role != "worker" and tick % 5 != 0:
                continue
            text = fetch(url + "/q/metrics")
            if text is None:
                continue
            samples = parse_metrics(text)
            heap[name] = metric_sum(samples, "jvm_memory_used_bytes", area="heap")
            if role == "worker":
                for n, lab, v in samples:
                    if n == "sms_messages_processed_total":
                        key = lab.get("type", "?") + "/" + lab.get("status", "?")
                        processed[name + ":" + key] = v
        if heap:
            rec["heap"] = heap
        if processed:
            rec["processed"] = processed


def load_samples(path):
    recs = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    return recs


def summarize_samples(recs, t0, t1):
    """CPU, memory, queue depth and processed counts of the samples within [t0, t1]."""
    win = [r for r in recs if t0 - 0.6 <= r["ts"] <= t1 + 1.2]
    if len(win) < 2:
        return None
    first, last = win[0], win[-1]
    dt = last["ts"] - first["ts"]
    res = {"window_s": round(dt, 2), "samples": len(win)}
    if dt > 0:
        cores, others = {}, {}
        for k, v in last.get("cpu", {}).items():
            # a process group absent at the start (wrk, say) started within the window
            c = round((v - first.get("cpu", {}).get(k, 0)) / dt, 2)
            if k.startswith("~"):
                if c >= 0.01:
                    others[k[1:]] = c
            else:
                cores[k] = c
        res["cpu_cores"] = dict(sorted(cores.items(), key=lambda kv: -kv[1]))
        res["cpu_cores_other_processes"] = dict(sorted(others.items(), key=lambda kv: -kv[1]))
        if "cpu_softirq" in first and "cpu_softirq" in last:
            res["cpu_cores_irq"] = round((last["cpu_softirq"] - first["cpu_softirq"]) / dt, 2)
        if "cpu_total" in first and "cpu_total" in last:
            res["cpu_cores_all_processes"] = round((last["cpu_total"] - first["cpu_total"]) / dt, 2)
            res["cpu_cores_other"] = round(max(0.0, res["cpu_cores_all_processes"] - sum(cores.values())), 2)
        if "cpu_steal" in first and "cpu_steal" in last:
            res["cpu_cores_steal"] = round((last["cpu_steal"] - first["cpu_steal"]) / dt, 2)
    rss_max, heap_max = {}, {}
    for r in win:
        for k, v in r.get("rss", {}).items():
            rss_max[k] = max(rss_max.get(k, 0), v)
        for k, v in r.get("heap", {}).items():
            heap_max[k] = max(heap_max.get(k, 0), v)
    res["rss_max_mb"] = {k: round(v / 2**20, 1) for k, v in rss_max.items()}
    if heap_max:
        res["heap_max_mb"] = {k: round(v / 2**20, 1) for k, v in heap_max.items()}
    series = [[round(r["ts"] - t0, 1), r["xlen"]["normal"], r["xlen"]["express"]] for r in win if "xlen" in r]
    if series:
        res["queue_depth"] = {
            "series": series,
            "series_columns": ["t_s", "normal", "express"],
            "min": min(s[1] + s[2] for s in series),
            "max": max(s[1] + s[2] for s in series),
            "final": series[-1][1] + series[-1][2],
        }
    p0 = next((r["processed"] for r in win if "processed" in r), None)
    p1 = next((r["processed"] for r in reversed(win) if "processed" in r), None)
    if p0 is not None and p1 is not None:
        deltas = {}
        for k, v in p1.items():
            deltas[k.split(":", 1)[1]] = deltas.get(k.split(":", 1)[1], 0) + v - p0.get(k, 0)
        res["processed_delta"] = deltas
    forks = [r["redis_forks"] for r in win if r.get("redis_forks") is not None]
    if forks:
        res["redis_forks"] = forks[-1] - forks[0]
    mem = [r["redis_used_memory"] for r in win if r.get("redis_used_memory")]
    if mem:
        res["redis_used_memory_max_mb"] = round(max(mem) / 2**20, 1)
    return res
