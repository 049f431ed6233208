"""The scenarios, in the order they run: ceiling ingest otp e2e sla sentlog bigclient attack smpp webhooks (see bench/README.md).

Each one takes the run (run.Bench), drives the apps with wrk / redis-benchmark / psql, and records its figures
with bench.frag(scenario, ...); the report turns them into the table.
"""

import json
import re
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import logdata
from .bigclient import bigclient
from .webhooks import webhooks as run_webhooks
from .config import CLIENT_PREFIX, CLIENTS, SENTLOG_CLIENTS, SENTLOG_DATA_VERSION
from .load import accept_command, prefill_resp, redis_benchmark, wrk_brief, wrk_result, write_copy_csv
from .apps import port_open as apps_port_open
from .sampler import histogram_quantiles
from .util import BenchError, now, say, warn

SEND = dict(clients=CLIENTS, prefix=CLIENT_PREFIX)


def ceiling(b):
    say("== ceiling: the accept Lua script alone, then PostgreSQL COPY alone")
    sz, r = b.sz, b.redis
    b.load_accept_script()
    stream, key = "sms:bench:lua", "sms:credit:{bench-lua}"
    r.call("DEL", stream)
    r.call("SET", key, "1000000000000")
    msgs = [("00000000-0000-4000-8000-%012d" % i, "+4917%08d" % i, "BenchApp",
             "Hello from the bench: your parcel %d is on its way. Track it in the app. Reply STOP to opt out." % i)
            for i in range(100)]
    b.ready_clients(["bench-lua"])
    cmd = accept_command(b.accept_sha, key, stream, "bench-lua", b.accept_fillers, msgs, b.accept_optout)
    samples = b.start_sampler("ceiling")
    t0 = now()
    calls_s = redis_benchmark(b.path("redis-benchmark.txt"), b.s.redis_port, b.s.redis_db, sz.lua_calls, cmd, b.procs)
    t1 = now()
    queued = b.xlen(stream)
    r.call("DEL", stream)
    if queued != sz.lua_calls * 100:
        warn("the Lua ceiling run queued %d entries, expected %d" % (queued, sz.lua_calls * 100))
    lua_msgs = round(calls_s * 100)
    say("Lua accept script, 100 messages per call: %g calls/s = %d msg/s" % (calls_s, lua_msgs))
    b.frag("ceiling", lua_calls_per_s=calls_s, lua_msgs_per_s=float(lua_msgs), lua_batch=100.0,
           lua_calls=float(sz.lua_calls), samples_lua=b.summarize(samples, t0, t1))

    # The same with one message per call: the ceiling of one-message requests.
    cmd = accept_command(b.accept_sha, key, stream, "bench-lua", b.accept_fillers, [(
        "00000000-0000-4000-8000-000000000001", "+491700000001", "BenchApp",
        "Your verification code is 123456. It expires in 5 minutes. Never share it with anyone.")], b.accept_optout)
    calls_s = redis_benchmark(b.path("redis-benchmark-1.txt"), b.s.redis_port, b.s.redis_db, sz.lua1_calls, cmd,
                              b.procs)
    r.call("DEL", stream, key)
    say("Lua accept script, 1 message per call: %g calls/s" % calls_s)
    b.frag("ceiling", lua1_calls_per_s=calls_s, lua1_calls=float(sz.lua1_calls))

    # COPY of message rows into a scratch table with the same definition (columns, primary key, index) as
    # messages.
    b.ensure_api()  # the API creates the schema
    csv = os.path.join(b.work, "copy.csv")
    write_copy_csv(csv, sz.copy_rows, time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime()))
    db = b.s.db
    b.psql.run(db, "-c", "DROP TABLE IF EXISTS bench_copy_scratch",
               "-c", "CREATE TABLE bench_copy_scratch (LIKE messages INCLUDING ALL)")
    t0 = now()
    b.psql.run(db, "-c", "\\copy bench_copy_scratch (id, client_id, type, to_number, from_number, content, status, "
                         "queued_at, updated_at, error_message, attempts) FROM '%s' WITH (FORMAT csv)" % csv)
    t1 = now()
    rows = int(b.psql.val(db, "SELECT count(*) FROM bench_copy_scratch"))
    b.psql.run(db, "-c", "DROP TABLE bench_copy_scratch")
    os.remove(csv)
    copy_rate = round(rows / (t1 - t0))
    say("PostgreSQL COPY: %d rows at %d rows/s" % (rows, copy_rate))
    b.stop_sampler()
    b.frag("ceiling", copy_rows=float(rows), copy_rows_per_s=float(copy_rate), copy_s=round(t1 - t0, 2))


def ingest(b):
    say("== ingest: bulk requests of 100 messages, 64 connections, no workers running")
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.clear_streams()
    say("warm-up %ds (not measured)" % b.sz.warmup_s)
    b.wrk.run(b.path("wrk-ingest-warmup.txt"), "send.lua", b.sz.warmup_s, 2, 64, b.api_url, **SEND, batch=100,
              type="normal")
    b.clear_streams()
    samples = b.start_sampler("ingest", "api")
    t0 = now()
    w = b.wrk.run(b.path("wrk-ingest.txt"), "send.lua", b.sz.ingest_s, 2, 64, b.api_url, **SEND, batch=100,
                  type="normal")
    t1 = now()
    b.stop_sampler()
    queued = b.xlen("sms:normal")
    say("ingest: %s; stream grew by %d" % (wrk_brief(w), queued))
    b.frag("ingest", wrk=w, batch=100.0, connections=64.0, queued_in_stream=float(queued),
           samples=b.summarize(samples, t0, t1))
    # accepted/s from what really landed in the stream, over wrk's own duration
    if w.get("duration_s"):
        b.frag("ingest", accepted_per_s=round(queued / w["duration_s"], 1))
    b.clear_streams()


def otp(b):
    say("== otp: one-message express requests, 32 connections, no workers running")
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.clear_streams()
    b.wrk.run(b.path("wrk-otp-warmup.txt"), "send.lua", b.sz.warmup_s, 2, 32, b.api_url, **SEND, batch=1,
              type="express")
    b.clear_streams()
    samples = b.start_sampler("otp", "api")
    t0 = now()
    w = b.wrk.run(b.path("wrk-otp.txt"), "send.lua", b.sz.otp_s, 2, 32, b.api_url, **SEND, batch=1, type="express")
    t1 = now()
    b.stop_sampler()
    say("otp: %s; stream grew by %d" % (wrk_brief(w), b.xlen("sms:express")))
    b.frag("otp", wrk=w, connections=32.0, samples=b.summarize(samples, t0, t1))
    b.clear_streams()


def _queued(b):
    return b.xlen("sms:normal") + b.xlen("sms:express")


def e2e_run(b, name, normal_workers, keep_workers=False):
    """Sustained load, then the workers drain what is left; returns the figures (with the load's start and end).
    KEEP_WORKERS: leave the workers running afterwards (the webhooks scenario waits for its events)."""
    sz, rate = b.sz, b.s.e2e_rate
    say("== %s: sustained load for %ds with 1 express + %d normal workers (offered: %s, 10%% express)"
        % (name, sz.e2e_s, normal_workers, "max" if rate == 0 else "%d msg/s" % rate))
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.clear_streams()
    b.truncate_messages()
    b.start_workers(normal_workers)
    samples = b.start_sampler(name, "api", *b.apps.workers())
    t0 = now()
    w = b.wrk.run(b.path("wrk-%s.txt" % name), "send.lua", sz.e2e_s, 2, 32, b.api_url, **SEND, batch=100,
                  type="normal", express_every=10, rate=rate // 100)
    t1 = now()
    # Persisted: rows written as sent in the steady part of the window, by sent_at (a receipt moves a row on to
    # delivered a second later, and its updated_at with it, but not its sent_at).
    tw = t0 + sz.e2e_warm_s
    counted = json.loads(b.psql.val(b.s.db, """SELECT json_build_object('sent', count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered')),
        'failed', count(*) FILTER (WHERE status = 'failed'),
        'express_sent', count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered') AND type = 'express'))
        FROM messages WHERE coalesce(sent_at, updated_at) >= to_timestamp(%.6f)
          AND coalesce(sent_at, updated_at) < to_timestamp(%.6f)""" % (tw, t1)))
    # Then let the workers alone drain what is left (bounded).
    backlog = left = _queued(b)
    d0 = now()
    deadline = time.monotonic() + sz.e2e_drain_cap_s
    while left > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _queued(b)
    d1 = now()
    b.stop_sampler()
    f = {"persisted_window": counted, "persisted_window_s": round(t1 - tw, 2),
         "sent_per_s": round(counted["sent"] / (t1 - tw), 1), "backlog_after_load": backlog, "left_after_drain": left}
    # Only meaningful when the load left a real backlog behind.
    if backlog >= 5000 and d1 > d0:
        f["drain_msgs"] = backlog - left
        f["drain_s"] = round(d1 - d0, 1)
        f["drain_per_s"] = round(f["drain_msgs"] / f["drain_s"], 1)
    b.frag(name, **f)
    b.frag(name, wrk=w, normal_workers=float(normal_workers), duration_s=float(sz.e2e_s),
           offered_msgs_per_s=float(rate), samples=b.summarize(samples, t0, t1), accepted_per_s=w.get("accepted_per_s"))
    say("%s: %s; persisted sent: %s; backlog after load %d, left after drain %d"
        % (name, wrk_brief(w), json.dumps(counted), backlog, left))
    if not keep_workers:
        b.stop_workers()
        b.clear_streams()
    return dict(f, t0=t0, t1=t1)


def e2e(b):
    e2e_run(b, "e2e-1n", 1)
    e2e_run(b, "e2e-2n", 2)


def _prefill(b, out):
    """Queue sla_backlog normal messages through the accept script: EVALSHA pipelined with redis-cli --pipe."""
    sz = b.sz
    b.ready_clients(["%s%03d" % (CLIENT_PREFIX, c) for c in range(CLIENTS)])
    cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(b.s.redis_port), "-n", str(b.s.redis_db), "--pipe"]
    deadline = time.monotonic() + 900
    with open(out, "w") as f:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    b.procs.add(proc)
    try:
        for chunk in prefill_resp(sz.sla_backlog, 100, CLIENTS, CLIENT_PREFIX, b.accept_sha, b.accept_fillers,
                                  "sms:normal", b.accept_optout):
            proc.stdin.write(chunk)
            if time.monotonic() > deadline:
                proc.kill()
                break
        proc.stdin.close()
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except (BrokenPipeError, subprocess.TimeoutExpired):
        proc.kill()
        rc = proc.wait()
    b.procs.discard(proc)
    if rc != 0:
        with open(out, errors="replace") as f:
            sys.stderr.write("".join(f.readlines()[-20:]))
        raise BenchError("pre-fill failed")


def sla(b):
    sz, s = b.sz, b.s
    say("== sla: express latency while a backlog of %d normal messages drains" % sz.sla_backlog)
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.clear_streams()
    b.truncate_messages()
    b.load_accept_script()
    mem0 = b.used_memory()
    p0 = now()
    prefill_out = b.path("prefill.txt")
    _prefill(b, prefill_out)
    p1 = now()
    mem1 = b.used_memory()
    queued = b.xlen("sms:normal")
    if queued != sz.sla_backlog:
        raise BenchError("pre-fill queued %d messages instead of %d (see %s)" % (queued, sz.sla_backlog, prefill_out))
    say("pre-filled %d normal messages; Redis used_memory +%d MiB" % (queued, (mem1 - mem0) // 1048576))

    out = b.path("wrk-sla.txt")
    metrics_before, metrics_after = b.path("metrics-sla-express-before.txt"), b.path("metrics-sla-express-after.txt")
    b.apps.start("worker-express", s.express_port, s.db, "worker", "--queue=express")
    b.apps.wait_ready("worker-express")
    with open(metrics_before, "w") as f:
        f.write(b.apps.metrics("worker-express"))
    b.apps.start("worker-normal", s.normal_port, s.db, "worker", "--queue=normal")
    b.apps.wait_ready("worker-normal")
    t_start = now()
    samples = b.start_sampler("sla", "api", "worker-express", "worker-normal")
    t_w0 = now()
    proc = b.wrk.start(out, "send.lua", sz.sla_cap_s + 10, 1, 4, b.api_url, **SEND, batch=1, type="express",
                       rate=s.sla_rate)
    drained = 0
    deadline = time.monotonic() + sz.sla_cap_s
    left = b.xlen("sms:normal")
    while time.monotonic() < deadline:
        left = b.xlen("sms:normal")
        if left == 0:
            drained = 1
            break
        time.sleep(0.25)
    t_end = now()
    # Keep express load on at least 5 s, so that a fast drain still gives a sample.
    time.sleep(max(0.0, 5 - (t_end - t_w0)))
    b.wrk.finish(proc, timeout=30, interrupt=True)
    t_w1 = now()
    for _ in range(60):
        if b.xlen("sms:express") == 0:
            break
        time.sleep(0.5)
    time.sleep(1)
    with open(metrics_after, "w") as f:
        f.write(b.apps.metrics("worker-express"))
    b.stop_sampler()
    # Receipts yield to a backlog (sms.receipts.backlog-rate): most are applied after the drain. How long after.
    receipts_after_s, receipts_waiting = None, None
    if os.environ.get("SMS_PROVIDER_RECEIPTS", "true").strip().lower() != "false":
        waiting_sql = ("SELECT count(*) FROM messages m WHERE status = 'sent'"
                       " AND NOT EXISTS (SELECT 1 FROM message_outcomes o WHERE o.message_id = m.id)")
        receipts_waiting = int(b.psql.val(s.db, waiting_sql))
        say("sla: %d messages wait for their receipt after the drain" % receipts_waiting)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if int(b.psql.val(s.db, waiting_sql)) == 0:
                receipts_after_s = round(now() - t_end, 1)
                break
            time.sleep(1)
        say("sla: every receipt applied %s" % ("%s s after the drain" % receipts_after_s
                                               if receipts_after_s is not None else "NOT within 600 s"))
    w = wrk_result(out)
    if w is None:
        warn("the express wrk produced no summary (see %s)" % out)
    pg = json.loads(b.psql.val(s.db, """SELECT json_build_object('n', count(*),
        'p50_ms', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
        'p99_ms', round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
        'max_ms', round(max(ms)::numeric, 1), 'mean_ms', round(avg(ms)::numeric, 1))
        FROM (SELECT extract(epoch FROM coalesce(sent_at, updated_at) - queued_at) * 1000 AS ms FROM messages
              WHERE type = 'express' AND queued_at >= to_timestamp(%.6f) AND queued_at <= to_timestamp(%.6f)) s"""
                                % (t_w0, t_w1)))
    drain_s = round(t_end - t_start, 2)
    say("sla: normal backlog %s; express (PG): %s" % (
        "drained in %s s" % drain_s if drained else "NOT drained in %s s (%d left)" % (drain_s, left), json.dumps(pg)))
    with open(metrics_before) as f0, open(metrics_after) as f1:
        hist = histogram_quantiles(f0.read(), f1.read(), "sms_delivery_latency_seconds_bucket", {"type": "express"},
                                   qs=(0.5, 0.99, 1.0))
    b.frag("sla", wrk=w, backlog=float(sz.sla_backlog), drained=float(drained), drain_s=drain_s, left=float(left),
           drain_per_s=round((sz.sla_backlog - left) / (t_end - t_start), 1),
           redis_bytes_per_msg=float((mem1 - mem0) // sz.sla_backlog), redis_used_memory_delta=float(mem1 - mem0),
           prefill_per_s=float(round(sz.sla_backlog / (p1 - p0))), express_rate=float(s.sla_rate), express_pg=pg,
           samples=b.summarize(samples, t_start, t_end), express_hist=hist, receipts_after_s=receipts_after_s,
           receipts_waiting=None if receipts_waiting is None else float(receipts_waiting))
    b.stop_workers()
    b.clear_streams()


def sentlog_data(rows):
    """The sent-log table: ROWS rows over SENTLOG_CLIENTS clients log-0000 ... log-0999 (consecutive rows cycle
    through the clients, as interleaved traffic would), queued_at spread evenly over the 30 days before loading; no
    receipts (96 % sent / 4 % failed, as written by a worker without receipts)."""
    return logdata.DataSet(marker="bench_sentlog", shape="%d/%d/v%d" % (rows, SENTLOG_CLIENTS, SENTLOG_DATA_VERSION),
                           total=rows, days=30, client="'log-' || lpad((g %% %d)::text, 4, '0')" % SENTLOG_CLIENTS,
                           tag=1, outcomes=False)


def sentlog_load(b):
    """Load sentlog_rows rows into the log database, unless exactly that is there already (marker table
    bench_sentlog). Returns the load's seconds, or None when the table was kept."""
    loaded = logdata.load(b.psql, b.s.log_db, sentlog_data(b.sz.sentlog_rows), b.s.load_jobs)
    return None if loaded is None else loaded["load_s"]


def _get(url, client, out):
    """GET with the client's id, the body saved to OUT; the HTTP status."""
    req = urllib.request.Request(url, headers={"X-Client-ID": client})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    except OSError as e:
        code, body = "none (%s)" % e, b""
    with open(out, "wb") as f:
        f.write(body)
    return code


def sentlog(b):
    sz, s = b.sz, b.s
    rows = sz.sentlog_rows
    say("== sentlog: GET /api/messages/sent-log over %d rows" % rows)
    # A separate API instance on the sent-log database; nothing else runs.
    b.stop_workers()
    b.apps.stop("api")
    b.psql.ensure_db(s.log_db)
    b.apps.start("api-log", s.log_api_port, s.log_db, "api")
    b.apps.wait_ready("api-log")
    load_s = sentlog_load(b)
    b.psql.run(s.log_db, "-c", "ANALYZE messages")
    url = "http://127.0.0.1:%d" % s.log_api_port
    per_client = rows // SENTLOG_CLIENTS
    deep_size = 100 if per_client >= 2000 else 20
    deep_page = max(2, per_client * 99 // 100 // deep_size)
    # A week inside the 30 days the rows span.
    frm = b.psql.val(s.log_db, "SELECT to_char((loaded_at - interval '10 days')::date, 'YYYY-MM-DD') FROM bench_sentlog")
    to = b.psql.val(s.log_db, "SELECT to_char((loaded_at - interval '4 days')::date, 'YYYY-MM-DD') FROM bench_sentlog")
    queries = [
        ("first_page", "page=1&page_size=100"),
        ("deep_page", "page=%d&page_size=%d" % (deep_page, deep_size)),
        ("status", "status=failed&page=1&page_size=100"),
        ("type", "type=express&page=1&page_size=100"),
        ("date_range", "from_date=%s&to_date=%s&page=1&page_size=100" % (frm, to)),
        ("all_filters", "status=sent&type=express&from_date=%s&to_date=%s&page=1&page_size=100" % (frm, to)),
    ]
    # Sanity check of every query, then warm-up.
    for name, query in queries:
        body = b.path("sentlog-%s.json" % name)
        code = _get("%s/api/messages/sent-log?%s" % (url, query), "log-0001", body)
        if code != 200:
            warn("sent-log %s answered HTTP %s (see %s)" % (name, code, body))
    args = dict(clients=SENTLOG_CLIENTS, prefix="log-")
    b.wrk.run(b.path("wrk-sentlog-warmup.txt"), "sentlog.lua", sz.warmup_s, 2, 16, url, **args, query=queries[0][1])
    samples = b.start_sampler("sentlog", "api-log")
    t0 = now()
    results = {}
    for name, query in queries:
        w = b.wrk.run(b.path("wrk-sentlog-%s.txt" % name), "sentlog.lua", sz.sentlog_s, 2, 16, url, **args,
                      query=query)
        say("sentlog %s (%s): %s" % (name, query, wrk_brief(w)))
        results["wrk_" + name] = w
    t1 = now()
    b.stop_sampler()
    b.frag("sentlog", **results, rows=float(rows), clients=float(SENTLOG_CLIENTS),
           load_s=None if load_s is None else float(load_s),
           queries=[{"name": n, "query": q} for n, q in queries], samples=b.summarize(samples, t0, t1))
    b.apps.stop("api-log")


# The heap bin/run gives the API, and the Kubernetes limit (768 MiB) leaves room for: the attack must not need more.
ATTACK_HEAP = "-Xmx512m"


def attack(b):
    """Issue 16's memory attack, replayed by bench/attack/sentlog-flood against an API started as bin/run starts
    it (-Xmx512m): one client reads its largest sent-log pages (100 messages of 1,600 emoji) with ever new
    filters while another reads its balance; before it, as a reference, the same client floods balance reads (the
    cheapest request) for as long. Reports the other client's latency before and during both, the API's heap (sampled every second, and after a
    forced GC), health, and how long the API takes to stop on SIGTERM afterwards."""
    sz, s = b.sz, b.s
    say("== attack: %d s of balance reads as a reference, then %d s of sent-log reads of pages of 100 emoji-filled"
        " messages, 4 at a time, against an API with %s" % (sz.attack_s, sz.attack_s, ATTACK_HEAP))
    b.stop_workers()
    b.apps.stop("api")
    b.apps.start("api-attack", s.api_port, s.db, "api", java_opts=ATTACK_HEAP)
    b.apps.wait_ready("api-attack")
    app = b.apps["api-attack"]
    tool = str(s.root / "bench" / "attack" / "sentlog-flood")
    out = b.path("attack.txt")
    conninfo = "host=127.0.0.1 port=%d dbname=%s user=sms password=sms" % (s.pg_port, s.db)
    cmd = [sys.executable, tool, "--url", "http://127.0.0.1:%d" % s.api_port,
           "--management-url", app.management_url, "--seed", conninfo, "--pid", str(app.pid),
           "--seconds", str(sz.attack_s), "--reference", "--sigterm-within", "25"]
    samples = b.start_sampler("attack", "api-attack")
    t0 = now()
    with open(out, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=dict(os.environ, PGPASSWORD="sms")).returncode
    t1 = now()
    b.stop_sampler()
    # The tool stopped the API with SIGTERM (--sigterm-within): forget it, or stop it if it is still there.
    b.apps.stop("api-attack")
    b.psql.run(s.db, "-c", "DELETE FROM messages WHERE client_id = 'flood-attacker'",
               "-c", "DELETE FROM usage_daily WHERE client_id = 'flood-attacker'")
    with open(out) as f:
        text = f.read()
    found = [line[len("json: "):] for line in text.splitlines() if line.startswith("json: ")]
    if not found:
        raise BenchError("bench/attack/sentlog-flood printed no result (exit %d; see %s)" % (rc, out))
    result = json.loads(found[-1])
    sigterm = re.search(r"SIGTERM: (stopped|still running) after ([0-9.]+) s", text)
    health = re.search(r"health /q/health/live during: max ([0-9.na]+) ms, ([0-9]+) not 200", text)
    say("attack: %s" % ("held every limit" if rc == 0 else "FAILED: " + "; ".join(result.get("failures", []))))
    b.frag("attack", result=result, passed=rc == 0, seconds=float(sz.attack_s), heap_opts=ATTACK_HEAP,
           sigterm_s=float(sigterm.group(2)) if sigterm else None,
           sigterm_stopped=bool(sigterm and sigterm.group(1) == "stopped"),
           health_max_ms=float(health.group(1)) if health and health.group(1) != "nan" else None,
           health_not_200=int(health.group(2)) if health else None,
           samples=b.summarize(samples, t0, t1))


def _smsc_stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/stats" % port, timeout=5) as r:
        return json.loads(r.read().decode())


def smpp(b):
    """End to end through SMPP: bin/smsc as a separate process, one express and one normal worker with
    sms.provider.kind=smpp, load paced as in e2e; then every message is waited for until its receipt made it
    delivered. Reports submit_sm/s and receipts/s (the SMSC's counts), delivered msg/s (rows whose receipt was
    applied in the steady window) and acceptance -> delivered latency from PostgreSQL."""
    sz, s = b.sz, b.s
    rate = s.smpp_rate
    say("== smpp: %ds of load (offered: %s, 10%% express) through bin/smsc over SMPP, receipts after %d ms"
        % (sz.e2e_s, "max" if rate == 0 else "%d msg/s" % rate, s.smpp_receipt_delay_ms))
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.clear_streams()
    b.truncate_messages()
    control = s.smsc_port + 1
    for p in (s.smsc_port, control):
        if apps_port_open(p):
            raise BenchError("port %d (for bin/smsc) is already in use; set BENCH_PORT_BASE to another range" % p)
    log = open(b.path("smsc.log"), "w")
    smsc = subprocess.Popen([str(s.root / "bin" / "smsc"), "--port", str(s.smsc_port), "--control-port", str(control),
                             "--system-id", "bench", "--password", "bench",
                             "--receipt-delay", str(s.smpp_receipt_delay_ms)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    b.procs.add(smsc)
    try:
        deadline = time.monotonic() + 120
        while not apps_port_open(control):
            if smsc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("bin/smsc did not start (log: %s)" % b.path("smsc.log"))
            time.sleep(0.2)
        env = {"SMS_PROVIDER_KIND": "smpp", "SMS_PROVIDER_SMPP_HOST": "127.0.0.1",
               "SMS_PROVIDER_SMPP_PORT": str(s.smsc_port), "SMS_PROVIDER_SMPP_SYSTEM_ID": "bench",
               "SMS_PROVIDER_SMPP_PASSWORD": "bench"}
        b.start_workers(1, extra_env=env)
        samples = b.start_sampler("smpp", "api", *b.apps.workers())
        before = _smsc_stats(control)
        t0 = now()
        w = b.wrk.run(b.path("wrk-smpp.txt"), "send.lua", sz.e2e_s, 2, 32, b.api_url, **SEND, batch=100,
                      type="normal", express_every=10, rate=rate // 100)
        t1 = now()
        during = _smsc_stats(control)
        # Then until every message is final: no queue left, no row still queued or waiting for its receipt.
        deadline = time.monotonic() + sz.e2e_drain_cap_s
        open_rows = None
        while time.monotonic() < deadline:
            open_rows = int(b.psql.val(s.db, "SELECT count(*) FROM messages m WHERE status = 'queued' "
                                       "OR (status = 'sent' AND NOT EXISTS "
                                       "(SELECT 1 FROM message_outcomes o WHERE o.message_id = m.id))"))
            if _queued(b) == 0 and open_rows == 0:
                break
            time.sleep(1)
        t2 = now()
        after = _smsc_stats(control)
        b.stop_sampler()
        tw = t0 + sz.e2e_warm_s
        # A receipt's outcome is a row of message_outcomes (V7); applied_at is when it was applied.
        counted = json.loads(b.psql.val(s.db, """SELECT json_build_object(
            'delivered_window', count(*) FILTER (WHERE o.outcome = 'delivered' AND o.applied_at >= to_timestamp(%.6f)
                                                 AND o.applied_at < to_timestamp(%.6f)),
            'delivered', count(*) FILTER (WHERE o.outcome = 'delivered'),
            'not_delivered', count(*) FILTER (WHERE o.outcome IS DISTINCT FROM 'delivered'),
            'p50_ms', 1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY o.applied_at - m.queued_at)
                                     FILTER (WHERE o.outcome = 'delivered')),
            'p99_ms', 1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY o.applied_at - m.queued_at)
                                     FILTER (WHERE o.outcome = 'delivered')),
            'express_p99_ms', 1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP
                                     (ORDER BY o.applied_at - m.queued_at) FILTER (WHERE o.outcome = 'delivered'
                                      AND m.type = 'express')))
            FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id""" % (tw, t1)))
        load_s = t1 - t0
        f = {"counted": counted, "window_s": round(t1 - tw, 2),
             "delivered_per_s": round(counted["delivered_window"] / (t1 - tw), 1),
             "submit_per_s": round((during["submits"] - before["submits"]) / load_s, 1),
             "receipts_per_s": round((during["receipts_acked"] - before["receipts_acked"]) / load_s, 1),
             "throttled": after["throttled"] - before["throttled"],
             "receipts_total": after["receipts_acked"] - before["receipts_acked"],
             "parts_total": after["parts"] - before["parts"],
             "open_after_s": round(t2 - t1, 1), "open_rows_left": open_rows, "left_in_queues": _queued(b),
             "receipt_delay_ms": float(s.smpp_receipt_delay_ms)}
        b.frag("smpp", **f)
        b.frag("smpp", wrk=w, offered_msgs_per_s=float(rate), duration_s=float(sz.e2e_s),
               samples=b.summarize(samples, t0, t1), accepted_per_s=w.get("accepted_per_s"))
        say("smpp: %s; delivered in window %.0f/s; submit_sm %.0f/s, receipts %.0f/s; p50/p99 %s/%s ms; "
            "%d rows not delivered, final after %.1f s more"
            % (wrk_brief(w), f["delivered_per_s"], f["submit_per_s"], f["receipts_per_s"], counted["p50_ms"],
               counted["p99_ms"], counted["not_delivered"], t2 - t1))
    finally:
        b.stop_workers()
        b.clear_streams()
        if smsc.poll() is None:
            smsc.terminate()
            try:
                smsc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                smsc.kill()
                smsc.wait()
        b.procs.discard(smsc)
        log.close()


def webhooks(b):
    try:
        run_webhooks(b, lambda bench, name, workers: e2e_run(bench, name, workers, keep_workers=True))
    finally:
        b.stop_workers()
        b.clear_streams()


ALL = {"ceiling": ceiling, "ingest": ingest, "otp": otp, "e2e": e2e, "sla": sla, "sentlog": sentlog,
       "bigclient": bigclient, "attack": attack, "smpp": smpp, "webhooks": webhooks}
