#!/usr/bin/env python3
"""Helpers for bench/run (standard library only).

Subcommands:
  sample        sample queue depths, worker counters, CPU and memory every second (JSON lines)
  probe-accept  work out the argument layout of the accept script
  prefill       write EVALSHA calls of the accept script as RESP, for `redis-cli --pipe`
  copy-csv      write message rows as CSV, for the COPY ceiling
  extract-lua   print lua/<name>.lua from the sms-common jar of an app copy
  frag          combine one scenario's raw outputs (wrk, samples, metrics, SQL) into a JSON fragment
  report        assemble the fragments into the results JSON and print the table
"""

import argparse
import glob
import json
import math
import os
import re
import signal
import socket
import sys
import time
import uuid
import zipfile

# ------------------------------------------------------------------ Redis ----


class Redis:
    """The few commands the sampler needs, over a plain socket (RESP2)."""

    def __init__(self, port, db):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.call("SELECT", str(db))

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("redis closed the connection")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return [self._read() for _ in range(max(n, 0))]
        raise ValueError("bad RESP reply: %r" % line)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self._read()


def info_field(info, field):
    for line in info.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    return None


# ---------------------------------------------------------------- metrics ----

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
    import urllib.request
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


# ---------------------------------------------------------------- sampler ----

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
    """(busy, steal) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = vals[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK, (irq + softirq) / CLK_TCK


def cmd_sample(a):
    apps = []
    for spec in a.app:
        name, pid, url, role = spec.split(",", 3)
        apps.append((name, pid, url, role))
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("flag", True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("flag", True))
    redis = None
    seen = {}
    app_pids = {pid for _, pid, _, _ in apps}
    t_start = time.time()
    tick = 0
    with open(a.out, "a") as out:
        while True:
            t = time.time()
            rec = {"ts": round(t, 3)}
            try:
                if redis is None:
                    redis = Redis(a.redis_port, a.redis_db)
                rec["xlen"] = {"normal": redis.call("XLEN", "sms:normal"), "express": redis.call("XLEN", "sms:express")}
                if tick % 5 == 0:
                    rec["redis_used_memory"] = info_field(redis.call("INFO", "memory"), "used_memory")
                rec["redis_forks"] = info_field(redis.call("INFO", "stats"), "total_forks")
            except Exception:  # noqa: BLE001
                redis = None
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
            for name, pid, url, role in apps:
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
            heap, processed = {}, {}
            for name, pid, url, role in apps:
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
            out.write(json.dumps(rec) + "\n")
            out.flush()
            tick += 1
            if stop["flag"] or t - t_start > a.max_seconds:
                break
            # Sleep to the next whole interval, waking early on SIGTERM.
            end = t_start + tick * a.interval
            while not stop["flag"] and time.time() < end:
                time.sleep(min(0.1, max(0.0, end - time.time())))
            if stop["flag"]:
                # one last sample right away, then leave
                a.max_seconds = -1


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


# ---------------------------------------------------------------- prefill ----

def cmd_prefill(a):
    """EVALSHA <sha> 2 <balance> <stream> <client> <n> (id to from content)*n, as RESP on stdout."""
    out = sys.stdout.buffer
    stream = a.stream.encode()
    sha = a.sha.encode()
    content = b"Bench backlog: your monthly statement is ready. Log in to see it. Reply STOP to opt out."
    sender = b"BenchApp"

    def bulk(b):
        return b"$%d\r\n%s\r\n" % (len(b), b)

    calls = (a.n + a.batch - 1) // a.batch
    done = 0
    chunk = []
    for c in range(calls):
        n = min(a.batch, a.n - done)
        client = ("%s%03d" % (a.prefix, c % a.clients)).encode()
        parts = [b"*%d\r\n" % (7 + a.fillers + 4 * n), bulk(b"EVALSHA"), bulk(sha), bulk(b"2"),
                 bulk(b"sms:credit:{" + client + b"}"), bulk(stream), bulk(client), bulk(str(n).encode())]
        parts += [bulk(b"0")] * a.fillers
        for i in range(n):
            parts.append(bulk(str(uuid.uuid4()).encode()))
            parts.append(bulk(b"+4916%08d" % ((done + i) % 100000000)))
            parts.append(bulk(sender))
            parts.append(bulk(content))
        chunk.append(b"".join(parts))
        done += n
        if len(chunk) >= 100:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))
    out.flush()


def cmd_probe_accept(a):
    """How many ARGV sit between the message count and the messages in this version of accept.lua.

    The script's layout is { client, n, <k settings>, n x (id, to, from, content) }; the settings (e.g. validity,
    idempotency) are filled with "0". Prints k, found by trying k = 0..8 on a scratch stream and checking that
    exactly one entry carrying the probe's id and content was queued.
    """
    r = Redis(a.port, a.db)
    key, stream = "sms:credit:{bench-probe}", "sms:bench:probe"
    probe_id = str(uuid.uuid4())
    content = "bench probe message"
    for k in range(9):
        r.call("DEL", stream)
        r.call("SET", key, "10")
        args = ["EVALSHA", a.sha, "2", key, stream, "bench-probe", "1"] + ["0"] * k + [probe_id, "+4917000000001", "BenchApp", content]
        try:
            reply = r.call(*args)
        except Exception:  # noqa: BLE001
            reply = None
        ok = False
        if isinstance(reply, list) and reply and reply[0] == 1:
            entries = r.call("XRANGE", stream, "-", "+")
            if len(entries) == 1 and probe_id in entries[0][1] and content in entries[0][1]:
                ok = True
        if ok:
            r.call("DEL", stream, key)
            print(k)
            return
    r.call("DEL", stream, key)
    sys.exit("could not work out the argument layout of accept.lua (last reply: %r)" % (reply,))


def cmd_copy_csv(a):
    content = "Bench copy: your parcel is on its way. Track it in the app. Reply STOP to opt out."
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    with open(a.out, "w") as f:
        rows = []
        for i in range(a.n):
            rows.append("%s,copy-%03d,normal,+4915%08d,BenchApp,%s,sent,%s,%s,,1\n"
                        % (uuid.uuid4(), i % 100, i % 100000000, content, now, now))
            if len(rows) >= 10000:
                f.write("".join(rows))
                rows = []
        f.write("".join(rows))


def cmd_extract_lua(a):
    for jar in glob.glob(os.path.join(a.app_dir, "lib", "main", "*sms-common*.jar")):
        with zipfile.ZipFile(jar) as z:
            try:
                sys.stdout.write(z.read("lua/%s.lua" % a.name).decode())
                return
            except KeyError:
                pass
    sys.exit("lua/%s.lua not found in the sms-common jar under %s" % (a.name, a.app_dir))


# ------------------------------------------------------------------- frag ----

def wrk_result(path):
    """The BENCH_JSON line of a wrk run (see bench/lua/report.lua), plus the derived rates."""
    if not os.path.exists(path):
        return None
    res = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("BENCH_JSON "):
                res = json.loads(line[len("BENCH_JSON "):])
    if res is None:
        return None
    d = res["duration_s"] or 1
    res["requests_per_s"] = round(res["requests"] / d, 1)
    res["accepted_per_s"] = round(res.get("accepted", 0) / d, 1)
    ok = sum(n for code, n in res["statuses"].items() if code.startswith("2"))
    res["non_2xx"] = res["requests"] - ok
    res["socket_errors"] = sum(res["errors"][k] for k in ("connect", "read", "write", "timeout"))
    return res


def cmd_brief(a):
    r = wrk_result(a.file)
    if r:
        print("%d requests, %.0f req/s, %.0f msg/s accepted, p50 %.1f ms, p99 %.1f ms, non-2xx %d, socket errors %d" % (
            r["requests"], r["requests_per_s"], r["accepted_per_s"], r["latency_ms"]["p50"], r["latency_ms"]["p99"],
            r["non_2xx"], r["socket_errors"]))


def cmd_frag(a):
    frag = {}
    if os.path.exists(a.out):
        with open(a.out) as f:
            frag = json.load(f)
    for spec in a.wrk or []:
        key, path = spec.split("=", 1)
        frag[key] = wrk_result(path)
    for spec in a.num or []:
        key, v = spec.split("=", 1)
        try:
            frag[key] = float(v) if v not in ("", "null") else None
        except ValueError:
            frag[key] = None
    for spec in a.str or []:
        key, v = spec.split("=", 1)
        frag[key] = v
    for spec in a.json or []:
        key, v = spec.split("=", 1)
        try:
            frag[key] = json.loads(v) if v.strip() else None
        except ValueError:
            frag[key] = {"unparsed": v}
    if a.samples:
        t0, t1 = (float(x) for x in a.window.split(","))
        frag[a.samples_key] = summarize_samples(load_samples(a.samples), t0, t1)
    if a.hist:
        key, before, after, typ = a.hist.split(",")
        with open(before) as f0, open(after) as f1:
            frag[key] = histogram_quantiles(f0.read(), f1.read(), "sms_delivery_latency_seconds_bucket",
                                            {"type": typ}, qs=(0.5, 0.99, 1.0))
    with open(a.out, "w") as f:
        json.dump(frag, f, indent=1)


# ----------------------------------------------------------------- report ----

TARGETS = {
    "e2e": 20000,      # msg/s persisted as sent
    "ingest": 100000,  # msg/s accepted
    "otp_rps": 5000,   # req/s
    "otp_p99": 20,     # ms
    "sla_p99": 100,    # ms
    "sentlog_p99": 50,  # ms
}


def g(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d or d[p] is None:
            return None
        d = d[p]
    return d


def fnum(v, digits=0):
    if v is None:
        return "n/a"
    if isinstance(v, float) and digits == 0 and abs(v) < 10 and v != int(v):
        digits = 1
    return "{:,.{d}f}".format(v, d=digits)


def fms(v):
    if v is None:
        return "n/a"
    return "%.1f" % v if v < 100 else "%.0f" % v


def verdict(ok):
    return "" if ok is None else ("PASS" if ok else "MISS")


def cpu_line(s):
    c = g(s, "cpu_cores")
    if not c:
        return None
    parts = ["%s %.2f" % (k, v) for k, v in c.items() if v >= 0.01]
    if g(s, "cpu_cores_other") is not None:
        top = sorted((g(s, "cpu_cores_other_processes") or {}).items(), key=lambda kv: -kv[1])[:3]
        irq = g(s, "cpu_cores_irq")
        detail = ["%s %.2f" % kv for kv in top if kv[1] >= 0.05]
        if irq and irq >= 0.05:
            detail.append("irq %.2f" % irq)
        parts.append("other %.2f%s" % (g(s, "cpu_cores_other"), " (%s)" % ", ".join(detail) if detail else ""))
    tot = g(s, "cpu_cores_all_processes")
    if tot is not None:
        parts.append("= busy %.2f of %d" % (tot, os.cpu_count() or 0))
    if g(s, "cpu_cores_steal"):
        parts.append("(steal %.2f)" % g(s, "cpu_cores_steal"))
    line = "CPU cores: " + ", ".join(parts)
    if g(s, "redis_forks"):
        line += "; Redis forked %d time(s) for persistence (RDB/AOF) meanwhile" % g(s, "redis_forks")
    return line


def cmd_report(a):
    frags = {}
    for p in sorted(glob.glob(os.path.join(a.run_dir, "frag-*.json"))):
        with open(p) as f:
            frags[os.path.basename(p)[5:-5]] = json.load(f)
    with open(os.path.join(a.run_dir, "meta.json")) as f:
        meta = json.load(f)

    rows = []   # (scenario, metric, value, target, verdict, note)
    notes = {}  # scenario -> extra lines
    summary = []

    def add(scn, metric, value, unit="", target=None, ok=None, vs=None, raw=None, note=""):
        rows.append((scn, metric, value, target or "", verdict(ok), vs or "", note))
        summary.append({"scenario": scn, "metric": metric, "value": raw, "unit": unit,
                        "target": target, "pass": ok, "vs_ceiling": vs})

    def wrk_errs(w):
        if not w:
            return "n/a"
        sts = ", ".join("%s:%d" % (k, v) for k, v in sorted(w["statuses"].items()) if not k.startswith("2"))
        return "non-2xx %d%s, socket errors %d" % (w["non_2xx"], " (%s)" % sts if sts else "", w["socket_errors"])

    lua_ceiling = g(frags, "ceiling", "lua_msgs_per_s")
    copy_ceiling = g(frags, "ceiling", "copy_rows_per_s")

    def frac(v, ceiling, what):
        if v is None or not ceiling:
            return None
        return "%.0f%% of %s" % (100.0 * v / ceiling, what)

    c = frags.get("ceiling")
    if c:
        add("ceiling", "Lua accept script alone (EVALSHA, %d msg/call)" % int(c.get("lua_batch") or 0),
            fnum(lua_ceiling) + " msg/s", "msg/s", raw=lua_ceiling)
        add("ceiling", "Lua accept script alone, 1 msg/call", fnum(c.get("lua1_calls_per_s")) + " calls/s", "calls/s",
            raw=c.get("lua1_calls_per_s"))
        add("ceiling", "PostgreSQL COPY into a messages copy (indexed)",
            fnum(copy_ceiling) + " rows/s", "rows/s", raw=copy_ceiling)
        notes["ceiling"] = [x for x in (cpu_line(g(c, "samples_lua")),) if x]

    i = frags.get("ingest")
    if i:
        w = i.get("wrk")
        acc = i.get("accepted_per_s")
        add("ingest", "accepted, %s msg/request, %s conns" % (fnum(i.get("batch")), fnum(i.get("connections"))),
            fnum(acc) + " msg/s", "msg/s", ">= 100,000", None if acc is None else acc >= TARGETS["ingest"],
            frac(acc, lua_ceiling, "Lua"), acc)
        add("ingest", "request latency p50 / p99", "%s / %s ms" % (fms(g(w, "latency_ms", "p50")), fms(g(w, "latency_ms", "p99"))),
            "ms", raw={"p50": g(w, "latency_ms", "p50"), "p99": g(w, "latency_ms", "p99"), "requests_per_s": g(w, "requests_per_s")})
        add("ingest", "errors", wrk_errs(w), raw=g(w, "non_2xx"))
        notes["ingest"] = [x for x in (cpu_line(g(i, "samples")),) if x]

    o = frags.get("otp")
    if o:
        w = o.get("wrk")
        rps = g(w, "requests_per_s")
        p99 = g(w, "latency_ms", "p99")
        add("otp", "1-message express requests, %s conns" % fnum(o.get("connections")), fnum(rps) + " req/s", "req/s",
            ">= 5,000", None if rps is None else rps >= TARGETS["otp_rps"],
            frac(rps, g(frags, "ceiling", "lua1_calls_per_s"), "Lua 1-msg"), rps)
        add("otp", "request latency p50 / p99", "%s / %s ms" % (fms(g(w, "latency_ms", "p50")), fms(p99)), "ms",
            "p99 <= 20 ms", None if p99 is None else p99 <= TARGETS["otp_p99"], raw={"p50": g(w, "latency_ms", "p50"), "p99": p99})
        add("otp", "errors", wrk_errs(w), raw=g(w, "non_2xx"))
        notes["otp"] = [x for x in (cpu_line(g(o, "samples")),) if x]

    for key in sorted(k for k in frags if k.startswith("e2e")):
        e = frags[key]
        w = e.get("wrk")
        acc = e.get("accepted_per_s")
        sent = e.get("sent_per_s")
        label = "%s (1 express + %d normal workers)" % (key, int(e.get("normal_workers") or 1))
        offered = e.get("offered_msgs_per_s")
        add(key, "accepted (offered %s msg/s)" % (fnum(offered) if offered else "max"), fnum(acc) + " msg/s", "msg/s", raw=acc)
        add(key, "persisted as sent (PG), over %s s" % fnum(e.get("persisted_window_s")), fnum(sent) + " msg/s", "msg/s", ">= 20,000",
            None if sent is None else sent >= TARGETS["e2e"], frac(sent, copy_ceiling, "COPY"), sent)
        qd = g(e, "samples", "queue_depth")
        if qd:
            add(key, "queue depth min / max / final", "%s / %s / %s" % (fnum(qd["min"]), fnum(qd["max"]), fnum(qd["final"])),
                raw={"min": qd["min"], "max": qd["max"], "final": qd["final"]})
        if e.get("drain_per_s") is not None:
            add(key, "afterwards: backlog drained by workers alone", "%s msg/s (%s in %s s)" % (
                fnum(e.get("drain_per_s")), fnum(e.get("drain_msgs")), fnum(e.get("drain_s"))), "msg/s",
                vs=frac(e.get("drain_per_s"), copy_ceiling, "COPY"), raw=e.get("drain_per_s"))
        add(key, "bulk request latency p50 / p99", "%s / %s ms" % (fms(g(w, "latency_ms", "p50")), fms(g(w, "latency_ms", "p99"))),
            raw={"p50": g(w, "latency_ms", "p50"), "p99": g(w, "latency_ms", "p99")})
        add(key, "errors", wrk_errs(w), raw=g(w, "non_2xx"))
        notes[key] = [label] + [x for x in (cpu_line(g(e, "samples")),) if x]

    s = frags.get("sla")
    if s:
        pg = s.get("express_pg") or {}
        add("sla", "express accept->sent p50 / p99 / max (PG, %s msgs)" % fnum(pg.get("n")),
            "%s / %s / %s ms" % (fms(pg.get("p50_ms")), fms(pg.get("p99_ms")), fms(pg.get("max_ms"))), "ms",
            "p99 <= 100 ms", None if pg.get("p99_ms") is None else pg["p99_ms"] <= TARGETS["sla_p99"], raw=pg)
        h = s.get("express_hist") or {}
        if h.get("count"):
            add("sla", "express p50 / p99 / max (worker histogram bucket <=)", "%s / %s / %s ms" % (
                fms(h.get("p50_le_ms")), fms(h.get("p99_le_ms")), fms(h.get("p100_le_ms"))), "ms", raw=h)
        wr = s.get("wrk")
        add("sla", "express load: requests, rate, p99", "%s req, %s req/s, p99 %s ms" % (
            fnum(g(wr, "requests")), fnum(g(wr, "requests_per_s")), fms(g(wr, "latency_ms", "p99"))),
            raw=g(wr, "requests_per_s"))
        drained = s.get("drained")
        add("sla", "normal backlog of %s drained" % fnum(s.get("backlog")),
            ("%s s (%s msg/s)" % (fnum(s.get("drain_s"), 1), fnum(s.get("drain_per_s")))) if drained
            else "NOT drained within %s s (%s left)" % (fnum(s.get("drain_s")), fnum(s.get("left"))),
            "s", vs=frac(s.get("drain_per_s"), copy_ceiling, "COPY"), raw=s.get("drain_s"))
        add("sla", "Redis used_memory per queued message", fnum(s.get("redis_bytes_per_msg")) + " B", "bytes",
            raw=s.get("redis_bytes_per_msg"))
        add("sla", "pre-fill via EVALSHA pipeline", "%s msg/s" % fnum(s.get("prefill_per_s")), raw=s.get("prefill_per_s"))
        notes["sla"] = [x for x in (cpu_line(g(s, "samples")),) if x]

    sl = frags.get("sentlog")
    if sl:
        add("sentlog", "table", "%s rows, %s clients%s" % (fnum(sl.get("rows")), fnum(sl.get("clients")),
                                                          " (loaded now in %s s)" % fnum(sl.get("load_s")) if sl.get("load_s") else " (kept from an earlier run)"),
            raw=sl.get("rows"))
        for q in sl.get("queries", []):
            w = sl.get("wrk_" + q["name"])
            p99 = g(w, "latency_ms", "p99")
            add("sentlog", "%s: p50 / p99, throughput" % q["name"], "%s / %s ms, %s req/s" % (
                fms(g(w, "latency_ms", "p50")), fms(p99), fnum(g(w, "requests_per_s"))), "ms", "p99 <= 50 ms",
                None if p99 is None else p99 <= TARGETS["sentlog_p99"],
                raw={"p50": g(w, "latency_ms", "p50"), "p99": p99, "requests_per_s": g(w, "requests_per_s"),
                     "non_2xx": g(w, "non_2xx"), "socket_errors": g(w, "socket_errors")})
            if w and (w["non_2xx"] or w["socket_errors"]):
                add("sentlog", "  errors (%s)" % q["name"], wrk_errs(w))
        notes["sentlog"] = ["%-12s ?%s" % (q["name"], q["query"]) for q in sl.get("queries", [])]
        notes["sentlog"] += [x for x in (cpu_line(g(sl, "samples")),) if x]

    # Memory under load: the largest RSS / heap seen per app over all scenarios.
    rss, heap = {}, {}
    for f in frags.values():
        for v in f.values():
            if isinstance(v, dict) and "rss_max_mb" in v:
                for k, x in v["rss_max_mb"].items():
                    rss[k] = max(rss.get(k, 0), x)
                for k, x in (v.get("heap_max_mb") or {}).items():
                    heap[k] = max(heap.get(k, 0), x)
    apps = sorted(k for k in rss if k.startswith(("api", "worker")))
    for k in apps:
        add("memory", "%s: max RSS / max heap used" % k, "%s / %s MB" % (fnum(rss[k]), fnum(heap.get(k))),
            "MB", raw={"rss_mb": rss[k], "heap_mb": heap.get(k)})
    for k in ("redis", "postgres"):
        if k in rss:
            add("memory", "%s: max RSS%s" % (k, " (all its processes)" if k == "postgres" else ""),
                "%s MB" % fnum(rss[k]), "MB", raw=rss[k])

    # Warnings and errors the apps logged during the run.
    logs = {}
    for path in sorted(glob.glob(os.path.join(a.run_dir, "logs", "*.log"))):
        name = os.path.basename(path)
        if name == "build.log":
            continue
        errors, warns, first_error = 0, 0, None
        with open(path, errors="replace") as f:
            for line in f:
                if " ERROR " in line[:40]:
                    errors += 1
                    first_error = first_error or line.strip()[:160]
                elif " WARN " in line[:40]:
                    warns += 1
        logs[name] = {"errors": errors, "warnings": warns, "first_error": first_error}
    if logs:
        add("logs", "ERROR / WARN lines in the app logs", ", ".join(
            "%s %d/%d" % (k[:-4], v["errors"], v["warnings"]) for k, v in logs.items()), raw=logs)
        notes["logs"] = ["first ERROR in %s: %s" % (k, v["first_error"]) for k, v in logs.items() if v["first_error"]]

    result = {"timestamp": meta.get("timestamp"), "quick": meta.get("quick"), "machine": meta.get("machine"),
              "config": meta.get("config"), "targets": TARGETS, "summary": summary, "scenarios": frags}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)

    # ---- the table
    m = meta.get("machine", {})
    print()
    print("SMS platform benchmark  %s%s" % (meta.get("timestamp"), "  (QUICK mode: small sizes, not representative)" if meta.get("quick") else ""))
    print("Machine: %s CPUs (%s), %s GiB RAM; %s; Redis %s; PostgreSQL %s; all on one box" % (
        m.get("nproc"), m.get("cpu_model"), m.get("mem_gib"), m.get("java"), m.get("redis"), m.get("postgres")))
    cfg = meta.get("config", {})
    print("Code: git %s; worker batch %s, concurrency %s, provider latency %s ms" % (
        cfg.get("git"), cfg.get("worker_batch_size"), cfg.get("worker_concurrency"), cfg.get("provider_latency_ms")))
    w1 = max([len(r[1]) for r in rows] + [10])
    w2 = max([len(r[2]) for r in rows] + [10])
    hdr = "%-9s %-*s  %-*s  %-14s %-5s %s" % ("scenario", w1, "metric", w2, "value", "target", "", "vs ceiling")
    print("-" * len(hdr))
    print(hdr)
    print("-" * len(hdr))
    last = None
    for scn, metric, value, target, ver, vs, _ in rows:
        if last is not None and scn != last:
            for n in notes.get(last, []):
                print("%-9s   %s" % ("", n))
            print()
        print("%-9s %-*s  %-*s  %-14s %-5s %s" % (scn if scn != last else "", w1, metric, w2, value, target, ver, vs))
        last = scn
    for n in notes.get(last, []):
        print("%-9s   %s" % ("", n))
    print("-" * len(hdr))
    print("Results: %s" % a.out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--max-seconds", type=float, default=3600)
    s.add_argument("--redis-port", type=int, default=6379)
    s.add_argument("--redis-db", type=int, default=13)
    s.add_argument("--app", action="append", default=[], help="name,pid,url,role (role: api|worker)")
    s.set_defaults(fn=cmd_sample)

    s = sub.add_parser("prefill")
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--batch", type=int, default=100)
    s.add_argument("--clients", type=int, default=100)
    s.add_argument("--prefix", default="bench-c")
    s.add_argument("--sha", required=True)
    s.add_argument("--stream", default="sms:normal")
    s.add_argument("--fillers", type=int, default=0, help="settings between n and the messages (see probe-accept)")
    s.set_defaults(fn=cmd_prefill)

    s = sub.add_parser("probe-accept")
    s.add_argument("--sha", required=True)
    s.add_argument("--port", type=int, default=6379)
    s.add_argument("--db", type=int, default=13)
    s.set_defaults(fn=cmd_probe_accept)

    s = sub.add_parser("copy-csv")
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_copy_csv)

    s = sub.add_parser("extract-lua")
    s.add_argument("--app-dir", required=True)
    s.add_argument("--name", required=True)
    s.set_defaults(fn=cmd_extract_lua)

    s = sub.add_parser("frag")
    s.add_argument("--out", required=True)
    s.add_argument("--wrk", action="append", help="key=wrk output file")
    s.add_argument("--num", action="append", help="key=number")
    s.add_argument("--str", action="append", help="key=string")
    s.add_argument("--json", action="append", help="key=JSON text")
    s.add_argument("--samples", help="sampler output")
    s.add_argument("--samples-key", default="samples")
    s.add_argument("--window", help="t0,t1 (epoch seconds) for --samples")
    s.add_argument("--hist", help="key,metrics-before,metrics-after,type")
    s.set_defaults(fn=cmd_frag)

    s = sub.add_parser("brief")
    s.add_argument("file")
    s.set_defaults(fn=cmd_brief)

    s = sub.add_parser("report")
    s.add_argument("--run-dir", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_report)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
