"""Mixed client load against the two APIs, and a record of every answer it got, so that the checker knows
exactly which message ids were accepted and how much credit was added.

Every send carries an Idempotency-Key. A send whose answer was lost (timeout, 5xx, connection cut) is
"uncertain": it may or may not have been charged and queued. After the faults are healed each uncertain send is
replayed with its key and body until it gets a definite answer, so the set of accepted ids is known exactly.
Top-ups carry an Idempotency-Key too, and are resolved the same way: after the replays, every top-up is either
confirmed (200: its credit is in the ledger, once) or known to have added nothing (4xx), so the checker can hold
the ledger's top-ups to exactly what was confirmed.
"""

import http.client
import json
import random
import socket
import threading
import time
import uuid

CLIENTS = ["nem-%s" % c for c in "abcdef"]
INITIAL_CREDIT = 300
OK_PREFIX = "+49170"          # + 5 digits, the first not 9: reaches the handset
FAIL_PREFIX = "+4477009"      # SMS_PROVIDER_FAIL_PREFIX: fails permanently (UK drama numbers)
TRANSIENT_PREFIX = "+4917099"  # SMS_PROVIDER_TRANSIENT_FAIL_PREFIX: fails transiently until retries run out


class Lost(Exception):
    """The request may or may not have reached the API: its answer is unknown."""


class Refused(Exception):
    """No API accepted the connection: the request was certainly not executed."""


def request(ports, method, path, client, body=None, headers=None, rng=random, timeout=10):
    """(status, headers, parsed JSON or None) from one of the APIs; a refused connection tries the others."""
    order = list(ports)
    rng.shuffle(order)
    for port in order:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            h = {"X-Client-ID": client}
            if body is not None:
                h["Content-Type"] = "application/json"
            h.update(headers or {})
            try:
                conn.connect()
            except OSError:
                continue  # nothing was sent: try the other API
            try:
                conn.request(method, path, body=body, headers=h)
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as e:
                raise Lost(str(e)) from None
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = None
            return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed
        finally:
            conn.close()
    raise Refused()


class Send:
    __slots__ = ("key", "client", "type", "body", "state", "ids", "replays", "first")

    def __init__(self, key, client, type_, body):
        self.key, self.client, self.type, self.body = key, client, type_, body
        self.state = "in-flight"  # accepted | none | uncertain | in-flight
        self.ids = []
        self.replays = 0
        self.first = ""  # what the first try got


class TopUp:
    __slots__ = ("key", "client", "amount", "state", "replays")

    def __init__(self, key, client, amount):
        self.key, self.client, self.amount = key, client, amount
        self.state = "in-flight"  # confirmed | none | uncertain | in-flight
        self.replays = 0

    def body(self):
        return json.dumps({"balance": self.amount}).encode()


class Ledger:
    """What the load saw, shared by the load threads (one lock: the load is small)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sends = {}
        self.topups = {}
        self.replay_mismatches = []
        self.counts = {}

    def _topups_in(self, states):
        with self.lock:
            out = {c: 0 for c in CLIENTS}
            for t in self.topups.values():
                if t.state in states:
                    out[t.client] += t.amount
            return out

    @property
    def topup_confirmed(self):
        """Credit per client whose top-up was answered 200 (first try or a replay of its key)."""
        return self._topups_in(("confirmed",))

    @property
    def topup_uncertain(self):
        """Credit per client whose top-up still has no definite answer (none after a successful resolve)."""
        return self._topups_in(("uncertain", "in-flight"))

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def accepted_ids(self):
        with self.lock:
            return {i: s for s in self.sends.values() if s.state == "accepted" for i in s.ids}

    def by_state(self):
        out = {}
        with self.lock:
            for s in self.sends.values():
                out[s.state] = out.get(s.state, 0) + 1
        return out


def _number(rng):
    roll = rng.random()
    if roll < 0.08:
        return FAIL_PREFIX + "111%02d" % rng.randrange(100)
    if roll < 0.14:
        return TRANSIENT_PREFIX + "0%02d" % rng.randrange(100)
    return OK_PREFIX + str(rng.randrange(9)) + "%04d" % rng.randrange(10000)


def _content(rng, type_):
    """Mostly one SMS part; one message in four takes 2 or 3 parts (GSM-7 over 160 characters, or UCS-2 over 70
    with an emoji), so that charges, refunds and the audit are proven in credits, not messages."""
    text = "nemesis %s %d" % (type_, rng.randrange(10 ** 6))
    roll = rng.random()
    if roll < 0.15:
        return text + " " + "x" * rng.randint(160, 300)
    if roll < 0.25:
        return text + " \U0001F600 " + "y" * rng.randint(70, 120)
    return text


def send_body(rng, type_):
    n = 1 if rng.random() < 0.4 else rng.randint(2, 25)
    msgs = [{"to": _number(rng), "from": "Nemesis", "content": _content(rng, type_)} for _ in range(n)]
    body = {"messages": msgs}
    if type_ == "express" and rng.random() < 0.5:
        body["validity_seconds"] = rng.randint(5, 60)
    elif type_ == "normal" and rng.random() < 0.1:
        body["validity_seconds"] = rng.randint(10, 120)
    return json.dumps(body).encode()


def apply_send_answer(ledger, send, status, headers, parsed, replay):
    """Record the answer to a send (first try or replay of its key)."""
    if status == 202 and parsed:
        ids = [r["id"] for r in parsed.get("results", []) if r.get("status") == "queued"]
        with ledger.lock:
            if send.state == "accepted" and ids != send.ids:
                ledger.replay_mismatches.append((send.key, send.ids, ids))
            elif send.state != "accepted":
                send.state, send.ids = "accepted", ids
        return "202"
    if status in (400, 402, 413, 422, 429):
        with ledger.lock:
            if send.state == "accepted":
                # a key that was accepted must replay its answer, not a refusal
                ledger.replay_mismatches.append((send.key, send.ids, "HTTP %d" % status))
            else:
                send.state = "none"
        return str(status)
    with ledger.lock:
        # A send that had accepted nothing so far may have been executed by this try: only a replay can tell.
        if send.state in ("in-flight", "none"):
            send.state = "uncertain"
    return str(status)


class Load:
    def __init__(self, ports, ledger, seed, threads=4, pause=(0.01, 0.06)):
        self.ports = ports
        self.ledger = ledger
        self.seed = seed
        self.threads = threads
        self.pause = pause
        self.stop_flag = threading.Event()
        self.workers = []

    def setup(self, deadline):
        """Give every client its first credit (retried until confirmed)."""
        rng = random.Random(self.seed)
        for c in CLIENTS:
            t = TopUp(str(uuid.UUID(int=rng.getrandbits(128))), c, INITIAL_CREDIT)
            with self.ledger.lock:
                self.ledger.topups[t.key] = t
            while True:
                try:
                    if topup_request(self.ports, self.ledger, t, rng) == "200":
                        break
                except Refused:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("could not credit %s" % c)
                time.sleep(0.5)

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(random.Random("%s-load-%d" % (self.seed, i)),),
                                 name="load-%d" % i, daemon=True)
            t.start()
            self.workers.append(t)

    def stop(self):
        self.stop_flag.set()
        for t in self.workers:
            t.join(timeout=30)

    def _loop(self, rng):
        actions = ["send", "topup", "replay", "read"]
        weights = [55, 10, 15, 20]
        while not self.stop_flag.is_set():
            what = rng.choices(actions, weights)[0]
            try:
                getattr(self, "_" + what)(rng)
            except Refused:
                self.ledger.count("%s refused" % what)
            except Exception as e:  # noqa: BLE001 - a load thread never dies of one bad answer
                self.ledger.count("%s error %s" % (what, type(e).__name__))
            time.sleep(rng.uniform(*self.pause))

    def _send(self, rng):
        client = rng.choice(CLIENTS)
        type_ = "express" if rng.random() < 0.4 else "normal"
        s = Send(str(uuid.UUID(int=rng.getrandbits(128))), client, type_, send_body(rng, type_))
        with self.ledger.lock:
            self.ledger.sends[s.key] = s
        try:
            status, headers, parsed = request(self.ports, "POST", "/api/messages/bulk/send", client, s.body,
                                              {"X-SMS-TYPE": type_, "Idempotency-Key": s.key}, rng=rng)
        except Refused:
            with self.ledger.lock:
                s.state, s.first = "none", "refused"
            raise
        except Lost as e:
            with self.ledger.lock:
                s.state, s.first = "uncertain", "lost: %s" % e
            self.ledger.count("send lost")
            return
        s.first = apply_send_answer(self.ledger, s, status, headers, parsed, False)
        self.ledger.count("send " + s.first)

    def _replay(self, rng):
        with self.ledger.lock:
            done = [s for s in self.ledger.sends.values() if s.state != "in-flight"]
            if not done:
                return
            s = rng.choice(done)
        self.ledger.count("replay " + replay(self.ports, self.ledger, s, rng))

    def _topup(self, rng):
        t = TopUp(str(uuid.UUID(int=rng.getrandbits(128))), rng.choice(CLIENTS), rng.randint(10, 150))
        with self.ledger.lock:
            self.ledger.topups[t.key] = t
        try:
            outcome = topup_request(self.ports, self.ledger, t, rng)
        except Refused:
            with self.ledger.lock:
                t.state = "none"
            raise
        self.ledger.count("topup %s" % outcome)

    def _read(self, rng):
        client = rng.choice(CLIENTS)
        roll = rng.random()
        if roll < 0.3:
            path, kind = "/api/credit", "credit"
        elif roll < 0.6:
            kind = "sent-log"
            path = "/api/messages/sent-log?page_size=%d&status=%s" % (rng.randint(1, 50),
                                                                     rng.choice(["sent", "failed", "queued"]))
        else:
            with self.ledger.lock:
                mine = [s for s in self.ledger.sends.values() if s.client == client and s.ids]
                mid = rng.choice(rng.choice(mine).ids) if mine else str(uuid.uuid4())
            path, kind = "/api/messages/" + mid, "message"
        try:
            status, _, _ = request(self.ports, "GET", path, client, rng=rng)
        except Lost:
            status = "lost"
        self.ledger.count("read %s %s" % (kind, status))


def replay(ports, ledger, s, rng):
    """Send S again with its key and body; the answer must match the first one."""
    with ledger.lock:
        s.replays += 1
    try:
        status, headers, parsed = request(ports, "POST", "/api/messages/bulk/send", s.client, s.body,
                                          {"X-SMS-TYPE": s.type, "Idempotency-Key": s.key}, rng=rng)
    except Lost:
        # The replay may have reached the API and been executed: a send that had accepted nothing is now unknown
        # (seed 7 once ended with a row no answer had named: a refused send replayed, that replay's answer lost).
        with ledger.lock:
            if s.state == "none":
                s.state = "uncertain"
        return "lost"
    return apply_send_answer(ledger, s, status, headers, parsed, True)


def topup_request(ports, ledger, t, rng):
    """Post top-up T (first try or a replay of its key) and record the answer: 200 confirms it, a 4xx says nothing
    was added, anything else (5xx, among them 503 credit-pending, or a lost answer) leaves it uncertain."""
    try:
        status, _, _ = request(ports, "POST", "/api/credit/increase", t.client, t.body(),
                               {"Idempotency-Key": t.key}, rng=rng)
    except Lost:
        status = None
    with ledger.lock:
        if status == 200:
            t.state = "confirmed"
        elif status is not None and 400 <= status < 500:
            if t.state != "confirmed":
                t.state = "none"
        elif t.state != "confirmed":
            t.state = "uncertain"
    return str(status) if status else "lost"


def resolve_uncertain(ports, ledger, deadline, rng):
    """Replay every uncertain send and top-up until it has a definite answer or the deadline passes; the number
    of sends left without one (top-ups left are counted by the topups-accounted check)."""
    while True:
        with ledger.lock:
            left = [s for s in ledger.sends.values() if s.state in ("uncertain", "in-flight")]
            topups = [t for t in ledger.topups.values() if t.state in ("uncertain", "in-flight")]
        if (not left and not topups) or time.monotonic() > deadline:
            return len(left)
        for s in left:
            try:
                replay(ports, ledger, s, rng)
            except Refused:
                pass
        for t in topups:
            with ledger.lock:
                t.replays += 1
            try:
                topup_request(ports, ledger, t, rng)
            except Refused:
                pass
        time.sleep(0.5)
