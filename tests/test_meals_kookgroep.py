"""Eettafel: the kookgroep hears about new sign-ups; coordinators manage every room."""

from __future__ import annotations

from datetime import datetime

from bot.clock import TZ
from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, last_answer, sign_up, status


def _digests(user) -> list:
    return [m for m in user.bot_messages if "wacht" in m.text and "bevestiging" in m.text]


async def test_volunteers_get_one_batched_message_about_new_sign_ups(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    wim = await bot.volunteer("Wim", name="Wim")
    other_room = await bot.volunteer("Olga", room="hart")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima <b>")
    jan = await bot.resident("Jan", name="Jan")
    kees = await bot.resident("Kees", name="Kees")
    await sign_up(fatima, meal.id)  # Monday 09:00
    await sign_up(jan, meal.id)
    await sign_up(kees, meal.id)
    # Kees is confirmed before the batch goes out: nothing to ask about him.
    kees_id = await bot.db.fetchval(
        "SELECT s.id FROM meal_signups s JOIN users u ON u.id = s.user_id WHERE u.telegram_id = ?",
        (kees.id,))
    await bot.services.meals.confirm(await bot.person(vera), kees_id)
    # Not at once: more taps may follow, one message for all of them.
    await bot.tick(at=datetime(2026, 11, 30, 9, 10, tzinfo=TZ))
    await bot.settle()
    assert _digests(vera) == []
    await bot.tick(at=datetime(2026, 11, 30, 9, 31, tzinfo=TZ))
    await bot.settle()
    [digest] = _digests(vera)
    assert "2 nieuwe aanmeldingen" in digest.text
    assert "Fatima &lt;b&gt;" not in digest.text  # the sandbox shows the rendered text
    assert "Fatima <b>" in digest.text and "Jan" in digest.text and "Kees" not in digest.text
    assert "3 van 12 plekken bezet" in digest.text
    assert len(_digests(wim)) == 1
    assert _digests(other_room) == []
    # Never twice, also not across a restart.
    await bot.restart()
    await bot.tick(at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    await bot.settle()
    assert len(_digests(vera)) == 1
    # The button opens the list, where Vera can confirm.
    await vera.press("📋 Lijst van di 1 dec openen", message=digest)
    table = await vera.next_edit()
    assert "Fatima" in table.text and "⏳" in table.text


async def test_no_sign_up_messages_at_night(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    bot.clock.set(datetime(2026, 11, 30, 22, 0, tzinfo=TZ))
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    await bot.tick(at=datetime(2026, 11, 30, 23, 0, tzinfo=TZ))
    await bot.tick(at=datetime(2026, 12, 1, 7, 59, tzinfo=TZ))
    await bot.settle()
    assert _digests(vera) == []
    await bot.tick(at=datetime(2026, 12, 1, 8, 0, tzinfo=TZ))
    await bot.settle()
    assert len(_digests(vera)) == 1
    # Signing up again after cancelling is news again.
    await fatima.press("❌ Aanmelding afzeggen")
    await fatima.next_edit()
    await fatima.press("Ja, afzeggen")
    await fatima.next_edit()
    bot.clock.set(datetime(2026, 12, 1, 8, 30, tzinfo=TZ))
    await sign_up(fatima, meal.id)
    await bot.tick(at=datetime(2026, 12, 1, 9, 1, tzinfo=TZ))
    await bot.settle()
    assert len(_digests(vera)) == 2


async def test_coordinator_opens_another_room_and_sets_its_cap(bot: BotHarness) -> None:
    carla = await bot.coordinator()  # home room: TOP
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press("🏠 Andere BuurtWerkKamer")
    rooms = await carla.next_edit()
    assert "Welke BuurtWerkKamer?" in rooms.text
    await carla.press("Hart voor Leidsche Rijn")
    table = await carla.next_edit()
    hart_meal = (await bot.services.meals.upcoming("hart"))[0]
    assert "woensdag 2 december" in table.text
    await carla.press("🔢 Plekken voor alle eettafels")
    question = await carla.next_edit()
    assert "Hart voor Leidsche Rijn" in question.text
    await carla.send("8")
    assert "Hart voor Leidsche Rijn hebben 8 plekken" in (await carla.next_message()).text
    assert all(v.cap == 8 for v in await bot.services.meals.upcoming("hart"))
    assert all(v.cap == 12 for v in await bot.services.meals.upcoming("top"))
    table = await carla.next_message()  # back on Hart's list, not TOP's
    assert "woensdag 2 december" in table.text and "8 plekken" in table.text
    # Other meals of that room, not of TOP.
    await carla.press("📅 Andere eettafels")
    other = await carla.next_edit()
    assert "Hart voor Leidsche Rijn" in other.text
    assert any(b.get("callback_data") == f"meal:t:{hart_meal.meal.id}"
               for row in other.inline_keyboard for b in row)


async def test_volunteers_cannot_open_other_rooms(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    hanna = await bot.resident("Hanna", room="hart", name="Hanna")
    hart_meal = (await bot.services.meals.upcoming("hart"))[0].meal
    await sign_up(hanna, hart_meal.id)
    await vera.send("/tafel")
    table = await vera.next_message()
    assert "🏠 Andere BuurtWerkKamer" not in [b["text"] for row in table.inline_keyboard
                                            for b in row]
    await vera.press_data("meal:rooms")
    text, alert = await last_answer(bot, vera)
    assert alert and "coördinator" in text
    for data in ("meal:tr:hart", "meal:tlr:hart"):
        await vera.press_data(data)
        text, alert = await last_answer(bot, vera)
        assert alert and "niet doen voor deze eettafel" in text
    await vera.press_data("meal:rcap:hart")
    text, alert = await last_answer(bot, vera)
    assert alert and "coördinator" in text
    # Unknown rooms are stale buttons, also for coordinators.
    carla = await bot.coordinator()
    await carla.send("/tafel")
    await carla.next_message()
    for data in ("meal:tr:nope", "meal:rcap:nope"):
        await carla.press_data(data)
        text, alert = await last_answer(bot, carla)
        assert alert and ("werkt niet meer" in text or "bestaat niet" in text)
    assert vera.bot_messages[-1].text == table.text  # nothing new was shown to Vera
    assert await status(bot, hanna, hart_meal.id) == "pending"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meal_room_caps") == 0


async def test_food_wish_after_the_final_list_reaches_the_cook(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    await fatima.press("halal")  # before the list: it is on the list, no extra message
    await fatima.next_edit()
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.settle()
    final = [m for m in vera.bot_messages if "Definitieve lijst" in m.text]
    assert len(final) == 1 and "halal" in final[0].text
    await fatima.next_edit()  # her card at the deadline: food wishes still work
    count = len(vera.bot_messages)
    bot.clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=TZ))
    await fatima.press("allergie")
    await fatima.next_edit()
    await fatima.press("✏️ Schrijf waar u allergisch voor bent")
    await fatima.next_edit()
    await fatima.send("pinda's & <noten>")
    await fatima.next_message()
    await bot.settle()
    late = vera.bot_messages[count:]
    assert len(late) == 2  # the allergy tap and the note
    assert "Fatima" in late[-1].text and "pinda's & <noten>" in late[-1].text
    assert "halal" in late[-1].text
