"""``buurtbot report``: the performance table as CSV and Markdown; clear errors, exit code 2."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from tests.auxil.harness import ROOT, BotHarness
from tests.auxil.tally import seed_2021

EXAMPLE = str(ROOT / "buurtbot.example.toml")


@pytest.fixture
async def seeded(bot: BotHarness, monkeypatch) -> BotHarness:
    await seed_2021(bot)
    monkeypatch.setenv("BUURTBOT_DB", bot.config.database)
    return bot


async def cli(*args: str) -> int:
    return await asyncio.to_thread(main, ["--config", EXAMPLE, "report", *args])


def csv_rows(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so spreadsheets read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


async def test_csv_to_stdout_holds_the_worked_answer(seeded, capsysbinary) -> None:
    assert await cli("--year", "2021", "--lang", "en") == 0
    out = capsysbinary.readouterr().out
    data = csv_rows(out)
    assert {r["Room"] for r in data} == {"TOP", "Hart voor Leidsche Rijn", "De Verbinding",
                                          "All BuurtWerkKamers"}
    top = {r["Indicator key"]: r for r in data if r["Room"] == "TOP"}
    assert top["sociale_ontmoeting"]["Realised"] == "3"
    assert top["sociale_ontmoeting"]["Target (year)"] == "200"
    assert top["sociale_ontmoeting"]["Status"] == "behind"
    assert top["klussen"]["Realised"] == "5"  # counted per job
    assert top["total"]["Realised"] == "4"
    assert top["first_contact"]["Realised"] == "3"
    assert top["anonymous_visits"]["Realised"] == "8"  # visits, not in the people counts
    assert top["referrals"]["Realised"] == "1"
    assert top["paying_members"]["Realised"] == "not entered yet"
    assert top["referred_residents"]["Target (year)"] == "10"
    everyone = {r["Indicator key"]: r for r in data if r["Room"] == "All BuurtWerkKamers"}
    assert everyone["total"]["Realised"] == "5"
    assert everyone["total"]["Target (year)"] == "900"
    assert data[0]["Period start"] == "2021-01-01" and data[0]["Period end"] == "2021-12-31"
    assert len([r for r in data if r["Room"] == "TOP"]) == 27 + 2
    for name in ("Anna", "Bilal", "Dirk", "AB12", "walkin"):
        assert name.encode() not in out


async def test_dutch_csv_is_for_dutch_excel(seeded, tmp_path: Path, capsys) -> None:
    target = tmp_path / "rapport.csv"
    assert await cli("--year", "2021", "--room", "top", "--output", str(target)) == 0
    capsys.readouterr()
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    data = csv_rows(raw, delimiter=";")
    assert "Gerealiseerd" in data[0] and "Doel (jaar)" in data[0]
    rows = {r["Indicatorcode"]: r for r in data}
    assert rows["formulieren"]["Gerealiseerd"] == "1"
    assert rows["formulieren"]["Status"] == "achter"
    assert await cli("--year", "2021", "--room", "top", "--lang", "tr", "--csv-style",
                     "excel-nl", "--output", str(target)) == 0
    capsys.readouterr()
    turkish = csv_rows(target.read_bytes(), delimiter=";")
    assert any("Gösterge" in key for key in turkish[0])


async def test_markdown_month_quarter_and_custom(seeded, capsysbinary) -> None:
    assert await cli("--month", "2021-01", "--room", "top", "--format", "md") == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert out.startswith("# Prestatietabel: januari 2021"), out
    assert "## TOP" in out and "Hart" not in out
    assert "| **IMPACT: effecten** |" in out
    assert "jaardoel 200; voor deze maand op koers: 17" in out  # 200 / 12, rounded
    assert await cli("--quarter", "2021-Q1", "--room", "top", "--lang", "en") == 0
    q1 = {r["Indicator key"]: r for r in csv_rows(capsysbinary.readouterr().out)}
    assert q1["klussen"]["Realised"] == "1"
    assert q1["sociale_ontmoeting"]["Target for this period"] == "49"  # 200 * 90/365
    assert await cli("--from", "1-11-2021", "--to", "2021-12-31", "--room", "hart",
                     "--lang", "en") == 0
    nov = {r["Indicator key"]: r for r in csv_rows(capsysbinary.readouterr().out)}
    assert nov["total"]["Realised"] == "1"


async def test_mistakes_get_one_line_and_exit_code_2(seeded, capsys) -> None:
    future = date.today().year + 1
    assert await cli("--year", str(future)) == 2
    assert "has not started yet" in capsys.readouterr().err
    assert await cli("--year", "2019") == 0  # a table without records: said, still made
    assert "no participation was recorded" in capsys.readouterr().err
    assert await cli("--year", "2021", "--room", "nowhere") == 2
    assert "unknown room 'nowhere'" in capsys.readouterr().err
    assert await cli("--month", "2021-13") == 2
    assert "not a valid period" in capsys.readouterr().err
    assert await cli("--year", "2021", "--month", "2021-03") == 2
    assert "exactly one period" in capsys.readouterr().err
    assert await cli("--from", "2021-03-01") == 2
    assert "go together" in capsys.readouterr().err
    assert await cli("--from", "31-2-2021", "--to", "2021-03-31") == 2
    assert "not a date" in capsys.readouterr().err
    assert await cli("--from", "2021-03-31", "--to", "2021-03-01") == 2
    assert "before --from" in capsys.readouterr().err


def test_missing_database_is_a_clear_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BUURTBOT_DB", str(tmp_path / "none.db"))
    assert main(["--config", EXAMPLE, "report", "--year", "2021"]) == 2
    assert "database not found" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


async def test_pdf_run_prints_one_line_not_the_font_library_log(seeded, tmp_path: Path, capsys,
                                                                caplog) -> None:
    """fpdf2's font subsetting logs every glyph at INFO (fontTools): not for an operator."""
    caplog.set_level(logging.INFO)
    target = tmp_path / "rapport.pdf"
    assert await cli("--year", "2021", "--format", "pdf", "--output", str(target)) == 0
    assert target.read_bytes().startswith(b"%PDF")
    captured = capsys.readouterr()
    assert "written:" in captured.out + captured.err
    noise = [r for r in caplog.records if r.name.startswith("fontTools")]
    assert not noise, noise[0].getMessage()
