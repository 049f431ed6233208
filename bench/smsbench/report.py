"""The results: one JSON document with every figure, and the table printed at the end of a run."""

import glob
import json
import os

TARGETS = {
    "e2e": 20000,      # msg/s persisted as sent
    "ingest": 100000,  # msg/s accepted
    "otp_rps": 5000,   # req/s
    "otp_p99": 20,     # ms
    "sla_p99": 100,    # ms
    "sentlog_p99": 50,  # ms
    "smpp": 10000,     # msg/s delivered (receipt applied) through SMPP
    "webhooks": 20000,  # events/s delivered to the receiver
    "bigclient_p99": 50,         # ms, every read of the large client at 200 req/s
    "bigclient_export": 200000,  # rows/s of one export
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



def report(frags, meta, run_dir, out):
    """Write the results JSON to OUT and return the table."""
    lines = []
    emit = lines.append
    frags = dict(sorted(frags.items()))

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
        if s.get("receipts_waiting") is not None:
            after = s.get("receipts_after_s")
            add("sla", "receipts: waiting at the drain's end, all applied",
                "%s; %s" % (fnum(s.get("receipts_waiting")),
                            "%s s after the drain" % fnum(after, 1) if after is not None else "NOT within 600 s"),
                "s", raw=after)
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

    bc = frags.get("bigclient")
    if bc:
        d = bc.get("data") or {}
        ld = bc.get("load")
        add("bigclient", "data", "%s + %s rows (%s small clients) over %s days (%s day partitions with those made ahead); %s" % (
            fnum(d.get("big_rows")), fnum(d.get("small_rows")), fnum(d.get("small_clients")), fnum(d.get("data_days")),
            fnum(d.get("partitions")),
            "loaded now in %s s" % fnum(ld.get("load_s")) if ld else "kept from an earlier run"),
            raw={"data": d, "load": ld})
        add("bigclient", "usage_daily against the rows (day %s)" % d.get("usage_check_day"),
            "agrees" if d.get("usage_mismatches") == 0 else "%s counters differ" % fnum(d.get("usage_mismatches")),
            ok=d.get("usage_mismatches") == 0, raw=d.get("usage_mismatches"))
        rate = bc.get("rate") or 0
        for name in bc.get("order", []):
            r = (bc.get("reads") or {}).get(name) or {}
            if "skipped" in r:
                add("bigclient", name, "skipped: " + r["skipped"], raw=None)
                continue
            fx, sat = r.get("fixed"), r.get("saturation")
            p99 = g(fx, "latency_ms", "p99")
            achieved = g(fx, "requests_per_s")
            ok = None
            if p99 is not None:
                ok = (p99 <= TARGETS["bigclient_p99"] and (achieved or 0) >= 0.95 * rate
                      and not fx["non_2xx"] and not fx["socket_errors"])
            if fx and not fx["requests"]:
                p99, ok = None, False
            add("bigclient", "%s: p50 / p99 at %s req/s, %s conns (got)" % (name, fnum(rate), fnum(r.get("connections"))),
                "%s / %s ms (%s req/s)" % (
                fms(g(fx, "latency_ms", "p50")), fms(p99), fnum(achieved)) if p99 is not None
                else "no answer within wrk's 10 s", "ms", "p99 <= 50 ms", ok,
                raw={"p50": g(fx, "latency_ms", "p50"), "p99": p99, "requests_per_s": achieved,
                     "non_2xx": g(fx, "non_2xx"), "socket_errors": g(fx, "socket_errors")})
            refused = g(sat, "non_2xx")
            add("bigclient", "  saturation: 2xx/s, p99", "%s/s, p99 %s ms%s" % (
                fnum(g(sat, "ok_per_s")), fms(g(sat, "latency_ms", "p99")),
                " (besides %s/s refused)" % fnum(g(sat, "requests_per_s") - g(sat, "ok_per_s")) if refused else "")
                if g(sat, "requests") else "no answer within wrk's 10 s", "req/s",
                raw={"ok_per_s": g(sat, "ok_per_s"), "requests_per_s": g(sat, "requests_per_s"),
                     "p99": g(sat, "latency_ms", "p99")})
            for label, w in (("", fx), (" at saturation", sat)):
                if w and (w["non_2xx"] or w["socket_errors"]):
                    add("bigclient", "  errors%s" % label, wrk_errs(w))
                    for st, what in sorted((w.get("first_errors") or {}).items()):
                        add("bigclient", "    first %s" % st, what)
        ex = bc.get("export") or {}
        export_cpu = []
        for fmt in ("ndjson", "csv"):
            e = ex.get(fmt)
            if not e:
                continue
            label = "export %s, %s days (%s .. %s)" % (fmt, fnum(ex.get("days")), ex.get("from"), ex.get("to"))
            if "skipped" in e:
                add("bigclient", label, "skipped: " + e["skipped"])
            elif "error" in e:
                add("bigclient", label, "failed: " + e["error"], ok=False)
            else:
                rps = e.get("rows_per_s")
                add("bigclient", label, "%s rows/s (%s rows in %s s, %s MB/s)" % (
                    fnum(rps), fnum(e.get("rows")), fnum(e.get("seconds"), 1), fnum(e.get("mb_per_s"))), "rows/s",
                    ">= 200,000", None if rps is None else rps >= TARGETS["bigclient_export"], raw=rps)
                if e.get("rows") != e.get("expected_rows"):
                    add("bigclient", "  rows expected (usage_daily)", fnum(e.get("expected_rows")), ok=False)
                cpu = cpu_line(g(e, "samples"))
                if cpu:
                    export_cpu.append("export %s: %s" % (fmt, cpu))
        dr = bc.get("drop")
        if dr:
            rd = dr.get("reads_during")
            add("bigclient", "drop of day %s: %s rows, %s MB" % (dr.get("day"), fnum(dr.get("rows")),
                                                             fnum((dr.get("bytes") or 0) / 1048576.0)),
                ("%s s" % fnum(dr.get("drop_s"), 3)) if dr.get("dropped") else "NOT dropped", "s",
                ok=None if dr.get("dropped") else False, raw=dr.get("drop_s"))
            add("bigclient", "  reads by id meanwhile, %s req/s: p99 / max" % fnum(rate),
                "%s / %s ms" % (fms(g(rd, "latency_ms", "p99")), fms(g(rd, "latency_ms", "max"))), "ms",
                raw={"p99": g(rd, "latency_ms", "p99"), "max": g(rd, "latency_ms", "max")})
        if bc.get("reads_in_flight"):
            notes.setdefault("bigclient", []).append(
                "the API's sent-log reads in flight per client raised to %d (BENCH_BIG_READS_IN_FLIGHT; default 2)"
                % bc["reads_in_flight"])
        notes["bigclient"] = notes.get("bigclient", []) + ["%-18s %s" % (n, ((bc.get("reads") or {}).get(n) or {}).get("what", ""))
                              for n in bc.get("order", [])]
        notes["bigclient"] += ["reads: " + x for x in (cpu_line(g(bc, "samples")),) if x] + export_cpu

    at = frags.get("attack")
    if at:
        res = at.get("result") or {}
        before, during = res.get("victim_before_ms") or [None, None], res.get("victim_during_ms") or [None, None, None]
        mb = lambda v: None if v is None else v / 1048576.0  # noqa: E731
        add("attack", "%s s of sent-log reads of %s KB pages, API %s" % (
            fnum(at.get("seconds")), fnum((res.get("page_bytes") or 0) / 1024.0), at.get("heap_opts")),
            "answers %s" % ", ".join("%s: %s" % kv for kv in sorted((res.get("codes") or {}).items())),
            raw=res.get("codes"))
        add("attack", "other client's GET /api/credit p50 / p99, before -> during",
            "%s / %s -> %s / %s ms (max %s)" % (fms(before[0]), fms(before[1]), fms(during[0]), fms(during[1]),
                                                 fms(during[2])), "ms",
            raw={"before": before, "during": during})
        ref = res.get("reference")
        if ref:
            rd = ref.get("victim_during_ms") or [None, None, None]
            add("attack", "reference first: as long a flood of the attacker's balance reads",
                "answers %s" % ", ".join("%s: %s" % kv for kv in sorted((ref.get("codes") or {}).items())),
                raw=ref.get("codes"))
            add("attack", "other client's GET /api/credit p50 / p99 during the reference",
                "%s / %s ms (max %s)" % (fms(rd[0]), fms(rd[1]), fms(rd[2])), "ms", raw={"during": rd})
        heap_max = max((g(at, "samples", "heap_max_mb") or {}).values() or [None], key=lambda v: v or 0)
        add("attack", "API heap: max used during / after a forced GC (before)",
            "%s / %s MB (%s MB)" % (fnum(heap_max), fnum(mb(res.get("heap_after"))), fnum(mb(res.get("heap_before")))),
            "MB", raw={"max_mb": heap_max, "after_gc_mb": mb(res.get("heap_after")),
                       "before_gc_mb": mb(res.get("heap_before"))})
        add("attack", "health during the attack; stop on SIGTERM after it",
            "max %s ms, %s not 200; %s" % (fms(at.get("health_max_ms")), fnum(at.get("health_not_200")),
                                          ("stopped in %s s" % fnum(at.get("sigterm_s"), 1)) if at.get("sigterm_stopped")
                                          else "did NOT stop"), raw={"health_max_ms": at.get("health_max_ms"),
                                                                     "sigterm_s": at.get("sigterm_s")})
        add("attack", "limits of bench/attack/sentlog-flood", "held" if at.get("passed")
            else "violated: " + "; ".join(res.get("failures") or []), ok=bool(at.get("passed")))
        notes["attack"] = [x for x in (cpu_line(g(at, "samples")),) if x]

    sm = frags.get("smpp")
    if sm:
        c = sm.get("counted") or {}
        add("smpp", "accepted (offered %s msg/s)" % fnum(sm.get("offered_msgs_per_s")),
            fnum(sm.get("accepted_per_s")) + " msg/s", "msg/s", raw=sm.get("accepted_per_s"))
        add("smpp", "submit_sm/s and receipts/s at bin/smsc (1 express + 1 normal worker)",
            "%s / %s" % (fnum(sm.get("submit_per_s")), fnum(sm.get("receipts_per_s"))), "1/s",
            raw={"submit_per_s": sm.get("submit_per_s"), "receipts_per_s": sm.get("receipts_per_s")})
        dps = sm.get("delivered_per_s")
        add("smpp", "delivered (receipt applied) in the steady window", fnum(dps) + " msg/s", "msg/s", ">= 10,000",
            None if dps is None else dps >= TARGETS["smpp"], raw=dps)
        add("smpp", "acceptance -> delivered p50 / p99 (express p99), receipts after %s ms"
            % fnum(sm.get("receipt_delay_ms")),
            "%s / %s ms (%s ms)" % (fms(c.get("p50_ms")), fms(c.get("p99_ms")), fms(c.get("express_p99_ms"))), "ms",
            raw={"p50": c.get("p50_ms"), "p99": c.get("p99_ms"), "express_p99": c.get("express_p99_ms")})
        add("smpp", "every message delivered afterwards",
            "%s of %s, %s s after the load; %s throttled" % (
                fnum(c.get("delivered")), fnum((c.get("delivered") or 0) + (c.get("not_delivered") or 0)),
                fnum(sm.get("open_after_s")), fnum(sm.get("throttled"))),
            ok=c.get("not_delivered") == 0 and sm.get("open_rows_left") == 0, raw=c)
        notes["smpp"] = [x for x in (cpu_line(g(sm, "samples")),) if x]

    wh = frags.get("webhooks")
    if wh:
        sent = wh.get("sent_per_s")
        base = g(frags, "e2e-1n", "sent_per_s")
        add("webhooks", "persisted as sent, with webhooks (e2e-1n of this run without)",
            "%s msg/s (%s)" % (fnum(sent), fnum(base)), "msg/s",
            note="" if not (sent and base) else "%+.0f%%" % (100.0 * (sent - base) / base), raw=sent)
        eps = wh.get("events_per_s_window")
        add("webhooks", "events received per second in the steady window", fnum(eps) + " events/s", "events/s",
            ">= 20,000", None if eps is None else eps >= TARGETS["webhooks"], raw=eps)
        add("webhooks", "status change -> receiver p50 / p99",
            "%s / %s ms" % (fms(wh.get("latency_p50_ms")), fms(wh.get("latency_p99_ms"))), "ms",
            raw={"p50": wh.get("latency_p50_ms"), "p99": wh.get("latency_p99_ms")})
        add("webhooks", "every event received once (dedupe by event_id)",
            "%s of %s, %s duplicates, %s waiting %s s after the load" % (
                fnum(wh.get("events_received")), fnum(wh.get("events_expected")), fnum(wh.get("duplicates")),
                fnum(wh.get("events_waiting")), fnum(wh.get("events_done_after_s"), 1)),
            ok=wh.get("events_received") == wh.get("events_expected") and wh.get("events_waiting") == 0,
            raw={k: wh.get(k) for k in ("events_received", "events_expected", "duplicates", "events_waiting")})
        notes["webhooks"] = [x for x in (cpu_line(g(wh, "samples")),) if x]

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
    for path in sorted(glob.glob(os.path.join(run_dir, "logs", "*.log"))):
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
    with open(out, "w") as f:
        json.dump(result, f, indent=1)

    # ---- the table
    m = meta.get("machine", {})
    emit("")
    emit("SMS platform benchmark  %s%s" % (meta.get("timestamp"), "  (QUICK mode: small sizes, not representative)" if meta.get("quick") else ""))
    emit("Machine: %s CPUs (%s), %s GiB RAM; %s; Redis %s; PostgreSQL %s; all on one box" % (
        m.get("nproc"), m.get("cpu_model"), m.get("mem_gib"), m.get("java"), m.get("redis"), m.get("postgres")))
    cfg = meta.get("config", {})
    emit("Code: git %s; worker batch %s, concurrency %s, provider latency %s ms" % (
        cfg.get("git"), cfg.get("worker_batch_size"), cfg.get("worker_concurrency"), cfg.get("provider_latency_ms")))
    w1 = max([len(r[1]) for r in rows] + [10])
    w2 = max([len(r[2]) for r in rows] + [10])
    hdr = "%-9s %-*s  %-*s  %-14s %-5s %s" % ("scenario", w1, "metric", w2, "value", "target", "", "vs ceiling")
    emit("-" * len(hdr))
    emit(hdr)
    emit("-" * len(hdr))
    last = None
    for scn, metric, value, target, ver, vs, _ in rows:
        if last is not None and scn != last:
            for n in notes.get(last, []):
                emit("%-9s   %s" % ("", n))
            emit("")
        emit("%-9s %-*s  %-*s  %-14s %-5s %s" % (scn if scn != last else "", w1, metric, w2, value, target, ver, vs))
        last = scn
    for n in notes.get(last, []):
        emit("%-9s   %s" % ("", n))
    emit("-" * len(hdr))
    emit("Results: %s" % out)
    return "\n".join(lines) + "\n"
