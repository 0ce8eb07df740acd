"""Logging an exception without personal data.

An exception message can hold what a person typed (a name, a note, a phone number), so only
Telegram's own error texts are kept; the traceback shows file, line and code, never values.
"""

from __future__ import annotations

import traceback

from telegram.error import TelegramError


def without_data(error: BaseException | None) -> str:
    """The exception's type and where it happened, code lines only.

    An exception message can hold what a person typed (a name, a note, a phone number), so
    only Telegram's own error texts are logged; the traceback shows file, line and code.
    """
    if error is None:
        return "-"
    parts = []
    current: BaseException | None = error
    while current is not None and len(parts) < 5:
        message = f": {current}" if isinstance(current, TelegramError) else ""
        stack = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}{message}\n{stack}")
        current = current.__cause__ or current.__context__
    return "\n(caused by) ".join(parts).rstrip()
