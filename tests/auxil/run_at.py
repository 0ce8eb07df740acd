"""``buurtbot run`` with its wall clock moved to a given moment (for kill -9 tests).

Usage: ``python tests/auxil/run_at.py 2026-12-01T09:00:30+01:00 --config FILE run``. The real
command line and the real process; only "now" starts at the given moment and runs on from
there at the real pace, as if the process were started at that hour.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

# The repository instead of this folder (its calendar.py would shadow the standard module).
sys.path[0] = str(Path(__file__).resolve().parents[2])

from bot import cli  # noqa: E402
from bot.clock import TZ, Clock  # noqa: E402


def main() -> int:
    target = datetime.fromisoformat(sys.argv[1])
    offset = target - datetime.now(TZ)
    real_now = Clock.now
    Clock.now = lambda self: real_now(self) + offset  # type: ignore[method-assign]
    return cli.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
