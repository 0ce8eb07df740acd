"""One conversation at a time: starting something new ends the question left open."""

from __future__ import annotations

from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, sign_up
from tests.auxil.onboarding import pick_language


async def test_open_allergy_question_does_not_swallow_a_help_request(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press("allergie")
    await fatima.next_edit()
    await fatima.press("✏️ Schrijf waar u allergisch voor bent")
    await fatima.next_edit()
    # She leaves the question open and asks for help instead.
    await fatima.send("/hulp")
    await fatima.next_message()
    await fatima.press("🔧 Een klusje in huis")
    await fatima.next_edit()
    await fatima.send("De kraan lekt")
    answer = await fatima.next_message()
    assert "opgeschreven" in answer.text
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") in (None, "")


async def test_an_open_conversation_still_gets_its_own_buttons(bot: BotHarness) -> None:
    user = bot.user()
    rooms = await pick_language(user)
    assert "BuurtWerkKamer" in rooms.text
    await user.press("TOP (Ondiep e.o.)")
    privacy = await user.next_edit()
    assert "/vergeetmij" in privacy.text
