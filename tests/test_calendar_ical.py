"""iCalendar, summer/winter time, the printable page and ``buurtbot calendar``."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.clock import FrozenClock
from bot.i18n import translator
from bot.services.calendar_programme import ProgrammeError, load_programme
from bot.services.calendar_render import ics
from tests.auxil.calendar import at, events, parse_ics
from tests.auxil.harness import ROOT, BotHarness

UTC = ZoneInfo("UTC")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(date(2026, 3, 2), 9))  # a Monday before summer time starts


@pytest.mark.parametrize("first_monday", [date(2026, 3, 23), date(2026, 10, 19)])
async def test_dst_weeks_keep_local_times_in_entries_and_ics(bot: BotHarness,
                                                             first_monday: date) -> None:
    calendar = bot.services.calendar
    await calendar.add_series(room="top", title="Avondeten", category="sociale_ontmoeting",
                              days=[6, 0], start_time=time(17, 30), duration_min=90,
                              signup=False, capacity=None, starts_on=date(2026, 3, 2))
    start = at(first_monday, 0)
    entries = [e for e in await calendar.entries("top", start, start + timedelta(weeks=2))
               if e.title == "Avondeten"]
    # Sunday 29 March / 25 October is the switch; the Sunday before and the Monday after.
    assert [e.starts_at.date() for e in entries] == [first_monday,
                                                     first_monday + timedelta(days=6),
                                                     first_monday + timedelta(days=7),
                                                     first_monday + timedelta(days=13)]
    assert all(e.starts_at.timetz().replace(tzinfo=None) == time(17, 30) for e in entries)
    assert all(e.ends_at - e.starts_at == timedelta(minutes=90) for e in entries)
    utc_hours = {e.starts_at.astimezone(UTC).hour for e in entries}
    assert utc_hours == {15, 16}  # the same local time is a different UTC time after the switch
    room = bot.config.rooms["top"]
    cal = parse_ics(ics(translator("nl"), room, entries, bot.clock.now()))
    for event in events(cal):
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert event["DTSTART"].to_ical() == event.decoded("DTSTART").strftime(
            "%Y%m%dT173000").encode()
        assert event.decoded("DTSTART").utcoffset() == event.decoded("DTSTART").astimezone(
            ZoneInfo("Europe/Amsterdam")).utcoffset()
    # The VTIMEZONE lets a phone place 17:30 right on both sides of the switch.
    tz = cal.walk("VTIMEZONE")[0]
    assert tz["TZID"] == "Europe/Amsterdam" and tz.walk("DAYLIGHT") and tz.walk("STANDARD")
    for event in events(cal):
        local = event.decoded("DTSTART").astimezone(ZoneInfo("Europe/Amsterdam"))
        assert (local.hour, local.minute) == (17, 30)


async def test_ics_marks_cancelled_and_includes_address(bot: BotHarness) -> None:
    calendar = bot.services.calendar
    entries = await calendar.occurrences_on("top", date(2026, 3, 3))
    lesson = next(e for e in entries if e.title == "Dutch lessons")
    await calendar.cancel(int(lesson.ref.split(":")[1]))
    entries = await calendar.entries("top", at(date(2026, 3, 2), 0), at(date(2026, 3, 9), 0))
    data = ics(translator("en"), bot.config.rooms["top"], entries, bot.clock.now())
    cal = parse_ics(data)
    cancelled = [e for e in events(cal) if e.get("STATUS") == "CANCELLED"]
    assert [str(e["SUMMARY"]) for e in cancelled] == ["Dutch lessons"]
    assert b"LOCATION:Amsterdamsestraatweg 295\\, 3551 CG Utrecht" in data
    assert all(str(e["UID"]).endswith("@buurtbot.buurtwerkkamers.nl") for e in events(cal))


def _config_file(tmp_path: Path, programme: str | None = None) -> Path:
    text = (ROOT / "buurtbot.example.toml").read_text(encoding="utf-8")
    db = tmp_path / "cli.db"
    text = text.replace('database = "buurtbot.db"', f'database = "{db}"')
    if programme is not None:
        text = text.replace("# programme_file = ", "programme_file = ").replace(
            '"programme.toml"', f'"{programme}"')
    path = tmp_path / "buurtbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_writes_ics(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("BUURTBOT_DB", raising=False)
    config = _config_file(tmp_path)
    out = tmp_path / "top.ics"
    assert main(["--config", str(config), "calendar", "--room", "top", "--weeks", "2",
                 "--output", str(out)]) == 0
    cal = parse_ics(out.read_bytes())
    found = events(cal)
    assert found and {str(e["LOCATION"]) for e in found} == {
        "Amsterdamsestraatweg 295, 3551 CG Utrecht"}
    starts = [e.decoded("DTSTART") for e in found]
    assert max(starts) - min(starts) < timedelta(weeks=2)


def test_cli_print_is_one_a4_page_per_room(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BUURTBOT_DB", raising=False)
    config = _config_file(tmp_path)
    out = tmp_path / "week.html"
    assert main(["--config", str(config), "calendar", "--print", "--week", "2026-12-07",
                 "--output", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "size: A4" in html and "font-size: 17pt" in html
    assert html.count('<section class="room">') == 3
    assert "week 50: 7 december tot en met 13 december" in html
    assert "Nederlandse taalles" in html and "Berlijnplein 522" in html
    one = tmp_path / "top.html"
    assert main(["--config", str(config), "calendar", "--print", "--room", "top", "--lang", "ar",
                 "--week", "2026-12-07", "--output", str(one)]) == 0
    arabic = one.read_text(encoding="utf-8")
    assert 'dir="rtl"' in arabic and arabic.count('<section class="room">') == 1


@pytest.mark.parametrize("argv, message", [
    (["calendar", "--room", "nowhere"], "unknown room 'nowhere'"),
    (["calendar"], "--room is required"),
    (["calendar", "--room", "top", "--weeks", "0"], "--weeks must be between 1 and 52"),
    (["calendar", "--print", "--week", "volgende week"], "--week: expected a date"),
    (["calendar", "--print", "--lang", "fr"], "unknown language 'fr'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch, argv,
                                              message) -> None:
    monkeypatch.delenv("BUURTBOT_DB", raising=False)
    config = _config_file(tmp_path)
    assert main(["--config", str(config), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_programme_file_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "programme.toml"
    bad.write_text('[[activity]]\nroom = "top"\nkey = "x"\ntitle = "Yoga"\n'
                   'category = "sociale_ontmoeting"\ndays = ["mon"]\ntime = "25:00"\n')
    with pytest.raises(ProgrammeError, match=r"activity\[0\]\.time: .*25:00"):
        load_programme(str(bad), {"top"})
    bad.write_text('[[activity]]\nroom = "top"\nkey = "x"\ntitle = "Yoga"\n'
                   'category = "yoga"\ndays = ["mon"]\ntime = "10:00"\n')
    with pytest.raises(ProgrammeError, match="unknown category 'yoga'"):
        load_programme(str(bad), {"top"})
    shipped = load_programme(None, {"top", "hart", "verbinding"})
    assert {a.room for a in shipped.activities} == {"top", "hart", "verbinding"}
    assert not any("eettafel" in a.key for a in shipped.activities)


def test_cli_with_own_programme_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BUURTBOT_DB", raising=False)
    own = tmp_path / "programme.toml"
    own.write_text('[[activity]]\nroom = "top"\nkey = "yoga"\ntitle = "Stoelyoga"\n'
                   'category = "sociale_ontmoeting"\ndays = ["fri"]\ntime = "11:00"\n')
    config = _config_file(tmp_path, programme=str(own))
    out = tmp_path / "top.ics"
    assert main(["--config", str(config), "calendar", "--room", "top", "--output",
                 str(out)]) == 0
    # The room's own programme replaced the shipped one; the eettafel comes from the meals.
    summaries = {str(e["SUMMARY"]) for e in events(parse_ics(out.read_bytes()))}
    assert summaries == {"Stoelyoga", "Eettafel"}


