"""Progress lines, the one error type, and a clock."""

import sys
import time

_T0 = time.monotonic()


class BenchError(Exception):
    """A run cannot go on; the message says why (printed as `ERROR: ...`)."""


def say(msg):
    print("[bench %4ds] %s" % (time.monotonic() - _T0, msg), flush=True)


def warn(msg):
    print("[bench %4ds] WARNING: %s" % (time.monotonic() - _T0, msg), file=sys.stderr, flush=True)


def now():
    """Wall-clock epoch seconds: the windows are compared with PostgreSQL timestamps and sampler records."""
    return time.time()


def tail(path, lines=30):
    """The last lines of a log, to make a failed start self-explanatory."""
    try:
        with open(path, errors="replace") as f:
            text = f.readlines()[-lines:]
    except OSError:
        return
    sys.stderr.write("".join(text))
    sys.stderr.flush()
