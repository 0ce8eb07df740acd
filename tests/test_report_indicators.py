"""The offer's performance table (issue 15): the counted indicators, entered values, outputs.

End to end through the sandbox where a person sees it (onboarding's newcomer question, the
volunteer's "found paid work" button, the coordinator's guided entry, /rapport's PDF and
XLSX), the command line for ``report set`` and the files, and the registry for providers.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from bot.cli import main
from bot.clock import TZ
from bot.handlers.report_outcomes import paid_work_button
from bot.i18n import translator
from bot.services import report_pdf, report_render, report_xlsx
from bot.services.indicators import (
    BEHIND,
    ON_TRACK,
    REACHED,
    SURVEY,
    IndicatorValue,
    year_fraction,
)
from tests.auxil.harness import ROOT, BotHarness
from tests.auxil.help_requests import ask_help
from tests.auxil.tally import press_for_answer, record

EXAMPLE = str(ROOT / "buurtbot.example.toml")
TODAY = date(2026, 11, 30)
YEAR = (date(2026, 1, 1), TODAY)


async def table(bot: BotHarness, room: str | None = "top", start=YEAR[0], end=YEAR[1]):
    return await bot.services.indicators.table(room, start, end)


# --- referred residents and newcomers: "x of y" ------------------------------------------------


async def test_referred_residents_are_x_taking_part_of_y_registered(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    came = await bot.resident("Ali", name="Ali")
    stayed_away = await bot.resident("Bea", name="Bea")
    # Ali came via the buurtteam (the volunteer says so on Ali's help request) and takes part.
    request = await ask_help(bot, came)
    await volunteer.press_data(f"help:take:{request}")
    await bot.settle()
    await volunteer.press_data(f"help:fpp:{request}:buurtteam")
    await bot.settle()
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM help_referrals WHERE direction = 'from_partner'") == 1
    # Bea was marked "came via an agency" at intake and has not taken part yet.
    bea = await bot.person(stayed_away)
    await bot.services.indicators.set_mark(bea.id, "referred", "referral")
    row = (await table(bot)).rooms[0].row("referred_residents")
    assert (row.value.value, row.value.of) == (1, 2)
    assert row.target == (10, 20) and row.status == BEHIND
    assert report_render.value_text(translator("nl"), row) == "1 op 2"
    assert report_render.value_text(translator("en"), row) == "1 of 2"
    # Pressing the partner again counts nothing twice.
    await volunteer.press_data(f"help:fpp:{request}:buurtteam")
    await bot.settle()
    row = (await table(bot)).rooms[0].row("referred_residents")
    assert (row.value.value, row.value.of) == (1, 2)
    partners = (await table(bot)).rooms[0].row("partners")
    assert partners.value.value == 1


async def test_newcomer_question_at_onboarding_counts_shows_and_erases(bot: BotHarness) -> None:
    user = bot.user("Samira")
    await bot.onboard(user, room="TOP (Ondiep e.o.)")
    asked = [m for m in user.bot_messages if "nieuw in Nederland" in (m.text or "")]
    assert asked, "the optional newcomer question follows onboarding"
    assert "overslaan" in asked[-1].text
    await user.press("Ja, ik ben nieuw in Nederland", message=asked[-1])
    assert "Welkom" in (await user.next_edit()).text
    await user.press_data("nwk:yes", message=asked[-1])  # twice: once
    await bot.settle()
    person = await bot.person(user)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks WHERE user_id = ?",
                                 (person.id,)) == 1
    other = await bot.resident("Tom", name="Tom")  # never said: not counted as registered
    assert other
    row = (await table(bot)).rooms[0].row("newcomers")
    assert (row.value.value, row.value.of) == (0, 1)
    await record(bot, person.row.anon_key, "top", "taal", "activity", "occ:1:2026-11-30",
                 TODAY)
    row = (await table(bot)).rooms[0].row("newcomers")
    assert (row.value.value, row.value.of) == (1, 1)
    # /mijngegevens shows it; Settings can take it back; /vergeetmij erases it.
    user.chat.skip_pending()
    await user.send("/mijngegevens")
    mine = await user.next_message()
    assert "Geteld in het rapport (zonder uw naam) als: nieuw in Nederland" in mine.text
    await bot.settle()
    user.chat.skip_pending()
    await user.send("/vergeetmij")
    await user.next_message()
    await user.press("Ja, wis alles")
    await user.next_edit()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks") == 0
    row = (await table(bot)).rooms[0].row("newcomers")
    assert (row.value.value, row.value.of) == (0, 0)


async def test_newcomer_from_settings_can_be_skipped_and_undone(bot: BotHarness) -> None:
    user = await bot.resident("Ravi", name="Ravi")

    async def open_question():
        user.chat.skip_pending()
        await user.send("/menu")
        await user.press_data("menu:settings", message=await user.next_message())
        settings = await user.next_edit()
        await user.press("🌍 Nieuw in Nederland?", message=settings)
        return await user.next_edit()

    shown = await open_question()
    assert "niet gemarkeerd" in shown.text
    await user.press("Zeg ik liever niet", message=shown)
    assert "later" in (await user.next_edit()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks") == 0
    await user.press("Ja, ik ben nieuw in Nederland", message=await open_question())
    await user.next_edit()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks") == 1
    shown = await open_question()
    assert "u zei dat u nieuw bent" in shown.text
    await user.press("Nee", message=shown)
    await user.next_edit()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks") == 0
    text, alert = await press_for_answer(bot, user, "nwk:maybe")
    assert alert and "werkt niet meer" in text


# --- found paid work ---------------------------------------------------------------------------


async def test_found_paid_work_is_an_outcome_of_a_work_request(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    other = await bot.volunteer("Olga", name="Olga")
    resident = await bot.resident("Kemal", name="Kemal")
    request = await ask_help(bot, resident, kind="work", text="Hulp bij mijn cv")
    await volunteer.press_data(f"help:take:{request}")
    await bot.settle()
    text, alert = await press_for_answer(bot, volunteer, f"rpt:pw:{request}")
    assert alert and "werkt niet meer" in text  # not done yet: nothing to note
    volunteer.chat.skip_pending()
    await volunteer.press_data(f"help:dn:{request}:helped")
    done = await volunteer.next_edit()
    assert "💼 Heeft betaald werk gevonden" in str(done.raw)
    text, alert = await press_for_answer(bot, other, f"rpt:pw:{request}")
    assert alert and "werkt niet meer" in text  # another volunteer's request
    await volunteer.press("💼 Heeft betaald werk gevonden", message=done)
    assert "betaald werk gevonden" in (await volunteer.next_edit()).text
    text, _alert = await press_for_answer(bot, volunteer, f"rpt:pw:{request}")
    assert "al genoteerd" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_outcomes") == 1
    row = (await table(bot)).rooms[0].row("paid_work")
    assert row.value.value == 1 and row.value.source == "counted"
    # A letter request gets no such button, and a forged one counts nothing.
    letter = await ask_help(bot, await bot.resident("Lotte", name="Lotte"))
    vera = await bot.person(volunteer)
    await bot.services.help.take(vera, letter)
    await bot.services.help.done(vera, letter, "helped")
    row = await bot.services.help.get(letter)
    assert paid_work_button(translator("nl"), row) == []
    text, alert = await press_for_answer(bot, volunteer, f"rpt:pw:{letter}")
    assert alert and "werkt niet meer" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_outcomes") == 1


# --- coordinator-entered values ------------------------------------------------------------------


async def test_coordinator_enters_a_value_in_the_chat(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    coordinator = await bot.coordinator()
    await coordinator.send("/rapport")
    menu = await coordinator.next_message()
    await coordinator.press("✏️ Waarde invoeren", message=menu)
    await coordinator.press("TOP", message=await coordinator.next_edit())
    indicators = await coordinator.next_edit()
    await coordinator.press("Betalende geregistreerde leden bewonersvereniging",
                            message=indicators)
    periods = await coordinator.next_edit()
    await coordinator.press("2026", message=periods)
    asked = await coordinator.next_edit()
    assert "heel getal" in asked.text
    await coordinator.send("veel")
    assert "kan ik hier niet gebruiken" in (await coordinator.next_message()).text
    await coordinator.send("-3")
    assert "kan ik hier niet gebruiken" in (await coordinator.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM indicator_entries") == 0
    await coordinator.send("180")
    stored = await coordinator.next_message()
    assert "Opgeslagen" in stored.text and "180" in stored.text
    await coordinator.send("190")  # the question is over: not stored again
    assert "knoppen" in (await coordinator.next_message()).text
    assert await bot.db.fetchval("SELECT value FROM indicator_entries") == 180
    row = (await table(bot)).rooms[0].row("paying_members")
    assert row.value.value == 180 and row.value.source == "entered"
    assert row.value.entered_by == "coordinator" and row.status == BEHIND
    source = report_render.source_text(translator("nl"), row, await table(bot))
    assert source == "ingevoerd door de coördinator, 30 nov 2026 (voor 2026)", source
    # Again for the same period replaces it (one value, not two).
    await coordinator.press_data("tal:ep:top:paying_members:2026")
    await coordinator.next_edit()
    await coordinator.send("210")
    assert "Vervangen" in (await coordinator.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*), MAX(value) FROM indicator_entries") == 1
    assert (await table(bot)).rooms[0].row("paying_members").status == REACHED
    # A volunteer, forged and counted indicators, future periods: refused, nothing stored.
    await volunteer.send("/menu")
    await volunteer.next_message()
    text, alert = await press_for_answer(bot, volunteer, "tal:ep:top:paying_members:2026")
    assert "coördinator" in text
    for forged in ("tal:ep:top:keyholders:2026", "tal:ep:nowhere:paying_members:2026",
                   "tal:ep:top:paying_members:2031", "tal:ep:top:paying_members:20x6",
                   "tal:ei:top:total", "tal:er:nowhere"):
        text, alert = await press_for_answer(bot, coordinator, forged)
        assert alert and "werkt niet meer" in text, forged
    assert await bot.db.fetchval("SELECT COUNT(*) FROM indicator_entries") == 1


async def test_placements_take_a_short_anonymous_note(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    await coordinator.send("/rapport")
    await coordinator.next_message()
    await coordinator.press_data("tal:ep:top:placements:2026")
    assert "notitie" in (await coordinator.next_edit()).text
    await coordinator.send("3 " + "x" * 250)
    assert "te lang" in (await coordinator.next_message()).text
    # A note is about the place: a phone number or an e-mail address is refused, not stored.
    for personal in ("3 bij Jan, 06-12 34 56 78", "3 jan@example.nl"):
        await coordinator.send(personal)
        assert "Laat telefoonnummers en e-mailadressen uit de notitie" in (
            await coordinator.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM indicator_entries") == 0
    await coordinator.send("3 leerwerkplekken in de tuin")
    await coordinator.next_message()
    assert await bot.db.fetchval("SELECT note FROM indicator_entries") == (
        "leerwerkplekken in de tuin")
    row = (await table(bot)).rooms[0].row("placements")
    assert row.value.value == 3 and row.status == BEHIND


async def cli(*args: str) -> int:
    return await asyncio.to_thread(main, ["--config", EXAMPLE, "report", *args])


async def test_report_set_on_the_command_line(bot: BotHarness, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BUURTBOT_DB", bot.config.database)
    monkeypatch.setattr("bot.cli_report.Clock", lambda: bot.clock)
    assert await cli("set", "--room", "top", "--indicator", "paying_members", "--period",
                     "2026", "--value", "180") == 0
    assert "stored: top paying_members 2026 = 180" in capsys.readouterr().out
    bad = [
        (["--indicator", "keyholders", "--value", "3"], "counted by the bot itself"),
        (["--indicator", "koffie", "--value", "3"], "is not an indicator"),
        (["--indicator", "impact_benefits", "--value", "140"], "a share from 0 to 100"),
        (["--indicator", "budget_deficit", "--value", "misschien"], "positive or negative"),
        (["--indicator", "paying_members", "--value", "2.5"], "a whole number"),
    ]
    for extra, message in bad:
        assert await cli("set", "--room", "top", "--period", "2026", *extra) == 2
        assert message in capsys.readouterr().err
    assert await cli("set", "--room", "top", "--indicator", "paying_members", "--period",
                     "2031", "--value", "1") == 2
    assert "has not started yet" in capsys.readouterr().err
    assert await cli("set", "--room", "nowhere", "--indicator", "paying_members",
                     "--period", "2026", "--value", "1") == 2
    assert await cli("set", "--room", "top", "--indicator", "placements", "--period", "2026",
                     "--value", "3", "--note", "Jan de Vries +31 6 1234 5678") == 2
    assert "phone number or e-mail address" in capsys.readouterr().err
    assert await cli("set", "--room", "top", "--indicator", "paying_members") == 2
    assert "missing --period, --value" in capsys.readouterr().err
    assert await cli("set", "--room", "top", "--indicator", "budget_deficit", "--period",
                     "2026-Q3", "--value", "positief") == 0
    capsys.readouterr()
    rows = await bot.db.fetchall("SELECT indicator, period_key, value, entered_role"
                                 " FROM indicator_entries ORDER BY indicator")
    assert [tuple(r) for r in rows] == [("budget_deficit", "2026-Q3", 1.0, "coordinator"),
                                        ("paying_members", "2026", 180.0, "coordinator")]
    # Shown in the report as entered, for the period it was entered for.
    q3 = await table(bot, "top", date(2026, 7, 1), date(2026, 9, 30))
    assert q3.rooms[0].row("budget_deficit").status == REACHED
    members = q3.rooms[0].row("paying_members")
    assert members.value.value == 180 and members.entered_for == "2026"
    assert "(voor 2026)" in report_render.source_text(translator("nl"), members, q3)


# --- providers, surveys, pro rata ------------------------------------------------------------


async def test_registered_provider_wins_unless_it_has_no_data(bot: BotHarness) -> None:
    indicators = bot.services.indicators
    answers = {"n": 3}

    async def confidence(conn, room, start, end) -> IndicatorValue:
        return IndicatorValue(62.5, SURVEY, n=answers["n"])

    async def satisfaction(conn, room, start, end) -> IndicatorValue:
        return IndicatorValue(None, SURVEY)

    indicators.register("impact_confidence", confidence)
    indicators.register("partner_satisfaction", satisfaction)
    with pytest.raises(KeyError):
        indicators.register("koffie", confidence)
    await indicators.enter(room="top", indicator="partner_satisfaction", start=date(2026, 1, 1),
                           end=date(2026, 12, 31), period_key="2026", text="8,4")
    report = await table(bot)
    row = report.rooms[0].row("impact_confidence")
    t = translator("nl")
    assert row.too_few_answers and row.status is None
    assert report_render.value_text(t, row) == "te weinig antwoorden"
    assert "62" not in report_render.to_csv(t, report).decode("utf-8").split(
        "impact_confidence")[1].split("\n")[0]
    answers["n"] = 6
    row = (await table(bot)).rooms[0].row("impact_confidence")
    assert report_render.value_text(t, row) == "62,5%" and row.status == REACHED
    assert report_render.source_text(t, row, report) == "enquête, n = 6"
    partner = report.rooms[0].row("partner_satisfaction")
    assert partner.value.value == 8.4 and partner.value.source == "entered"
    assert partner.status == REACHED


async def test_shorter_periods_compare_with_the_pro_rata_target(bot: BotHarness) -> None:
    bob = await bot.resident("Bob", name="Bob")
    key = (await bot.person(bob)).row.anon_key
    await record(bot, key, "top", "formulieren", "help", "h1", date(2026, 2, 3))
    for i in range(40):
        await record(bot, f"walkin:top:A{i}B", "top", "formulieren", "activity",
                     f"x:{i}", date(2026, 3, 1))
    q1 = await table(bot, "top", date(2026, 1, 1), date(2026, 3, 31))
    row = q1.rooms[0].row("formulieren")
    assert row.value.value == 41 and round(row.period_target) == 37  # 150 * 90 / 365
    assert row.status == ON_TRACK
    nl = report_render.status_text(translator("nl"), row, q1)
    assert nl == "op koers: jaardoel 150; voor dit kwartaal op koers: 37"
    social = q1.rooms[0].row("sociale_ontmoeting")
    assert social.status == BEHIND
    # A stock (keyholders, members) is not pro rata; a whole year needs the whole target.
    assert q1.rooms[0].row("paying_members").period_target is None
    year = await table(bot, "top", date(2025, 1, 1), date(2025, 12, 31))
    assert year.rooms[0].row("formulieren").period_target is None
    assert year_fraction(date(2025, 1, 1), date(2025, 12, 31)) == 1.0


# --- the files ---------------------------------------------------------------------------


async def _people_and_data(bot: BotHarness) -> list[str]:
    """Residents with names, phones and Telegram ids who took part; what must never leak."""
    secrets: list[str] = []
    for name, phone in (("Zeynep Yılmaz", "0612345678"), ("Mohammed Haddad", "0687654321")):
        user = await bot.resident(name.split()[0], name=name)
        person = await bot.person(user)
        await bot.db.execute("UPDATE users SET phone = ? WHERE id = ?", (phone, person.id))
        await record(bot, person.row.anon_key, "top", "taal", "activity", "occ:3:2026-11-02",
                     date(2026, 11, 2))
        await bot.services.indicators.set_mark(person.id, "newcomer", "self")
        secrets += [name, name.split()[0], phone, person.row.anon_key, str(user.id)]
    await bot.services.indicators.enter(room="top", indicator="placements",
                                        start=date(2026, 1, 1), end=date(2026, 12, 31),
                                        period_key="2026", text="2")
    return secrets


def _pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


async def test_pdf_one_a4_page_per_room_and_a_summary(bot: BotHarness) -> None:
    secrets = await _people_and_data(bot)
    report = await table(bot, None)
    data = report_pdf.to_pdf(translator("nl"), report)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4  # TOP, Hart, De Verbinding, all rooms
    for page in reader.pages:
        width, height = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert (round(width), round(height)) == (595, 842)  # A4
    fonts = [f for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert all("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()[
        "/FontDescriptor"] for f in fonts), "fonts are embedded"
    pages = _pdf_text(data)
    for page, name in zip(pages, ("TOP", "Hart voor Leidsche Rijn", "De Verbinding",
                                  "Alle BuurtWerkKamers"), strict=True):
        flat = page.replace("\n", " ")
        assert f"Prestatietabel BuurtWerkKamer: {name}" in flat
        for block in ("IMPACT: effecten", "OUTPUT: resultaten", "PROCES: activiteiten",
                      "INPUT: middelen"):
            assert block in flat
        assert "Bron: geteld door de bot" in flat  # the legend
        assert "2026" in flat
    top = pages[0].replace("\n", " ")
    assert "Nieuwe bewoners in de wijk" in top and "2 op 2" in top
    assert "Sleutelbeheerders Aantal 20 geen gegevens" in top
    assert "ingevoerd door de coördinator" in top
    english = _pdf_text(report_pdf.to_pdf(translator("en"), report))
    assert "Performance table BuurtWerkKamer: All BuurtWerkKamers" in english[3]
    everything = " ".join(pages + english)
    for secret in secrets:
        assert secret not in everything, secret


async def test_xlsx_prints_on_a4_with_numbers_as_numbers(bot: BotHarness) -> None:
    secrets = await _people_and_data(bot)
    report = await table(bot, None)
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx.to_xlsx(translator("nl"), report)))
    assert book.sheetnames == ["Overzicht", "TOP", "Hart voor Leidsche Rijn", "De Verbinding"]
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 1)
        assert sheet.print_title_rows.replace("$", "") == "4:4"
        assert sheet.column_dimensions["A"].width >= 50
        assert all(sheet.column_dimensions[c].width >= 12 for c in "BCDEFG")
        assert sheet.cell(1, 1).value.startswith("Prestatietabel BuurtWerkKamer")
        labels = [sheet.cell(r, 1) for r in range(5, sheet.max_row + 1)]
        assert all(c.alignment.wrap_text for c in labels if c.value and not c.font.bold)
    top = book["TOP"]
    rows = {str(r[0].value).split(":")[0]: [c.value for c in r]
            for r in top.iter_rows(min_row=5) if r[0].value}
    language = rows["Nederlandse taal"]
    assert language[2] == 50 and language[4] == 2 and isinstance(language[4], int)
    newcomers = rows["Nieuwe bewoners in de wijk, zoals statushouders, doen mee als deelnemer "
                     "of vrijwilliger"]
    assert newcomers[2:6] == [5, None, 2, 2]
    assert rows["Sociale ontmoeting"][3] == round(200 * 334 / 365)  # to 30 November
    cells = " ".join(str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r)
    for secret in secrets:
        assert secret not in cells, secret


async def test_csv_and_markdown_hold_no_personal_data(bot: BotHarness) -> None:
    secrets = await _people_and_data(bot)
    report = await table(bot, None)
    for lang in ("nl", "en", "tr", "ar"):
        t = translator(lang)
        raw = report_render.to_csv(t, report)
        assert raw.startswith("\ufeff".encode())
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";" if lang == "nl" else ","))
        assert len({len(r) for r in rows}) == 1  # every line has every column
        assert len(rows) == 1 + 4 * 29
        markdown = report_render.to_markdown(t, report)
        for secret in secrets:
            assert secret not in text and secret not in markdown, (lang, secret)
    turkish = report_render.to_csv(translator("tr"), report).decode("utf-8")
    assert "Gösterge" in turkish and "BuurtWerkKamer" in turkish
    assert re.search(r"\bnewcomers\b", turkish)


async def test_rapport_sends_the_pdf_first_and_the_xlsx_on_request(bot: BotHarness) -> None:
    await _people_and_data(bot)
    coordinator = await bot.coordinator()
    bot.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    await coordinator.send("/rapport")
    await coordinator.next_message()
    await coordinator.press("Dit kwartaal")
    await coordinator.press("TOP", message=await coordinator.next_edit())
    summary = await coordinator.next_edit()
    assert "Prestatietabel: kwartaal 4 van 2026 (tot en met 30 november 2026)" in summary.text
    pdf = await coordinator.next_message()
    assert pdf.document["file_name"] == "buurtbot-rapport-2026-Q4-top.pdf"
    pages = _pdf_text(bot.sandbox.document_bytes(pdf))
    assert len(pages) == 1 and "voor dit kwartaal op koers" in pages[0].replace("\n", " ")
    await coordinator.press("📊 Ook als spreadsheet (XLSX)", message=summary)
    sheet = await coordinator.next_message()
    book = openpyxl.load_workbook(io.BytesIO(bot.sandbox.document_bytes(sheet)))
    assert book.sheetnames == ["TOP"]


def test_example_config_holds_the_offers_targets() -> None:
    from bot.config import load_config
    from bot.indicators_catalog import KEYS, OFFER_TARGETS

    config = load_config(Path(EXAMPLE), env={})
    for room in ("top", "hart", "verbinding"):
        assert config.rooms[room].targets == OFFER_TARGETS[room]
        assert set(config.rooms[room].targets) == set(KEYS)
    assert len(KEYS) == 27
    assert OFFER_TARGETS["top"]["schulden"] == 20 and OFFER_TARGETS["hart"]["klussen"] == 10


async def test_volunteer_marks_a_newcomer_with_consent(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    other = await bot.volunteer("Olga", name="Olga")
    resident = await bot.resident("Amal", name="Amal")
    request = await ask_help(bot, resident)
    text, alert = await press_for_answer(bot, other, f"rpt:nc:{request}")
    assert alert and "werkt niet meer" in text  # nobody holds it yet: no details, no mark
    volunteer.chat.skip_pending()
    await volunteer.press_data(f"help:take:{request}")
    detail = await volunteer.next_edit()  # the request's details, with its buttons
    await volunteer.press("🌍 Nieuw in Nederland (bewoner is akkoord)", message=detail)
    asked = await volunteer.next_edit()
    assert "Vraag het eerst aan de bewoner" in asked.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM person_marks") == 0
    # The resident hears that Vera took the request (paced: one message a second per chat).
    assert "opgepakt" in (await resident.next_message()).text
    await volunteer.press("Ja, de bewoner is akkoord", message=asked)
    assert "Genoteerd" in (await volunteer.next_edit()).text
    told = await resident.next_message()
    assert "vrijwilliger genoteerd dat u nieuw bent in Nederland" in told.text
    await volunteer.press_data(f"rpt:ncy:{request}", message=asked)
    assert "al genoteerd" in (await volunteer.next_edit()).text
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM person_marks WHERE mark = 'newcomer' AND marked_by = 'volunteer'"
    ) == 1
    text, alert = await press_for_answer(bot, other, f"rpt:ncy:{request}")
    assert alert and "werkt niet meer" in text
    row = (await table(bot)).rooms[0].row("newcomers")
    assert row.value.of == 1


@pytest.mark.parametrize(("typed", "value"), [
    ("positief", 1.0), ("так", 1.0), ("Позитивно", 1.0), ("negatief", 0.0), ("ні", 0.0),
    ("негативно", 0.0),
])
def test_the_budget_answer_may_be_typed_in_the_coordinators_language(typed, value) -> None:
    from bot.indicators_catalog import BY_KEY
    from bot.services.indicators import parse_value

    assert parse_value(BY_KEY["budget_control"], typed) == value


def test_the_pdf_is_made_in_ukrainian_with_dejavu_and_in_dutch_without(monkeypatch) -> None:
    assert report_pdf.pdf_language("ar") == "nl"
    if report_pdf._dejavu() is not None:
        assert report_pdf.pdf_language("uk") == "uk"
    monkeypatch.setattr(report_pdf, "_dejavu", lambda: None)
    assert [report_pdf.pdf_language(code) for code in ("nl", "en", "tr", "uk")] == [
        "nl", "en", "nl", "nl"]


async def test_spreadsheet_and_csv_keep_the_offers_of_target_and_the_hours(bot: BotHarness
                                                                           ) -> None:
    """A funder reads "10 op 20" and the volunteers' hours a year in every format, not only in
    the PDF: the target's "op 20" and "gemiddeld 6 uur per jaar" were lost in XLSX and CSV."""
    volunteer = await bot.person(await bot.volunteer())
    await bot.services.volunteer_work.record_hours(volunteer, "2026-W48", 5.0, "typed")
    report = await table(bot, "top")
    nl = translator("nl")
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx.to_xlsx(nl, report)))
    rows = {str(r[0].value): r for r in book["TOP"].iter_rows(min_row=5) if r[0].value}
    referred = next(r for label, r in rows.items() if label.startswith("Bewoners doorverwezen"))
    assert referred[2].value == 10 and isinstance(referred[2].value, int)
    assert referred[2].number_format == '0" op 20"'  # shows "10 op 20", stays a number
    assert report_xlsx._of_format(translator("en"), 10) == '0" of 10"'
    assert report_xlsx._of_format(translator("tr"), 20) == '"20 içinde "0'  # "20 içinde 10"
    active = next(r for label, r in rows.items() if label.startswith("Actieve vrijwilligers ("))
    assert active[4].value == 1
    assert "gemiddeld 6 uur per jaar; streven 250" in active[7].value
    data = report_render.to_csv(nl, report).decode("utf-8")
    csv_rows = {r["Indicatorcode"]: r for r in csv.DictReader(io.StringIO(data[1:]),
                                                              delimiter=";")}
    assert csv_rows["referred_residents"]["Doel (jaar)"] == "10"
    assert csv_rows["referred_residents"]["Doel: op (aangemeld)"] == "20"
    assert csv_rows["newcomers"]["Doel: op (aangemeld)"] == "10"
    assert csv_rows["keyholders"]["Doel: op (aangemeld)"] == ""
    assert csv_rows["active_volunteers"]["Gerealiseerd"] == "1"
    assert "gemiddeld 6 uur per jaar" in csv_rows["active_volunteers"]["Bron"]
    # A custom period's dates are said once under the title, not twice.
    custom = _pdf_text(report_pdf.to_pdf(nl, report))[0].replace("\n", " ")
    assert custom.count("1 januari 2026") == 1, custom[:300]
    assert book["TOP"].cell(2, 1).value.count("1 januari 2026") == 1


async def test_xlsx_rows_are_as_high_as_their_wrapped_labels(bot: BotHarness) -> None:
    """LibreOffice and Excel do not grow a row for wrapped text in a file they did not write:
    without a height a long label ran over the next row (seen in LibreOffice's print)."""
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx.to_xlsx(
        translator("nl"), await table(bot, None))))
    for sheet in book.worksheets:
        width = sheet.column_dimensions["A"].width
        long_labels = 0
        for r in range(report_xlsx.HEADER_ROW, sheet.max_row + 1):
            for col in ("A", "B", "H"):
                cell = sheet[f"{col}{r}"]
                merged = any(cell.coordinate in m for m in sheet.merged_cells.ranges)
                if isinstance(cell.value, str) and cell.alignment.wrap_text and not merged:
                    lines = -(-len(cell.value) // int(sheet.column_dimensions[col].width))
                    height = sheet.row_dimensions[r].height
                    assert height and height >= lines * report_xlsx.LINE_HEIGHT, (
                        sheet.title, cell.coordinate, cell.value)
            label = sheet[f"A{r}"].value
            long_labels += isinstance(label, str) and len(label) > width
        assert long_labels >= 5, sheet.title  # the offer's labels do need two lines


async def test_coordinators_are_left_out_of_the_newcomer_count_by_their_address(
        bot: BotHarness) -> None:
    """The config names coordinators by Telegram id; the store finds them by address."""
    from bot.store import indicators as indicator_store
    from tests.auxil.harness import COORDINATOR_ID

    coordinator = await bot.person(await bot.coordinator())
    resident = await bot.person(await bot.resident())
    for person in (coordinator, resident):
        await bot.services.indicators.set_mark(person.id, "newcomer", "self")
    today = bot.clock.now().date()
    async with bot.db.transaction() as conn:
        everyone = await indicator_store.marked_taking_part(
            conn, "newcomer", ["top"], today, today)
        residents = await indicator_store.marked_taking_part(
            conn, "newcomer", ["top"], today, today, exclude_telegram_ids=[COORDINATOR_ID])
    assert (everyone[1], residents[1]) == (2, 1)
