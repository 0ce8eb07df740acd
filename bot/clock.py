"""Time for the whole bot: one place that says what "now" is.

Everything scheduled runs in Europe/Amsterdam. Services never call ``datetime.now()`` themselves
but ask a :class:`Clock`, so tests and the demo can move time forward deterministically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")


class Clock:
    """The real wall clock, in Amsterdam time."""

    def now(self) -> datetime:
        return datetime.now(TZ)

    def today(self):
        return self.now().date()


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, the demo's clock control)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(TZ)).astimezone(TZ)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=TZ)
        self._now = moment.astimezone(TZ)

    def advance(self, delta: timedelta) -> None:
        # Add in UTC so a DST change does not stretch or shrink the step.
        self._now = (self._now.astimezone(ZoneInfo("UTC")) + delta).astimezone(TZ)


def local(dt: datetime) -> datetime:
    """An aware datetime in Amsterdam time (naive input is taken as Amsterdam wall time)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=TZ)
    return dt.astimezone(TZ)


def to_db(dt: datetime) -> str:
    """Store moments as UTC ISO strings, so they sort and compare correctly in SQL."""
    return local(dt).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def from_db(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(TZ)


class OffsetClock(Clock):
    """Real time plus a jump: the demo's clock control moves it to the next scheduled moment."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(TZ) + self.offset

    def jump_to(self, moment: datetime) -> None:
        self.offset = local(moment) - datetime.now(TZ)
