"""The webhooks scenario: the e2e load with every bench client's status webhook pointing at a local receiver.

The receiver (a threaded HTTP server in the bench process) checks nothing but counts: each event once by its
event_id, duplicates, and the time from the status change (the event's occurred_at) to its arrival. The simulated
provider's receipts make two events per message (sent, then delivered a second later).
"""

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .config import CLIENT_PREFIX, CLIENTS
from .util import BenchError, now, say

SECRET = "bench-webhook-secret-0123"


class Receiver:
    def __init__(self, port):
        self.lock = threading.Lock()
        self.seen = set()
        self.duplicates = 0
        self.requests = 0
        # (arrival, latency in ms) of every first arrival of an event
        self.arrivals = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                events = json.loads(body)["events"]
                with receiver.lock:
                    receiver.requests += 1
                    for e in events:
                        if e["event_id"] in receiver.seen:
                            receiver.duplicates += 1
                            continue
                        receiver.seen.add(e["event_id"])
                        occurred = datetime.fromisoformat(e["occurred_at"]).timestamp()
                        receiver.arrivals.append((arrived, 1000 * (arrived - occurred)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d/events" % port

    def count(self):
        with self.lock:
            return len(self.seen)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _quantile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def webhooks(b, e2e_window):
    """E2E_WINDOW: the e2e scenario's function that runs the load and counts what was persisted."""
    s, sz = b.s, b.sz
    say("== webhooks: the e2e load (1 express + 1 normal worker) with a status webhook for each of the %d clients"
        % CLIENTS)
    b.stop_workers()
    b.ensure_api()
    b.ensure_credit()
    b.psql.run(s.db, "-c", "TRUNCATE webhook_events")
    receiver = Receiver(s.webhook_port)
    clients = ["%s%03d" % (CLIENT_PREFIX, i) for i in range(CLIENTS)]
    try:
        body = json.dumps({"url": receiver.url, "secret": SECRET}).encode()
        for c in clients:
            code = b.api_status("PUT", "/api/webhook", c, body)
            if code not in (200, 201):
                raise BenchError("PUT /api/webhook for %s answered HTTP %s (an API without webhooks?)" % (c, code))
        f = e2e_window(b, "webhooks", 1)
        t1 = f["t1"]
        tw = f["t0"] + sz.e2e_warm_s
        # Then until every event is delivered (bounded like the e2e drain).
        deadline = time.monotonic() + sz.e2e_drain_cap_s
        waiting = None
        while time.monotonic() < deadline:
            waiting = int(b.psql.val(s.db, "SELECT count(*) FROM webhook_events WHERE failed_at IS NULL"))
            if waiting == 0 and f["left_after_drain"] == 0:
                break
            time.sleep(1)
        t2 = now()
        with receiver.lock:
            arrivals = list(receiver.arrivals)
            duplicates, requests = receiver.duplicates, receiver.requests
        rows = int(b.psql.val(s.db, "SELECT count(*) FROM messages"))
        delivered = int(b.psql.val(s.db, "SELECT count(*) FROM message_outcomes"))
        in_window = [lat for at, lat in arrivals if tw <= at < t1]
        lat = sorted(lat for _, lat in arrivals)
        g = {"events_received": len(arrivals), "duplicates": duplicates, "requests": requests,
             "events_expected": rows + delivered, "events_waiting": waiting,
             "events_per_s_window": round(len(in_window) / (t1 - tw), 1),
             "latency_p50_ms": _quantile(lat, 0.5), "latency_p99_ms": _quantile(lat, 0.99),
             "events_done_after_s": round(t2 - t1, 1)}
        b.frag("webhooks", **g)
        say("webhooks: %s msg/s sent; %d events received (%d expected), %s/s in the window, %d duplicates; "
            "change -> receiver p50/p99 %.0f/%.0f ms; %s waiting %.1f s after the load"
            % (f.get("sent_per_s"), len(arrivals), rows + delivered, g["events_per_s_window"], duplicates,
               g["latency_p50_ms"] or -1, g["latency_p99_ms"] or -1, waiting, t2 - t1))
    finally:
        for c in clients:
            b.api_status("DELETE", "/api/webhook", c)
        receiver.stop()
