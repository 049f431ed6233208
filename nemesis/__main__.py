"""bin/nemesis: see docs/nemesis.md."""

import argparse
import os
import random
import signal
import sys
from pathlib import Path

from smsbench.util import BenchError

from .check import CHECKS
from .run import Simulator


def parse(argv):
    p = argparse.ArgumentParser(prog="bin/nemesis", description="Randomized fault simulator of the SMS platform: "
                                "private Redis, PostgreSQL, two APIs and several workers under mixed load and a "
                                "random fault schedule from the seed; then heal, drain and check every invariant.")
    p.add_argument("--seed", type=int, default=None, help="seed of the fault schedule (default: a fresh one, printed)")
    p.add_argument("--duration", type=int, default=60, help="seconds of load and faults (default 60)")
    p.add_argument("--workers", type=int, default=3, help="worker processes, alternately express and normal (default 3)")
    p.add_argument("--max-sends", type=int, default=1, help="provider sends allowed per message id (default 1)")
    p.add_argument("--enforce", default="all",
                   help="comma-separated checks whose violation fails the run (default all): " + ", ".join(CHECKS))
    p.add_argument("--sabotage", action="store_true", help="break invariants on purpose before the check "
                   "(credit, a second send, a deleted row): the run must fail")
    p.add_argument("--schedule-only", action="store_true", help="print the seed's fault schedule and exit")
    p.add_argument("--load-threads", type=int, default=4, help="client threads (default 4)")
    p.add_argument("--drain-timeout", type=int, default=180, help="seconds to wait for the queues to empty (default 180)")
    p.add_argument("--start-timeout", type=int, default=120, help="seconds an app may take to become ready")
    p.add_argument("--dir", default=None, help="folder for logs and send logs (kept); default a temporary one, removed")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    o = p.parse_args(argv)
    if o.seed is None:
        o.seed = random.SystemRandom().randrange(1, 2 ** 31)
    if o.duration < 5 or o.workers < 2 or o.max_sends < 1:
        p.error("--duration must be >= 5, --workers >= 2, --max-sends >= 1")
    o.enforce = list(CHECKS) if o.enforce == "all" else [c for c in o.enforce.split(",") if c]
    unknown = [c for c in o.enforce if c not in CHECKS]
    if unknown:
        p.error("unknown checks: %s (choose from %s)" % (", ".join(unknown), ", ".join(CHECKS)))
    return o


def main(argv):
    o = parse(argv)
    # A TERM (CI timeout, Ctrl-C in a wrapper) still stops every server and app this run started.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    root = Path(os.environ.get("NEMESIS_ROOT") or Path(__file__).resolve().parents[1])
    try:
        return Simulator(o, root).main()
    except BenchError as e:
        print("ERROR: %s" % e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
