"""The fault schedule: a pure function of the seed and the cluster's shape, so the same seed replays the same
faults in the same order at the same offsets (the load around them is concurrent and not replayed)."""

import random
from dataclasses import dataclass

# kind -> (weight, shortest, longest duration in seconds)
KINDS = {
    "kill9": (4, 1, 6),            # SIGKILL an app, start it again after the duration
    "sigstop": (4, 2, 14),         # SIGSTOP an app, SIGCONT after the duration (long ones outlast reclaim-idle)
    "term": (3, 1, 5),             # SIGTERM (graceful stop), start again after the duration
    "provider": (2, 4, 10),        # restart a worker with a slow or failing provider, then back to normal
    "redis-kill": (2, 1, 4),       # SIGKILL Redis (AOF on), restart after the duration
    "pg-stop": (2, 2, 10),         # pg_ctl stop (fast or immediate), start after the duration
    "client-pause": (2, 1, 8),     # CLIENT PAUSE (WRITE or ALL) for the duration
}


@dataclass(frozen=True)
class Fault:
    at: float          # seconds after the load started
    kind: str
    target: str        # an app name, "redis" or "postgres"
    duration: float
    detail: str        # the variant (signal mode, pause mode, provider setting)

    def describe(self):
        return "t=%6.1fs  %-12s %-16s %5.1fs  %s" % (self.at, self.kind, self.target, self.duration, self.detail)


def generate(seed, duration, apps):
    """Faults for a run of DURATION seconds against APPS (app names). Two faults never hit the same target at
    once; faults on different targets overlap freely. Everything ends a little before the load stops."""
    rng = random.Random(seed)
    workers = [a for a in apps if a.startswith("worker")]
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    busy = {}  # target -> free again at
    faults = []
    t = rng.uniform(1.0, 3.0)
    end = max(duration - 2.0, 1.0)
    while t < end:
        kind = rng.choices(kinds, weights)[0]
        lo, hi = KINDS[kind][1], KINDS[kind][2]
        length = round(rng.uniform(lo, hi), 1)
        if kind in ("kill9", "sigstop", "term"):
            target = rng.choice(apps)
        elif kind == "provider":
            target = rng.choice(workers)
        elif kind == "pg-stop":
            target = "postgres"
        else:
            target = "redis"
        if kind == "provider":
            detail = rng.choice(["latency-ms=1500", "latency-ms=4000", "failure-rate=0.5", "failure-rate=1.0"])
        elif kind == "pg-stop":
            detail = rng.choice(["mode=fast", "mode=immediate"])
        elif kind == "client-pause":
            detail = rng.choice(["WRITE", "ALL"])
        else:
            detail = ""
        if busy.get(target, 0) <= t and t + length < end + 1:
            faults.append(Fault(round(t, 1), kind, target, length, detail))
            # a restart takes a while on a busy box: keep the target free of new faults meanwhile (the run also
            # holds a fault back until the previous one on its target has ended)
            busy[target] = t + length + 8.0
        t += rng.uniform(1.0, 5.0)
    return faults
