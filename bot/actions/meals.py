"""The eettafel's buttons: one action per button kind (``meal:<x>:...``).

The codes and field order are the wire format the buttons always had (``meal:su:12``,
``meal:g:12:1``), so buttons already in people's chats keep working. Numbers that must lie in
a range (a page, a reason's index) are checked by the handler against what is true now; the
codec only refuses what is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import LONGEST_ROOM, Action, RoomAction, action

# --- residents -----------------------------------------------------------------------------


@action("meal:list")
@dataclass(frozen=True)
class MealList(Action):
    """The coming meals of the person's room (/eten)."""


@action("meal:su")
@dataclass(frozen=True)
class MealSignUp(Action):
    """Sign up for a meal (also offered in the calendar's week view)."""

    meal_id: int


@action("meal:me")
@dataclass(frozen=True)
class MealMySignup(Action):
    """Open my sign-up's card."""

    meal_id: int


@action("meal:g")
@dataclass(frozen=True)
class MealGuests(Action):
    """Set the number of guests from my household (the card's ➕/➖)."""

    meal_id: int
    guests: int


@action("meal:d")
@dataclass(frozen=True)
class MealDiet(Action):
    """Tick a food wish on or off (the service checks the code)."""

    meal_id: int
    diet: str

    longest_diet: ClassVar[str] = "allergy"


@action("meal:note")
@dataclass(frozen=True)
class MealNote(Action):
    """Ask for the allergy note (typed)."""

    meal_id: int


@action("meal:x")
@dataclass(frozen=True)
class MealCancelAsk(Action):
    """The question "Cancel my sign-up?"."""

    meal_id: int


@action("meal:xy")
@dataclass(frozen=True)
class MealCancel(Action):
    """My sign-up is cancelled ("Yes, cancel")."""

    meal_id: int


@action("meal:acc")
@dataclass(frozen=True)
class MealOfferAccept(Action):
    """A seat offered from the waiting list: yes."""

    meal_id: int


@action("meal:rej")
@dataclass(frozen=True)
class MealOfferReject(Action):
    """A seat offered from the waiting list: no, give it on."""

    meal_id: int


# --- kookgroep (volunteers) ----------------------------------------------------------------


@action("meal:t")
@dataclass(frozen=True)
class MealTable(Action):
    """The list of one meal (first page)."""

    meal_id: int


@action("meal:tp")
@dataclass(frozen=True)
class MealTablePage(Action):
    """Another page of a long list."""

    meal_id: int
    page: int


@action("meal:ok")
@dataclass(frozen=True)
class MealConfirm(Action):
    """Confirm one sign-up."""

    signup_id: int


@action("meal:oka")
@dataclass(frozen=True)
class MealConfirmAll(Action):
    """Confirm every sign-up of a meal that waits for it."""

    meal_id: int


@action("meal:no")
@dataclass(frozen=True)
class MealDeclineAsk(Action):
    """Decline a sign-up: asks the reason (a preset or typed)."""

    signup_id: int


@action("meal:nr")
@dataclass(frozen=True)
class MealDecline(Action):
    """Decline a sign-up with preset reason number ``reason``."""

    signup_id: int
    reason: int


@action("meal:vxl")
@dataclass(frozen=True)
class MealTakeOffPick(Action):
    """Whom to take off the list: a page of names."""

    meal_id: int
    page: int


@action("meal:vx")
@dataclass(frozen=True)
class MealTakeOffReason(Action):
    """Take this sign-up off the list: asks the reason."""

    signup_id: int


@action("meal:vxr")
@dataclass(frozen=True)
class MealTakeOff(Action):
    """Take this sign-up off the list with reason number ``reason``."""

    signup_id: int
    reason: int


@action("meal:tl")
@dataclass(frozen=True)
class MealOtherMeals(Action):
    """The recent and coming meals of my own room (an older button; now ``meal:tlr``)."""


@action("meal:tlr")
@dataclass(frozen=True)
class MealOtherMealsOf(RoomAction):
    """The recent and coming meals of a room."""


@action("meal:att")
@dataclass(frozen=True)
class MealAttendance(Action):
    """Who came: the list to tick."""

    meal_id: int


@action("meal:came")
@dataclass(frozen=True)
class MealCame(Action):
    """This person came (``1``) or was not there (``0``)."""

    signup_id: int
    came: bool


@action("meal:add")
@dataclass(frozen=True)
class MealAddOffline(Action):
    """Add someone without Telegram: asks the name (typed)."""

    meal_id: int


# --- coordinators --------------------------------------------------------------------------


@action("meal:rooms")
@dataclass(frozen=True)
class MealRooms(Action):
    """Choose a room whose list to open."""


@action("meal:tr")
@dataclass(frozen=True)
class MealRoomTable(RoomAction):
    """The next meal's list of a room."""


@action("meal:cap")
@dataclass(frozen=True)
class MealSetCap(Action):
    """Seats for one meal: asks the number (typed)."""

    meal_id: int


@action("meal:rcap")
@dataclass(frozen=True)
class MealSetRoomCap(Action):
    """Seats for all coming meals of a room: asks the number (typed). ``room`` is empty on
    a button from before the room was in the data: then it is the coordinator's own."""

    room: str = ""

    longest_room: ClassVar[str] = LONGEST_ROOM


@action("meal:cx")
@dataclass(frozen=True)
class MealCancelMealAsk(Action):
    """The question "Cancel this meal?"."""

    meal_id: int


@action("meal:cxy")
@dataclass(frozen=True)
class MealCancelMeal(Action):
    """The meal is cancelled ("Yes, cancel the meal"); everyone signed up is told."""

    meal_id: int


# --- the typed-answer question -------------------------------------------------------------


@action("meal:stop")
@dataclass(frozen=True)
class MealStop(Action):
    """Stop the open question (nothing is changed)."""


#: Every eettafel action (tests check each one; the meals conversation's fallback takes any).
MEAL_ACTIONS: tuple[type[Action], ...] = (
    MealList, MealSignUp, MealMySignup, MealGuests, MealDiet, MealNote, MealCancelAsk,
    MealCancel, MealOfferAccept, MealOfferReject, MealTable, MealTablePage, MealConfirm,
    MealConfirmAll, MealDeclineAsk, MealDecline, MealTakeOffPick, MealTakeOffReason,
    MealTakeOff, MealOtherMeals, MealOtherMealsOf, MealAttendance, MealCame, MealAddOffline,
    MealRooms, MealRoomTable, MealSetCap, MealSetRoomCap, MealCancelMealAsk, MealCancelMeal,
    MealStop,
)
