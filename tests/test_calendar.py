"""Activity calendar through the sandbox: /agenda, sign-up, the coordinator's programme."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.services.calendar import SignupResult
from tests.auxil.calendar import at, events, occurrence_id, parse_ics, press_answer
from tests.auxil.harness import BotHarness

MON = date(2026, 11, 30)  # the harness clock: Monday 30 November 2026, 09:00
TUE, WED, THU = MON + timedelta(days=1), MON + timedelta(days=2), MON + timedelta(days=3)


async def test_agenda_shows_one_week_by_day_in_dutch_and_next_week_on_a_button(
        bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    shown = await fatima.next_message()
    text = shown.text
    assert "TOP" in text and "week 49: 30 november tot en met 6 december" in text
    # One week per message: two weeks were about 2,300 px on a phone.
    assert "week 50" not in text and "Dinsdag 8 december" not in text
    assert "Maandag 30 november" in text
    assert "10:00–12:00  Koffie en praatje (inloop)" in text
    assert "Nederlandse taalles" in text and "nog 10 plekken vrij" in text
    assert "Bingo" in text  # every other Tuesday: 1 December, not 8 December
    labels = [b for row in shown.buttons for b in row]
    # Numbered lines with a button; the button: what it does, the same number, day and time.
    assert "1️⃣ 13:30–15:00  Nederlandse taalles" in text
    assert "✍️ 1️⃣ di 13:30" in labels, labels
    assert "✍️ = aanmelden" in text
    sign_ups = [b for b in labels if b.startswith("✍️")]
    assert sign_ups and all(len(b) <= 24 for b in sign_ups), sign_ups
    assert "Volgende week ➡️" in labels and "⬅️ Deze week" not in labels
    await fatima.press("Volgende week ➡️")
    week50 = await fatima.next_edit()
    assert week50.message_id == shown.message_id  # edited in place
    assert "week 50" in week50.text and "week 49" not in week50.text
    assert "Dinsdag 8 december" in week50.text and "Bingo" not in week50.text
    numbers = [b.split(" ")[1] for row in week50.buttons for b in row if b.startswith("✍️")]
    assert numbers and all(n in week50.text for n in numbers)


async def test_agenda_in_arabic_is_translated(bot: BotHarness) -> None:
    amal = await bot.resident("Amal", language="ar")
    await amal.send("/agenda")
    shown = await amal.next_message()
    assert "دروس اللغة الهولندية" in shown.text
    assert shown.text.startswith("\u200f")


async def test_switch_week_and_room(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    await fatima.next_message()
    first = fatima.last
    await fatima.press("Volgende week ➡️")
    later = await fatima.next_edit()
    assert "week 50" in later.text and "week 51" not in later.text and "week 49" not in later.text
    await fatima.press("Week daarna ➡️")
    after = await fatima.next_edit()
    assert "week 51" in after.text and "week 50" not in after.text
    await fatima.press("⬅️ Deze week")
    back = await fatima.next_edit()
    assert "week 49" in back.text and "week 50" not in back.text
    # An old two-week message's "Later ▶️" (cal:w:top:1) still works: it shows week 50.
    await fatima.press_data("cal:w:top:1", message=first)
    assert "week 50" in (await fatima.next_edit()).text
    # Beyond the horizon (8 weeks): the ordinary kind refusal, nothing changes.
    answer, alert = await press_answer(fatima, "cal:w:top:8")
    assert alert and "werkt niet meer" in answer
    await fatima.press("🏠 Andere BuurtWerkKamer")
    await fatima.next_edit()
    await fatima.press("Hart voor Leidsche Rijn")
    hart = await fatima.next_edit()
    assert "Hart voor Leidsche Rijn" in hart.text and "Handwerken en breien" in hart.text
    answer, alert = await press_answer(fatima, "cal:w:nowhere:0")
    assert alert and "werkt niet meer" in answer


async def test_sign_up_until_full_then_refused(bot: BotHarness) -> None:
    occ = await occurrence_id(bot, "top", "Odd-jobs service", MON + timedelta(days=4))
    people = [await bot.resident(f"R{i}") for i in range(5)]
    for person in people[:4]:
        await person.send("/agenda")
        await person.next_message()
        answer, _ = await press_answer(person, f"cal:su:{occ}")
        assert "U bent aangemeld voor Klussendienst" in answer
    last = people[4]
    await last.send("/agenda")
    await last.next_message()
    answer, alert = await press_answer(last, f"cal:su:{occ}")
    assert alert and "vol" in answer
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM activity_signups WHERE occurrence_id = ?", (occ,)) == 4
    # Signing up twice does not count twice; signing off frees the place.
    answer, _ = await press_answer(people[0], f"cal:su:{occ}")
    assert "al aangemeld" in answer
    answer, _ = await press_answer(people[0], f"cal:so:{occ}")
    assert "afgemeld" in answer
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM activity_signups WHERE occurrence_id = ?", (occ,)) == 3


async def test_forged_and_closed_signups_change_nothing(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    await fatima.next_message()
    answer, alert = await press_answer(fatima, "cal:su:99999")
    assert alert and "werkt niet meer" in answer
    no_signup = await occurrence_id(bot, "top", "Coffee and chat (drop-in)", WED)
    answer, _ = await press_answer(fatima, f"cal:su:{no_signup}")
    assert "niet (meer) aanmelden" in answer
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_signups") == 0


async def test_resident_cannot_edit_the_programme(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/programma")
    answer = await fatima.next_message()
    assert "coördinator" in answer.text
    text, alert = await press_answer(fatima, "cal:pcy:1")
    assert alert and "coördinator" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_occurrences WHERE cancelled = 1"
                                 ) == 0


async def test_cancel_one_occurrence_tells_who_signed_up(bot: BotHarness) -> None:
    occ = await occurrence_id(bot, "top", "Dutch lessons", TUE)
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    await fatima.next_message()
    await press_answer(fatima, f"cal:su:{occ}")
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press_data(f"cal:po:{occ}")
    detail = await carla.next_edit()
    assert "1 persoon aangemeld" in detail.text
    await carla.press("❌ Zeg deze datum af")
    await carla.next_edit()
    await carla.press("Ja, zeg af")
    done = await carla.next_edit()
    assert "Afgezegd" in done.text and "1 persoon heeft bericht gekregen" in done.text
    told = await fatima.next_message()
    assert "Nederlandse taalles op dinsdag 1 december, 13:30 gaat niet door" in told.text
    # The series is untouched: Thursday's lesson still takes place; Tuesday shows as cancelled.
    entries = await bot.services.calendar.entries("top", at(MON, 0), at(MON + timedelta(7), 0))
    lessons = [e for e in entries if e.title == "Dutch lessons"]
    assert [e.cancelled for e in lessons] == [True, False]
    await fatima.send("/agenda")
    agenda = await fatima.next_message()
    assert "<s>13:30–15:00  Nederlandse taalles</s>  ❌ gaat niet door" in agenda.html
    # Pressing the old confirm button again changes nothing.
    await carla.press_data(f"cal:pcy:{occ}")
    again = await carla.next_edit()
    assert "al afgezegd" in again.text


async def test_move_one_occurrence(bot: BotHarness) -> None:
    occ = await occurrence_id(bot, "top", "Dutch lessons", THU)
    fatima = await bot.resident("Fatima")
    await bot.services.calendar.sign_up(await bot.person(fatima), occ)
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press_data(f"cal:po:{occ}")
    await carla.next_edit()
    await carla.press("🕒 Verzet deze datum")
    await carla.next_edit()
    await carla.send("4-12-2026 25:00")
    bad = await carla.next_message()
    assert "begrijp ik niet" in bad.text
    await carla.send("30-11-2026 08:00")
    past = await carla.next_message()
    assert "al voorbij" in past.text
    await carla.send("4-12-2026 10:00")
    moved = await carla.next_message()
    assert "Verzet: Nederlandse taalles is nu op vrijdag 4 december, 10:00" in moved.text
    told = await fatima.next_message()
    assert "verzet naar vrijdag 4 december, 10:00" in told.text
    row = await bot.services.calendar.get_occurrence(occ)
    assert row.starts_at == at(THU + timedelta(days=1), 10) and row.moved_from == at(THU, 13, 30)
    friday = await bot.services.calendar.occurrences_on("top", THU + timedelta(days=1))
    moved_entry = next(e for e in friday if e.ref == f"occ:{occ}")
    assert moved_entry.note == "Moved to this time"


async def _start_adding(bot: BotHarness, kind: str = "➕ Nieuwe wekelijkse activiteit"):
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press(kind)
    await carla.next_edit()
    return carla


async def test_add_weekly_series_with_bad_input_and_overlap(bot: BotHarness) -> None:
    carla = await _start_adding(bot)
    await carla.send("x" * 2000)
    too_long = await carla.next_message()
    assert "te lang" in too_long.text
    await carla.send("Taalcafé <Marokkaans>")
    await carla.next_message()
    await carla.send("oops")  # text where a button was expected
    hint = await carla.next_message()
    assert "knoppen" in hint.text
    await carla.press_data("cal:f:cat:taal", message=carla.bot_messages[-2])
    await carla.next_edit()
    await carla.press("dinsdag")
    await carla.next_edit()
    await carla.press("✅ dinsdag")  # tap again: off
    await carla.next_edit()
    await carla.press("woensdag")
    await carla.next_edit()
    await carla.press("Verder ▶️")
    await carla.next_edit()
    await carla.send("25:00")
    bad = await carla.next_message()
    assert "geen tijd" in bad.text
    await carla.send("14:30")
    await carla.next_message()
    await carla.press("90 minuten")
    await carla.next_edit()
    await carla.press("Aanmelden, hoogstens 8")
    summary = await carla.next_edit()
    assert "Taalcafé &lt;Marokkaans&gt;" in summary.html
    assert "Op hetzelfde moment (dat mag)" in summary.text
    assert "Computerhulp en telefoonhulp" in summary.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_series WHERE seed_key IS NULL"
                                 ) == 0
    await carla.press("💾 Opslaan")
    saved = await carla.next_edit()
    assert "Opgeslagen" in saved.text
    row = await bot.db.fetchone("SELECT * FROM activity_series WHERE seed_key IS NULL")
    assert row["title"] == "Taalcafé <Marokkaans>" and row["rrule"] == "FREQ=WEEKLY;BYDAY=WE"
    assert row["capacity"] == 8 and row["signup"] == 1 and row["start_time"] == "14:30"
    entries = await bot.services.calendar.occurrences_on("top", WED + timedelta(days=7))
    assert any(e.title == "Taalcafé <Marokkaans>" and e.starts_at == at(
        WED + timedelta(days=7), 14, 30) for e in entries)
    resident = await bot.resident("Fatima")
    await resident.send("/agenda")
    agenda = await resident.next_message()
    assert "14:30–16:00  Taalcafé &lt;Marokkaans&gt;" in agenda.html


async def test_forged_or_out_of_step_form_buttons_keep_the_step(bot: BotHarness) -> None:
    """Mid-way through adding, a forged weekday, a button of another step and an unknown form
    button each get "this button no longer works"; the step and its draft stay."""
    carla = await _start_adding(bot)
    await carla.send("Taalcafé")
    await carla.next_message()
    await carla.press_data("cal:f:cat:taal", message=carla.last)
    await carla.next_edit()
    days = carla.last
    for data in ("cal:f:day:9", "cal:f:save", "cal:f:cap:8", "cal:f:nonsense"):
        answer, alert = await press_answer(carla, data, message=days)
        assert alert and "werkt niet meer" in answer, data
    await carla.press("dinsdag", message=days)
    chosen = await carla.next_edit()
    assert "✅ dinsdag" in [b for row in chosen.buttons for b in row]
    await carla.press("Verder ▶️")
    asked = await carla.next_edit()
    assert "17:30" in asked.text


async def test_add_one_off_refuses_past_dates(bot: BotHarness) -> None:
    carla = await _start_adding(bot, "➕ Nieuwe eenmalige activiteit")
    await carla.send("Sinterklaasfeest")
    await carla.next_message()
    await carla.press_data("cal:f:cat:sociale_ontmoeting")
    await carla.next_edit()
    await carla.send("1-11-2026")
    past = await carla.next_message()
    assert "al voorbij" in past.text
    await carla.send("31-02-2027")
    bad = await carla.next_message()
    assert "begrijp ik niet" in bad.text
    await carla.send("5-12")
    await carla.next_message()
    await carla.send("15:00")
    await carla.next_message()
    await carla.press("120 minuten")
    await carla.next_edit()
    await carla.press("Aanmelden is niet nodig")
    summary = await carla.next_edit()
    assert "zaterdag 5 december, 15:00" in summary.text
    await carla.press("💾 Opslaan")
    await carla.next_edit()
    saturday = await bot.services.calendar.occurrences_on("top", date(2026, 12, 5))
    assert [e.title for e in saturday] == ["Sinterklaasfeest"]


async def test_stop_midway_stores_nothing(bot: BotHarness) -> None:
    carla = await _start_adding(bot)
    await carla.send("Yoga")
    await carla.next_message()
    await carla.press("✖️ Stoppen")
    stopped = await carla.next_edit()
    assert "niets veranderd" in stopped.text
    await carla.send("Gewoon tekst")
    await carla.next_message()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_series WHERE seed_key IS NULL"
                                 ) == 0


async def test_end_series_removes_future_dates_and_tells_people(bot: BotHarness) -> None:
    calendar = bot.services.calendar
    occ = await occurrence_id(bot, "top", "Computer and phone help", WED + timedelta(days=7))
    fatima = await bot.resident("Fatima")
    await calendar.sign_up(await bot.person(fatima), occ)
    series_id = await bot.db.fetchval("SELECT id FROM activity_series WHERE seed_key = ?",
                                      ("top-computer",))
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press_data(f"cal:ps:{series_id}")
    await carla.next_edit()
    await carla.press("⛔ Stop deze activiteit")
    await carla.next_edit()
    await carla.press("Ja, stop ermee")
    done = await carla.next_edit()
    assert "Gestopt: Computerhulp en telefoonhulp" in done.text
    told = await fatima.next_message()
    assert "gaat niet door: deze activiteit is gestopt" in told.text
    later = await calendar.entries("top", at(MON, 0), at(MON + timedelta(weeks=8), 0))
    assert not [e for e in later if e.title == "Computer and phone help"]
    await bot.restart()  # ended series are not generated again
    later = await bot.services.calendar.entries("top", at(MON, 0),
                                                at(MON + timedelta(weeks=10), 0))
    assert not [e for e in later if e.title == "Computer and phone help"]


async def test_ics_button_sends_a_valid_calendar(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    await fatima.next_message()
    await fatima.press("📲 In mijn telefoonagenda")
    document = await fatima.next_message()
    assert document.document["file_name"] == "programma-top.ics"
    cal = parse_ics(bot.sandbox.document_bytes(document))
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
    found = events(cal)
    assert found and all(e["LOCATION"] == "Amsterdamsestraatweg 295, 3551 CG Utrecht"
                         for e in found)
    first = next(e for e in found if str(e["SUMMARY"]) == "Nederlandse taalles")
    assert first.decoded("DTSTART") == at(TUE, 13, 30)
    assert first["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    uids = {str(e["UID"]) for e in found}
    assert len(uids) == len(found)
    # Stable UIDs: the same file again gives the same ids.
    await fatima.press("📲 In mijn telefoonagenda")
    again = parse_ics(bot.sandbox.document_bytes(await fatima.next_message()))
    assert {str(e["UID"]) for e in events(again)} == uids


async def test_tally_contract_occurrences_on(bot: BotHarness) -> None:
    today = await bot.services.calendar.occurrences_on("top", MON)
    assert [(e.title, e.category) for e in today] == [
        ("Coffee and chat (drop-in)", "sociale_ontmoeting"),
        ("Help with letters and forms", "formulieren"),
        ("Homework help for children", "taal"),
    ]
    assert all(e.ref.startswith("occ:") for e in today)
    again = await bot.services.calendar.occurrences_on("top", MON)
    assert [e.ref for e in again] == [e.ref for e in today]


async def test_menu_buttons_open_agenda_and_programme(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    await carla.send("/menu")
    await carla.next_message()
    await carla.press_data("menu:programme")
    programme = await carla.next_edit()
    assert "Programma van TOP" in programme.text
    fatima = await bot.resident("Fatima")
    await fatima.send("/menu")
    await fatima.next_message()
    await fatima.press_data("menu:agenda")
    agenda = await fatima.next_edit()
    assert "week 49" in agenda.text
    answer, alert = await press_answer(fatima, "menu:programme")
    assert alert and "coördinator" in answer
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_series WHERE seed_key IS NULL"
                                 ) == 0


async def test_my_data_and_erasure_cover_signups_and_subscriptions(bot: BotHarness) -> None:
    occ = await occurrence_id(bot, "top", "Dutch lessons", TUE)
    fatima = await bot.resident("Fatima")
    person = await bot.person(fatima)
    await bot.services.calendar.sign_up(person, occ)
    await bot.services.calendar.set_subscribed(person, "top", True)
    data = await bot.services.privacy.export(person)
    assert data["calendar"]["signups"][0]["activity"] == "Dutch lessons"
    assert data["calendar"]["weekly_programme_subscriptions"] == ["top"]
    await bot.services.privacy.erase(person)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_signups") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM calendar_subscriptions") == 0


async def test_capacity_holds_under_concurrent_sign_ups(bot: BotHarness) -> None:
    occ = await occurrence_id(bot, "top", "Odd-jobs service", MON + timedelta(days=4))
    people = [await bot.person(await bot.resident(f"P{i}")) for i in range(7)]
    results = await asyncio.gather(*(bot.services.calendar.sign_up(p, occ) for p in people))
    outcomes = [r for r, _ in results]
    assert outcomes.count(SignupResult.OK) == 4 and outcomes.count(SignupResult.FULL) == 3
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM activity_signups WHERE occurrence_id = ?", (occ,)) == 4


async def test_adding_survives_a_restart_midway(bot: BotHarness) -> None:
    carla = await _start_adding(bot, "➕ Nieuwe eenmalige activiteit")
    await carla.send("Kerstlunch")
    await carla.next_message()
    await bot.settle()
    await bot.restart()
    await carla.press_data("cal:f:cat:sociale_ontmoeting", message=carla.last)
    asked = await carla.next_edit()
    assert "Op welke datum" in asked.text


async def test_agenda_shows_meals_with_a_working_sign_up_button(bot: BotHarness) -> None:
    meal = (await bot.services.meals.upcoming("top"))[0].meal  # Tuesday 1 December 17:30
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    shown = await fatima.next_message()
    assert "17:30–19:30  Eettafel" in shown.text
    label = "✍️ 2️⃣ di 17:30"
    assert any(label in b for row in shown.buttons for b in row)
    await fatima.press(label)
    assert "ontvangen" in (await fatima.next_edit()).text  # the eettafel's own sign-up card
    assert await bot.db.fetchval("SELECT status FROM meal_signups WHERE meal_id = ?",
                                 (meal.id,)) == "pending"
    # Back in /agenda: marked as signed up, and the button opens the sign-up, not a second one.
    await fatima.send("/agenda")
    again = await fatima.next_message()
    line = next(x for x in again.text.split("\n") if "Eettafel" in x)
    assert "u bent aangemeld" in line
    buttons = [b for row in again.buttons for b in row]
    assert label not in buttons
    assert "🍲 = uw aanmelding voor de eettafel" in again.text
    await fatima.press("🍲 2️⃣ di 17:30")
    assert "ontvangen" in (await fatima.next_edit()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1


async def test_agenda_of_another_room_shows_its_meals_without_sign_up(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")  # lives near TOP
    await fatima.send("/agenda")
    await fatima.next_message()
    await fatima.press_data("cal:w:hart:0")
    hart = await fatima.next_edit()
    assert "Eettafel" in hart.text
    assert not any("Eettafel" in b for row in hart.buttons for b in row)


async def test_ics_from_agenda_includes_meals(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    await fatima.next_message()
    await fatima.press("📲 In mijn telefoonagenda")
    doc = await fatima.next_message()
    cal = parse_ics(bot.sandbox.document_bytes(doc))
    meals = [e for e in events(cal) if str(e["summary"]) == "Eettafel"]
    assert meals and all(str(e["location"]) for e in meals)
    assert meals[0].decoded("dtstart") == at(TUE, 17, 30)


def test_a_very_full_week_is_cut_at_a_whole_line() -> None:
    from bot.handlers.calendar.resident import MAX_TEXT_LEN, _fit

    week = "\n".join(["<b>TOP</b>"] + [f"<s>10:00–12:00  Activiteit {i}</s>" for i in range(300)])
    text = _fit([week, week])
    assert len(text) <= MAX_TEXT_LEN and text.endswith("\n…")
    assert text.count("<s>") == text.count("</s>")
    assert _fit(["a", "b"]) == "a\n\nb"


async def test_coordinator_sets_who_leads_a_weekly_activity(bot: BotHarness) -> None:
    carla = await _start_adding(bot)
    await carla.send("Schaakclub")
    await carla.next_message()
    await carla.press_data("cal:f:cat:sociale_ontmoeting")
    await carla.next_edit()
    await carla.press("woensdag")
    await carla.next_edit()
    await carla.press("Verder ▶️")
    await carla.next_edit()
    await carla.send("15:00")
    await carla.next_message()
    await carla.press("60 minuten")
    await carla.next_edit()
    await carla.press("Aanmelden is niet nodig")
    await carla.next_edit()
    await carla.press("👤 Wie begeleidt het?")
    assert "Wie begeleidt het?" in (await carla.next_edit()).text
    await carla.send("y" * 41)
    assert "te lang" in (await carla.next_message()).text
    await carla.send("Ans <de Vries>")
    summary = await carla.next_message()
    assert "Begeleiding: Ans &lt;de Vries&gt;" in summary.html
    await carla.press("💾 Opslaan")
    assert "Opgeslagen" in (await carla.next_edit()).text
    assert await bot.db.fetchval("SELECT leader FROM activity_series WHERE title = 'Schaakclub'"
                                 ) == "Ans <de Vries>"
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    agenda = await fatima.next_message()
    assert "15:00–16:00  Schaakclub  (met Ans &lt;de Vries&gt;)" in agenda.html
    # The leaders of the shipped programme are shown too, and in the .ics.
    assert "(met Taalhuis" in agenda.text
    await fatima.press("📲 In mijn telefoonagenda")
    cal = parse_ics(bot.sandbox.document_bytes(await fatima.next_message()))
    chess = [e for e in events(cal) if str(e["summary"]) == "Schaakclub"]
    assert chess and str(chess[0]["description"]) == "met Ans <de Vries>"
