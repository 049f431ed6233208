"""The invariants checked after a run, each with exact numbers. Every check is computed and printed; the run
fails on a violated check that is enforced (all of them unless --enforce names fewer)."""

import collections

from .load import CLIENTS

# name -> what it promises (docs/nemesis.md explains each)
CHECKS = collections.OrderedDict([
    ("drained", "streams empty, nothing pending, no retry waiting, every row sent or failed"),
    ("no-loss", "every accepted id has a row in PostgreSQL"),
    ("no-phantom", "every row is a message some answer accepted (uncertain sends resolved by replay)"),
    ("idempotent-replay", "a replayed key answers the first answer's ids"),
    ("sends-bounded", "provider sends per id <= --max-sends"),
    ("sent-was-sent", "every sent row reached the provider"),
    ("failed-not-sent", "no failed (refunded) row reached the provider"),
    ("no-dead-letter-for-sent", "no dead letter names a message recorded as sent"),
    ("refund-once", "one refund marker per failed row, none for a sent row"),
    ("credit-conservation", "per client: top-ups in the ledger = live Redis balance + credits of sent rows"),
    ("no-credit-created", "per client: live Redis balance + credits of sent rows <= top-ups in the ledger"),
    ("stores-agree", "per client: live Redis balance = credits.balance"),
    ("ledger-consistent", "per client: credits.balance = ledger sum, and the ledger's charges = credits of sent rows"),
    ("topups-accounted", "per client: ledger top-ups = top-ups answered 200 (each replayed with its key until answered)"),
    ("usage-counters", "per client: the daily usage counters = rows recorded, sent, failed and their credits"),
    ("no-500", "no request was answered 500: a store that is down or slow gives 503, not an unhandled error"),
])


class Result:
    def __init__(self, name):
        self.name = name
        self.violations = 0
        self.examples = []
        self.facts = []

    def bad(self, example):
        self.violations += 1
        if len(self.examples) < 5:
            self.examples.append(example)

    def fact(self, text):
        self.facts.append(text)

    @property
    def ok(self):
        return self.violations == 0


def run_checks(state, ledger, max_sends, unresolved):
    """STATE is what was read from the stores after the drain (see run.Simulator.collect)."""
    r = collections.OrderedDict((n, Result(n)) for n in CHECKS)
    rows = state["rows"]  # id -> (client, status)
    accepted = ledger.accepted_ids()  # id -> Send
    sends = state["sends"]  # id -> provider sends

    c = r["drained"]
    for k, v in state["queues"].items():
        c.fact("%s=%d" % (k, v))
        if v:
            c.bad("%s is %d" % (k, v))
    open_rows = [i for i, (_, st) in rows.items() if st not in ("sent", "failed")]
    c.fact("rows not final=%d" % len(open_rows))
    for i in open_rows:
        c.bad("row %s is %s" % (i, rows[i][1]))

    c = r["no-loss"]
    missing = [i for i in accepted if i not in rows]
    c.fact("accepted=%d rows=%d missing=%d" % (len(accepted), len(rows), len(missing)))
    for i in missing:
        c.bad("accepted %s (%s) has no row" % (i, accepted[i].client))

    c = r["no-phantom"]
    phantom = [i for i in rows if i not in accepted]
    c.fact("phantom rows=%d unresolved sends=%d" % (len(phantom), unresolved))
    for i in phantom:
        c.bad("row %s was never accepted in an answer: %s" % (i, state.get("details", {}).get(i, "")))
    if unresolved:
        c.bad("%d sends still had no definite answer after replaying" % unresolved)

    c = r["idempotent-replay"]
    replays = sum(s.replays for s in ledger.sends.values())
    c.fact("replays=%d mismatches=%d" % (replays, len(ledger.replay_mismatches)))
    for key, first, again in ledger.replay_mismatches:
        c.bad("key %s first %s, replay %s" % (key, first, again))

    c = r["sends-bounded"]
    hist = collections.Counter(sends.values())
    c.fact("ids sent: " + ", ".join("%dx=%d" % (k, hist[k]) for k in sorted(hist)) if hist else "no sends")
    for i, n in sends.items():
        if n > max_sends:
            c.bad("%s sent %d times (%s)" % (i, n, rows.get(i, ("?", "no row"))[1]))

    c = r["sent-was-sent"]
    sent_rows = [i for i, (_, st) in rows.items() if st == "sent"]
    # A row recorded as "presumed sent" is the documented uncertain hand-off (docs/promises.md): a worker lost the
    # provider's answer (crash, stall, provider timeout), and the message is charged and never sent again. Whether
    # the provider took it is unknown to the system, so such a row is counted, not judged.
    presumed = state.get("presumed", set())
    presumed_unsent = sum(1 for i in presumed if not sends.get(i))
    c.fact("sent rows=%d presumed sent=%d (of which the provider never had %d)"
           % (len(sent_rows), len(presumed), presumed_unsent))
    for i in sent_rows:
        if not sends.get(i) and i not in presumed:
            c.bad("%s is sent but the provider never had it" % i)

    c = r["failed-not-sent"]
    failed_rows = [i for i, (_, st) in rows.items() if st == "failed"]
    c.fact("failed rows=%d" % len(failed_rows))
    for i in failed_rows:
        if sends.get(i):
            c.bad("%s is failed and refunded but the provider delivered it %d time(s)" % (i, sends[i]))

    c = r["no-dead-letter-for-sent"]
    c.fact("dead letters=%d" % len(state["dead"]))
    for i in state["dead"]:
        if i and rows.get(i, (None, None))[1] == "sent":
            c.bad("dead letter for sent message %s" % i)

    c = r["refund-once"]
    markers = state["markers"]  # set of message ids with a refund marker
    c.fact("refund markers=%d" % len(markers))
    for i in failed_rows:
        if i not in markers:
            c.bad("failed %s has no refund marker" % i)
    for i in markers:
        if rows.get(i, (None, None))[1] != "failed":
            c.bad("refund marker for %s, which is %s" % (i, rows.get(i, (None, "no row"))[1]))

    # Credits, not rows: a message in several SMS parts is charged one credit per part.
    credits = state["credits"]
    sent_per_client = collections.Counter()
    for i in sent_rows:
        sent_per_client[rows[i][0]] += credits[i]
    c.fact("sent credits=%d in %d rows" % (sum(sent_per_client.values()), len(sent_rows)))
    ledger_topup = state["ledger_topup"]
    ledger_sent = state["ledger_sent"]  # positive: credits charged for sent
    pg_balance = state["pg_balance"]
    live = state["live"]
    # The counters the usage report reads move in the workers' statements with the rows: a fault between the two
    # cannot exist, and this shows it.
    c = r["usage-counters"]
    from_rows = collections.defaultdict(lambda: [0, 0, 0, 0, 0])  # recorded, sent, failed, credits sent, failed
    for i, (cl, st) in rows.items():
        f = from_rows[cl]
        f[0] += 1
        if st == "sent":
            f[1] += 1
            f[3] += credits[i]
        elif st == "failed":
            f[2] += 1
            f[4] += credits[i]
    usage = state.get("usage", {})
    for cl in sorted(set(from_rows) | set(usage)):
        want, got = from_rows.get(cl, [0] * 5), list(usage.get(cl, [0] * 5))
        c.fact("%s: rows %s, counters %s" % (cl, want, got))
        if want != got:
            c.bad("%s: counters (recorded, sent, failed, credits sent, credits failed) %s, rows say %s" % (cl, got, want))

    c = r["credit-conservation"]
    n = r["no-credit-created"]
    d = r["stores-agree"]
    g = r["ledger-consistent"]
    t = r["topups-accounted"]
    confirmed, uncertain = ledger.topup_confirmed, ledger.topup_uncertain
    for cl in CLIENTS:
        added, lv, sent = ledger_topup.get(cl, 0), live.get(cl, 0), sent_per_client.get(cl, 0)
        c.fact("%s: %d = %d + %d%s" % (cl, added, lv, sent, "" if added == lv + sent else " (drift %+d)" % (lv + sent - added)))
        if added != lv + sent:
            c.bad("%s: top-ups %d, live %d + sent %d = %d" % (cl, added, lv, sent, lv + sent))
        if lv + sent > added:
            n.bad("%s: live %d + sent %d = %d > top-ups %d" % (cl, lv, sent, lv + sent, added))
        pgb, lsum, charged = pg_balance.get(cl, 0), added - ledger_sent.get(cl, 0), ledger_sent.get(cl, 0)
        if pgb != lv:
            d.bad("%s: redis %d, credits.balance %d" % (cl, lv, pgb))
        if not (pgb == lsum and charged == sent):
            g.bad("%s: credits.balance %d, ledger sum %d, ledger charges %d, sent rows %d" % (cl, pgb, lsum, charged, sent))
        conf, unc = confirmed[cl], uncertain[cl]
        t.fact("%s: %d = %d%s" % (cl, added, conf, " (+%d unanswered)" % unc if unc else ""))
        if added != conf or unc:
            t.bad("%s: ledger %d, confirmed %d, still unanswered %d" % (cl, added, conf, unc))
    for x in (n, d, g):
        x.fact("clients=%d" % len(CLIENTS))

    c = r["no-500"]
    errors = {k: v for k, v in ledger.counts.items() if k.endswith(" 500")}
    c.fact("answers 500: %d" % sum(errors.values()))
    for k, v in sorted(errors.items()):
        c.bad("%s: %d" % (k, v))
    return r
