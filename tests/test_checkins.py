"""Belronde end to end: opt-in, settings, the weekly send, answers, follow-ups, reliability."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.clock import TZ
from tests.auxil.checkins import (
    ANSWERS,
    MONDAY_10,
    answer,
    asked,
    belronde_press,
    checkins_of,
    count_rows,
    done_with_note,
    last_answer,
    opt_in,
    worried,
)
from tests.auxil.harness import BotHarness


async def test_opt_in_with_belronde_and_weekly_message_once(bot: BotHarness) -> None:
    user = await bot.resident("Fatima", name="Fatima")
    await user.send("/belronde")
    intro = await user.next_message()
    assert "Wilt u dat?" in intro.text
    await user.press("✅ Ja, graag")
    status = await user.next_edit()
    assert "elke maandag om 10:00" in status.text
    assert await count_rows(bot, "checkin_subscriptions", "active = 1") == 1

    await bot.tick(at=MONDAY_10 - timedelta(minutes=1))
    await bot.settle()
    assert checkins_of(user) == []

    await bot.tick(at=MONDAY_10)
    message = await user.next_message()
    assert "Hallo Fatima!" in message.text and "TOP" in message.text
    assert [row[0] for row in message.buttons] == ANSWERS
    # Another tick, and a restart: still only one this week.
    await bot.tick(at=MONDAY_10 + timedelta(minutes=1))
    await bot.restart()
    await bot.tick(at=MONDAY_10 + timedelta(hours=3))
    await bot.settle()
    assert len(checkins_of(user)) == 1
    assert await count_rows(bot, "checkins") == 1

    answered = await answer(user, "Goed 😊")
    assert "Fijn! Tot ziens in de BuurtWerkKamer." in answered.text
    assert answered.buttons == []
    row = await bot.db.fetchone("SELECT answer, status FROM checkins")
    assert tuple(row) == ("good", "answered")
    person = await bot.person(user)
    part = await bot.db.fetchone("SELECT person_key, category, source, source_id, room"
                                 " FROM participation")
    assert tuple(part) == (person.row.anon_key, "contact", "checkin", "1", "top")
    # No follow-up for a good answer.
    assert await count_rows(bot, "checkin_followups") == 0

    # The next week brings a new one.
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await bot.settle()
    assert len(checkins_of(user)) == 2


async def test_opt_in_offered_at_the_end_of_onboarding(bot: BotHarness) -> None:
    user = bot.user("Noor")
    await bot.onboard(user, room="TOP (Ondiep e.o.)")
    offer = user.bot_messages[-1]
    assert "Wilt u elke week een berichtje?" in offer.text
    await user.press("✅ Ja, graag", message=offer)
    status = await user.next_edit()
    assert "maandag" in status.text
    assert await count_rows(bot, "checkin_subscriptions", "active = 1") == 1


async def test_declining_at_onboarding_stores_nothing(bot: BotHarness) -> None:
    user = bot.user("Noor")
    await bot.onboard(user, room="TOP (Ondiep e.o.)")
    await user.press("Nee, dank u", message=user.bot_messages[-1])
    reply = await user.next_edit()
    assert "/belronde" in reply.text
    assert await count_rows(bot, "checkin_subscriptions") == 0


async def test_resident_chooses_day_and_day_part(bot: BotHarness) -> None:
    user = await bot.resident("Ali")
    await opt_in(bot, user)
    days = await belronde_press(user, "📅 Dag")
    assert "Woensdag" in [label for row in days.buttons for label in row]
    await user.press("Woensdag")
    await user.next_edit()
    await user.press("🕐 Dagdeel")
    await user.next_edit()
    await user.press("🌆 Avond (19:00)")
    status = await user.next_edit()
    assert "elke woensdag om 19:00" in status.text

    await bot.tick(at=MONDAY_10)
    await bot.tick(at=datetime(2026, 12, 2, 18, 59, tzinfo=TZ))
    await bot.settle()
    assert checkins_of(user) == []
    await bot.tick(at=datetime(2026, 12, 2, 19, 0, tzinfo=TZ))
    await user.next_message()
    assert len(checkins_of(user)) == 1

    # Back to the room's default.
    await belronde_press(user, "📅 Dag")
    await user.press("De dag van de BuurtWerkKamer (maandag)")
    status = await user.next_edit()
    assert "elke maandag om 19:00" in status.text


async def test_pause_until_a_date_then_resume(bot: BotHarness) -> None:
    user = await bot.resident("Ali")
    await opt_in(bot, user)
    choices = await belronde_press(user, "🏖 Pauze")
    first = choices.buttons[0][0]
    assert first == "Tot en met zondag 13 december"
    await user.press(first)
    status = await user.next_edit()
    assert "Gepauzeerd tot en met zondag 13 december" in status.text

    await bot.tick(at=MONDAY_10)
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await bot.settle()
    assert checkins_of(user) == []
    await bot.tick(at=MONDAY_10 + timedelta(days=14))
    await user.next_message()
    assert len(checkins_of(user)) == 1


async def test_forged_past_pause_date_changes_nothing(bot: BotHarness) -> None:
    user = await bot.resident("Ali")
    await opt_in(bot, user)
    await user.send("/belronde")
    await user.next_message()
    await user.press_data("chk:pause:2026-11-01")
    text, alert = await last_answer(bot, user)
    assert alert and "Die datum kan niet" in text
    await user.press_data("chk:pause:2031-01-01")
    text, alert = await last_answer(bot, user)
    assert alert and "Die datum kan niet" in text
    await user.press_data("chk:pause:morgen")
    text, alert = await last_answer(bot, user)
    assert alert
    assert await bot.db.fetchval("SELECT paused_until FROM checkin_subscriptions") is None


async def test_stop_means_no_messages_and_old_buttons_do_nothing(bot: BotHarness) -> None:
    user = await bot.resident("Ali")
    await asked(bot, user)
    stopped = await belronde_press(user, "🛑 Stoppen met de belronde")
    assert "Gestopt" in stopped.text
    # A tap on this week's message after stopping: told, nothing saved.
    await user.press("Niet zo goed 😟", message=checkins_of(user)[0])
    text, alert = await last_answer(bot, user)
    assert alert and "gestopt" in text
    assert await bot.db.fetchval("SELECT answer FROM checkins") is None
    assert await count_rows(bot, "checkin_followups") == 0
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await bot.settle()
    assert len(checkins_of(user)) == 1
    # Settings buttons of a stopped subscription are refused.
    await user.press_data("chk:day:3")
    text, alert = await last_answer(bot, user)
    assert alert and "/belronde" in text


async def test_no_messages_at_night_and_missed_run_is_sent_once(bot: BotHarness) -> None:
    early = await bot.resident("Vroeg")
    await opt_in(bot, early)
    # The bot was down all Monday; it comes back at 23:00: night, so nothing yet.
    await bot.restart()
    await bot.tick(at=datetime(2026, 11, 30, 23, 0, tzinfo=TZ))
    await bot.tick(at=datetime(2026, 12, 1, 7, 59, tzinfo=TZ))
    await bot.settle()
    assert checkins_of(early) == []
    await bot.tick(at=datetime(2026, 12, 1, 8, 0, tzinfo=TZ))
    await early.next_message()
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.settle()
    assert len(checkins_of(early)) == 1


async def test_window_closes_with_the_week(bot: BotHarness) -> None:
    user = await bot.resident("Laat")
    await opt_in(bot, user)
    # Down from Monday until the next Monday 09:00: last week's run is gone, this week's not due.
    await bot.tick(at=datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    await bot.settle()
    assert checkins_of(user) == []
    await bot.tick(at=datetime(2026, 12, 7, 10, 0, tzinfo=TZ))
    await user.next_message()
    assert await bot.db.fetchval("SELECT week FROM checkins") == "2026-W50"


async def test_crash_mid_run_never_sends_twice(bot: BotHarness) -> None:
    """Killed while the first check-in is on its way (it never arrived): after the restart
    everyone gets theirs once, and nobody's week is claimed twice (kill tests at every moment
    of the run: tests/test_outbox_checkins.py)."""
    users = [await bot.resident(f"Bewoner{i}") for i in range(3)]
    for user in users:
        await opt_in(bot, user)
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await bot.tick(at=MONDAY_10)
    assert bot.killed
    assert [len(checkins_of(u)) for u in users] == [0, 0, 0]
    await bot.crash()
    await bot.tick(at=MONDAY_10 + timedelta(minutes=1))
    await bot.settle()
    assert [len(checkins_of(u)) for u in users] == [1, 1, 1]
    assert await count_rows(bot, "checkins") == 3
    assert await count_rows(bot, "checkins", "status = 'sent'") == 3
    await users[0].press("Goed 😊")
    await users[0].next_edit()
    assert await count_rows(bot, "checkins", "answer = 'good'") == 1


async def test_not_so_good_goes_to_a_volunteer_who_takes_and_finishes(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    piet = await bot.volunteer("Piet", name="Piet")
    user = await bot.resident("Fatima", name="Fatima")
    await asked(bot, user)
    answered = await answer(user, "Niet zo goed 😟")
    assert "Een vrijwilliger belt u vandaag." in answered.text
    assert "📞 Mijn nummer delen" in answered.buttons[0]
    for volunteer in (vera, piet):
        notice = await volunteer.next_message()
        assert "Fatima" in notice.text and "niet zo goed" in notice.text
        assert notice.buttons == [["📞 Ik bel Fatima · ma 30 nov"]]
    assert await count_rows(bot, "checkin_followups", "reason = 'bad'") == 1

    # Both press at the same moment: exactly one gets it.
    label = "📞 Ik bel Fatima · ma 30 nov"
    await asyncio.gather(vera.press(label), piet.press(label))
    await bot.settle()
    taker_id = await bot.db.fetchval("SELECT taken_by FROM checkin_followups")
    vera_person, piet_person = await bot.person(vera), await bot.person(piet)
    winner, loser = (vera, piet) if taker_id == vera_person.id else (piet, vera)
    assert taker_id in (vera_person.id, piet_person.id)
    text, alert = await last_answer(bot, loser)
    assert alert and "belt deze persoon al" in text
    detail = await winner.next_edit()
    assert "U belt" in detail.text and "Fatima" in detail.text

    await done_with_note(bot, winner, "✅ Klaar: Fatima · ma 30 nov", "Gebeld, gaat morgen langs.")
    winner_person = await bot.person(winner)
    assert await count_rows(
        bot, "participation", "category = 'volunteer' AND source = 'volunteer'"
        " AND source_id = 'checkin:1' AND person_key = ?", (winner_person.row.anon_key,)) == 1
    # The loser cannot finish it with a forged button.
    await loser.press_data("chk:done:1")
    text, alert = await last_answer(bot, loser)
    assert alert


async def test_call_me_and_share_phone(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Fatima", name="Fatima")
    await asked(bot, user)
    await answer(user, "Bel me even 📞")
    await vera.next_message()
    await user.press("📞 Mijn nummer delen")
    ask = await user.next_message()
    assert "06 12345678" in ask.text
    assert ask.reply_keyboard
    await user.send("06-1234 5678")
    thanks = await user.next_message()
    assert "0612345678" in thanks.text
    assert (await bot.person(user)).row.phone == "0612345678"
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Fatima" in listing.text and "0612345678" in listing.text
    assert "wil graag gebeld worden" in listing.text


async def test_phone_shared_with_the_contact_button(bot: BotHarness) -> None:
    user = await bot.resident("Fatima")
    await opt_in(bot, user)
    await user.send("/belronde")
    await user.next_message()
    await user.press("📞 Mijn telefoonnummer")
    await user.next_message()
    contact = {"phone_number": "+31612345678", "first_name": "Fatima", "user_id": user.id}
    await bot.sandbox._user_message(user, user.chat, {"contact": contact})
    thanks = await user.next_message()
    assert "+31612345678" in thanks.text
    assert (await bot.person(user)).row.phone == "+31612345678"


async def test_someone_elses_contact_or_nonsense_is_not_saved(bot: BotHarness) -> None:
    user = await bot.resident("Fatima")
    await opt_in(bot, user)
    await user.send("/belronde")
    await user.next_message()
    await user.press("📞 Mijn telefoonnummer")
    await user.next_message()
    contact = {"phone_number": "+31611111111", "first_name": "Buur", "user_id": 424242}
    await bot.sandbox._user_message(user, user.chat, {"contact": contact})
    refused = await user.next_message()
    assert "eigen nummer" in refused.text
    await user.press("📞 Mijn telefoonnummer")
    await user.next_message()
    await user.send("bel me maar")
    refused = await user.next_message()
    assert "geen telefoonnummer" in refused.text
    assert (await bot.person(user)).row.phone is None


async def test_okay_and_visit_answers(bot: BotHarness) -> None:
    first = await bot.resident("Een")
    second = await bot.resident("Twee")
    await asked(bot, first, second)
    await first.press("Gaat wel 😐")
    assert "/hulp" in (await first.next_edit()).text
    visit = await answer(second, "Ik kom langs 🚶")
    assert "Tot snel" in visit.text and "Amsterdamsestraatweg 295" in visit.text
    assert await count_rows(bot, "checkin_followups") == 0
    assert await count_rows(bot, "participation", "category = 'contact'") == 2


async def test_extra_attention_no_answer_escalates_to_volunteer_then_coordinator(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    coordinator = await bot.coordinator()
    user = await bot.resident("Henk", name="Henk")
    await opt_in(bot, user)
    # Vera marks Henk for extra attention.
    listing = await belronde_press(vera, "⭐ Extra aandacht")
    assert ["Henk"] in listing.buttons
    await vera.press("Henk")
    listing = await vera.next_edit()
    assert ["⭐ Henk"] in listing.buttons

    await bot.tick(at=MONDAY_10)
    await user.next_message()
    await bot.tick(at=MONDAY_10 + timedelta(days=1, hours=23))
    await bot.settle()
    assert await count_rows(bot, "checkin_followups") == 0
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    notice = await vera.next_message()
    assert "Henk" in notice.text and "extra aandacht" in notice.text
    assert await count_rows(bot, "checkin_followups", "reason = 'no_answer'") == 1
    # Nobody takes it for a day: the coordinator is told, once.
    await bot.tick(at=MONDAY_10 + timedelta(days=3))
    escalation = await coordinator.next_message()
    assert "Niemand heeft deze persoon al een dag gebeld" in escalation.text
    await bot.tick(at=MONDAY_10 + timedelta(days=3, hours=1))
    await bot.settle()
    assert sum("Niemand heeft" in (m.text or "") for m in coordinator.bot_messages) == 1
    # The coordinator can take it from the message.
    await coordinator.press("📞 Ik bel Henk · wo 2 dec")
    await coordinator.next_edit()
    coordinator_person = await bot.person(coordinator)
    assert await bot.db.fetchval("SELECT taken_by FROM checkin_followups") == \
        coordinator_person.id


async def test_blocked_resident_is_marked_unreachable_and_listed_to_call(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Kees", name="Kees")
    await opt_in(bot, user)
    user.block()
    await bot.tick(at=MONDAY_10)
    notice = await vera.next_message()
    assert "Kees" in notice.text and "geblokkeerd" in notice.text
    person = await bot.person(user)
    assert not person.row.reachable
    assert await bot.db.fetchval("SELECT status FROM checkins") == "unreachable"
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Kees" in listing.text and "bellen" in listing.text
    # Next week: no message is attempted, he is on the list again.
    sends_before = sum(1 for m, p in bot.sandbox.calls
                       if m == "sendMessage" and p.get("chat_id") == user.id)
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await bot.settle()
    sends_after = sum(1 for m, p in bot.sandbox.calls
                      if m == "sendMessage" and p.get("chat_id") == user.id)
    assert sends_after == sends_before
    # Still one open "to call" entry, not a new one every week; the volunteers are not told
    # again.
    assert await count_rows(bot, "checkin_followups", "reason = 'unreachable'") == 1
    assert sum("iemand wil graag gebeld worden" in (m.text or "")
               for m in vera.bot_messages) == 1


async def test_weekly_summary_to_the_coordinator_once(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    await bot.volunteer("Vera", name="Vera")
    people = [await bot.resident(f"B{i}") for i in range(3)]
    for user in people:
        await opt_in(bot, user)
    await bot.tick(at=MONDAY_10)
    for user in people:
        await user.next_message()
    await people[0].press("Goed 😊")
    await people[1].press("Niet zo goed 😟")
    await bot.settle()
    await bot.tick(at=MONDAY_10 + timedelta(days=7, hours=-1))
    await bot.settle()
    summary = next(m for m in coordinator.bot_messages if "Belronde TOP" in (m.text or ""))
    assert "Belronde TOP, week 49" in summary.text
    assert "Verstuurd: 3. Beantwoord: 2." in summary.text
    assert "Goed 😊 1" in summary.text and "Niet zo goed 😟 1" in summary.text
    assert "Terugbellen: 1 nodig, 0 gedaan." in summary.text
    await bot.restart()
    await bot.tick(at=MONDAY_10 + timedelta(days=7, hours=2))
    await bot.settle()
    assert sum("Belronde TOP" in (m.text or "") for m in coordinator.bot_messages) == 1


async def test_retention_erases_answers_and_keeps_counts(bot: BotHarness) -> None:
    await worried(bot, "Fatima")
    await bot.tick(at=MONDAY_10 + timedelta(weeks=25))
    await bot.settle()
    assert await count_rows(bot, "checkins", "week = '2026-W49'") == 1
    await bot.tick(at=MONDAY_10 + timedelta(weeks=26, hours=1))
    await bot.settle()
    assert await count_rows(bot, "checkins", "week = '2026-W49'") == 0
    assert await count_rows(bot, "checkin_followups") == 0
    counts = await bot.db.fetchone(
        "SELECT sent, answered, bad, followups FROM checkin_week_counts WHERE week = '2026-W49'")
    assert tuple(counts) == (1, 1, 1, 1)
    assert await count_rows(bot, "participation", "source = 'checkin'") == 1


async def test_answer_to_last_weeks_message_changes_nothing(bot: BotHarness) -> None:
    user = await bot.resident("Fatima")
    await asked(bot, user)
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await user.next_message()
    old, new = checkins_of(user)
    await user.press("Niet zo goed 😟", message=old)
    text, alert = await last_answer(bot, user)
    assert alert and "eerdere week" in text
    assert await count_rows(bot, "checkins", "answer IS NOT NULL") == 0
    assert await count_rows(bot, "checkin_followups") == 0
    await user.press("Goed 😊", message=new)
    await user.next_edit()
    await user.press_data("chk:a:2:b", message=new)
    text, alert = await last_answer(bot, user)
    assert alert and "al geantwoord" in text
    assert await bot.db.fetchval("SELECT answer FROM checkins WHERE id = 2") == "good"


async def test_forged_buttons_and_typed_text_change_nothing(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    rob = await bot.resident("Rob")
    await asked(bot, fatima, rob)
    fatima_checkin = await bot.db.fetchval(
        "SELECT c.id FROM checkins c JOIN users u ON u.id = c.user_id WHERE u.telegram_id = ?",
        (fatima.id,))
    await rob.press_data(f"chk:a:{fatima_checkin}:b")
    text, alert = await last_answer(bot, rob)
    assert alert and "werkt niet meer" in text
    for forged in ("chk:a:x:b", "chk:a:1:z", "chk:day:9", "chk:part:night", "chk:nonsense"):
        await rob.press_data(forged)
        text, alert = await last_answer(bot, rob)
        assert alert, forged
    # A resident cannot take follow-ups or mark extra attention.
    await rob.press_data("chk:take:1")
    text, alert = await last_answer(bot, rob)
    assert alert and "vrijwilligers" in text
    await rob.press_data(f"chk:xa:{(await bot.person(fatima)).id}")
    text, alert = await last_answer(bot, rob)
    assert alert and "vrijwilligers" in text
    # Typing instead of tapping.
    await rob.send("goed hoor")
    typed = await rob.next_message()
    assert "knoppen" in typed.text
    assert await count_rows(bot, "checkins", "answer IS NOT NULL") == 0
    sub = await bot.db.fetchone("SELECT weekday, daypart, extra_attention FROM"
                                " checkin_subscriptions WHERE user_id = ?",
                                ((await bot.person(rob)).id,))
    assert tuple(sub) == (None, None, 0)


async def test_volunteer_of_another_room_sees_nothing(bot: BotHarness) -> None:
    other = await bot.volunteer("Otto", room="hart", name="Otto")
    await worried(bot, "Fatima", name="Fatima")
    await other.send("/belronde")
    listing = await other.next_message()
    assert "Fatima" not in listing.text
    await other.press_data("chk:take:1")
    _text, alert = await last_answer(bot, other)
    assert alert
    assert await bot.db.fetchval("SELECT taken_by FROM checkin_followups") is None


async def test_volunteer_sees_own_resident_part_and_menu_buttons(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Er hoeft nu niemand gebeld te worden" in listing.text
    await vera.press("🙋 Mijn eigen belronde")
    own = await vera.next_edit()
    assert "Wilt u dat?" in own.text
    await vera.send("/menu")
    await vera.next_message()
    await vera.press_data("menu:followups")
    assert "Belronde: wie bellen we?" in (await vera.next_edit()).text
    resident = await bot.resident("Rob")
    await resident.send("/menu")
    await resident.next_message()
    await resident.press_data("menu:followups")
    text, alert = await last_answer(bot, resident)
    assert alert and "vrijwilligers" in text
    await resident.press_data("menu:checkins")
    assert "Wilt u dat?" in (await resident.next_edit()).text


async def test_privacy_export_and_erase(bot: BotHarness) -> None:
    user = await worried(bot, "Fatima")
    person = await bot.person(user)
    data = await bot.services.privacy.export(person)
    assert data["checkins"]["weeks"][0]["answer"] == "bad"
    assert data["checkins"]["subscription"]["active"] is True
    await bot.services.privacy.erase(person)
    assert await count_rows(bot, "checkins") == 0
    assert await count_rows(bot, "checkin_subscriptions") == 0
    assert await bot.db.fetchval("SELECT answered FROM checkin_week_counts") == 1


async def test_dst_keeps_local_time(bot: BotHarness) -> None:
    for start, sunday, utc_hour in (
        (datetime(2026, 3, 23, 9, 0, tzinfo=TZ), datetime(2026, 3, 29, 19, 0, tzinfo=TZ), 17),
        (datetime(2026, 10, 19, 9, 0, tzinfo=TZ), datetime(2026, 10, 25, 19, 0, tzinfo=TZ), 18),
    ):
        bot.clock.set(start)
        user = await bot.resident(f"Zon{utc_hour}")
        await opt_in(bot, user, weekday=6, daypart="evening")
        await bot.tick(at=sunday - timedelta(minutes=1))
        await bot.settle()
        assert checkins_of(user) == []
        await bot.tick(at=sunday)
        message = await user.next_message()
        assert message is not None
        due = await bot.db.fetchval(
            "SELECT c.due_at FROM checkins c JOIN users u ON u.id = c.user_id"
            " WHERE u.telegram_id = ?", (user.id,))
        assert due.startswith(f"{sunday.date().isoformat()}T{utc_hour}:00")


async def test_joining_or_moving_after_this_weeks_moment_waits_for_next_week(
    bot: BotHarness,
) -> None:
    bot.clock.set(datetime(2026, 12, 2, 11, 0, tzinfo=TZ))  # Wednesday, after Monday 10:00
    late = await bot.resident("Laat")
    await opt_in(bot, late)
    mover = await bot.resident("Verhuis")
    await opt_in(bot, mover, weekday=4)  # Friday
    await bot.tick(at=datetime(2026, 12, 2, 11, 1, tzinfo=TZ))
    await bot.settle()
    assert checkins_of(late) == [] and checkins_of(mover) == []
    # Moving Friday to Tuesday on Thursday: Tuesday has passed, so not this week.
    bot.clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=TZ))
    await bot.services.checkins.set_weekday(await bot.person(mover), 1)
    await bot.tick(at=datetime(2026, 12, 4, 12, 0, tzinfo=TZ))
    await bot.settle()
    assert checkins_of(mover) == []
    await bot.tick(at=datetime(2026, 12, 7, 10, 0, tzinfo=TZ))
    await late.next_message()
    await bot.tick(at=datetime(2026, 12, 8, 10, 0, tzinfo=TZ))
    await mover.next_message()
    assert len(checkins_of(late)) == 1 and len(checkins_of(mover)) == 1


async def test_check_in_in_arabic_reads_right_to_left(bot: BotHarness) -> None:
    user = await bot.resident("Amal", language="ar", name="Amal")
    [message] = await asked(bot, user)
    assert message.text.startswith("\u200f") and "كيف حالك هذا الأسبوع؟" in message.text
    assert message.buttons[0] == ["بخير 😊"]
    await user.press("اتصلوا بي من فضلكم 📞")
    answered = await user.next_edit()
    assert "سيتصل بك متطوع اليوم" in answered.text
