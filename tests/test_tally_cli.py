"""``buurtbot report``: CSV, Markdown and XLSX with the same numbers; clear errors, exit code 2."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
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


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_to_stdout_holds_the_worked_answer(seeded, capsys) -> None:
    assert await cli("--year", "2021") == 0
    out = capsys.readouterr().out
    data = csv_rows(out)
    assert {r["room"] for r in data} == {"top", "hart", "verbinding", "all"}
    top = {r["row"]: r for r in data if r["room"] == "top"}
    assert top["sociale_ontmoeting"]["unique_residents"] == "3"
    assert top["sociale_ontmoeting"]["anonymous_walk_ins"] == "5"
    assert top["sociale_ontmoeting"]["count"] == "11"
    assert top["sociale_ontmoeting"]["target"] == "200"
    assert top["total"]["unique_residents"] == "4"
    assert top["total"]["percent_of_target"] == "1"
    assert top["new_residents"]["unique_residents"] == "3"
    assert top["klussen"]["percent_of_target"] == "8"  # 5 jobs of 60
    everyone = {r["row"]: r for r in data if r["room"] == "all"}
    assert everyone["total"]["unique_residents"] == "5"
    assert data[0]["period_start"] == "2021-01-01" and data[0]["period_end"] == "2021-12-31"
    for name in ("Anna", "Bilal", "Dirk", "AB12"):
        assert name not in out


async def test_xlsx_holds_the_same_numbers_as_the_csv(seeded, tmp_path: Path, capsys) -> None:
    xlsx = tmp_path / "rapport.xlsx"
    csv_file = tmp_path / "rapport.csv"
    assert await cli("--year", "2021", "--format", "xlsx", "--output", str(xlsx)) == 0
    assert await cli("--year", "2021", "--output", str(csv_file)) == 0
    capsys.readouterr()
    data = csv_rows(csv_file.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Overzicht", "TOP", "Hart voor Leidsche Rijn", "De Verbinding"]
    sheets = {"all": book["Overzicht"], "top": book["TOP"],
              "hart": book["Hart voor Leidsche Rijn"], "verbinding": book["De Verbinding"]}
    checked = 0
    for room, sheet in sheets.items():
        expected = [r for r in data if r["room"] == room]
        found = []
        for values in sheet.iter_rows(min_row=5, max_row=4 + len(expected), values_only=True):
            found.append(values[:6])
        for want, got in zip(expected, found, strict=True):
            assert got[0] == want["label"]
            for col, key in enumerate(("unique_residents", "anonymous_walk_ins", "count",
                                       "target"), start=1):
                assert ("" if got[col] is None else str(got[col])) == want[key], (room, want)
                checked += 1
            pct = "" if got[5] is None else str(round(got[5] * 100))
            assert pct == want["percent_of_target"]
    assert checked == 4 * 12 * 4
    # The summary's per-room overview matches the room sheets.
    overview = book["Overzicht"]
    names = [overview.cell(r, 1).value for r in range(1, overview.max_row + 1)]
    top_row = names.index("TOP") + 1
    assert overview.cell(top_row, 2).value == 3  # sociale ontmoeting unique at TOP


async def test_markdown_month_quarter_and_custom(seeded, capsys) -> None:
    assert await cli("--month", "2021-01", "--room", "top", "--format", "md") == 0
    out = capsys.readouterr().out
    assert out.startswith("# Deelnamerapport: januari 2021"), out
    assert "| Ontmoeting | 3 | 5 | 10 | 200 | 2% |" in out
    assert "## TOP" in out and "Hart" not in out
    assert await cli("--quarter", "2021-Q1", "--room", "top") == 0
    q1 = {r["row"]: r for r in csv_rows(capsys.readouterr().out)}
    assert q1["klussen"]["count"] == "1"
    assert await cli("--from", "1-11-2021", "--to", "2021-12-31", "--room", "hart") == 0
    nov = {r["row"]: r for r in csv_rows(capsys.readouterr().out)}
    assert nov["total"]["unique_residents"] == "1"


async def test_mistakes_get_one_line_and_exit_code_2(seeded, capsys) -> None:
    future = date.today().year + 1
    assert await cli("--year", str(future)) == 2
    assert "has not started yet" in capsys.readouterr().err
    assert await cli("--year", "2019") == 2
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
