"""The tally end to end on records the features really write (no hand-made rows).

One resident (Fatima) eats at the eettafel with a guest, has a letter read, answers the
belronde, is referred to a partner, and comes to the coffee morning and the letters hour on the
calendar, registered by a volunteer with /turf (with a walk-in code and two counted-only
walk-ins). Then /rapport and ``buurtbot report`` must show the worked-out unique counts, and
after Fatima erases her data with /vergeetmij she still counts in the period before.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl

from bot.cli import main
from bot.clock import TZ
from tests.auxil.calendar import occurrence_id
from tests.auxil.checkins import answer, opt_in
from tests.auxil.harness import ROOT, BotHarness
from tests.auxil.help_requests import taken
from tests.auxil.meals import first_meal, sign_up
from tests.auxil.tally import rapport

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def labels(message) -> list[str]:
    return [b for row in message.buttons for b in row]


async def a_real_week(bot: BotHarness):
    """Monday 30 November and Tuesday 1 December 2026 as the features record them."""
    vera = await bot.volunteer("Vera", name="Vera")
    fatima = await bot.resident("Fatima", name="Fatima")
    await bot.resident("Hanna", room="hart", name="Hanna")  # another room: never in TOP's list

    # Belronde: the Monday 10:00 message, answered with one tap.
    await opt_in(bot, fatima)
    await bot.tick(at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ), only="checkins")
    await fatima.next_message()
    await answer(fatima, "Goed 😊")

    # A letter read: taken on and done.
    letter = await taken(bot, vera, fatima, kind="letter")
    await vera.press_data(f"help:dn:{letter}:helped")
    await bot.settle()

    # Debts: taken on and handed over to a partner (a referral; the request counts too).
    fatima.chat.skip_pending()
    debts = await taken(bot, vera, fatima, kind="debts")
    vera.chat.skip_pending()
    fatima.chat.skip_pending()
    await vera.press_data(f"help:ref:{debts}")
    await vera.next_edit()
    await vera.press("Buurtteam Sociaal")
    await vera.next_edit()
    await vera.press("Ja, en ik ga mee")
    await vera.next_edit()
    await vera.press("Na 1 week")
    assert "overgedragen" in (await vera.next_edit()).text
    fatima.chat.skip_pending()

    # /turf on today's real calendar: the coffee morning and the letters hour.
    vera.chat.skip_pending()
    await vera.send("/turf")
    choose = await vera.next_message()
    coffee = next(b for b in labels(choose) if "Koffie" in b)
    letters = next(b for b in labels(choose) if "Formulieren" in b)
    await vera.press(coffee)
    listing = await vera.next_edit()
    assert "Hanna" not in labels(listing)
    await vera.press("Fatima")
    await vera.next_edit()
    await vera.press("➕ Code losse bezoeker", message=vera.last)
    await vera.next_edit()
    await vera.send("ab12")
    await vera.next_message()
    await vera.press("🔢 Alleen tellen", message=vera.last)
    await vera.next_edit()
    await vera.send("2")
    await vera.next_message()
    await vera.send("/turf")
    await vera.next_message()
    await vera.press(letters)
    await vera.next_edit()
    await vera.press("Fatima")
    await vera.next_edit()

    # Tuesday's dinner with one guest; the volunteer marks her present on the dinner list.
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press("➕ Gast")
    await fatima.next_edit()
    bot.clock.set(datetime(2026, 12, 1, 19, 0, tzinfo=TZ))
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("🙋 Wie was er?")
    await vera.next_edit()
    await vera.press("Fatima was er")
    await vera.next_edit()
    return vera, fatima, letter, debts, meal


async def test_records_written_by_the_features_have_the_shape_the_tally_counts(
    bot: BotHarness,
) -> None:
    vera, fatima, letter, debts, meal = await a_real_week(bot)
    key = (await bot.person(fatima)).row.anon_key
    vkey = (await bot.person(vera)).row.anon_key
    coffee = await occurrence_id(bot, "top", "Coffee and chat (drop-in)", MONDAY.date())
    letters = await occurrence_id(bot, "top", "Help with letters and forms", MONDAY.date())
    referral = await bot.db.fetchval("SELECT id FROM help_referrals")
    checkin = await bot.db.fetchval("SELECT id FROM checkins")
    rows = await bot.db.fetchall(
        "SELECT person_key, room, category, source, source_id, occurred_on, quantity"
        " FROM participation WHERE person_key IS NOT ? ORDER BY source, source_id", (vkey,))
    assert sorted((tuple(r) for r in rows), key=str) == sorted([
        (key, "top", "sociale_ontmoeting", "activity", f"occ:{coffee}:2026-11-30",
         "2026-11-30", 1),
        ("walkin:top:AB12", "top", "sociale_ontmoeting", "activity",
         f"occ:{coffee}:2026-11-30", "2026-11-30", 1),
        (None, "top", "sociale_ontmoeting", "activity", f"occ:{coffee}:2026-11-30",
         "2026-11-30", 2),
        (key, "top", "formulieren", "activity", f"occ:{letters}:2026-11-30", "2026-11-30", 1),
        (key, "top", "contact", "checkin", str(checkin), "2026-11-30", 1),
        (key, "top", "formulieren", "help", str(letter), "2026-11-30", 1),
        (key, "top", "schulden", "help", str(debts), "2026-11-30", 1),
        (key, "top", "referral", "referral", str(referral), "2026-11-30", 1),
        (key, "top", "sociale_ontmoeting", "meal", str(meal.id), "2026-12-01", 2),
    ], key=str)
    # The volunteer's own work counts once as an active volunteer, never as a participant.
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE person_key = ? AND category != 'volunteer'",
        (vkey,)) == 0


async def test_rapport_and_cli_count_real_records_and_erasure_keeps_the_past(
    bot: BotHarness, monkeypatch, tmp_path: Path, capsys,
) -> None:
    vera, fatima, *_ = await a_real_week(bot)
    # In another room: the command line below reads the example settings, where this
    # coordinator is not one, so at De Verbinding they would count as a new resident.
    coordinator = await bot.coordinator(room="verbinding")
    summary = await rapport(coordinator, "Dit jaar")
    assert "TOP:" in summary.text
    pdf = await coordinator.next_message()
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(bot.sandbox.document_bytes(pdf))).pages[0].extract_text()
    # Fatima and walk-in AB12 at the coffee morning and dinner: 2 unique (not 6 visits).
    assert "Sociale ontmoeting: babbeluur, inloop, eettafels, ontbijt, handwerken Uniek # 200 2" \
        in text.replace("\n", " ")
    for name in ("Fatima", "Vera", "Hanna", "AB12"):
        assert not re.search(rf"\b{name}\b", summary.text + text), name

    async def cli_csv() -> dict[tuple[str, str], dict[str, str]]:
        monkeypatch.setattr("bot.cli_report.Clock", lambda: bot.clock)
        monkeypatch.setenv("BUURTBOT_DB", bot.config.database)
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["--config", str(ROOT / "buurtbot.example.toml"),
                                              "report", "--from", "2026-11-01",
                                              "--to", "2026-12-31", "--lang", "en"])
        assert code == 0
        out = capsys.readouterr().out.lstrip("\ufeff")
        data = csv.DictReader(io.StringIO(out))
        return {(r["Room"], r["Indicator key"]): {k: v for k, v in r.items()
                                                   if k not in ("Period end", "Source",
                                                                "Target for this period",
                                                                "Status")}
                for r in data}

    def check(cells: dict[tuple[str, str], dict[str, str]]) -> None:
        def cell(row: str, column: str = "Realised", room: str = "TOP") -> str:
            return cells[(room, row)][column]

        assert cell("sociale_ontmoeting") == "2"
        assert cell("anonymous_visits") == "2"  # counted-only walk-ins: visits, not people
        assert cell("formulieren") == "1"
        assert cell("schulden") == "1"
        assert cell("taal") == "0" and cell("werk") == "0"
        assert cell("total") == "2" and cell("total", "Target (year)") == "400"
        assert cell("referrals") == "1"
        assert cell("partners") == "1"
        assert cell("first_contact") == "2"  # Fatima and walk-in AB12; not the volunteer
        assert cell("total", room="Hart voor Leidsche Rijn") == "0"
        assert cell("first_contact", room="Hart voor Leidsche Rijn") == "1"  # Hanna registered
        assert cell("total", room="All BuurtWerkKamers") == "2"

    before = await cli_csv()
    check(before)

    # Fatima erases everything; her visits in the earlier period still count.
    bot.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=TZ))
    fatima.chat.skip_pending()
    await fatima.send("/vergeetmij")
    assert "niet ongedaan" in (await fatima.next_message()).text
    await fatima.press("Ja, wis alles")
    assert "gewist" in (await fatima.next_edit()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE display_name = 'Fatima'") == 0
    after = await cli_csv()
    check(after)
    assert after == before
    # And she is gone from the volunteer's /turf list.
    vera.chat.skip_pending()
    await vera.send("/turf")
    await vera.next_message()
    await vera.press("➕ Een andere activiteit")
    await vera.next_edit()
    await vera.press("Nederlandse taal")
    listing = await vera.next_edit()
    assert "Fatima" not in labels(listing) and "Fatima" not in listing.text

    # The spreadsheet /rapport sends holds the same numbers after the erasure.
    coordinator.chat.skip_pending()
    summary = await rapport(coordinator, "Dit jaar")
    await coordinator.next_message()  # the PDF
    await coordinator.press("📊 Ook als spreadsheet (XLSX)", message=summary)
    sheet = await coordinator.next_message()
    data = bot.sandbox.document_bytes(sheet)
    book = openpyxl.load_workbook(io.BytesIO(data))
    table = {row[0].split(":")[0]: row[1:] for row in book["TOP"].iter_rows(values_only=True)
             if row[0]}
    assert table["Totaal unieke deelnemers aan een activiteit of dienst"][3] == 2
    assert table["Sociale ontmoeting"][3] == 2
