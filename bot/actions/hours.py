"""The buttons of volunteer hours, groups and keyholders (``vh:``).

Wire format as it always was (``vh:h:2026-W48:1-2``), so weekly questions already in
volunteers' chats keep working. A week that is no ISO week (``2026-W48``) or an hours choice the
bot never offers is refused here: it decodes to None → "this button no longer works".
Whether the week may still be changed, or a group exists in the room, is the service's rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action

_WEEK = re.compile(r"^\d{4}-W\d{2}$")
#: The fixed choices (``bot.services.volunteer_work.BUTTON_HOURS``); ``p<tenths>`` is the
#: bot's own proposal ("✅ About 4,5 hours" = ``p45``).
HOURS_CHOICES = ("0", "1-2", "3-5", "6-10")
_PROPOSED = re.compile(r"^p\d{1,4}$")


def _check_week(week: str) -> None:
    if not _WEEK.match(week):
        raise ValueError(week)


@action("vh:menu")
@dataclass(frozen=True)
class HoursMenu(Action):
    """/uren: the volunteer's hours, the weekly question, their groups."""


@action("vh:h")
@dataclass(frozen=True)
class HoursGiven(Action):
    """One tap on the weekly question: hours of ``week``."""

    week: str
    choice: str  # one of HOURS_CHOICES, or p<tenths of an hour>
    longest_week: ClassVar[str] = "2026-W53"
    longest_choice: ClassVar[str] = "p800"

    def __post_init__(self) -> None:
        _check_week(self.week)
        if self.choice not in HOURS_CHOICES and not _PROPOSED.match(self.choice):
            raise ValueError(self.choice)


@action("vh:more")
@dataclass(frozen=True)
class HoursType(Action):
    """"More… type a number" for ``week``."""

    week: str
    longest_week: ClassVar[str] = "2026-W53"

    def __post_init__(self) -> None:
        _check_week(self.week)


@action("vh:week")
@dataclass(frozen=True)
class HoursWeek(Action):
    """The hours question of one week again (to change it)."""

    week: str
    longest_week: ClassVar[str] = "2026-W53"

    def __post_init__(self) -> None:
        _check_week(self.week)


@action("vh:ask")
@dataclass(frozen=True)
class HoursAsking(Action):
    """The weekly question on (``True``) or off."""

    on: bool


@action("vh:groups")
@dataclass(frozen=True)
class MyGroups(Action):
    pass


@action("vh:g")
@dataclass(frozen=True)
class MyGroupToggle(Action):
    """Join (``True``) or leave one of the room's volunteer groups."""

    group: str
    join: bool
    longest_group: ClassVar[str] = "formulierenbrigade"


@action("vh:v")
@dataclass(frozen=True)
class VolunteerOpen(Action):
    """A coordinator opens one volunteer (from /vrijwilligers)."""

    user_id: int


@action("vh:key")
@dataclass(frozen=True)
class KeyholderSet(Action):
    user_id: int
    keyholder: bool


@action("vh:cg")
@dataclass(frozen=True)
class TheirGroupToggle(Action):
    """A coordinator adds a volunteer to (``True``) or removes them from a group."""

    user_id: int
    group: str
    member: bool
    longest_group: ClassVar[str] = "formulierenbrigade"
