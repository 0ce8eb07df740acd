"""Eettafel final actions are safe to receive twice: a double tap, presses at the same moment
and the same old button pressed again after a restart make one change and one notice; the
repeat gets a friendly answer, and the seat cap holds throughout."""

from __future__ import annotations

import asyncio

from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from bot.store.meals import MealRow
from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, one_seat_and_a_waiter, seats, set_cap, sign_up, status


def _told(user: SandboxUser, word: str, since: int = 0) -> int:
    """How many new messages (not edits of older ones) the bot sent the user with ``word``."""
    return sum(1 for m in user.bot_messages[since:] if word in (m.text or ""))


async def _twice_and_after_restart(bot: BotHarness, user: SandboxUser, data: str, message
                                   ) -> None:
    """Two presses delivered at once (a double tap), then the same button after a restart."""
    await asyncio.gather(user.press_data(data, message=message),
                         user.press_data(data, message=message))
    await bot.settle()
    await bot.restart()
    await user.press_data(data, message=message)
    await bot.settle()


async def test_confirm_twice_and_after_restart_confirms_once(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    signup_id = await bot.db.fetchval("SELECT id FROM meal_signups")
    await vera.send("/tafel")
    table = await vera.next_message()
    before = len(fatima.bot_messages)
    await _twice_and_after_restart(bot, vera, f"meal:ok:{signup_id}", table)
    assert await status(bot, fatima, meal.id) == "confirmed"
    assert _told(fatima, "bevestigd", before) == 1
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE category = 'volunteer'") == 1
    answers = [text for text, _alert in vera.callback_answers if text]
    assert answers.count("Dat was al gedaan.") == 2


async def test_decline_twice_and_after_restart_declines_once(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    anna_signup = await bot.db.fetchval(
        "SELECT s.id FROM meal_signups s JOIN users u ON u.id = s.user_id"
        " WHERE u.telegram_id = ?", (anna.id,))
    await vera.send("/tafel")
    table = await vera.next_message()
    anna_before, bram_before = len(anna.bot_messages), len(bram.bot_messages)
    await _twice_and_after_restart(bot, vera, f"meal:nr:{anna_signup}:0", table)
    assert await status(bot, anna, meal.id) == "declined"
    assert _told(anna, "geen plek", anna_before) == 1
    # The freed seat is offered once, to Bram.
    assert await status(bot, bram, meal.id) == "offered"
    assert _told(bram, "plek vrij", bram_before) == 1


async def _bram_is_offered_cem_waits(
        bot: BotHarness) -> tuple[MealRow, SandboxUser, SandboxUser, SandboxMessage]:
    """One seat: Anna has it, Bram and Cem wait; Anna cancels, so Bram gets the offer
    (returned) and Cem stays on the waiting list."""
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    cem = await bot.resident("Cem")
    await sign_up(cem, meal.id)
    await anna.press("❌ Aanmelding afzeggen")
    await anna.next_edit()
    await anna.press("Ja, afzeggen")
    await anna.next_edit()
    offer = await bram.next_message()
    return meal, bram, cem, offer


async def test_resident_cancel_twice_and_after_restart_frees_one_seat(bot: BotHarness) -> None:
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    await anna.press("❌ Aanmelding afzeggen")
    question = await anna.next_edit()
    bram_before = len(bram.bot_messages)
    await _twice_and_after_restart(bot, anna, f"meal:xy:{meal.id}", question)
    assert await status(bot, anna, meal.id) == "cancelled"
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM meal_signups WHERE status = 'offered'") == 1
    assert _told(bram, "plek vrij", bram_before) == 1
    assert "afgezegd" in (anna.bot_messages[-1].text or "")
    answers = [text for text, _alert in anna.callback_answers if text]
    assert answers.count("Uw aanmelding is afgezegd.") == 2


async def test_accepting_an_offer_twice_and_after_restart_keeps_one_seat(
        bot: BotHarness) -> None:
    meal, bram, cem, offer = await _bram_is_offered_cem_waits(bot)
    assert "plek vrij" in offer.text
    await _twice_and_after_restart(bot, bram, f"meal:acc:{meal.id}", offer)
    assert await status(bot, bram, meal.id) == "pending"
    assert await seats(bot, meal.id) == 1
    assert await status(bot, cem, meal.id) == "waiting"
    answers = [text for text, _alert in bram.callback_answers if text]
    assert answers.count("U had al ja gezegd: de plek is van u.") == 2
    # A late "no" on the same old offer does not give the seat away.
    await bram.press_data(f"meal:rej:{meal.id}", message=offer)
    await bot.settle()
    assert await status(bot, bram, meal.id) == "pending"
    assert await status(bot, cem, meal.id) == "waiting"


async def test_refusing_an_offer_twice_offers_the_seat_on_once(bot: BotHarness) -> None:
    meal, bram, cem, offer = await _bram_is_offered_cem_waits(bot)
    cem_before = len(cem.bot_messages)
    await _twice_and_after_restart(bot, bram, f"meal:rej:{meal.id}", offer)
    assert await status(bot, bram, meal.id) == "cancelled"
    assert await status(bot, cem, meal.id) == "offered"
    assert _told(cem, "plek vrij", cem_before) == 1


async def test_guest_double_tap_adds_one_guest_and_the_cap_holds(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 4)
    fatima, jan = await bot.resident("Fatima"), await bot.resident("Jan")
    await sign_up(fatima, meal.id)
    await sign_up(jan, meal.id)
    card = fatima.bot_messages[-1]
    await _twice_and_after_restart(bot, fatima, f"meal:g:{meal.id}:1", card)
    assert await bot.db.fetchval(
        "SELECT guests FROM meal_signups s JOIN users u ON u.id = s.user_id"
        " WHERE u.telegram_id = ?", (fatima.id,)) == 1
    answers = [text for text, _alert in fatima.callback_answers if text]
    assert answers.count("Dat was al gedaan.") == 2
    # One seat left; both ask for one more guest at the same moment: one gets it.
    jan_card = jan.bot_messages[-1]
    await asyncio.gather(fatima.press_data(f"meal:g:{meal.id}:2", message=card),
                         jan.press_data(f"meal:g:{meal.id}:1", message=jan_card))
    await bot.settle()
    assert await seats(bot, meal.id) == 4
    refused = [text for user in (fatima, jan) for text, alert in user.callback_answers
               if alert and "niet genoeg plekken" in (text or "")]
    assert len(refused) == 1
