"""Eettafel buttons are typed actions (issue 13): forged data is the one stale answer and keeps
the open question; old buttons already in chats (today's data) keep working."""

from __future__ import annotations

from datetime import timedelta

from bot.actions.meals import MealSignUp
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, last_answer, sign_up


async def _assert_stale(bot: BotHarness, user: SandboxUser) -> None:
    text, alert = await last_answer(bot, user)
    assert alert and "werkt niet meer" in text, text


async def test_forged_meal_data_keeps_the_allergy_question(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press_data(f"meal:note:{meal.id}")
    question = await fatima.next_edit()
    for data in (f"meal:g:{meal.id}", "meal:bogus:1", f"meal:su:{2**64}", "meal:came:1:2",
                 "meal:list:extra"):
        await fatima.press_data(data, message=question)
        await _assert_stale(bot, fatima)
    await fatima.send("noten")  # still the answer to the allergy question
    await fatima.next_message()
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"


async def test_another_meal_button_ends_the_question(bot: BotHarness) -> None:
    """A meal button that does something (the list) drops the open question."""
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press_data(f"meal:note:{meal.id}")
    await fatima.next_edit()
    await fatima.press_data("meal:list")
    assert "Eettafel in" in (await fatima.next_edit()).text
    await fatima.send("noten")
    assert "Dat begreep ik niet" in (await fatima.next_message()).text  # no open question
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") is None


async def test_old_room_cap_button_without_a_room_sets_the_own_room(bot: BotHarness) -> None:
    """``meal:rcap`` from before the room was in the data: the coordinator's own room."""
    carla = await bot.coordinator()
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press_data("meal:rcap")
    assert "van uw BuurtWerkKamer" in (await carla.next_edit()).text
    await carla.send("9")
    assert "9 plekken" in (await carla.next_message()).text
    assert all(v.cap == 9 for v in await bot.services.meals.upcoming("top"))


async def test_calendar_sign_up_is_the_meal_action(bot: BotHarness) -> None:
    """The meals service hands the calendar an action, which is today's button data."""
    meal = (await first_meal(bot)).meal
    entries = await bot.services.meals.calendar_entries(
        "top", meal.starts_at, meal.starts_at + timedelta(minutes=1))
    assert entries[0].signup_data == MealSignUp(meal.id)


async def test_agenda_opens_my_sign_up_with_the_meal_action(bot: BotHarness) -> None:
    """The week view's button for a meal I signed up for opens my card (``meal:me``)."""
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.send("/agenda")
    agenda = await fatima.next_message()
    assert f"meal:me:{meal.id}" in agenda.button_data.values()
    await fatima.press_data(f"meal:me:{meal.id}", message=agenda)
    assert "Eettafel, " in (await fatima.next_edit()).text
