"""bench/run's program: `python3 -m smsbench [--check] [SCENARIO ...]` with bench/ on the module path.

--check only reads and checks the arguments and settings (bench/run does that before it starts anything).
"""

import sys

from . import config
from .util import BenchError


def main(argv):
    check = argv[:1] == ["--check"]
    if check:
        argv = argv[1:]
    if config.wants_help(argv):
        sys.stdout.write(config.HELP)
        return 0
    try:
        settings = config.load(argv)
    except BenchError as e:
        print("ERROR: %s" % e, file=sys.stderr)
        return 1
    if check:
        return 0
    from .run import run
    return run(settings)


sys.exit(main(sys.argv[1:]))
