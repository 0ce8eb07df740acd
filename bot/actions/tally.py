"""The buttons of /turf (who came) and /rapport (the funder report, entered values).

Wire format as it always was (``tal:t:occ.12:20261201:0:7``), so lists already in the
volunteers' chats keep working. A /turf button carries the activity token (``occ.12`` or
``c.taal``) and the day: the service checks again whether that is today's activity of the
volunteer's room before anything changes. A day that is not a real ``YYYYMMDD`` date, or a
negative page or person, is refused when decoding; periods, rooms and indicators are checked
by the handlers against the settings and the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from bot.actions import LONGEST_ROOM, MAX_ID, Action, action

#: ``occ.<id>`` with the largest id (``c.<category>`` is shorter).
LONGEST_TOKEN = f"occ.{MAX_ID}"
LONGEST_DAY = "20261231"
#: A custom period (``/rapport`` → other period) is the longest period key.
LONGEST_PERIOD = "2025-01-01_2025-12-31"
#: Walk-in codes are 3 to 6 letters and digits.
LONGEST_CODE = "ABCD12"
LONGEST_INDICATOR = "volunteer_satisfaction"
#: Pages of 8 people; a room has far fewer than 99 pages of regulars.
LARGEST_PAGE = 99

_DAY = re.compile(r"\d{8}")


def button_day(text: str) -> date:
    """The ``YYYYMMDD`` day of a /turf button; ValueError when it is not a real date."""
    if not _DAY.fullmatch(text):
        raise ValueError(text)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def day_text(day: date) -> str:
    return day.strftime("%Y%m%d")


class _Day(Action):
    """A button that carries a /turf day (not a button kind itself, nor a dataclass: each
    subclass declares ``day`` where its wire format has it). A day that is not a real
    ``YYYYMMDD`` date does not decode."""

    day: str
    longest_day: ClassVar[str] = LONGEST_DAY

    def __post_init__(self) -> None:
        super().__post_init__()
        button_day(self.day)

    @property
    def date(self) -> date:
        return button_day(self.day)


@dataclass(frozen=True)
class _OnDay(_Day):
    """A /turf button of one activity on one day (not a button kind itself)."""

    token: str
    day: str
    longest_token: ClassVar[str] = LONGEST_TOKEN


# --- /turf (volunteers) ----------------------------------------------------------------------


@action("tal:a")
@dataclass(frozen=True)
class TurfActivity(_OnDay):
    """Show the list of who came to this activity."""


@action("tal:o")
@dataclass(frozen=True)
class TurfOtherActivity(_Day):
    """An activity that is not on the programme: choose its category."""

    day: str


@action("tal:p")
@dataclass(frozen=True)
class TurfPage(_OnDay):
    page: int
    longest_page: ClassVar[int] = LARGEST_PAGE
    never_negative = ("page",)


@action("tal:t")
@dataclass(frozen=True)
class TurfToggle(_OnDay):
    """A regular came (or did not after all); ``page`` is where the list was."""

    page: int
    user_id: int
    longest_page: ClassVar[int] = LARGEST_PAGE
    longest_user_id: ClassVar[int] = MAX_ID
    never_negative = ("page", "user_id")


@action("tal:w")
@dataclass(frozen=True)
class TurfRemoveWalkin(_OnDay):
    walkin: str  # the walk-in code (a field may not be called ``code``: that is the action's)
    longest_walkin: ClassVar[str] = LONGEST_CODE


@action("tal:done")
@dataclass(frozen=True)
class TurfDone(_OnDay):
    """The list is complete: say how many came."""


@action("tal:code")
@dataclass(frozen=True)
class TurfAskCode(_OnDay):
    """Type a walk-in's code (a conversation step)."""


@action("tal:cnt")
@dataclass(frozen=True)
class TurfAskCount(_OnDay):
    """Type how many came without a name (a conversation step)."""


# --- /rapport (coordinators) -----------------------------------------------------------------


@action("tal:r")
@dataclass(frozen=True)
class ReportPeriod(Action):
    """A period was chosen: which room?"""

    period: str
    longest_period: ClassVar[str] = LONGEST_PERIOD


@dataclass(frozen=True)
class _PeriodRoom(Action):
    """A report of a period and a room (not a button kind itself)."""

    period: str
    room: str  # a room id or ``all``
    longest_period: ClassVar[str] = LONGEST_PERIOD
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("tal:rr")
@dataclass(frozen=True)
class ReportRoom(_PeriodRoom):
    """The report of a period and room (or all rooms), in the chat and as PDF."""


@action("tal:x")
@dataclass(frozen=True)
class ReportXlsx(_PeriodRoom):
    """The same report as a spreadsheet."""


@action("tal:csv")
@dataclass(frozen=True)
class ReportCsv(_PeriodRoom):
    """The same report as CSV."""


@action("tal:rc")
@dataclass(frozen=True)
class ReportOtherPeriod(Action):
    """Type a period (a conversation step)."""


@action("tal:e")
@dataclass(frozen=True)
class EnterValue(Action):
    """Enter a value the bot cannot count: which room?"""


@action("tal:er")
@dataclass(frozen=True)
class EnterRoom(Action):
    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("tal:ei")
@dataclass(frozen=True)
class EnterIndicator(Action):
    room: str
    indicator: str
    longest_room: ClassVar[str] = LONGEST_ROOM
    longest_indicator: ClassVar[str] = LONGEST_INDICATOR


@action("tal:ep")
@dataclass(frozen=True)
class EnterPeriod(Action):
    """Room, indicator and period chosen: type the value (a conversation step)."""

    room: str
    indicator: str
    period: str
    longest_room: ClassVar[str] = LONGEST_ROOM
    longest_indicator: ClassVar[str] = LONGEST_INDICATOR
    longest_period: ClassVar[str] = LONGEST_PERIOD
