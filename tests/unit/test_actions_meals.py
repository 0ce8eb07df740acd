"""The eettafel's, the menu's and onboarding's button actions keep today's wire format.

Buttons already in people's chats carry the strings the handlers wrote by hand before the
typed actions: each of those strings must decode to the action that does the same thing, and
each action must encode back to that string.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from telegram import CallbackQuery, Update, User

from bot.actions import MAX_ID, Action, action, decode, registered
from bot.actions.meals import (
    MEAL_ACTIONS,
    MealAddOffline,
    MealAttendance,
    MealCame,
    MealCancel,
    MealCancelAsk,
    MealCancelMeal,
    MealCancelMealAsk,
    MealConfirm,
    MealConfirmAll,
    MealDecline,
    MealDeclineAsk,
    MealDiet,
    MealGuests,
    MealList,
    MealMySignup,
    MealNote,
    MealOfferAccept,
    MealOfferReject,
    MealOtherMeals,
    MealOtherMealsOf,
    MealRooms,
    MealRoomTable,
    MealSetCap,
    MealSetRoomCap,
    MealSignUp,
    MealStop,
    MealTable,
    MealTablePage,
    MealTakeOff,
    MealTakeOffPick,
    MealTakeOffReason,
)
from bot.actions.menu import (
    MENU_ACTIONS,
    MenuAgenda,
    MenuBroadcast,
    MenuCheckins,
    MenuFollowups,
    MenuHelp,
    MenuHours,
    MenuMain,
    MenuMeals,
    MenuProgramme,
    MenuQueue,
    MenuReport,
    MenuSettings,
    MenuSurveys,
    MenuTable,
    MenuTurf,
    MenuVolunteers,
)
from bot.actions.onboarding import (
    ONBOARDING_ACTIONS,
    OnboardingAgree,
    OnboardingDecline,
    OnboardingLanguage,
    OnboardingRoom,
    OnboardingSkipName,
)

#: Today's literal button data (as the handlers wrote it and the tests tap it) → its action.
LITERALS: list[tuple[str, Action]] = [
    ("meal:list", MealList()),
    ("meal:su:12", MealSignUp(12)),
    ("meal:me:12", MealMySignup(12)),
    ("meal:g:12:1", MealGuests(12, 1)),
    ("meal:g:12:0", MealGuests(12, 0)),
    ("meal:d:12:halal", MealDiet(12, "halal")),
    ("meal:d:12:allergy", MealDiet(12, "allergy")),
    ("meal:note:12", MealNote(12)),
    ("meal:x:12", MealCancelAsk(12)),
    ("meal:xy:12", MealCancel(12)),
    ("meal:acc:12", MealOfferAccept(12)),
    ("meal:rej:12", MealOfferReject(12)),
    ("meal:t:12", MealTable(12)),
    ("meal:tp:12:2", MealTablePage(12, 2)),
    ("meal:ok:34", MealConfirm(34)),
    ("meal:oka:12", MealConfirmAll(12)),
    ("meal:no:34", MealDeclineAsk(34)),
    ("meal:nr:34:2", MealDecline(34, 2)),
    ("meal:vxl:12:0", MealTakeOffPick(12, 0)),
    ("meal:vx:34", MealTakeOffReason(34)),
    ("meal:vxr:34:1", MealTakeOff(34, 1)),
    ("meal:tl", MealOtherMeals()),
    ("meal:tlr:top", MealOtherMealsOf("top")),
    ("meal:att:12", MealAttendance(12)),
    ("meal:came:34:1", MealCame(34, True)),
    ("meal:came:34:0", MealCame(34, False)),
    ("meal:add:12", MealAddOffline(12)),
    ("meal:rooms", MealRooms()),
    ("meal:tr:hart", MealRoomTable("hart")),
    ("meal:cap:12", MealSetCap(12)),
    ("meal:rcap:hart", MealSetRoomCap("hart")),
    ("meal:cx:12", MealCancelMealAsk(12)),
    ("meal:cxy:12", MealCancelMeal(12)),
    ("meal:stop", MealStop()),
    ("menu:main", MenuMain()),
    ("menu:agenda", MenuAgenda()),
    ("menu:meals", MenuMeals()),
    ("menu:help", MenuHelp()),
    ("menu:checkins", MenuCheckins()),
    ("menu:settings", MenuSettings()),
    ("menu:table", MenuTable()),
    ("menu:queue", MenuQueue()),
    ("menu:turf", MenuTurf()),
    ("menu:followups", MenuFollowups()),
    ("menu:hours", MenuHours()),
    ("menu:surveys", MenuSurveys()),
    ("menu:broadcast", MenuBroadcast()),
    ("menu:programme", MenuProgramme()),
    ("menu:report", MenuReport()),
    ("menu:volunteers", MenuVolunteers()),
    ("onb:lang:nl", OnboardingLanguage("nl")),
    ("onb:lang:ar", OnboardingLanguage("ar")),
    ("onb:room:top", OnboardingRoom("top")),
    ("onb:privacy:yes", OnboardingAgree()),
    ("onb:privacy:no", OnboardingDecline()),
    ("onb:name:skip", OnboardingSkipName()),
]

FAMILIES = (MEAL_ACTIONS, MENU_ACTIONS, ONBOARDING_ACTIONS)


@pytest.mark.parametrize(("data", "expected"), LITERALS, ids=[d for d, _ in LITERALS])
def test_todays_literal_buttons_decode_to_the_same_action(data: str, expected: Action) -> None:
    assert decode(data) == expected
    assert expected.encode() == data


def test_every_kind_has_a_literal_and_every_family_is_complete() -> None:
    """Each kind of these three families is in LITERALS, and each family lists every
    registered action of its prefix (a new button kind cannot be forgotten)."""
    covered = {type(found) for _, found in LITERALS}
    for family, prefix in zip(FAMILIES, ("meal:", "menu:", "onb:"), strict=True):
        assert set(family) <= covered
        assert {cls for cls in registered() if cls.code.startswith(prefix)} == set(family)


def test_the_old_room_cap_button_without_a_room_still_works() -> None:
    """``meal:rcap`` from before the room was in the data: the coordinator's own room."""
    assert decode("meal:rcap") == MealSetRoomCap("")


def _samples(cls: type[Action]) -> list[Action]:
    """Small, large and the longest real values for each field."""
    small = {int: 1, bool: False}
    large = {int: MAX_ID, bool: True}
    values = []
    for choice in (small, large):
        values.append(cls(**{
            name: choice[kind] if kind in choice else getattr(cls, "longest_" + name, "top")
            for name, kind in cls._fields}))
    return values


@pytest.mark.parametrize("cls", [c for family in FAMILIES for c in family],
                         ids=lambda c: c.code)
def test_every_action_round_trips(cls: type[Action]) -> None:
    for act in _samples(cls):
        data = act.encode()
        assert len(data.encode()) <= 64
        assert data.startswith(cls.code)
        assert decode(data) == act


def test_str_fields_name_their_longest_value() -> None:
    """A ``str`` field says its longest real value, so the 64-byte check uses it."""
    for family in FAMILIES:
        for cls in family:
            for name, kind in cls._fields:
                if kind is str:
                    assert isinstance(getattr(cls, "longest_" + name, None), str), (cls, name)


@pytest.mark.parametrize("data", [
    "meal:g:12", "meal:g:12:1:2", "meal:su:abc", "meal:su:", "meal:su:1.5",
    f"meal:su:{MAX_ID + 1}", "meal:came:34:2", "meal:came:34:yes", "meal:list:1",
    "meal:bogus:1", "menu:bogus", "menu:main:1", "onb:lang:xx", "onb:lang:", "onb:privacy:maybe",
    "onb:name:later", "meal:t:" + "9" * 40,
])
def test_forged_or_malformed_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


def _press(data: str) -> Update:
    user = User(1, "Fatima", False)
    return Update(1, callback_query=CallbackQuery("1", user, "chat", data=data))


def test_every_meal_action_has_exactly_one_route() -> None:
    """Each eettafel button reaches one handler: a route, a typed-answer question, or Stop."""
    from bot.handlers.meals import ROUTES, questions

    handlers = [*ROUTES, *questions()]
    for data, act in LITERALS:
        if not data.startswith("meal:") or isinstance(act, MealStop):
            continue
        matching = [h for h in handlers if h.check_update(_press(data))]
        assert len(matching) == 1, (data, matching)
    assert not any(h.check_update(_press("meal:bogus:1")) for h in handlers)


@action("tst:opt")
@dataclass(frozen=True)
class _Optional(Action):
    item: int
    room: str = ""


def test_trailing_fields_with_a_default_may_be_missing() -> None:
    """The codec rule behind the bare ``meal:rcap``: data from before a trailing field
    existed decodes with its default; a missing field without a default does not."""
    assert decode("tst:opt:3") == _Optional(3)
    assert decode("tst:opt:3:top") == _Optional(3, "top")
    assert decode("tst:opt") is None
