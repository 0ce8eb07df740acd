"""The belronde's buttons (``chk:``): joining, day and time of day, pausing, answering the
weekly message, and the volunteers' list of whom to call.

The wire format is the one these buttons always had (``chk:a:12:b``), so weekly messages
already in residents' chats keep working. Values a person could not have been offered (a
weekday 9, an answer code ``x``, a date that is no date) are refused here, so they decode to
None and get the one "this button no longer works" answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from bot.actions import Action, action

#: The answer codes of the weekly message (``bot.handlers.checkins.texts.ANSWER_CODES``).
ANSWER_CODES = ("g", "o", "b", "c", "v")
#: The day parts a resident can choose (``bot.services.checkins.DAYPARTS``); "d" = the room's.
DAYPART_CODES = ("morning", "afternoon", "evening", "d")
#: Weekdays 0 (Monday) … 6, or "d" for the room's day.
WEEKDAY_CODES = ("0", "1", "2", "3", "4", "5", "6", "d")


@action("chk:on")
@dataclass(frozen=True)
class CheckinOptIn(Action):
    """"Yes, please": join the weekly check-in."""


@action("chk:no")
@dataclass(frozen=True)
class CheckinNoThanks(Action):
    """"No, thanks" to the invitation after onboarding."""


@action("chk:stop")
@dataclass(frozen=True)
class CheckinStop(Action):
    pass


@action("chk:days")
@dataclass(frozen=True)
class CheckinAskDay(Action):
    pass


@action("chk:day")
@dataclass(frozen=True)
class CheckinSetDay(Action):
    day: str  # "0" … "6", or "d" for the room's day
    choices = {"day": WEEKDAY_CODES}

    @property
    def weekday(self) -> int | None:
        return None if self.day == "d" else int(self.day)


@action("chk:parts")
@dataclass(frozen=True)
class CheckinAskPart(Action):
    pass


@action("chk:part")
@dataclass(frozen=True)
class CheckinSetPart(Action):
    part: str  # a day part, or "d" for the room's time
    choices = {"part": DAYPART_CODES}

    @property
    def daypart(self) -> str | None:
        return None if self.part == "d" else self.part


@action("chk:pauses")
@dataclass(frozen=True)
class CheckinAskPause(Action):
    pass


@action("chk:pause")
@dataclass(frozen=True)
class CheckinPause(Action):
    until: str  # an ISO date; whether it may be chosen is the service's rule
    longest_until: ClassVar[str] = "2026-12-31"

    def __post_init__(self) -> None:
        date.fromisoformat(self.until)  # ValueError: not a date

    @property
    def day(self) -> date:
        return date.fromisoformat(self.until)


@action("chk:resume")
@dataclass(frozen=True)
class CheckinResume(Action):
    pass


@action("chk:phone")
@dataclass(frozen=True)
class CheckinPhone(Action):
    """Share, type or remove the phone number a volunteer may call."""


@action("chk:a")
@dataclass(frozen=True)
class CheckinAnswer(Action):
    """One tap on the weekly message."""

    checkin_id: int
    answer: str  # one of ANSWER_CODES ("b" = not so good)
    choices = {"answer": ANSWER_CODES}


@action("chk:take")
@dataclass(frozen=True)
class FollowupTake(Action):
    """A volunteer takes a call from the list."""

    followup_id: int


@action("chk:done")
@dataclass(frozen=True)
class FollowupDone(Action):
    """The volunteer who took the call finishes it (then a note)."""

    followup_id: int


@action("chk:out")
@dataclass(frozen=True)
class FollowupOutcome(Action):
    """For a resident we cannot message: keep calling every week, or stop."""

    choice: str  # "keep" or "stop"
    choices = {"choice": ("keep", "stop")}


@action("chk:nonote")
@dataclass(frozen=True)
class FollowupNoNote(Action):
    pass


@action("chk:people")
@dataclass(frozen=True)
class ExtraAttentionList(Action):
    pass


@action("chk:xa")
@dataclass(frozen=True)
class ExtraAttentionToggle(Action):
    user_id: int


@action("chk:me")
@dataclass(frozen=True)
class OwnCheckin(Action):
    """A volunteer's own check-in settings."""
