"""A volunteer takes anyone off a meal's list with a short reason: a confirmed diner, someone
without Telegram, someone waiting; also after the sign-up deadline (a resident phones to
cancel). The resident is told in their own language and the seat goes to the waiting list."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.clock import TZ
from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, seats, set_cap, sign_up, status


def _labels(message) -> list[str]:
    return [label for row in message.buttons for label in row]


async def _signup_id(bot: BotHarness, name: str) -> int:
    return await bot.db.fetchval(
        "SELECT s.id FROM meal_signups s JOIN users u ON u.id = s.user_id"
        " WHERE u.display_name = ?", (name,))


async def test_volunteer_takes_a_confirmed_diner_off_with_a_reason(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 2)
    ahmed = await bot.resident("Ahmed", language="ar", name="Ahmed")
    bram = await bot.resident("Bram", name="Bram")
    cem = await bot.resident("Cem", name="Cem")
    await sign_up(ahmed, meal.id)
    await sign_up(bram, meal.id)
    await sign_up(cem, meal.id)  # the meal is full: Cem waits
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("✅ Ahmed")
    table = await vera.next_edit()
    # A confirmed diner gets no ✖️ (that is "decline", for sign-ups waiting for a yes) ...
    assert "✖️ Ahmed" not in _labels(table) and "✖️ Bram" in _labels(table)
    # ... but anyone can be taken off the list.
    await vera.press("✖️ Iemand afmelden")
    picker = await vera.next_edit()
    assert "Wie meldt u af" in picker.text
    assert {"✖️ ✅ Ahmed", "✖️ ⏳ Bram", "✖️ 🕐 Cem"} <= set(_labels(picker))
    await vera.press("✖️ ✅ Ahmed")
    reasons = await vera.next_edit()
    assert "Ahmed afmelden" in reasons.text and "reden" in reasons.text
    assert _labels(reasons)[:3] == ["📞 Heeft afgebeld", "🤒 Ziek", "❔ Andere reden"]
    await bot.settle()  # the confirmation's notice (it follows Vera's card)
    ahmed_before = len(ahmed.bot_messages)
    await vera.press("🤒 Ziek")
    back = await vera.next_edit()
    await bot.settle()
    assert "Ahmed" not in back.text.split("Wachtlijst")[0]
    assert await status(bot, ahmed, meal.id) == "cancelled"
    assert await bot.db.fetchval(
        "SELECT reason FROM meal_signups WHERE id = ?", (await _signup_id(bot, "Ahmed"),)
    ) == "You are ill. Get well soon!"
    # Ahmed is told, in Arabic, with the reason.
    told = [m.text for m in ahmed.bot_messages[ahmed_before:]]
    assert len(told) == 1 and "ألغى متطوع تسجيلك" in told[0] and "الشفاء" in told[0]
    # The seat goes to the waiting list as usual: Cem is offered it.
    assert await status(bot, cem, meal.id) == "offered"
    assert any("plek vrij" in (m.text or "") for m in cem.bot_messages)
    assert await seats(bot, meal.id) == 2
    # The volunteer's work counts for the tally.
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE category = 'volunteer'") == 1


async def test_someone_without_telegram_is_taken_off_after_the_deadline(
        bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 1)
    await bot.services.meals.add_offline(await bot.person(vera), meal.id, "Mevrouw Jansen")
    await bot.services.meals.add_offline(await bot.person(vera), meal.id, "Henk")  # waits
    # 13:00: the sign-up deadline (12:00) has passed; Mevrouw Jansen phones to cancel.
    bot.clock.set(datetime(2026, 12, 1, 13, 0, tzinfo=TZ))
    await vera.send("/tafel")
    table = await vera.next_message()
    assert "✖️ Mevrouw Jansen" not in _labels(table)
    await vera.press("✖️ Iemand afmelden")
    await vera.next_edit()
    await vera.press("✖️ ✅ Mevrouw Jansen")
    reasons = await vera.next_edit()
    assert "krijgt" not in reasons.text and "laten deze persoon" not in reasons.text
    await vera.press("📞 Heeft afgebeld")
    table = await vera.next_edit()
    jansen = await _signup_id(bot, "Mevrouw Jansen")
    assert await bot.db.fetchval("SELECT status FROM meal_signups WHERE id = ?",
                                 (jansen,)) == "cancelled"
    # Henk has no Telegram: a volunteer phones him, the seat is his at once.
    assert await bot.db.fetchval("SELECT status FROM meal_signups WHERE id = ?",
                                 (await _signup_id(bot, "Henk"),)) == "pending"
    assert "⏳ Henk" in table.text
    # The same reason button again (a double tap, or after a restart) changes nothing.
    await bot.restart()
    before = await bot.db.fetchval("SELECT updated_at FROM meal_signups WHERE id = ?", (jansen,))
    await asyncio.gather(vera.press_data(f"meal:vxr:{jansen}:0"),
                         vera.press_data(f"meal:vxr:{jansen}:0"))
    await bot.settle()
    assert await bot.db.fetchval("SELECT updated_at FROM meal_signups WHERE id = ?",
                                 (jansen,)) == before
    answers = [text for text, _alert in vera.callback_answers if text]
    assert answers.count("Mevrouw Jansen staat al niet meer op de lijst.") == 2


async def test_only_volunteers_of_the_room_before_the_meal(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    signup_id = await _signup_id(bot, "Fatima")
    other = await bot.volunteer("Omar", room="hart", name="Omar")
    await other.send("/start")
    await bot.settle()
    # A volunteer of another room, and a resident with forged data: refused, nothing changes.
    for user in (other, fatima):
        for data in (f"meal:vxr:{signup_id}:0", f"meal:vx:{signup_id}",
                     f"meal:vxl:{meal.id}:0"):
            await user.press_data(data)
            await bot.settle()
    assert await status(bot, fatima, meal.id) == "pending"
    assert all(alert for _text, alert in other.callback_answers[-3:])
    # Forged reasons and pages are the ordinary stale-button answer.
    vera = await bot.volunteer("Vera")
    await vera.send("/tafel")
    await vera.next_message()
    for data in (f"meal:vxr:{signup_id}:9", f"meal:vxl:{meal.id}:-1", "meal:vxr:x:0"):
        await vera.press_data(data)
        await bot.settle()
    assert await status(bot, fatima, meal.id) == "pending"
    # Once the meal has started nobody is taken off (mark who came instead).
    bot.clock.set(datetime(2026, 12, 1, 17, 45, tzinfo=TZ))
    await vera.press_data(f"meal:vxr:{signup_id}:0")
    await bot.settle()
    text, alert = vera.callback_answers[-1]
    assert alert and "begonnen" in (text or "")
    assert await status(bot, fatima, meal.id) == "pending"
