"""/turf, /rapport and the weekly summary, end to end through the sandbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.clock import TZ
from bot.schedule import CalendarEntry
from tests.auxil.harness import START, BotHarness
from tests.auxil.tally import press_for_answer, rapport, record, seed_2021

TODAY = START.date()  # Monday 30 November 2026


def fake_calendar(bot: BotHarness) -> None:
    """Today's programme: a coffee morning at TOP, a language class at Hart (and a meal)."""

    async def occurrences_on(room: str, day: date) -> list[CalendarEntry]:
        at = datetime.combine(day, datetime.min.time(), TZ)
        entries = [
            CalendarEntry("top", at.replace(hour=10), at.replace(hour=12), "Coffee morning",
                          "sociale_ontmoeting", "occ:12"),
            CalendarEntry("top", at.replace(hour=17, minute=30), at.replace(hour=19),
                          "Shared dinner", "sociale_ontmoeting", "meal:3"),
            CalendarEntry("hart", at.replace(hour=13), at.replace(hour=15), "Language class",
                          "taal", "occ:77"),
        ]
        return [e for e in entries if e.room == room] if day == TODAY else []

    bot.services.calendar.occurrences_on = occurrences_on  # type: ignore[attr-defined]


async def rows_for(bot: BotHarness, source_id: str) -> list[tuple]:
    rows = await bot.db.fetchall(
        "SELECT person_key, category, source, quantity FROM participation"
        " WHERE source_id = ? ORDER BY person_key", (source_id,))
    return [tuple(r) for r in rows]


async def test_turf_registers_regulars_walkins_and_counts(bot: BotHarness) -> None:
    fake_calendar(bot)
    anna = await bot.resident("Anna", name="Anna")
    nameless = await bot.resident("Nameless")
    await bot.resident("Other room", room="hart", name="Hanna")
    await bot.coordinator()  # Carla, of TOP: staff, not on the list of regulars
    volunteer = await bot.volunteer()
    anna_p, nameless_p = await bot.person(anna), await bot.person(nameless)
    await volunteer.send("/turf")
    choose = await volunteer.next_message()
    labels = [b for row in choose.buttons for b in row]
    assert "10:00 Koffieochtend" in labels or "10:00 Coffee morning" in labels
    assert not any("Shared dinner" in b or "Eettafel" in b for b in labels)
    await volunteer.press(labels[0])
    listing = await volunteer.next_edit()
    names = [b for row in listing.buttons for b in row]
    assert "Anna" in names and f"anoniem {nameless_p.id}" in names
    assert "Hanna" not in names and "Carla" not in names
    await volunteer.press("Anna")
    listing = await volunteer.next_edit()
    assert "✅ Anna" in [b for row in listing.buttons for b in row]
    sid = f"occ:12:{TODAY.isoformat()}"
    assert await rows_for(bot, sid) == [(anna_p.row.anon_key, "sociale_ontmoeting", "activity", 1)]
    # Tapping again takes it back; a third tap registers again.
    await volunteer.press("✅ Anna")
    await volunteer.next_edit()
    assert await rows_for(bot, sid) == []
    await volunteer.press("Anna")
    await volunteer.next_edit()
    # A walk-in code: a name is refused, a code is kept (upper case, per room).
    await volunteer.press("➕ Code losse bezoeker")
    await volunteer.next_edit()
    await volunteer.send("Fatima")
    refused = await volunteer.next_message()
    assert "AB12" in refused.text
    await volunteer.send("ab12")
    listing = await volunteer.next_message()
    assert "✅ AB12" in [b for row in listing.buttons for b in row]
    # A count only, then corrected: the number replaces the earlier one.
    await volunteer.press("🔢 Alleen tellen")
    await volunteer.next_edit()
    await volunteer.send("veel")
    assert "getal" in (await volunteer.next_message()).text
    await volunteer.send("5")
    await volunteer.next_message()
    await volunteer.press("🔢 Alleen tellen", message=volunteer.last)
    await volunteer.next_edit()
    await volunteer.send("3")
    listing = await volunteer.next_message()
    assert "3 mensen geteld zonder naam" in listing.text
    assert sorted(await rows_for(bot, sid), key=str) == sorted([
        (None, "sociale_ontmoeting", "activity", 3),
        (anna_p.row.anon_key, "sociale_ontmoeting", "activity", 1),
        ("walkin:top:AB12", "sociale_ontmoeting", "activity", 1),
    ], key=str)
    vera = await bot.person(volunteer)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE person_key = ? AND category = 'volunteer'"
        " AND source = 'volunteer'", (vera.row.anon_key,)) == 1
    await volunteer.press("✔️ Klaar", message=volunteer.last)
    saved = await volunteer.next_edit()
    assert "Opgeslagen" in saved.text and "5 mensen" in saved.text


async def test_turf_ad_hoc_activity_by_category(bot: BotHarness) -> None:
    anna = await bot.resident("Anna", name="Anna")
    volunteer = await bot.volunteer()  # no calendar method at all: still works
    await volunteer.send("/turf")
    await volunteer.next_message()
    await volunteer.press("➕ Een andere activiteit")
    await volunteer.next_edit()
    await volunteer.press("Nederlandse taal")
    await volunteer.next_edit()
    await volunteer.press("Anna")
    await volunteer.next_edit()
    key = (await bot.person(anna)).row.anon_key
    assert await rows_for(bot, f"taal:{TODAY.isoformat()}") == [(key, "taal", "activity", 1)]


async def test_turf_refuses_other_rooms_old_lists_and_residents(bot: BotHarness) -> None:
    fake_calendar(bot)
    hanna = await bot.resident("Hanna", room="hart", name="Hanna")
    resident = await bot.resident("Rob", name="Rob")
    volunteer = await bot.volunteer()
    day = TODAY.strftime("%Y%m%d")
    await volunteer.send("/turf")
    await volunteer.next_message()
    await volunteer.press_data(f"tal:a:occ.77:{day}")  # Hart's language class
    text, alert = await volunteer.next_callback_answer()
    assert alert and "niet op het programma" in text
    yesterday = (TODAY - timedelta(days=1)).strftime("%Y%m%d")
    await volunteer.press_data(f"tal:a:occ.12:{yesterday}")
    text, alert = await volunteer.next_callback_answer()
    assert alert and "andere dag" in text
    hanna_id = (await bot.person(hanna)).id
    await volunteer.press_data(f"tal:t:occ.12:{day}:0:{hanna_id}")
    text, alert = await volunteer.next_callback_answer()
    assert alert and "lijst" in text
    await volunteer.press_data("tal:t:occ.12:nonsense")
    text, alert = await volunteer.next_callback_answer()
    assert alert and "werkt niet meer" in text
    await resident.send("/turf")
    assert "vrijwilligers" in (await resident.next_message()).text
    await resident.press_data(f"tal:t:occ.12:{day}:0:{hanna_id}")
    text, alert = await resident.next_callback_answer()
    assert alert and "vrijwilligers" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM participation") == 0


async def test_rapport_for_coordinators_only(bot: BotHarness) -> None:
    await seed_2021(bot)
    volunteer = await bot.volunteer("Vic", name="Vic")
    await volunteer.send("/rapport")
    assert "coördinator" in (await volunteer.next_message()).text
    coordinator = await bot.coordinator()
    await coordinator.send("/rapport")
    await coordinator.next_message()
    await coordinator.press("Andere periode…")
    await coordinator.next_edit()
    await coordinator.send("zomaar iets")
    assert "niet begrepen" in (await coordinator.next_message()).text
    await coordinator.send("2030")
    future = await coordinator.next_message()
    assert "nog niet begonnen" in future.text
    await coordinator.press("Andere periode…", message=future)
    await coordinator.next_edit()
    await coordinator.send("2021")
    await coordinator.next_message()  # which room?
    await coordinator.press("Alle BuurtWerkKamers (elk een pagina, en een overzicht)")
    summary = await coordinator.next_edit()
    assert "Prestatietabel: 2021" in summary.text
    assert "TOP:" in summary.text and "Alle BuurtWerkKamers:" in summary.text
    assert "Anna" not in summary.text and "Bilal" not in summary.text
    pdf = await coordinator.next_message()
    assert pdf.document and pdf.document["file_name"] == "buurtbot-rapport-2021-all.pdf"
    await coordinator.press("📊 Ook als spreadsheet (XLSX)", message=summary)
    sheet = await coordinator.next_message()
    assert sheet.document["file_name"] == "buurtbot-rapport-2021-all.xlsx"
    await coordinator.press("📄 Ook als CSV", message=summary)
    csv_msg = await coordinator.next_message()
    assert csv_msg.document["file_name"] == "buurtbot-rapport-2021-all.csv"
    assert "Anna" not in str(csv_msg.raw)
    text, alert = await press_for_answer(bot, coordinator, "tal:r:2021-Q9")
    assert alert and "werkt niet meer" in text
    for forged in ("tal:rr:2021:nowhere", "tal:x:2021:top:extra", "tal:csv:20x1:top"):
        text, alert = await press_for_answer(bot, coordinator, forged)
        assert alert and "werkt niet meer" in text
    text, alert = await press_for_answer(bot, volunteer, "tal:rr:2021:top")
    assert "coördinator" in text


async def test_rapport_this_year_button_and_empty_period(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    empty = await rapport(coordinator, "Vorig jaar")
    assert "Er is niets geteld" in empty.text
    pdf = await coordinator.next_message()  # the table is still made: targets, no data
    assert pdf.document["file_name"] == "buurtbot-rapport-2025-top.pdf"


async def test_weekly_summary_once_per_week_across_restarts(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    anna = await bot.resident("Anna", name="Anna")
    await bot.resident("Bea", name="Bea")
    key = (await bot.person(anna)).row.anon_key
    await record(bot, key, "top", "sociale_ontmoeting", "meal", "meal:1", TODAY)
    await record(bot, None, "top", "klussen", "activity", "klussen:x", TODAY, quantity=2)
    before = len(coordinator.bot_messages)
    await bot.tick(only="tally", at=datetime(2026, 12, 6, 17, 59, tzinfo=TZ))  # not yet
    assert len(coordinator.bot_messages) == before
    await bot.tick(only="tally", at=datetime(2026, 12, 6, 18, 5, tzinfo=TZ))
    text = await coordinator.next_message()
    assert "Weektelling: TOP" in text.text
    # Bea registered this week and did not come yet: new (first contact), not taking part.
    assert "1 bewoner deed mee." in text.text
    assert "Nieuw bij de BuurtWerkKamer (eerste contact): 2." in text.text
    assert "van wie" not in text.text  # "1 took part, of whom 2 new" read as a mistake
    assert "Ontmoeting: 1 van 200 (1%) (deze week 1)"  # 0.5% rounds up in text.text
    assert "Anna" not in text.text
    chart = await coordinator.next_message()
    assert chart.photo
    sent = len(coordinator.bot_messages)
    assert sent == before + 2  # Hart and De Verbinding had nothing this week: no message
    await bot.tick(only="tally", at=datetime(2026, 12, 6, 20, 0, tzinfo=TZ))
    await bot.restart()
    await bot.tick(only="tally", at=datetime(2026, 12, 7, 9, 0, tzinfo=TZ))  # caught up: nothing
    assert len(coordinator.bot_messages) == sent
    # A quiet week sends nothing; the next week with records sends once more.
    await bot.tick(only="tally", at=datetime(2026, 12, 13, 18, 30, tzinfo=TZ))
    assert len(coordinator.bot_messages) == sent
    await record(bot, key, "top", "sociale_ontmoeting", "meal", "meal:2", date(2026, 12, 15))
    await bot.restart()
    await bot.tick(only="tally", at=datetime(2026, 12, 21, 8, 0, tzinfo=TZ))  # was down: caught up
    assert "Weektelling" in (await coordinator.next_message()).text
    await coordinator.next_message()
    await bot.tick(only="tally", at=datetime(2026, 12, 21, 9, 0, tzinfo=TZ))
    assert len(coordinator.bot_messages) == sent + 2


async def test_turf_pages_through_regulars_and_takes_back_a_walkin(bot: BotHarness) -> None:
    fake_calendar(bot)
    for n in range(1, 11):
        await bot.resident(f"R{n:02}", name=f"R{n:02}")
    volunteer = await bot.volunteer()
    day = TODAY.strftime("%Y%m%d")
    await volunteer.send("/turf")
    choose = await volunteer.next_message()
    await volunteer.press(choose.buttons[0][0])  # the coffee morning
    first = await volunteer.next_edit()
    first_names = {b for row in first.buttons for b in row if b.startswith("R")}
    assert len(first_names) == 8 and "1/2" in [b for row in first.buttons for b in row]
    await volunteer.press("▶️")
    second = await volunteer.next_edit()
    second_names = {b for row in second.buttons for b in row if b.startswith("R")}
    assert len(second_names) == 2 and not first_names & second_names
    last = sorted(second_names)[-1]
    await volunteer.press(last)
    marked = await volunteer.next_edit()  # the list stays on page 2
    assert "2/2" in [b for row in marked.buttons for b in row]
    sid = f"occ:12:{TODAY.isoformat()}"
    assert len(await rows_for(bot, sid)) == 1
    text, alert = await press_for_answer(bot, volunteer, f"tal:p:occ.12:{day}:two")
    assert alert and "werkt niet meer" in text
    # A walk-in code typed by mistake is taken back with one tap.
    await volunteer.press("➕ Code losse bezoeker", message=marked)
    await volunteer.next_edit()
    await volunteer.send("XY34")
    listing = await volunteer.next_message()
    assert "✅ XY34" in [b for row in listing.buttons for b in row]
    assert len(await rows_for(bot, sid)) == 2
    await volunteer.press("✅ XY34")
    listing = await volunteer.next_edit()
    assert "✅ XY34" not in [b for row in listing.buttons for b in row]
    assert "walkin:top:XY34" not in [key for key, *_ in await rows_for(bot, sid)]
    assert len(await rows_for(bot, sid)) == 1
    # Not a code: forged.
    text, alert = await press_for_answer(bot, volunteer, f"tal:w:occ.12:{day}:Fatima")
    assert alert and "werkt niet meer" in text
    assert len(await rows_for(bot, sid)) == 1


async def test_a_forged_tap_keeps_the_code_question_and_a_real_one_leaves_it(
        bot: BotHarness) -> None:
    """The /turf buttons are the tally conversation's fallbacks: a real tap while a walk-in code
    is awaited leaves the question; forged data gets the one stale answer and keeps it."""
    fake_calendar(bot)
    volunteer = await bot.volunteer()
    day = TODAY.strftime("%Y%m%d")
    await volunteer.send("/turf")
    choose = await volunteer.next_message()
    await volunteer.press(choose.buttons[0][0])
    await volunteer.next_edit()
    await volunteer.press("➕ Code losse bezoeker")
    await volunteer.next_edit()
    for data in (f"tal:a:occ.12:{day}9", f"tal:t:occ.12:{day}:-1:5", "tal:nonsense"):
        answer, alert = await press_for_answer(bot, volunteer, data)
        assert alert and "werkt niet meer" in (answer or ""), data
    await volunteer.send("cd34")
    listing = await volunteer.next_message()
    assert "✅ CD34" in [b for row in listing.buttons for b in row]
    # Again, but now a real button of the list is tapped: the code question is left.
    await volunteer.press("➕ Code losse bezoeker", message=listing)
    await volunteer.next_edit()
    await volunteer.press_data(f"tal:done:occ.12:{day}")
    assert "Opgeslagen" in (await volunteer.next_edit()).text
    await volunteer.send("ef56")
    assert "✅ EF56" not in [b for row in (await volunteer.next_message()).buttons for b in row]
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE person_key = 'walkin:top:EF56'") == 0
