"""The eettafel's, the menu's and onboarding's button actions keep today's wire format.

Buttons already in people's chats carry the strings the handlers wrote by hand before the
typed actions: each of those strings must decode to the action that does the same thing, and
each action must encode back to that string.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from telegram import CallbackQuery, Update, User

from bot.actions import MAX_ID, Action, action, decode, meals, menu, onboarding, registered

#: Today's literal button data (as the handlers wrote it and the tests tap it) → its action.
LITERALS: list[tuple[str, Action]] = [
    ("meal:list", meals.MealList()),
    ("meal:su:12", meals.MealSignUp(12)),
    ("meal:me:12", meals.MealMySignup(12)),
    ("meal:g:12:1", meals.MealGuests(12, 1)),
    ("meal:g:12:0", meals.MealGuests(12, 0)),
    ("meal:d:12:halal", meals.MealDiet(12, "halal")),
    ("meal:d:12:allergy", meals.MealDiet(12, "allergy")),
    ("meal:note:12", meals.MealNote(12)),
    ("meal:x:12", meals.MealCancelAsk(12)),
    ("meal:xy:12", meals.MealCancel(12)),
    ("meal:acc:12", meals.MealOfferAccept(12)),
    ("meal:rej:12", meals.MealOfferReject(12)),
    ("meal:t:12", meals.MealTable(12)),
    ("meal:tp:12:2", meals.MealTablePage(12, 2)),
    ("meal:ok:34", meals.MealConfirm(34)),
    ("meal:oka:12", meals.MealConfirmAll(12)),
    ("meal:no:34", meals.MealDeclineAsk(34)),
    ("meal:nr:34:2", meals.MealDecline(34, 2)),
    ("meal:vxl:12:0", meals.MealTakeOffPick(12, 0)),
    ("meal:vx:34", meals.MealTakeOffReason(34)),
    ("meal:vxr:34:1", meals.MealTakeOff(34, 1)),
    ("meal:tl", meals.MealOtherMeals()),
    ("meal:tlr:top", meals.MealOtherMealsOf("top")),
    ("meal:att:12", meals.MealAttendance(12)),
    ("meal:came:34:1", meals.MealCame(34, True)),
    ("meal:came:34:0", meals.MealCame(34, False)),
    ("meal:add:12", meals.MealAddOffline(12)),
    ("meal:rooms", meals.MealRooms()),
    ("meal:tr:hart", meals.MealRoomTable("hart")),
    ("meal:cap:12", meals.MealSetCap(12)),
    ("meal:rcap:hart", meals.MealSetRoomCap("hart")),
    ("meal:cx:12", meals.MealCancelMealAsk(12)),
    ("meal:cxy:12", meals.MealCancelMeal(12)),
    ("meal:stop", meals.MealStop()),
    ("menu:main", menu.MenuMain()),
    ("menu:agenda", menu.MenuAgenda()),
    ("menu:meals", menu.MenuMeals()),
    ("menu:help", menu.MenuHelp()),
    ("menu:checkins", menu.MenuCheckins()),
    ("menu:settings", menu.MenuSettings()),
    ("menu:table", menu.MenuTable()),
    ("menu:queue", menu.MenuQueue()),
    ("menu:turf", menu.MenuTurf()),
    ("menu:followups", menu.MenuFollowups()),
    ("menu:hours", menu.MenuHours()),
    ("menu:surveys", menu.MenuSurveys()),
    ("menu:broadcast", menu.MenuBroadcast()),
    ("menu:programme", menu.MenuProgramme()),
    ("menu:report", menu.MenuReport()),
    ("menu:volunteers", menu.MenuVolunteers()),
    ("onb:lang:nl", onboarding.OnboardingLanguage("nl")),
    ("onb:lang:ar", onboarding.OnboardingLanguage("ar")),
    ("onb:room:top", onboarding.OnboardingRoom("top")),
    ("onb:privacy:yes", onboarding.OnboardingAgree()),
    ("onb:privacy:no", onboarding.OnboardingDecline()),
    ("onb:name:skip", onboarding.OnboardingSkipName()),
]

FAMILIES = (meals.MEAL_ACTIONS, menu.MENU_ACTIONS, onboarding.ONBOARDING_ACTIONS)


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
    assert decode("meal:rcap") == meals.MealSetRoomCap("")


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
        if not data.startswith("meal:") or isinstance(act, meals.MealStop):
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
