"""A kill right after the bot answered loses nothing (issue 12, point 21).

``bot.crash()`` stops the bot without the last persistence write a clean stop would do, so
only what was in the database when the bot answered survives. The next action must work as
if nothing happened.
"""

from __future__ import annotations

from collections import Counter

from bot.sandbox import SandboxUser
from tests.auxil.announcements import announcements_of, compose, report
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import start_help, urgency_and_contact
from tests.auxil.meals import first_meal, sign_up
from tests.auxil.onboarding import pick_language


async def test_kill_after_an_onboarding_step(bot: BotHarness) -> None:
    user = bot.user()
    rooms = await pick_language(user)
    await bot.settle()
    await bot.crash()
    await user.press("TOP (Ondiep e.o.)", message=rooms)
    privacy = await user.next_edit()
    assert "/vergeetmij" in privacy.text
    assert not user.callback_answers or "werkt niet meer" not in (user.callback_answers[-1][0]
                                                                    or "")


async def test_kill_after_a_help_description(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await start_help(fatima)
    await fatima.send("Brief van het CAK over de eigen bijdrage")
    await fatima.next_message()
    await bot.settle()
    await bot.crash()
    await fatima.press_data("help:next")
    when = await fatima.next_edit()
    assert "help:w:week" in when.button_data.values()
    summary = await urgency_and_contact(fatima)
    send = next(d for d in summary.button_data.values() if d.startswith("help:send:"))
    await fatima.press_data(send)
    await bot.settle()
    assert await bot.db.fetchval("SELECT description FROM help_requests") == (
        "Brief van het CAK over de eigen bijdrage")


async def _asked_for_the_allergy_note(bot: BotHarness) -> SandboxUser:
    """Fatima signed up and pressed "allergy note"; the bot asks for it and the periodic
    persistence write has run (she takes a while to type)."""
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press_data(f"meal:note:{meal.id}")
    await fatima.next_edit()
    await bot.settle()
    await bot.app.update_persistence()
    return fatima


async def test_kill_after_the_allergy_note_is_saved(bot: BotHarness) -> None:
    fatima = await _asked_for_the_allergy_note(bot)
    await fatima.send("noten")
    await fatima.next_message()
    await bot.settle()
    await bot.crash()
    await fatima.send("Hoe laat begint het eten?")
    await fatima.next_message()
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"


async def test_kill_after_the_preview_keeps_the_announcement_draft(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(3)]
    await compose(carla, "Vrijdag is de BuurtWerkKamer dicht.")
    await bot.settle()
    await bot.crash()
    await carla.press("✅ Nu versturen")
    final = await report(carla)
    assert "Afgeleverd: 3" in final.text
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 3})


async def test_kill_right_after_send_now_sends_once(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(3)]
    confirm = await compose(carla, "Vrijdag is de BuurtWerkKamer dicht.")
    send_data = confirm.button_data["✅ Nu versturen"]
    bot.services.outbox.set_speed(per_second=0.001)  # nothing goes out before the kill
    await carla.press("✅ Nu versturen")
    await carla.next_edit()
    await bot.settle()
    await bot.crash()
    bot.services.outbox.set_speed(scale=20)
    final = await report(carla)
    assert "Afgeleverd: 3" in final.text
    await carla.press_data(send_data, message=confirm)  # the old button: no second send
    await bot.settle()
    text, alert = carla.callback_answers[-1]
    assert alert and "al verstuurd" in (text or ""), text
    await bot.settle()
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 3})
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1


async def test_kill_the_moment_the_allergy_note_is_confirmed(bot: BotHarness) -> None:
    """Killed exactly when "saved" reaches her (before the step's end is written): her next
    message is still never taken as the allergy note."""
    fatima = await _asked_for_the_allergy_note(bot)
    bot.kill_when_answered(fatima)
    await fatima.send("noten")
    await fatima.next_message()
    await bot.settle()
    await bot.crash()
    await fatima.send("Hoe laat begint het eten?")
    answer = await fatima.next_message()
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"
    assert "noten" not in answer.text or "Hoe laat" not in answer.text


async def test_kill_the_moment_a_description_is_acknowledged(bot: BotHarness) -> None:
    """What she typed is in the database before the bot says it got it."""
    fatima = await bot.resident("Fatima")
    await start_help(fatima)
    await bot.settle()
    bot.kill_when_answered(fatima)
    await fatima.send("Aanmaning van de zorgverzekeraar")
    await fatima.next_message()
    await bot.settle()
    await bot.crash()
    await fatima.press_data("help:next")
    await fatima.next_edit()
    summary = await urgency_and_contact(fatima)
    send = next(d for d in summary.button_data.values() if d.startswith("help:send:"))
    await fatima.press_data(send)
    await bot.settle()
    assert await bot.db.fetchval("SELECT description FROM help_requests") == (
        "Aanmaning van de zorgverzekeraar")
