"""The buttons of the activity calendar: /agenda (residents), /programma (coordinators) and the
conversation that adds an activity or moves a date.

Wire format as it always was (``cal:su:12``, ``cal:w:top:1``, ``cal:f:day:3``), so buttons
already in people's chats keep working. What the data alone can rule out (a weekday 7, a
negative week offset, an unknown kind of activity) is refused when decoding; what needs the
settings or the database (a room that exists, a date that was not cancelled) the handler
checks and answers with the same "this button no longer works".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import LONGEST_ROOM, Action, RoomAction, action

#: The longest activity category (bot.categories).
LONGEST_CATEGORY = "sociale_ontmoeting"
#: The largest week offset the agenda shows (the horizon is a few weeks).
LARGEST_OFFSET = 52


class _AtOffset(Action):
    """A button that carries a week ``offset`` from this week, never negative (not a button
    kind itself, nor a dataclass: each subclass declares ``offset`` where its data has it)."""

    offset: int
    longest_offset: ClassVar[int] = LARGEST_OFFSET
    never_negative = ("offset",)


# --- /agenda (residents) ---------------------------------------------------------------------


@action("cal:w")
@dataclass(frozen=True)
class AgendaWeek(RoomAction, _AtOffset):
    """One week of a room's programme (0 = this week)."""

    offset: int


@action("cal:rooms")
@dataclass(frozen=True)
class AgendaRooms(_AtOffset):
    """Choose another room's agenda, staying at the week that was shown."""

    offset: int


@action("cal:su")
@dataclass(frozen=True)
class ActivitySignUp(Action):
    """Sign up for one date of an activity (built by the calendar service)."""

    occurrence_id: int


@action("cal:so")
@dataclass(frozen=True)
class ActivitySignOff(Action):
    occurrence_id: int


@action("cal:sub")
@dataclass(frozen=True)
class AgendaSubscribe(RoomAction):
    """The weekly programme of ``room`` by private message: on or off."""

    on: bool


@action("cal:ics")
@dataclass(frozen=True)
class AgendaIcs(RoomAction):
    """The room's programme as an .ics file for the phone's calendar."""


# --- /programma (coordinators) ---------------------------------------------------------------


@action("cal:prooms")
@dataclass(frozen=True)
class ProgrammeRooms(Action):
    """Choose the room whose programme to edit."""


@action("cal:p")
@dataclass(frozen=True)
class ProgrammeRoom(RoomAction):
    """The programme of one room, to edit."""


@action("cal:ps")
@dataclass(frozen=True)
class ProgrammeSeries(Action):
    series_id: int


@action("cal:po")
@dataclass(frozen=True)
class ProgrammeOccurrence(Action):
    occurrence_id: int


@action("cal:pc")
@dataclass(frozen=True)
class CancelDate(Action):
    """Ask before cancelling one date."""

    occurrence_id: int


@action("cal:pcy")
@dataclass(frozen=True)
class CancelDateConfirmed(Action):
    occurrence_id: int


@action("cal:pe")
@dataclass(frozen=True)
class EndSeries(Action):
    """Ask before ending a weekly activity."""

    series_id: int


@action("cal:pey")
@dataclass(frozen=True)
class EndSeriesConfirmed(Action):
    series_id: int


@action("cal:pm")
@dataclass(frozen=True)
class MoveDate(Action):
    """Start moving one date (a conversation: the new date and time are typed)."""

    occurrence_id: int


WEEKLY, ONE_OFF = "w", "o"


@action("cal:new")
@dataclass(frozen=True)
class NewActivity(Action):
    """Start adding a weekly (``w``) or one-off (``o``) activity to ``room``."""

    kind: str
    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM
    choices = {"kind": (WEEKLY, ONE_OFF)}


# --- the conversation that adds an activity --------------------------------------------------


@action("cal:f:cat")
@dataclass(frozen=True)
class FormCategory(Action):
    category: str
    longest_category: ClassVar[str] = LONGEST_CATEGORY


@action("cal:f:day")
@dataclass(frozen=True)
class FormDay(Action):
    """Tap a weekday on or off (0 = Monday)."""

    weekday: int
    longest_weekday: ClassVar[int] = 6

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday={self.weekday}")


@action("cal:f:days")
@dataclass(frozen=True)
class FormDaysDone(Action):
    pass


@action("cal:f:dur")
@dataclass(frozen=True)
class FormDuration(Action):
    minutes: int
    longest_minutes: ClassVar[int] = 180


@action("cal:f:cap")
@dataclass(frozen=True)
class FormCapacity(Action):
    """-1: no sign-up; 0: sign-up without a maximum; else the maximum."""

    capacity: int
    longest_capacity: ClassVar[int] = -1


@action("cal:f:save")
@dataclass(frozen=True)
class FormSave(Action):
    pass


@action("cal:f:lead")
@dataclass(frozen=True)
class FormLeader(Action):
    """Ask who leads the (weekly) activity."""


@action("cal:f:stop")
@dataclass(frozen=True)
class FormStop(Action):
    pass
