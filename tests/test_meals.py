"""Eettafel end to end: residents sign up, the waitlist, volunteers, coordinators, ticks."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.clock import TZ
from bot.services.meals import Outcome
from tests.auxil.harness import BotHarness
from tests.auxil.meals import (
    first_meal,
    last_answer,
    one_seat_and_a_waiter,
    open_list,
    seats,
    set_cap,
    sign_up,
    status,
)


async def test_meals_are_generated_ahead_from_the_room_slots(bot: BotHarness) -> None:
    views = await bot.services.meals.upcoming("top", days=21)
    starts = [v.meal.starts_at for v in views]
    assert starts[0] == datetime(2026, 12, 1, 17, 30, tzinfo=TZ)
    assert starts[1] == datetime(2026, 12, 3, 17, 30, tzinfo=TZ)
    assert len(starts) == 6  # tue + thu for three weeks
    assert views[0].meal.deadline_at == datetime(2026, 12, 1, 12, 0, tzinfo=TZ)
    assert views[0].cap == 12
    # Generating again creates nothing twice; dinners go as far ahead as the programme.
    await bot.services.meals.ensure_schedule()
    count = await bot.db.fetchval("SELECT COUNT(*) FROM meals WHERE room = 'top'")
    ahead = bot.services.meals.schedule_ahead.days
    assert ahead == bot.services.calendar.horizon_weeks * 7
    assert count == len(await bot.services.meals.upcoming("top", days=ahead + 1))


async def test_resident_signs_up_with_two_taps_and_a_double_tap_counts_once(
        bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima", name="Fatima")
    meal = await first_meal(bot)
    listing = await open_list(fatima)
    assert "nog 12 plekken" in listing
    assert any(b.get("callback_data") == f"meal:su:{meal.meal.id}"
               for row in fatima.last.inline_keyboard for b in row)
    await fatima.press_data(f"meal:su:{meal.meal.id}")
    card = await fatima.next_edit()
    assert "ontvangen" in card.text
    await fatima.press_data(f"meal:su:{meal.meal.id}", message=fatima.last)
    await fatima.press_data(f"meal:su:{meal.meal.id}", message=fatima.last)
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1
    assert await status(bot, fatima, meal.meal.id) == "pending"
    assert "nog 11 plekken" in await open_list(fatima)


async def test_guests_and_food_wishes(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press("➕ Gast")
    card = await fatima.next_edit()
    assert "1 gast" in card.text
    await fatima.press("➕ Gast")
    card = await fatima.next_edit()
    assert "2 gasten" in card.text
    assert "➕ Gast" not in [b["text"] for row in card.inline_keyboard for b in row]
    # A forged third guest is refused and changes nothing.
    await fatima.press_data(f"meal:g:{meal.id}:3")
    text, alert = await last_answer(bot, fatima)
    assert alert and "niet mogelijk" in text
    await fatima.press("halal")
    await fatima.next_edit()
    await fatima.press("allergie")
    await fatima.next_edit()
    await fatima.press("✏️ Schrijf waar u allergisch voor bent")
    await fatima.next_edit()
    await fatima.send("x" * 2000)
    too_long = await fatima.next_message()
    assert "te lang" in too_long.text
    await fatima.send("noten & pinda <b>")
    card = await fatima.next_message()
    assert "noten & pinda <b>" in card.text
    await bot.settle()
    row = await bot.db.fetchone("SELECT guests, diet, diet_note FROM meal_signups")
    assert (row[0], row[1], row[2]) == (2, "halal,allergy", "noten & pinda <b>")
    assert await seats(bot, meal.id) == 3


async def test_diets_keep_the_note_until_allergy_is_ticked_off(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima, bram = await bot.resident("Fatima"), await bot.resident("Bram")
    await sign_up(fatima, meal.id)
    person, meals = await bot.person(fatima), bot.services.meals

    async def stored() -> tuple[str, str | None]:
        row = await bot.db.fetchone(
            "SELECT diet, diet_note FROM meal_signups WHERE meal_id = ?", (meal.id,))
        return row[0], row[1]

    # A note ticks "allergy" too; other diets keep it and are stored in a fixed order.
    assert (await meals.set_note(person, meal.id, " pinda's \n en noten ")).outcome is Outcome.OK
    assert await stored() == ("allergy", "pinda's en noten")
    await meals.toggle_diet(person, meal.id, "vega")
    await meals.toggle_diet(person, meal.id, "halal")
    assert await stored() == ("halal,vega,allergy", "pinda's en noten")
    # Ticking "allergy" off forgets the note.
    await meals.toggle_diet(person, meal.id, "allergy")
    assert await stored() == ("halal,vega", None)
    # Refusals change nothing.
    assert (await meals.toggle_diet(person, meal.id, "gluten")).outcome is Outcome.INVALID
    assert (await meals.set_note(person, meal.id, "x" * 101)).outcome is Outcome.INVALID
    stranger = await bot.person(bram)
    assert (await meals.toggle_diet(stranger, meal.id, "vega")).outcome is Outcome.NOT_SIGNED_UP
    assert (await meals.set_note(stranger, meal.id, "noten")).outcome is Outcome.NOT_SIGNED_UP
    assert await stored() == ("halal,vega", None)
    # After the sign-up deadline diets can still change; once the meal started, no more.
    bot.clock.set(meal.deadline_at)
    assert (await meals.toggle_diet(person, meal.id, "vega")).outcome is Outcome.OK
    bot.clock.set(meal.starts_at)
    assert (await meals.set_note(person, meal.id, "noten")).outcome is Outcome.PAST
    assert await stored() == ("halal", None)


async def test_guest_beyond_free_seats_is_refused(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 2)
    ali = await bot.resident("Ali")
    await sign_up(ali, meal.id)
    await ali.press("➕ Gast")
    await ali.next_edit()
    await ali.press_data(f"meal:g:{meal.id}:2")
    text, alert = await last_answer(bot, ali)
    assert alert and "niet genoeg plekken" in text
    await bot.settle()
    assert await seats(bot, meal.id) == 2


async def test_fifty_simultaneous_sign_ups_for_twelve_seats(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    people = [await bot.resident(f"Bewoner {i}") for i in range(50)]
    await asyncio.gather(*(open_list(p) for p in people))
    # Everybody taps at the same moment, some twice.
    taps = [p.press_data(f"meal:su:{meal.id}") for p in people]
    taps += [p.press_data(f"meal:su:{meal.id}") for p in people[::5]]
    await asyncio.gather(*taps)
    await bot.settle()
    assert await seats(bot, meal.id) == 12
    counts = dict(await bot.db.fetchall(
        "SELECT status, COUNT(*) FROM meal_signups GROUP BY status"))
    assert counts == {"pending": 12, "waiting": 38}
    positions = [r[0] for r in await bot.db.fetchall(
        "SELECT position FROM meal_signups WHERE status = 'waiting' ORDER BY position")]
    assert positions == list(range(1, 39))
    for person in people:
        seen = [m.text for m in person.chat.edit_log]
        assert any("ontvangen" in t or "wachtlijst" in t for t in seen)


async def test_waitlist_offer_times_out_and_moves_on(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 1)
    anna, bram, cem = [await bot.resident(n) for n in ("Anna", "Bram", "Cem")]
    await sign_up(anna, meal.id)
    card = await sign_up(bram, meal.id)
    assert "wachtlijst" in card and "nummer 1" in card
    card = await sign_up(cem, meal.id)
    assert "nummer 2" in card
    # Anna cancels: Bram gets an offer for three hours.
    await anna.press("❌ Aanmelding afzeggen")
    await anna.next_edit()
    await anna.press("Ja, afzeggen")
    assert "afgezegd" in (await anna.next_edit()).text
    offer = await bram.next_message()
    assert "plek vrij" in offer.text and "12:00" in offer.text
    assert await status(bot, bram, meal.id) == "offered"
    # Nothing yet before the window ends.
    await bot.tick(at=datetime(2026, 11, 30, 11, 59, tzinfo=TZ))
    assert await status(bot, bram, meal.id) == "offered"
    await bot.tick(at=datetime(2026, 11, 30, 12, 0, tzinfo=TZ))
    assert "niet op tijd" in (await bram.next_message()).text
    assert await status(bot, bram, meal.id) == "cancelled"
    offer = await cem.next_message()
    assert "plek vrij" in offer.text
    # Cem's own card (still saying "waiting list, place 2") now shows the offer too.
    refreshed = await cem.next_edit()
    assert "plek vrij" in refreshed.text and "wachtlijst" not in refreshed.text
    # A late "yes" from Bram is refused.
    await bram.press_data(f"meal:acc:{meal.id}", message=bram.bot_messages[-2])
    text, alert = await last_answer(bot, bram)
    assert alert and "niet meer geldig" in text
    await cem.press("✅ Ja, ik kom")
    card = await cem.next_edit()
    assert "ontvangen" in card.text
    assert await status(bot, cem, meal.id) == "pending"
    assert await seats(bot, meal.id) == 1


async def test_offer_window_is_shorter_close_to_the_meal(bot: BotHarness) -> None:
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    bot.clock.set(datetime(2026, 12, 1, 11, 30, tzinfo=TZ))
    await anna.press("❌ Aanmelding afzeggen")
    await anna.next_edit()
    await anna.press("Ja, afzeggen")
    await anna.next_edit()
    await bram.next_message()
    expires = await bot.db.fetchval("SELECT offer_expires_at FROM meal_signups"
                                    " WHERE status = 'offered'")
    assert expires == "2026-12-01T13:30:00+00:00"  # 14:30 local: three hours
    bot.clock.set(datetime(2026, 12, 1, 16, 30, tzinfo=TZ))
    await bot.tick()
    await bram.next_message()  # expired
    # Only one hour left: the window is half of it.
    carl = await bot.resident("Carl")
    await bot.db.execute("INSERT INTO meal_signups (meal_id, user_id, status, position,"
                         " created_at, updated_at) SELECT ?, id, 'waiting', 1, ?, ? FROM"
                         " users WHERE telegram_id = ?", (meal.id, "2026-12-01T15:00:00+00:00",
                                                         "2026-12-01T15:00:00+00:00", carl.id))
    await bot.tick()
    await carl.next_message()
    expires = await bot.db.fetchval("SELECT offer_expires_at FROM meal_signups"
                                    " WHERE status = 'offered'")
    assert expires == "2026-12-01T16:00:00+00:00"  # 17:00 local: half of the hour left


async def test_cancel_after_the_deadline_asks_to_call(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    bot.clock.set(datetime(2026, 12, 1, 12, 1, tzinfo=TZ))
    await fatima.press("❌ Aanmelding afzeggen")
    await fatima.next_edit()
    await fatima.press("Ja, afzeggen")
    text, alert = await last_answer(bot, fatima)
    assert alert and "bel" in text.lower()
    assert await status(bot, fatima, meal.id) == "pending"
    # Signing up after the deadline is closed too.
    late = await bot.resident("Laat")
    await open_list(late)
    await late.press_data(f"meal:su:{meal.id}")
    text, alert = await last_answer(bot, late)
    assert alert and "voorbij" in text
    assert await status(bot, late, meal.id) is None


async def test_volunteer_list_confirm_decline_and_notices(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    anon = await bot.resident("Anoniem")
    jan = await bot.resident("Jan", name="Jan")
    await sign_up(fatima, meal.id)
    await fatima.press("halal")
    await fatima.next_edit()
    await sign_up(anon, meal.id)
    await anon.press("halal")
    await anon.next_edit()
    await anon.press("vegetarisch")
    await anon.next_edit()
    await sign_up(jan, meal.id)
    await vera.send("/tafel")
    table = await vera.next_message()
    anon_id = (await bot.person(anon)).id
    assert "Fatima" in table.text and f"anoniem {anon_id}" in table.text
    assert "2 halal" in table.text and "1 vegetarisch" in table.text
    assert "3 van 12 plekken bezet, nog 9 over" in table.text
    await vera.press("✅ Fatima")
    await vera.next_edit()
    told = await fatima.next_message()
    assert "bevestigd" in told.text
    assert await status(bot, fatima, meal.id) == "confirmed"
    # Decline Jan with a typed reason.
    await vera.press("✖️ Jan")
    await vera.next_edit()
    await vera.send("U woont niet in deze wijk")
    await vera.next_message()
    told = await jan.next_message()
    assert "U woont niet in deze wijk" in told.text
    assert await status(bot, jan, meal.id) == "declined"
    # Signing up again shows the decision instead of queueing again.
    card = await sign_up(jan, meal.id)
    assert "U woont niet in deze wijk" in card
    assert await status(bot, jan, meal.id) == "declined"
    await vera.press_data(f"meal:oka:{meal.id}")
    await bot.settle()
    assert await status(bot, anon, meal.id) == "confirmed"
    assert "bevestigd" in (await anon.next_message()).text
    vera_key = (await bot.person(vera)).row.anon_key
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE person_key = ? AND category = 'volunteer'"
        " AND source_id = ?", (vera_key, f"meal:{meal.id}")) == 1


async def test_volunteer_adds_someone_without_telegram(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 1)
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("➕ Iemand zonder Telegram toevoegen")
    await vera.next_edit()
    await vera.send("Mevrouw de B.")
    table = await vera.next_message()
    assert "Mevrouw de B." in table.text
    row = await bot.db.fetchone("SELECT u.telegram_id, s.status FROM meal_signups s"
                                " JOIN users u ON u.id = s.user_id")
    assert row[0] is None and row[1] == "confirmed"
    # The cap holds for walk-ins too: the next goes to the waiting list.
    await vera.press("➕ Iemand zonder Telegram toevoegen")
    await vera.next_edit()
    await vera.send("K.")
    answer = await vera.next_message()
    assert "wachtlijst" in answer.text
    assert await seats(bot, meal.id) == 1


async def test_role_and_room_checks(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima")
    await sign_up(fatima, meal.id)
    signup_id = await bot.db.fetchval("SELECT id FROM meal_signups")
    # A resident forging a confirm of their own sign-up.
    await fatima.press_data(f"meal:ok:{signup_id}")
    text, alert = await last_answer(bot, fatima)
    assert alert and "vrijwilligers" in text
    # A volunteer of another room.
    other = await bot.volunteer("Olga", room="hart")
    await other.send("/tafel")
    await other.next_message()
    await other.press_data(f"meal:ok:{signup_id}")
    text, alert = await last_answer(bot, other)
    assert alert and "niet doen voor deze eettafel" in text
    # A resident of another room signing up for Top's meal.
    hart = await bot.resident("Hanna", room="hart")
    await open_list(hart)
    await hart.press_data(f"meal:su:{meal.id}")
    text, alert = await last_answer(bot, hart)
    assert alert and "andere BuurtWerkKamer" in text
    # Garbage and unknown ids.
    await hart.press_data("meal:su:abc")
    text, alert = await last_answer(bot, hart)
    assert alert and "werkt niet meer" in text
    await hart.press_data("meal:su:99999")
    text, alert = await last_answer(bot, hart)
    assert alert and "bestaat niet" in text
    await bot.settle()
    assert await status(bot, fatima, meal.id) == "pending"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1


async def test_coordinator_lowers_cap_and_cancels_a_meal(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    meal = (await first_meal(bot)).meal
    people = [await bot.resident(n) for n in ("Anna", "Bram", "Cem", "Dirk")]
    for person in people:
        await sign_up(person, meal.id)
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press("🔢 Plekken voor deze eettafel")
    await carla.next_edit()
    await carla.send("41")
    assert "1 tot 40" in (await carla.next_message()).text
    await carla.send("2")
    await carla.next_message()
    await bot.settle()
    assert [await status(bot, p, meal.id) for p in people] == [
        "pending", "pending", "waiting", "waiting"]
    told = await people[2].next_message()
    assert "wachtlijst, nummer 1" in told.text
    assert "nummer 2" in (await people[3].next_message()).text
    # Cancel the meal: everyone is told.
    await carla.press("🚫 Deze eettafel afzeggen")
    await carla.next_edit()
    await carla.press("Ja, eettafel afzeggen")
    await carla.next_edit()
    for person in people:
        assert "gaat niet door" in (await person.next_message()).text
    assert await bot.db.fetchval("SELECT cancelled_at IS NOT NULL FROM meals WHERE id = ?",
                                 (meal.id,)) == 1
    await open_list(people[0])
    await people[0].press_data(f"meal:su:{meal.id}")
    text, alert = await last_answer(bot, people[0])
    assert alert and "gaat niet door" in text


async def test_coordinator_sets_room_cap(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press("🔢 Plekken voor alle eettafels")
    await carla.next_edit()
    await carla.send("10")
    assert "10 plekken" in (await carla.next_message()).text
    assert all(v.cap == 10 for v in await bot.services.meals.upcoming("top"))
    volunteer = await bot.volunteer()
    await volunteer.send("/tafel")
    await volunteer.next_message()
    await volunteer.press_data("meal:rcap")
    text, alert = await last_answer(bot, volunteer)
    assert alert and "coördinator" in text


async def test_reminder_and_cook_list_are_sent_once(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    await bot.tick(at=datetime(2026, 12, 1, 8, 59, tzinfo=TZ))
    await bot.tick(at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    await bot.tick(at=datetime(2026, 12, 1, 9, 1, tzinfo=TZ))
    await bot.settle()
    reminders = [m for m in fatima.bot_messages if "Herinnering" in m.text]
    assert len(reminders) == 1
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.restart()
    await bot.tick(at=datetime(2026, 12, 1, 12, 5, tzinfo=TZ))
    await bot.settle()
    lists = [m for m in vera.bot_messages if "Definitieve lijst" in m.text]
    assert len(lists) == 1 and "Fatima" in lists[0].text


async def test_attendance_is_kept_for_the_tally(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    await fatima.press("➕ Gast")
    await fatima.next_edit()
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("🙋 Wie was er?")
    text, alert = await last_answer(bot, vera)
    assert alert and "begonnen" in text
    bot.clock.set(datetime(2026, 12, 1, 19, 0, tzinfo=TZ))
    await vera.press("🙋 Wie was er?")
    await vera.next_edit()
    await vera.press("Fatima was er")
    await vera.next_edit()
    key = (await bot.person(fatima)).row.anon_key
    row = await bot.db.fetchone(
        "SELECT category, source, source_id, quantity FROM participation WHERE person_key = ?",
        (key,))
    assert tuple(row) == ("sociale_ontmoeting", "meal", str(meal.id), 2)
    await vera.press("niet gekomen")
    await vera.next_edit()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM participation WHERE person_key = ?",
                                 (key,)) == 0


async def test_calendar_entries(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima")
    await sign_up(fatima, meal.id)
    start = datetime(2026, 11, 30, tzinfo=TZ)
    entries = await bot.services.meals.calendar_entries("top", start, start + timedelta(days=7))
    first = entries[0]
    assert first.ref == f"meal:{meal.id}"
    assert (first.title, first.category, first.capacity, first.taken) == (
        "Shared dinner", "sociale_ontmoeting", 12, 1)
    assert str(first.signup_data) == f"meal:su:{meal.id}" and not first.cancelled
    assert len(entries) == 2
    # The calendar's button is answered by this feature.
    other = await bot.resident("Ali")
    await open_list(other)
    await other.press_data(str(first.signup_data))
    assert "ontvangen" in (await other.next_edit()).text


async def test_menu_buttons_and_privacy(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await fatima.send("/menu")
    await fatima.next_message()
    await fatima.press("🍲 Eettafel")
    assert "nog 12 plekken" in (await fatima.next_edit()).text
    await fatima.press_data(f"meal:su:{meal.id}")
    await fatima.next_edit()
    data = await bot.services.privacy.export(await bot.person(fatima))
    assert data["meals"][0]["status"] == "pending"
    await bot.services.privacy.erase(await bot.person(fatima))
    assert await bot.db.fetchval("SELECT status FROM meal_signups") == "cancelled"


async def test_two_volunteers_confirming_at_once_confirm_once(bot: BotHarness) -> None:
    vera, wim = await bot.volunteer("Vera"), await bot.volunteer("Wim", name="Wim")
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    before = len(fatima.bot_messages)  # her card; it is edited, not counted
    signup_id = await bot.db.fetchval("SELECT id FROM meal_signups")
    for volunteer in (vera, wim):
        await volunteer.send("/tafel")
        await volunteer.next_message()
    await asyncio.gather(vera.press_data(f"meal:ok:{signup_id}"),
                         wim.press_data(f"meal:ok:{signup_id}"))
    await bot.settle()
    told = [m for m in fatima.bot_messages[before:] if "bevestigd" in m.text]
    assert len(told) == 1
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE category = 'volunteer'") == 1


async def test_cancellations_racing_promotions_keep_the_cap(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 3)
    people = [await bot.resident(f"P{i}") for i in range(8)]
    for person in people:
        await sign_up(person, meal.id)
    # The three seated cancel while the coordinator lowers the cap and others sign up again.
    for person in people[:3]:
        await person.press("❌ Aanmelding afzeggen")
        await person.next_edit()
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press("🔢 Plekken voor deze eettafel")
    await carla.next_edit()
    await asyncio.gather(*(p.press("Ja, afzeggen") for p in people[:3]), carla.send("2"))
    await bot.settle()
    assert await seats(bot, meal.id) <= 2
    offered = await bot.db.fetchval(
        "SELECT COUNT(*) FROM meal_signups WHERE status = 'offered'")
    assert offered == 2
    # Accepting both offers still fits.
    for person in people[3:5]:
        await person.press_data(f"meal:acc:{meal.id}", message=person.bot_messages[-1])
    await bot.settle()
    assert await seats(bot, meal.id) == 2


async def test_restart_between_steps_is_repaired_by_the_tick(bot: BotHarness) -> None:
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    # As if the bot stopped right after a seat freed up, before anyone was offered it.
    await bot.db.execute("UPDATE meal_signups SET status = 'cancelled' WHERE user_id ="
                         " (SELECT id FROM users WHERE telegram_id = ?)", (anna.id,))
    await bot.restart()
    await bot.tick()
    assert "plek vrij" in (await bram.next_message()).text
    assert await status(bot, bram, meal.id) == "offered"
    await bot.tick()
    await bot.settle()
    assert len([m for m in bram.bot_messages if "Goed nieuws" in m.text]) == 1


async def test_a_photo_where_text_was_asked_and_stop(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("➕ Iemand zonder Telegram toevoegen")
    await vera.next_edit()
    await vera.send_sticker()
    assert "Typ uw antwoord" in (await vera.next_message()).text
    await vera.press("Stoppen")
    assert "niets veranderd" in (await vera.next_edit()).text
    await vera.send("Zomaar tekst")
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meal_signups WHERE meal_id = ?",
                                 (meal.id,)) == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE telegram_id IS NULL") == 0
