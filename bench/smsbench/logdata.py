"""Message rows written straight into PostgreSQL for the read scenarios (sentlog, bigclient), as the workers would
have written them, on the day-partitioned layout (V10, docs/adr/0017):

- every row's id is a UUIDv7 whose time is the row's queued_at, to the millisecond (bench_uuid_v7 below; the API
  finds a message by the time in its id);
- the partitions of the loaded days are made first with the schema's own sms_create_day_partitions, so no row lands
  in messages_default;
- receipts' outcomes (message_outcomes) are made for a share of the sent rows when the data set asks for them;
- the per-day counters usage_daily are then computed from the rows with V11's own statement, day by day, so they
  agree with the rows by definition.

Loading: the indexes of the three partitioned tables are dropped on their parents and rebuilt afterwards from their
own definitions (whatever the migrations made them), the rows are inserted with INSERT ... SELECT FROM
generate_series in chunks of 1M rows, BENCH_LOAD_JOBS (2) psql sessions at a time, then VACUUM ANALYZE.

A data set is kept between runs: a marker table records its shape, and a run reloads only when the shape differs or
the row count does not match.
"""

import time
from dataclasses import dataclass

from .util import BenchError, say

# A UUIDv7 for a given millisecond: 48 bits of time, version 7, 12 bits and 62 bits "random". Here the bits after
# the time are made from the row number (and a tag per data set), so ids are unique without a random source; the
# variant is 10 (hex 8). LANGUAGE sql and one expression: PostgreSQL inlines it into the INSERT.
# bench_ms_time is its time as a timestamptz, exactly what sms_uuid_v7_time reads back.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION bench_uuid_v7(ms bigint, tag bigint, n bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lpad(to_hex(ms), 12, '0') || '7' || lpad(to_hex((n * 40503) % 4096), 3, '0') || '8'
            || lpad(to_hex(tag * 281474976710656 + n), 15, '0'))::uuid
$$;
CREATE OR REPLACE FUNCTION bench_ms_time(ms bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT timestamptz 'epoch' + ms * interval '1 ms'
$$;
"""

TABLES = ("messages", "message_outcomes", "message_parts")

# The primary keys and indexes of the three partitioned parents, saved, then dropped (which drops them on every
# partition). bench_index_defs is kept until the load is done: an interrupted load leaves it behind, and the next
# load then uses the definitions it holds. pg_get_indexdef names a partitioned parent "ON ONLY", which would build
# the index on the parent alone: it is rebuilt "ON" the parent, i.e. on every partition.
DROP_INDEXES = r"""
DROP TABLE IF EXISTS bench_sentlog_defs;
CREATE TABLE IF NOT EXISTS bench_index_defs (n serial, ddl text, conindid oid);
DO $$
DECLARE t text;
BEGIN
  IF NOT EXISTS (SELECT FROM bench_index_defs) THEN
    FOREACH t IN ARRAY ARRAY['messages', 'message_outcomes', 'message_parts'] LOOP
      INSERT INTO bench_index_defs (ddl, conindid)
        SELECT format('ALTER TABLE %I ADD CONSTRAINT %I ', t, conname) || pg_get_constraintdef(oid), conindid
        FROM pg_constraint WHERE conrelid = t::regclass AND contype IN ('p', 'u');
      INSERT INTO bench_index_defs (ddl, conindid)
        SELECT replace(pg_get_indexdef(indexrelid), ' ON ONLY ', ' ON '), indexrelid FROM pg_index
        WHERE indrelid = t::regclass AND indexrelid NOT IN (SELECT conindid FROM bench_index_defs);
    END LOOP;
  END IF;
END $$;
DO $$
DECLARE r record; t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['messages', 'message_outcomes', 'message_parts'] LOOP
    FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = t::regclass AND contype IN ('p', 'u') LOOP
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, r.conname);
    END LOOP;
    FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index WHERE indrelid = t::regclass LOOP
      EXECUTE 'DROP INDEX ' || r.idx;
    END LOOP;
  END LOOP;
END $$;
"""

REBUILD_INDEXES = r"""
SET maintenance_work_mem = '1GB';
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT ddl FROM bench_index_defs ORDER BY n LOOP
    EXECUTE r.ddl;
  END LOOP;
END $$;
DROP TABLE bench_index_defs;
"""

# The day partitions of earlier loads that lie before the data set's first day are dropped (only a bench's leftovers
# can be there: its own scratch days, or an older load); the data set's days are made.
PARTITIONS = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT substr(c.relname, 11) AS suffix FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'messages'::regclass AND c.relname ~ '^messages_p[0-9]{{8}}$'
             AND substr(c.relname, 11) < to_char(date '{first}', 'YYYYMMDD') LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I, %I, %I', 'messages_p' || r.suffix, 'message_outcomes_p' || r.suffix,
                   'message_parts_p' || r.suffix);
  END LOOP;
END $$;
SELECT sms_create_day_partitions(date '{first}', date '{last}');
"""

# One chunk of rows [lo, hi] of a data set of `total` rows, oldest first: row g is queued at
# start_ms + g * span_ms / total (spread evenly over the span), its client given by the data set's expression of g.
# 15 % express, 96 % sent (with a provider id and sent_at) / 4 % failed, one part, one credit.
INSERT = """
INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at,
                      error_message, attempts, segments, provider_message_id, error_code, sent_at, credits)
SELECT bench_uuid_v7(ms, {tag}, g), {client},
       CASE WHEN r1 < 0.15 THEN 'express' ELSE 'normal' END,
       '+49170' || lpad((g % 10000000)::text, 7, '0'),
       CASE WHEN r1 < 0.5 THEN 'BenchApp' ELSE '+4930123456' END,
       'Your parcel ' || g || ' is on its way. Track it in the app. Reply STOP to opt out.',
       CASE WHEN r2 < 0.96 THEN 'sent' ELSE 'failed' END,
       q, q + (0.02 + r1 * 2) * interval '1 second',
       CASE WHEN r2 >= 0.96 THEN 'recipient rejected by provider' END, 1, 1,
       CASE WHEN r2 < 0.96 THEN 'bench-{tag}-' || g END,
       NULL,
       CASE WHEN r2 < 0.96 THEN q + (0.02 + r1 * 2) * interval '1 second' END, 1
FROM (SELECT g, ms, bench_ms_time(ms) AS q, random() AS r1, random() AS r2
      FROM (SELECT g, {start_ms}::bigint + g * {span_ms}::bigint / {total}::bigint AS ms
            FROM generate_series({lo}::bigint, {hi}::bigint) AS g) s0) s"""

# Receipts of one day: 85 % of the sent rows delivered, 3 % undelivered, the rest still waiting for one.
OUTCOMES = """
INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message, applied_at,
                              client_id, type)
SELECT id, queued_at, CASE WHEN r < 0.85 THEN 'delivered' ELSE 'undelivered' END,
       CASE WHEN r < 0.85 THEN sent_at + interval '3 seconds' END,
       CASE WHEN r >= 0.85 THEN 'UNDELIV' END, CASE WHEN r >= 0.85 THEN 'undeliverable' END,
       sent_at + interval '4 seconds', client_id, type
FROM (SELECT id, queued_at, sent_at, client_id, type, random() AS r FROM messages
      WHERE status = 'sent' AND queued_at >= {lo} AND queued_at < {hi}{only}) s
WHERE r < 0.88;
"""

# usage_daily of one day, with V11's own statement (the counters the workers keep, computed from the rows). The
# day's bounds are repeated for the outcomes: the planner does not carry them over the join, and would otherwise read
# the outcomes of every day for each day.
USAGE_SELECT = """
SELECT m.client_id, (m.queued_at AT TIME ZONE 'UTC')::date, m.type, count(*),
       count(*) FILTER (WHERE m.status = 'sent'), count(*) FILTER (WHERE m.status = 'failed'),
       count(*) FILTER (WHERE o.outcome = 'delivered'), count(*) FILTER (WHERE o.outcome = 'undelivered'),
       coalesce(sum(m.credits) FILTER (WHERE m.status = 'sent'), 0),
       coalesce(sum(m.credits) FILTER (WHERE m.status = 'failed'), 0)
FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
                                             AND o.queued_at >= {lo} AND o.queued_at < {hi}
WHERE m.queued_at >= {lo} AND m.queued_at < {hi}{only_m}
GROUP BY 1, 2, 3"""
USAGE = """
INSERT INTO usage_daily (client_id, day, type, accepted, sent, failed, delivered, undelivered, credits_charged,
                         credits_refunded)""" + USAGE_SELECT + ";\n"

DAY_MS = 86400000
CHUNK = 1000000


@dataclass(frozen=True)
class DataSet:
    """What to load: `total` rows over `days` days ending at the load's time, row g's client given by `client`
    (an SQL expression of g and the total), ids tagged `tag`; with receipts' outcomes or not."""

    marker: str       # the marker table
    shape: str        # what the marker records; another shape reloads
    total: int
    days: int
    client: str
    tag: int
    outcomes: bool


def _day_bounds(day):
    """SQL bounds of one UTC day given as 'YYYY-MM-DD'."""
    return ("(date '%s')::timestamp AT TIME ZONE 'UTC'" % day, "(date '%s' + 1)::timestamp AT TIME ZONE 'UTC'" % day)


def day_steps(day, outcomes, client=None):
    """The SQL that makes one day's outcomes (if wanted) and its usage_daily rows (of one client only, if given)."""
    lo, hi = _day_bounds(day)
    only = "" if client is None else " AND client_id = '%s'" % client
    only_m = "" if client is None else " AND m.client_id = '%s'" % client
    # Before the load's ANALYZE the planner knows nothing of the new partitions and may join a day's rows with its
    # outcomes by a nested loop over sequential scans (quadratic): a hash join it is.
    sql = "SET work_mem = '256MB';\nSET enable_nestloop = off;\n"
    if outcomes:
        sql += OUTCOMES.format(lo=lo, hi=hi, only=only)
    sql += USAGE.format(lo=lo, hi=hi, only_m=only_m)
    return sql


def insert_chunks(psql, db, ds_tag, client, start_ms, span_ms, total, jobs, label):
    """Rows 1..total in chunks of 1M, JOBS psql sessions at a time."""
    stmts = []
    for lo in range(1, total + 1, CHUNK):
        hi = min(lo + CHUNK - 1, total)
        stmts.append(INSERT.format(tag=ds_tag, client=client, start_ms=start_ms, span_ms=span_ms, total=total,
                                   lo=lo, hi=hi))
    done = [0]
    t0 = time.monotonic()

    def progress(_):
        # About every quarter of the chunks.
        done[0] += 1
        if len(stmts) >= 4 and (done[0] * 4 // len(stmts)) != ((done[0] - 1) * 4 // len(stmts)):
            say("  ... %s: %d of %d chunks of %s in %.0f s" % (label, done[0], len(stmts), "{:,}".format(CHUNK),
                                                                 time.monotonic() - t0))

    psql.run_many(db, [s + ";" for s in stmts], jobs, progress)


def kept(psql, ds, db):
    """True when DB holds exactly the data set DS (marker and row count); leftover day partitions older than its
    first day are dropped first."""
    if psql.val(db, "SELECT to_regclass('%s') IS NOT NULL" % ds.marker) != "t":
        return False
    have = psql.run(db, "-Atc", "SELECT shape || '|' || first_day FROM %s" % ds.marker, check=False).strip()
    if "|" not in have or have.split("|")[0] != ds.shape:
        return False
    psql.run(db, sql=PARTITIONS.format(first=have.split("|")[1], last=have.split("|")[1]))
    return psql.val(db, "SELECT count(*) FROM messages") == str(ds.total)


def load(psql, db, ds, jobs):
    """Load DS into DB unless it is there already. Returns the load's seconds (and the steps'), or None when kept."""
    if kept(psql, ds, db):
        say("%s: the data set (%s) is there already: kept (drop database %s to reload)" % (db, ds.shape, db))
        return None
    say("loading %s rows into %s (%d days, %s; %d psql sessions; kept for later runs)"
        % ("{:,}".format(ds.total), db, ds.days, "with receipts" if ds.outcomes else "no receipts", jobs))
    t0 = time.monotonic()
    anchor_ms = int(psql.val(db, "SELECT (extract(epoch FROM date_trunc('second', now())) * 1000)::bigint"))
    span_ms = ds.days * DAY_MS
    start_ms = anchor_ms - span_ms
    psql.run(db, sql=FUNCTIONS)
    first = psql.val(db, "SELECT (bench_ms_time(%d) AT TIME ZONE 'UTC')::date" % start_ms)
    last = psql.val(db, "SELECT (bench_ms_time(%d) AT TIME ZONE 'UTC')::date" % anchor_ms)
    psql.run(db, "-c", "DROP TABLE IF EXISTS %s" % ds.marker)
    psql.run(db, sql=DROP_INDEXES)
    psql.run(db, "-c", "TRUNCATE messages, message_outcomes, message_parts, usage_daily")
    psql.run(db, sql=PARTITIONS.format(first=first, last=last))
    steps = {}
    t = time.monotonic()
    insert_chunks(psql, db, ds.tag, ds.client, start_ms, span_ms, ds.total, jobs, "rows")
    steps["rows_s"] = round(time.monotonic() - t, 1)
    say("  rows in %.0f s; now %sthe daily counters, day by day" % (steps["rows_s"],
                                                                  "receipts' outcomes and " if ds.outcomes else ""))
    t = time.monotonic()
    days = psql.run(db, "-Atc", "SELECT generate_series(date '%s', date '%s', interval '1 day')::date" % (first, last))
    # A few days per psql session: a session of its own for each day cost more than a small day's work.
    days = days.split()
    psql.run_many(db, ["".join(day_steps(d, ds.outcomes) for d in days[i:i + 4]) for i in range(0, len(days), 4)],
                  jobs)
    steps["outcomes_usage_s"] = round(time.monotonic() - t, 1)
    say("  rebuilding indexes")
    t = time.monotonic()
    psql.run(db, sql=REBUILD_INDEXES)
    steps["indexes_s"] = round(time.monotonic() - t, 1)
    say("  VACUUM ANALYZE")
    t = time.monotonic()
    psql.run(db, "-c", "VACUUM (ANALYZE) messages", "-c", "VACUUM (ANALYZE) message_outcomes",
             "-c", "VACUUM (ANALYZE) usage_daily")
    steps["vacuum_s"] = round(time.monotonic() - t, 1)
    psql.run(db, "-c", "CREATE TABLE %s AS SELECT '%s'::text AS shape, %d::bigint AS rows, "
                       "bench_ms_time(%d) AS loaded_at, date '%s' AS first_day, date '%s' AS last_day"
             % (ds.marker, ds.shape, ds.total, anchor_ms, first, last))
    count = psql.val(db, "SELECT count(*) FROM messages")
    if count != str(ds.total):
        raise BenchError("the load left %s rows in %s.messages, expected %d" % (count, db, ds.total))
    strays = psql.val(db, "SELECT count(*) FROM messages_default")
    if strays != "0":
        raise BenchError("%s rows of the load fell into messages_default: the day partitions are missing" % strays)
    load_s = round(time.monotonic() - t0)
    say("loaded in %d s (rows %s s, outcomes + counters %s s, indexes %s s, vacuum %s s)"
        % (load_s, steps["rows_s"], steps["outcomes_usage_s"], steps["indexes_s"], steps["vacuum_s"]))
    return dict(load_s=float(load_s), **steps)


def check_usage(psql, db, day):
    """How many (client, type) counters of one day disagree with the day's rows (V11's statement over the rows,
    compared both ways); 0 when usage_daily is right."""
    lo, hi = _day_bounds(day)
    rows = USAGE_SELECT.format(lo=lo, hi=hi, only_m="")
    counters = ("SELECT client_id, day, type, accepted, sent, failed, delivered, undelivered, credits_charged, "
                "credits_refunded FROM usage_daily WHERE day = date '%s'" % day)
    return int(psql.val(db, "SET work_mem = '256MB'; SET enable_nestloop = off; SELECT count(*) FROM ((%s EXCEPT %s) UNION ALL (%s EXCEPT %s)) d"
                        % (rows, counters, counters, rows)))
