"""The bigclient scenario (issue 12): one client with BENCH_BIG_ROWS (20M) messages beside 1,000 small clients, over
60 days of daily partitions, in its own database; the large client's reads at a fixed offered load of 200 req/s and
at saturation, its exports, and the drop of an old day's partitions. See bench/README.md.

Endpoints that are not in the API under test (cursor paging, the usage report, the export) are probed first and
skipped with a line saying so, not failed.
"""

import json
import math
import os
import random
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from . import logdata
from .config import BIG_CLIENT, BIG_DATA_VERSION, BIG_DAYS, BIG_RATE, BIG_SMALL_CLIENTS, BIG_SMALL_PREFIX
from .load import wrk_brief, wrk_result
from .util import BenchError, now, say, warn

# The API of this scenario runs with the sent-log cache off, so that every read is measured against PostgreSQL (the
# cache would answer the large client's repeated first page from memory for 2 s); everything else is as configured.
# The per-client budget of sent-log bytes per second (sms.api.sent-log-bytes-per-second) is off too: the large client
# reads at 200 pages a second to measure what the reads cost the server, which that bound would refuse with 429.
API_ENV = {"SMS_API_SENT_LOG_CACHE_TTL": "0s", "SMS_API_SENT_LOG_BYTES_PER_SECOND": "0"}
# One client may have sms.api.sent-log-reads-in-flight (default 2) sent-log reads running per API instance; one more
# is refused with 429. The large client's sent-log reads therefore come over that many connections: at 200 req/s
# each must take 10 ms on average, or the achieved rate falls short of the offered one (and is reported so).
# BENCH_BIG_READS_IN_FLIGHT sets both the API's bound and the connections, to see the reads' latency at the full rate.
SENTLOG_CONNS = 2
OTHER_CONNS = 4
# The client and day of the partition-drop measurement: a day well past any retention, made for it and dropped.
DROP_CLIENT = "bigdrop"
DROP_DAYS_AGO = 200
# Cursors collected for the deep-page run, each starting on a random day of the large client's history.
CURSORS = 40
IDS = 1000
# The longest to wait between runs for the statements of the previous one to end (the API bounds each by
# sms.api.store-timeout, 2 s, but a statement can outlive its request).
SETTLE_S = 60


def big_data(sz):
    """The data set: the large client's rows and the small clients' rows interleaved evenly over BIG_DAYS days."""
    small, total = sz.big_small_rows, sz.big_rows + sz.big_small_rows
    # Row g is a small client's when g * small / total steps up (so exactly `small` rows, spread evenly), the k-th
    # of them going to small client k mod 1000; every other row is the large client's.
    client = ("CASE WHEN g * {s} / {t} > (g - 1) * {s} / {t} "
              "THEN '{p}' || lpad(((g * {s} / {t} - 1) % {n})::text, 4, '0') ELSE '{big}' END"
              .format(s=small, t=total, p=BIG_SMALL_PREFIX, n=BIG_SMALL_CLIENTS, big=BIG_CLIENT))
    shape = "%d+%d/%d/%dd/v%d" % (sz.big_rows, small, BIG_SMALL_CLIENTS, BIG_DAYS, BIG_DATA_VERSION)
    return logdata.DataSet(marker="bench_bigclient", shape=shape, total=total, days=BIG_DAYS, client=client, tag=2,
                           outcomes=True)


def _get(url, client, timeout=60):
    """GET as CLIENT: (status, body); status is a string when there was no answer."""
    req = urllib.request.Request(url, headers={"X-Client-ID": client})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return "none (%s)" % e, b""


def _missing(code, body=b""):
    """Whether an answer says the endpoint is not in this API: 404/405, or (for /api/messages/export) 400
    invalid-id, the path having been taken for GET /api/messages/{id}."""
    return code in (404, 405) or (code == 400 and b'"invalid-id"' in body)


class Reads:
    """The read runs against one API: each query at BIG_RATE req/s, then at saturation."""

    def __init__(self, b, url):
        self.b = b
        self.url = url
        self.results = {}
        self.order = []

    def skip(self, name, what, reason):
        say("bigclient %s: skipped: %s" % (name, reason))
        self.results[name] = {"what": what, "skipped": reason}
        self.order.append(name)

    def settle(self):
        """Wait (at most SETTLE_S) until PostgreSQL runs no statement of the scenario's database any more: a request
        wrk gave up on (its timeout, or the end of its run) may still be running there, and would weigh on the next
        run. Returns the seconds waited."""
        b, t0 = self.b, time.monotonic()
        while time.monotonic() - t0 < SETTLE_S:
            busy = int(b.psql.val(b.s.big_db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                              "AND state = 'active' AND pid <> pg_backend_pid()"))
            if busy == 0:
                break
            time.sleep(0.5)
        waited = time.monotonic() - t0
        if waited >= 1:
            say("bigclient: waited %.0f s for the statements of the previous run to end" % waited)
        return waited

    def run(self, name, what, paths, conns):
        """Measure the paths (a random one per request) at BIG_RATE req/s and at saturation, after checking the
        first one answers 200."""
        b = self.b
        self.settle()
        code, body = _get(self.url + paths[0], BIG_CLIENT)
        with open(b.path("bigclient-%s.json" % name), "wb") as f:
            f.write(body)
        if _missing(code, body):
            return self.skip(name, what, "endpoint not there (%s)" % code)
        if code != 200:
            warn("bigclient %s: %s answered HTTP %s (see %s)" % (name, paths[0], code,
                                                                 b.path("bigclient-%s.json" % name)))
        pf = os.path.join(b.work, "paths-%s.txt" % name)
        with open(pf, "w") as f:
            f.write("\n".join(paths) + "\n")
        threads = min(2, conns)
        args = dict(paths=pf, client=BIG_CLIENT)
        fixed = b.wrk.run(b.path("wrk-bigclient-%s-%d.txt" % (name, BIG_RATE)), "reads.lua", b.sz.big_s, threads,
                          conns, self.url, **args, rate=BIG_RATE)
        say("bigclient %s at %d req/s: %s" % (name, BIG_RATE, wrk_brief(fixed)))
        self.settle()
        sat = b.wrk.run(b.path("wrk-bigclient-%s-max.txt" % name), "reads.lua", b.sz.big_s, threads, conns, self.url,
                        **args, rate=0)
        say("bigclient %s at saturation (%d conns): %s" % (name, conns, wrk_brief(sat)))
        for w, kind in ((fixed, "%d" % BIG_RATE), (sat, "max")):
            w["first_errors"] = _first_errors(b.path("wrk-bigclient-%s-%s.txt" % (name, kind)))
            if w["first_errors"]:
                say("bigclient %s: first answers of each error status: %s" % (name, "; ".join(
                    "%s %s" % kv for kv in sorted(w["first_errors"].items()))))
            d = w.get("duration_s") or 1
            w["ok_per_s"] = round((w["requests"] - w["non_2xx"]) / d, 1)
        # A saturation run may have filled the client's window of the per-second request limit: the next run starts
        # in a fresh one.
        time.sleep(1.1)
        self.results[name] = {"what": what, "example": paths[0], "paths": len(paths), "connections": conns,
                              "fixed": fixed, "saturation": sat}
        self.order.append(name)


def _first_errors(path):
    """The first answer of each error status in a reads.lua run: {status: "code: detail"} of its problem+json."""
    found = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if not line.startswith("BENCH_FIRST_ERROR "):
                    continue
                _, status, body = (line.rstrip("\n").split(" ", 2) + [""])[:3]
                code = re.search(r'"code":"([^"]*)"', body)
                detail = re.search(r'"detail":"([^"]*)', body)
                found[status] = "%s: %s" % (code.group(1) if code else "?", detail.group(1)[:120] if detail else body[:120])
    except OSError:
        pass
    return found


def _cursor_paths(url, days, n):
    """Sent-log pages deep in the large client's history, reached by cursor: for each of N random days, the page
    after the first of `to_date=<day>` (the cursor the API gave with it). None when the API gives no next_cursor
    (cursor paging not there)."""
    rnd = random.Random(12)
    paths = []
    failed = 0
    for _ in range(n):
        day = days[rnd.randrange(2, len(days) - 2)]
        q = "to_date=%s&page_size=100" % day
        code, body = _get("%s/api/messages/sent-log?%s" % (url, q), BIG_CLIENT)
        if code != 200:
            warn("bigclient: sent-log ?%s answered HTTP %s: %s" % (q, code, body[:200]))
            failed += 1
            if failed >= 3 and not paths:
                break
            continue
        doc = json.loads(body)
        if "next_cursor" not in doc:
            return None
        if doc["next_cursor"]:
            paths.append("/api/messages/sent-log?%s&cursor=%s" % (q, urllib.parse.quote(doc["next_cursor"], safe="")))
    return paths


def _export(b, url, query, fmt):
    """Download one export with curl (its bytes counted as they arrive, not stored): the figures, or a skip."""
    out = b.path("bigclient-export-%s.txt" % fmt)
    cmd = ["curl", "-sS", "-N", "--max-time", "900", "-H", "X-Client-ID: " + BIG_CLIENT, "-o", "-",
           "-w", "%{stderr}BENCH_CURL %{http_code} %{size_download} %{time_starttransfer} %{time_total}\n",
           "%s/api/messages/export?format=%s&%s" % (url, fmt, query)]
    with open(out, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        b.procs.add(proc)
        lines, head = 0, b""
        try:
            while True:
                chunk = proc.stdout.read(1 << 20)
                if not chunk:
                    break
                if len(head) < 4096:
                    head += chunk[:4096]
                lines += chunk.count(b"\n")
        finally:
            proc.stdout.close()
            rc = proc.wait()
            b.procs.discard(proc)
    with open(out) as f:
        stats = [line.split() for line in f if line.startswith("BENCH_CURL ")]
    if rc != 0 or not stats:
        return {"error": "curl exit %d (see %s)" % (rc, out)}
    code, size, ttfb, total = int(stats[-1][1]), int(stats[-1][2]), float(stats[-1][3]), float(stats[-1][4])
    if _missing(code, head):
        return {"skipped": "endpoint not there (%d%s)" % (code, ", read as a message id" if code == 400 else "")}
    if code != 200:
        return {"error": "HTTP %d: %s" % (code, head[:300].decode("utf-8", "replace"))}
    rows = lines - (1 if fmt == "csv" else 0)  # the CSV's header row
    return {"rows": float(rows), "bytes": float(size), "seconds": round(total, 3), "first_byte_ms": round(ttfb * 1000, 1),
            "rows_per_s": round(rows / total, 1) if total > 0 else None,
            "mb_per_s": round(size / 1048576.0 / total, 1) if total > 0 else None,
            "head": head[:300].decode("utf-8", "replace")}


def _drop_partition(b, id_paths_file, url):
    """Make the day DROP_DAYS_AGO with big_drop_rows rows (and their receipts and counters), then time the drop of
    its three partitions as PartitionMaintenance drops a day past the retention (one transaction, lock_timeout 1 s),
    while the large client's messages are read by id at BIG_RATE req/s."""
    psql, db, sz = b.psql, b.s.big_db, b.sz
    day = psql.val(db, "SELECT (now() AT TIME ZONE 'UTC')::date - %d" % DROP_DAYS_AGO)
    sfx = day.replace("-", "")
    tables = ", ".join("%s_p%s" % (t, sfx) for t in logdata.TABLES)
    say("bigclient: making the day %s (%s rows of client %s) to drop" % (day, "{:,}".format(sz.big_drop_rows),
                                                                         DROP_CLIENT))
    psql.run(db, "-c", "SELECT sms_create_day_partitions(date '%s', date '%s')" % (day, day),
             "-c", "TRUNCATE %s" % tables,
             "-c", "DELETE FROM usage_daily WHERE client_id = '%s'" % DROP_CLIENT)
    start_ms = int(psql.val(db, "SELECT (extract(epoch FROM (date '%s')::timestamp AT TIME ZONE 'UTC') * 1000)::bigint"
                            % day))
    t0 = time.monotonic()
    logdata.insert_chunks(psql, db, 3, "'%s'" % DROP_CLIENT, start_ms, logdata.DAY_MS - 1000, sz.big_drop_rows,
                          b.s.load_jobs, "old day")
    psql.run(db, sql=logdata.day_steps(day, True, DROP_CLIENT))
    make_s = round(time.monotonic() - t0, 1)
    rows = int(psql.val(db, "SELECT count(*) FROM messages_p%s" % sfx))
    size = int(psql.val(db, "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['%s']::regclass[]) c"
                        % "','".join("%s_p%s" % (t, sfx) for t in logdata.TABLES)))
    # Readers of any day hold the parent tables, as does the drop: the reads around it show what it costs them.
    lead = 2 if sz.big_s >= 6 else 1
    proc = b.wrk.start(b.path("wrk-bigclient-during-drop.txt"), "reads.lua", lead * 2 + 1, 2, OTHER_CONNS, url,
                       paths=id_paths_file, client=BIG_CLIENT, rate=BIG_RATE)
    time.sleep(lead)
    out = psql.run(db, "-At", sql="""
SELECT clock_timestamp() AS t0 \\gset
BEGIN;
SET LOCAL lock_timeout = '1s';
DROP TABLE IF EXISTS %s;
COMMIT;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 4);
""" % tables, check=False)
    b.wrk.finish(proc, timeout=lead * 2 + 40)
    reads = wrk_result(b.path("wrk-bigclient-during-drop.txt"))
    gone = psql.val(db, "SELECT to_regclass('messages_p%s') IS NULL" % sfx) == "t"
    try:
        drop_s = float(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        drop_s = None
    if not gone or drop_s is None:
        warn("bigclient: the drop of %s failed: %s" % (tables, out.strip()))
    say("bigclient: dropped the day %s (%s rows, %.0f MB) in %s s; reads by id meanwhile: %s"
        % (day, "{:,}".format(rows), size / 1048576.0, drop_s, wrk_brief(reads)))
    return {"day": day, "rows": float(rows), "bytes": float(size), "drop_s": drop_s, "dropped": gone,
            "make_s": make_s, "reads_during": reads}


def bigclient(b):
    sz, s, psql = b.sz, b.s, b.psql
    db = s.big_db
    say("== bigclient: one client with %s messages beside %d small clients, %d daily partitions"
        % ("{:,}".format(sz.big_rows), BIG_SMALL_CLIENTS, BIG_DAYS))
    # A separate API instance on the scenario's database; nothing else runs.
    b.stop_workers()
    b.apps.stop("api")
    psql.ensure_db(db)
    env = dict(API_ENV)
    sl_conns = SENTLOG_CONNS
    if s.big_reads_in_flight:
        env["SMS_API_SENT_LOG_READS_IN_FLIGHT"] = str(s.big_reads_in_flight)
        sl_conns = s.big_reads_in_flight
        say("bigclient: the API's sent-log reads in flight per client raised to %d (BENCH_BIG_READS_IN_FLIGHT), "
            "its sent-log reads over as many connections" % sl_conns)
    b.apps.start("api-big", s.log_api_port, db, "api", extra_env=env)
    b.apps.wait_ready("api-big")
    url = "http://127.0.0.1:%d" % s.log_api_port
    ds = big_data(sz)
    loaded = logdata.load(psql, db, ds, s.load_jobs)
    first, last = psql.run(db, "-Atc", "SELECT first_day || ' ' || last_day FROM bench_bigclient").split()
    days = psql.run(db, "-Atc", "SELECT generate_series(date '%s', date '%s', interval '1 day')::date"
                    % (first, last)).split()
    partitions = int(psql.val(db, "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                  "WHERE i.inhparent = 'messages'::regclass AND c.relname ~ '^messages_p[0-9]{8}$'"))
    big_rows = int(psql.val(db, "SELECT sum(accepted) FROM usage_daily WHERE client_id = '%s'" % BIG_CLIENT))
    mid = days[len(days) // 2]
    bad = logdata.check_usage(psql, db, mid)
    say("bigclient: %s rows of %s in %d partitions of messages (days %s .. %s); usage_daily of %s %s"
        % ("{:,}".format(big_rows), BIG_CLIENT, partitions, first, last, mid,
           "agrees with the rows" if bad == 0 else "DISAGREES with the rows in %d counters" % bad))

    # Random messages of the large client, for GET /api/messages/{id}: a sample of the table's pages.
    pct = min(100.0, 2e6 / ds.total)
    ids = psql.run(db, "-Atc", "SELECT id FROM (SELECT id FROM messages TABLESAMPLE SYSTEM (%s) WHERE client_id = '%s') s "
                               "ORDER BY random() LIMIT %d" % (pct, BIG_CLIENT, IDS)).split()
    if not ids:
        raise BenchError("no messages of %s found in %s" % (BIG_CLIENT, db))
    id_paths = ["/api/messages/%s" % i for i in ids]
    id_file = os.path.join(b.work, "paths-ids.txt")
    with open(id_file, "w") as f:
        f.write("\n".join(id_paths) + "\n")

    reads = Reads(b, url)
    sl = "/api/messages/sent-log?"
    week = (days[-31], days[-25])
    per_page = 100
    say("warm-up %ds (not measured)" % sz.warmup_s)
    b.wrk.run(b.path("wrk-bigclient-warmup.txt"), "reads.lua", sz.warmup_s, 2, OTHER_CONNS, url, paths=id_file,
              client=BIG_CLIENT)
    samples = b.start_sampler("bigclient", "api-big")
    t0 = now()
    reads.run("first_page", "first page", [sl + "page_size=%d" % per_page], sl_conns)
    cursors = _cursor_paths(url, days, CURSORS)
    what = "pages deep in the history by cursor (to_date=<a random day>, then its next_cursor)"
    if cursors is None:
        reads.skip("cursor_deep", what, "endpoint not there (no next_cursor in the sent-log's answer)")
    elif not cursors:
        reads.skip("cursor_deep", what, "no cursor came back (the sent-log failed, see the warnings)")
    else:
        reads.run("cursor_deep", what, cursors, sl_conns)
    for depth in (100000, 1000000):
        if depth + per_page <= sz.big_rows:
            reads.run("offset_%s" % ("%dk" % (depth // 1000) if depth < 1000000 else "%dm" % (depth // 1000000)),
                      "page= %d rows deep (OFFSET)" % depth, [sl + "page=%d&page_size=%d" % (depth // per_page + 1, per_page)],
                      sl_conns)
    for st in ("failed", "delivered", "undelivered"):
        reads.run("status_" + st, "status=%s" % st, [sl + "status=%s&page_size=%d" % (st, per_page)], sl_conns)
    reads.run("type_express", "type=express", [sl + "type=express&page_size=%d" % per_page], sl_conns)
    reads.run("date_range", "7 days: from_date=%s&to_date=%s" % week,
              [sl + "from_date=%s&to_date=%s&page_size=%d" % (week[0], week[1], per_page)], sl_conns)
    reads.run("all_filters", "status=sent&type=express and the 7 days",
              [sl + "status=sent&type=express&from_date=%s&to_date=%s&page_size=%d" % (week[0], week[1], per_page)],
              sl_conns)
    reads.run("by_id", "GET /api/messages/{id}, %d random ids" % len(ids), id_paths, OTHER_CONNS)
    month = (days[-31], days[-2])
    # The usage report shares the sent-log's bound of reads in flight per client.
    reads.run("usage_report", "GET /api/reports/usage, 30 days",
              ["/api/reports/usage?from_date=%s&to_date=%s" % month], sl_conns)
    t1 = now()

    # Exports of whole days with about big_export_rows rows, oldest first as the API streams them.
    per_day = max(1, sz.big_rows // BIG_DAYS)
    n_days = max(1, min(len(days) - 2, math.ceil(sz.big_export_rows / per_day)))
    exp_from, exp_to = days[-1 - n_days], days[-2]
    expected = int(psql.val(db, "SELECT coalesce(sum(accepted), 0) FROM usage_daily WHERE client_id = '%s' "
                                "AND day BETWEEN '%s' AND '%s'" % (BIG_CLIENT, exp_from, exp_to)))
    exports = {}
    for fmt in ("ndjson", "csv"):
        e0 = now()
        e = _export(b, url, "from_date=%s&to_date=%s" % (exp_from, exp_to), fmt)
        e["window"] = (e0, now())
        e["expected_rows"] = float(expected)
        exports[fmt] = e
        if "skipped" in e:
            say("bigclient export %s: skipped: %s" % (fmt, e["skipped"]))
        elif "error" in e:
            warn("bigclient export %s failed: %s" % (fmt, e["error"]))
        else:
            say("bigclient export %s, %s .. %s: %s rows (expected %s) in %s s = %s rows/s, %s MB/s, first byte %s ms"
                % (fmt, exp_from, exp_to, "{:,.0f}".format(e["rows"]), "{:,}".format(expected), e["seconds"],
                   "{:,.0f}".format(e["rows_per_s"] or 0), e["mb_per_s"], e["first_byte_ms"]))
            if e["rows"] != expected:
                warn("bigclient export %s: %d rows, but usage_daily counts %d" % (fmt, e["rows"], expected))

    b.stop_sampler()
    for e in exports.values():
        w = e.pop("window")
        if "rows" in e:
            e["samples"] = b.summarize(samples, *w)
    drop = _drop_partition(b, id_file, url)
    b.frag("bigclient", data={"big_rows": float(big_rows), "small_rows": float(sz.big_small_rows),
                              "small_clients": float(BIG_SMALL_CLIENTS), "days": float(BIG_DAYS),
                              "partitions": float(partitions), "data_days": float(len(days)), "first_day": first, "last_day": last,
                              "usage_check_day": mid, "usage_mismatches": float(bad)},
           load=loaded, rate=float(BIG_RATE), sentlog_connections=float(sl_conns),
           reads_in_flight=s.big_reads_in_flight or None, reads=reads.results, order=reads.order,
           export={"from": exp_from, "to": exp_to, "days": float(n_days), **exports}, drop=drop,
           samples=b.summarize(samples, t0, t1))
    b.apps.stop("api-big")
