"""How a ``buurtbot`` command stops on a problem: one line on stderr, exit status 2.

Why: every command (run, report, calendar, qr, backup) refuses bad input or a missing database
the same way, so an operator's script can rely on the status and read the one sentence.
"""

from __future__ import annotations

import sys

#: The exit status of a command that refused (bad input, missing file, already running).
REFUSED = 2


def fail(message: str) -> int:
    """Print ``message`` for the operator and return the status the command exits with."""
    print(message, file=sys.stderr)
    return REFUSED
