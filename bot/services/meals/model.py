"""Eettafel: the settings, outcomes and result rows every part of the meal service shares.

Nothing here touches the database or Telegram; handlers import these names through
:mod:`bot.services.meals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from bot.i18n import N_
from bot.store.meals import MealRow, SignupRow

TITLE = N_("Shared dinner")
CATEGORY = "sociale_ontmoeting"
MEAL_LENGTH = timedelta(hours=2)
SCHEDULE_AHEAD = timedelta(weeks=3)
OFFER_WINDOW = timedelta(hours=3)
MIN_OFFER_WINDOW = timedelta(minutes=10)
MAX_GUESTS = 2
MAX_NOTE = 100
CAP_RANGE = (1, 40)
#: The cap of a room the configuration does not know (any more).
DEFAULT_CAP = 12
REMINDER_HOUR = 9
#: New sign-ups are told to the kookgroep in batches: once the oldest waits this long...
NEW_SIGNUP_BATCH = timedelta(minutes=30)
#: ...and only in the daytime (local hours [start, end)), never at night.
NOTIFY_HOURS = (8, 21)
DIETS = ("halal", "vega", "nopork", "allergy")


class Outcome(Enum):
    OK = "ok"
    WAITLISTED = "waitlisted"
    ALREADY = "already"
    NOT_FOUND = "not_found"
    OTHER_ROOM = "other_room"
    PAST = "past"
    CLOSED = "closed"  # after the sign-up deadline
    CANCELLED = "cancelled"
    NO_SEATS = "no_seats"
    INVALID = "invalid"
    NOT_SIGNED_UP = "not_signed_up"
    NO_OFFER = "no_offer"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Notice:
    """Something to tell a person after the transaction: ``kind`` picks the text."""

    user_id: int
    #: confirmed, declined, offer, offer_expired, waitlisted, cancelled (the meal),
    #: removed (a volunteer cancelled the sign-up), reminder
    kind: str
    meal_id: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MealView:
    meal: MealRow
    cap: int
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.cap - self.taken)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    view: MealView | None = None
    signup: SignupRow | None = None
    place: int | None = None  # waitlist place (1 = next)
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """Everything a volunteer needs about one meal."""

    view: MealView
    seated: list[SignupRow]
    waiting: list[SignupRow]
    diets: dict[str, int]
    #: Other coming meals of the room with sign-ups waiting for confirmation: (meal, count).
    pending_elsewhere: list[tuple[MealView, int]] = field(default_factory=list)


@dataclass(frozen=True)
class NewSignups:
    """Sign-ups of one room waiting for a volunteer's confirmation, per meal (a digest)."""

    room: str
    meals: list[tuple[MealView, list[SignupRow]]]
