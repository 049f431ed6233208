"""The load generators: wrk with the Lua scripts in bench/lua, redis-benchmark, and the accept script's
argument layout and RESP pre-fill for `redis-cli --pipe`."""

import csv
import glob
import json
import os
import signal
import subprocess
import sys
import uuid
import zipfile

from .redis import RedisError
from .util import BenchError, warn


class Wrk:
    """wrk runs with the bench's Lua scripts; every process is tracked so the cleanup can stop it."""

    def __init__(self, lua_dir, tracker):
        self.lua_dir = lua_dir
        self.tracker = tracker

    def start(self, out, script, secs, threads, conns, url, **args):
        cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % secs, "--timeout", "10s", "--latency",
               "-s", os.path.join(self.lua_dir, script), url, "--", "threads=%d" % threads]
        cmd += ["%s=%s" % kv for kv in args.items()]
        with open(out, "w") as f:
            proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, BENCH_LUA_DIR=self.lua_dir), start_new_session=True)
        self.tracker.add(proc)
        return proc

    def finish(self, proc, timeout=None, interrupt=False):
        """Wait for a wrk run (SIGINT first when INTERRUPT: wrk then prints its summary and ends)."""
        if interrupt:
            proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        self.tracker.discard(proc)
        return rc

    def run(self, out, script, secs, threads, conns, url, **args):
        """One wrk run to its end; its result (see wrk_result) or BenchError when it produced none."""
        proc = self.start(out, script, secs, threads, conns, url, **args)
        if self.finish(proc, timeout=secs + 60) != 0:
            warn("wrk exited with an error (see %s)" % out)
        res = wrk_result(out)
        if res is None:
            with open(out, errors="replace") as f:
                sys.stderr.write(f.read())
            raise BenchError("wrk produced no result (see %s)" % out)
        return res


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


def wrk_brief(r):
    """One-line summary of a wrk result."""
    if not r:
        return ""
    accepted = ", %.0f msg/s accepted" % r["accepted_per_s"] if r["accepted_per_s"] else ""
    return "%d requests, %.0f req/s%s, p50 %.1f ms, p99 %.1f ms, non-2xx %d, socket errors %d" % (
        r["requests"], r["requests_per_s"], accepted, r["latency_ms"]["p50"], r["latency_ms"]["p99"],
        r["non_2xx"], r["socket_errors"])


def redis_benchmark(out, port, db, calls, command, tracker):
    """redis-benchmark -c 8 -P 4 of one command; its calls/s."""
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "--dbnum", str(db), "-n", str(calls),
           "-c", "8", "-P", "4", "--csv", *command]
    with open(out, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    tracker.add(proc)
    try:
        rc = proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    tracker.discard(proc)
    with open(out, errors="replace") as f:
        text = f.read()
    if rc != 0:
        sys.stderr.write(text)
        raise BenchError("redis-benchmark failed")
    # --csv: a header line, then "test","rps",... per command
    rows = list(csv.reader(text.splitlines()))
    try:
        return float(rows[1][1])
    except (IndexError, ValueError):
        sys.stderr.write(text)
        raise BenchError("could not read redis-benchmark's result") from None


# ------------------------------------------------------------ accept.lua ----

def extract_lua(app_dir, name):
    """lua/<name>.lua from the sms-common jar of an app copy."""
    for jar in glob.glob(os.path.join(app_dir, "lib", "main", "*sms-common*.jar")):
        with zipfile.ZipFile(jar) as z:
            try:
                return z.read("lua/%s.lua" % name).decode()
            except KeyError:
                pass
    raise BenchError("lua/%s.lua not found in the sms-common jar under %s" % (name, app_dir))


def optout_key(client):
    """The client's opt-out set, which accept.lua (from the version with opt-outs) needs marked as loaded."""
    return "sms:optout:{%s}" % client


def accept_keys(key, stream, client, optout):
    """accept.lua's keys: balance, stream, (opt-out set,) rebuild freeze (always the last)."""
    return [key, stream] + ([optout_key(client)] if optout else []) + ["sms:credit:rebuild"]


def probe_accept(r, sha):
    """How many ARGV sit between the message count and the messages in this version of accept.lua, and whether it
    takes the client's opt-out set as its third key: (k, optout).

    The script's layout is { client, n, <k settings>, n x (id, to, from, content) }; the settings (e.g. validity,
    idempotency) are filled with "0". Found by trying both key layouts and k = 0..8 on a scratch stream and checking
    that exactly one entry carrying the probe's id and content was queued.
    """
    key, stream, client = "sms:credit:{bench-probe}", "sms:bench:probe", "bench-probe"
    probe_id = str(uuid.uuid4())
    content = "bench probe message"
    reply = None
    try:
        r.call("SADD", optout_key(client), "!loaded")
        for optout in (False, True):
            keys = accept_keys(key, stream, client, optout)
            for k in range(9):
                r.call("DEL", stream)
                r.call("SET", key, "10")
                args = ["EVALSHA", sha, str(len(keys))] + keys + [client, "1"] + ["0"] * k + [
                    probe_id, "+4917000000001", "BenchApp", content]
                try:
                    reply = r.call(*args)
                except RedisError as e:
                    reply = "error: %s" % e
                if isinstance(reply, list) and reply and reply[0] == 1:
                    entries = r.call("XRANGE", stream, "-", "+")
                    if len(entries) == 1 and probe_id in entries[0][1] and content in entries[0][1]:
                        return k, optout
    finally:
        r.call("DEL", stream, key, optout_key(client))
    raise BenchError("cannot drive accept.lua directly: could not work out its argument layout (last reply: %r)"
                     % (reply,))


def accept_command(sha, key, stream, client, fillers, messages, optout=False):
    """EVALSHA of the accept script with MESSAGES = [(id, to, from, content), ...]."""
    keys = accept_keys(key, stream, client, optout)
    cmd = ["EVALSHA", sha, str(len(keys))] + keys + [client, str(len(messages))] + ["0"] * fillers
    for m in messages:
        cmd += list(m)
    return cmd


def prefill_resp(n, batch, clients, prefix, sha, fillers, stream, optout=False):
    """EVALSHA <sha> <keys> <client> <n> (id to from content)*n as RESP, in chunks of 100 calls."""
    stream = stream.encode()
    sha = sha.encode()
    content = b"Bench backlog: your monthly statement is ready. Log in to see it. Reply STOP to opt out."
    sender = b"BenchApp"

    def bulk(b):
        return b"$%d\r\n%s\r\n" % (len(b), b)

    calls = (n + batch - 1) // batch
    done = 0
    chunk = []
    for c in range(calls):
        k = min(batch, n - done)
        client = ("%s%03d" % (prefix, c % clients)).encode()
        keys = [k.encode() for k in accept_keys("sms:credit:{%s}" % client.decode(), stream.decode(),
                                                client.decode(), optout)]
        parts = [b"*%d\r\n" % (5 + len(keys) + fillers + 4 * k), bulk(b"EVALSHA"), bulk(sha),
                 bulk(str(len(keys)).encode())] + [bulk(key) for key in keys] + [bulk(client), bulk(str(k).encode())]
        parts += [bulk(b"0")] * fillers
        for i in range(k):
            parts.append(bulk(str(uuid.uuid4()).encode()))
            parts.append(bulk(b"+4916%08d" % ((done + i) % 100000000)))
            parts.append(bulk(sender))
            parts.append(bulk(content))
        chunk.append(b"".join(parts))
        done += k
        if len(chunk) >= 100:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


def write_copy_csv(path, n, now_text):
    """N message rows as CSV, for the COPY ceiling."""
    content = "Bench copy: your parcel is on its way. Track it in the app. Reply STOP to opt out."
    with open(path, "w") as f:
        rows = []
        for i in range(n):
            rows.append("%s,copy-%03d,normal,+4915%08d,BenchApp,%s,sent,%s,%s,,1\n"
                        % (uuid.uuid4(), i % 100, i % 100000000, content, now_text, now_text))
            if len(rows) >= 10000:
                f.write("".join(rows))
                rows = []
        f.write("".join(rows))
