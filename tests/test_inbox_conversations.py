"""Conversations keep their step across a kill right after the bot answered (issue 13,
"Exactly-once thinking").

One test per persistent ConversationHandler (``grep -rn "persistent=True" bot``). Each kills
the bot the moment a step's answer reaches the person (``bot.kill_when_answered``: nothing the
process writes after that survives, not the step and not the inbox's "handled"), restarts it,
and shows that the next tap or typed answer continues at that step — never "Deze knop werkt
niet meer", never taken as the answer to another question. The step is written a moment
after the answer; the update's inbox row is marked handled only after that write, so the
restart handles the update once more from the step that was written.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.announcements import MY_ROOM
from tests.auxil.checkins import opt_in
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help, start_help
from tests.auxil.meals import first_meal, sign_up

MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
STALE = "werkt niet meer"


async def killed_right_after_the_answer(bot: BotHarness, user: SandboxUser,
                                        step: Awaitable[object]) -> None:
    """Do ``step`` (a tap or a typed answer); the kill comes the moment its answer reaches
    ``user``; then the restart. What the restart sends again is skipped over."""
    bot.kill_when_answered(user)
    await step
    await bot.settle()
    await bot.crash()
    await bot.settle()
    user.chat.skip_pending()


def no_stale_answers(user: SandboxUser, since: int) -> None:
    answers = [text or "" for text, _alert in user.callback_answers[since:]]
    assert not any(STALE in text for text in answers), answers


async def test_onboarding(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/start")
    await user.next_message()
    await killed_right_after_the_answer(bot, user, user.press("Nederlands"))
    since = len(user.callback_answers)
    await user.press("TOP (Ondiep e.o.)", message=user.last)
    assert "/vergeetmij" in (await user.next_edit()).text
    no_stale_answers(user, since)


async def test_help_intake(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/hulp")
    await fatima.next_message()
    await killed_right_after_the_answer(bot, fatima, fatima.press_data("help:k:letter"))
    await fatima.send("Brief van het CAK")  # the description, not a stray message
    assert "opgeschreven" in (await fatima.next_message()).text
    await fatima.press_data("help:next")
    assert "help:w:week" in (await fatima.next_edit()).button_data.values()
    await bot.settle()
    draft = await bot.db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = ?",
                                  (fatima.id,))
    assert draft.count("Brief van het CAK") == 1


async def test_help_intake_description_is_kept_once(bot: BotHarness) -> None:
    """A step that adds to the draft, handled twice (killed right after its answer)."""
    fatima = await bot.resident("Fatima")
    await start_help(fatima)
    await killed_right_after_the_answer(bot, fatima, fatima.send("Aanmaning"))
    await fatima.send("van de zorgverzekeraar")
    await fatima.next_message()
    await bot.settle()
    draft = await bot.db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = ?",
                                  (fatima.id,))
    assert "Aanmaning\\nvan de zorgverzekeraar" in draft and draft.count("Aanmaning") == 1


async def test_meals_note(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await bot.settle()
    await killed_right_after_the_answer(bot, fatima, fatima.press_data(f"meal:note:{meal.id}"))
    await fatima.send("noten")
    await fatima.next_message()
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"


async def test_announcement_compose(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    await bot.resident("R1")
    await carla.send("/omroep")
    await carla.next_message()
    await killed_right_after_the_answer(bot, carla, carla.send("Vrijdag dicht."))
    since = len(carla.callback_answers)
    await carla.press(MY_ROOM, message=carla.bot_messages[-1])
    assert "Vrijdag dicht." in "".join(m.text or "" for m in [
        await carla.next_edit(), await carla.next_message()])
    no_stale_answers(carla, since)


async def test_calendar_new_activity(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await killed_right_after_the_answer(bot, carla,
                                        carla.press("➕ Nieuwe wekelijkse activiteit"))
    await carla.send("Taalcafé")  # the title
    category = await carla.next_message()
    assert any(d.startswith("cal:f:cat:") for d in category.button_data.values())


async def test_calendar_days_toggle_is_not_undone(bot: BotHarness) -> None:
    """A toggle handled twice must not take itself back."""
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press("➕ Nieuwe wekelijkse activiteit")
    await carla.next_edit()
    await carla.send("Taalcafé")
    await carla.next_message()
    await carla.press_data("cal:f:cat:taal")
    await carla.next_edit()
    await bot.settle()
    await killed_right_after_the_answer(bot, carla, carla.press_data("cal:f:day:2"))
    await bot.settle()
    draft = await bot.db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = ?",
                                  (carla.id,))
    assert '"days": [2]' in draft


async def test_help_volunteer_note(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await ask_help(bot, resident)
    await volunteer.press_data(f"help:take:{request_id}")
    await bot.settle()
    volunteer.chat.skip_pending()
    await killed_right_after_the_answer(bot, volunteer,
                                        volunteer.press_data(f"help:note:{request_id}"))
    await volunteer.send("Gebeld, komt dinsdag langs")
    assert "bewaard" in (await volunteer.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_notes") == 1


async def _followup_taken(bot: BotHarness) -> SandboxUser:
    """A resident answered "not so good"; Vera took the follow-up call."""
    vera = await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, user)
    await bot.tick(at=MONDAY_10)
    await user.next_message()
    await user.press("Niet zo goed 😟")
    await user.next_edit()
    await vera.next_message()
    await vera.press("📞 Ik bel Fatima · ma 30 nov")
    await vera.next_edit()
    await bot.settle()
    return vera


async def test_checkins_note(bot: BotHarness) -> None:
    vera = await _followup_taken(bot)
    await killed_right_after_the_answer(bot, vera, vera.press("✅ Klaar: Fatima · ma 30 nov"))
    await vera.send("Gebeld, gaat morgen langs.")
    assert "Dank u voor het bellen" in (await vera.next_message()).text
    assert await bot.db.fetchval("SELECT note FROM checkin_followups") == (
        "Gebeld, gaat morgen langs.")


async def test_checkins_phone(bot: BotHarness) -> None:
    await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, user)
    await bot.tick(at=MONDAY_10)
    await user.next_message()
    await user.press("Bel me even 📞")
    await user.next_edit()
    await bot.settle()
    await killed_right_after_the_answer(bot, user, user.press("📞 Mijn nummer delen"))
    await user.send("06-1234 5678")
    assert "0612345678" in (await user.next_message()).text


async def test_volunteer_hours_typed(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 11, 16, 12, 0, tzinfo=TZ))
    vera = await bot.volunteer()
    await bot.tick(at=MONDAY_10, only="volunteer_work")
    question = await vera.next_message(timeout=20)
    await bot.settle()
    await killed_right_after_the_answer(bot, vera,
                                        vera.press("Meer… typ een getal", message=question))
    await vera.send("7")
    assert "Bewaard: 7 uur" in (await vera.next_message()).text
    assert await bot.db.fetchval("SELECT hours FROM volunteer_hours") == 7.0


async def test_tally_walk_in_code(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    await volunteer.send("/turf")
    choose = await volunteer.next_message()
    await volunteer.press(next(b for row in choose.buttons for b in row))
    await volunteer.next_edit()
    await bot.settle()
    await killed_right_after_the_answer(bot, volunteer,
                                        volunteer.press("➕ Code losse bezoeker"))
    await volunteer.send("ab12")
    listing = await volunteer.next_message()
    assert "✅ AB12" in [b for row in listing.buttons for b in row], listing.text
    assert "✅ AB12" in [b for row in listing.buttons for b in row]


# --- taps that toggle: handled again after the restart, they must not take themselves back ---

async def test_meal_diet_toggle_is_not_undone(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await bot.settle()
    await killed_right_after_the_answer(bot, fatima, fatima.press_data(f"meal:d:{meal.id}:vega"))
    await bot.settle()
    assert "vega" in await bot.db.fetchval("SELECT diet FROM meal_signups")


async def test_turf_toggle_is_not_undone(bot: BotHarness) -> None:
    await bot.resident("Anna", name="Anna")
    volunteer = await bot.volunteer()
    await volunteer.send("/turf")
    choose = await volunteer.next_message()
    await volunteer.press(next(b for row in choose.buttons for b in row))
    await volunteer.next_edit()
    await bot.settle()
    anna = await bot.db.fetchval("SELECT anon_key FROM users WHERE display_name = 'Anna'")
    await killed_right_after_the_answer(bot, volunteer, volunteer.press("Anna"))
    await bot.settle()
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE person_key = ?", (anna,)) == 1


async def test_belronde_extra_attention_toggle_is_not_undone(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    fatima = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, fatima)
    await bot.settle()
    person = await bot.person(fatima)
    await vera.send("/belronde")
    await vera.next_message()
    await killed_right_after_the_answer(bot, vera, vera.press_data(f"chk:xa:{person.id}"))
    await bot.settle()
    assert await bot.db.fetchval("SELECT extra_attention FROM checkin_subscriptions"
                                 " WHERE user_id = ?", (person.id,)) == 1


async def test_photo_out_of_the_blue_keeps_its_caption_once(bot: BotHarness) -> None:
    """The offer after a photo adds its caption to what is kept: handled twice (killed right
    after the offer), the caption is still there once."""
    resident = await bot.resident("Fatima")
    await killed_right_after_the_answer(
        bot, resident, resident.send_photo(size=400_000, caption="Brief van Eneco"))
    await bot.settle()
    draft = await bot.db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = ?",
                                  (resident.id,))
    assert draft.count("Brief van Eneco") == 1, draft
