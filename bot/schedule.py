"""What features show in the weekly programme: a small shared shape.

The activity calendar owns activity series; the eettafel owns its meals. Both are shown in
``/agenda`` and the weekly post, so each feature hands the calendar :class:`CalendarEntry` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import Action


def meal_ref(meal_id: int) -> str:
    """The stable :attr:`CalendarEntry.ref` of a meal (the eettafel's entries)."""
    return f"meal:{meal_id}"


@dataclass(frozen=True)
class CalendarEntry:
    room: str
    starts_at: datetime
    ends_at: datetime
    title: str  # an English msgid, translated when shown
    category: str
    ref: str  # "meal:12", "occ:34": stable id of what this entry is
    cancelled: bool = False
    capacity: int | None = None
    taken: int | None = None
    signup_data: Action | None = None  # the "sign up" button, if sign-up is possible
    note: str | None = None  # e.g. "moved from Tuesday"
    leader: str | None = None  # who leads it, as typed (escape when shown)
    sequence: int = 0  # iCalendar SEQUENCE: goes up with every change (cancel, move)
    modified_at: datetime | None = None  # iCalendar LAST-MODIFIED
