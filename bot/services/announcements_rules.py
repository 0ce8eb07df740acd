"""Announcement rules without state: limits, how Telegram counts length, typed moments.

Kept apart from the service (which holds the sender) so it stays readable; the service
re-exports these names.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.digits import ascii_digits

AUDIENCES = ("room", "all", "vol_room", "vol_all", "lang")
#: Longest announcement text; Telegram allows 4,096 and we add a short header and footer.
MAX_TEXT = 3800
#: Longest caption under a photo; Telegram allows 1,024.
MAX_CAPTION = 900
#: How far ahead one can schedule.
MAX_AHEAD = timedelta(days=365)


def text_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 units, so an emoji counts as two.

    Counting Python characters instead lets a text full of emoji pass our check and then be
    refused by Telegram for every single recipient.
    """
    return len(text.encode("utf-16-le")) // 2


_MOMENT = re.compile(
    r"^\s*(?:(?P<day>\d{1,2})\s*[-/.]\s*(?P<month>\d{1,2})(?:\s*[-/.]\s*(?P<year>\d{2,4}))?)?"
    r"\s*(?:om\s+|at\s+|,\s*)?(?P<hour>\d{1,2})(?:\s*[:.hu]\s*(?P<minute>\d{2}))?\s*(?:uur)?\s*$",
    re.IGNORECASE,
)


def parse_moment(text: str, now: datetime) -> datetime | None:
    """A typed moment like '12-12 17:00', '12/12/2026 9.30', '17:00' (today); None if unclear.

    Without a year the next such date is meant ('05-01' typed in December is next January);
    the caller refuses moments in the past.
    """
    match = _MOMENT.match(ascii_digits(text))
    if not match:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if match["minute"] is None and match["day"] is None:
        return None  # a bare number is too ambiguous
    try:
        if match["day"] is None:
            moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        else:
            day, month = int(match["day"]), int(match["month"])
            year = match["year"]
            if year is None:
                moment = now.replace(month=month, day=day, hour=hour, minute=minute, second=0,
                                     microsecond=0)
                if moment.date() < now.date():
                    moment = moment.replace(year=now.year + 1)
            else:
                full = int(year) + (2000 if len(year) == 2 else 0)
                moment = now.replace(year=full, month=month, day=day, hour=hour,
                                     minute=minute, second=0, microsecond=0)
    except ValueError:
        return None
    # Re-attach the zone so summer/winter time is right for that date.
    return moment.replace(tzinfo=None).replace(tzinfo=now.tzinfo)
