"""Unknown keys in the settings file are refused, with the key's full path and a suggestion.

A coordinator who types ``meal_cpa = 10`` must hear about it at start-up, not discover weeks
later that the eettafel still has 12 places.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "buurtbot.example.toml"

#: (text in the example, replacement, expected "path: problem" in the one-line error)
TYPOS = [
    ("[privacy]", "[privay]", "privay: unknown setting; did you mean 'privacy'?"),
    ("[demo]", "[dmeo]", "dmeo: unknown setting; did you mean 'demo'?"),
    ('token = ""', 'tokn = ""', "bot.tokn: unknown setting; did you mean 'token'?"),
    ("invite_valid_days = 7", "invite_valid_dys = 7",
     "bot.invite_valid_dys: unknown setting; did you mean 'invite_valid_days'?"),
    ("help_retention_days = 90", "help_retention_day = 90",
     "privacy.help_retention_day: unknown setting; did you mean 'help_retention_days'?"),
    ("port = 8765", "prot = 8765", "demo.prot: unknown setting; did you mean 'port'?"),
    ('contact = "030 - 236 41 00"', 'contakt = "030 - 236 41 00"',
     "partners[0].contakt: unknown setting; did you mean 'contact'?"),
    ("meal_cap = 12", "meal_cpa = 10", "rooms.top.meal_cpa: unknown setting; did you mean "
     "'meal_cap'?"),
    ('weekly_post = { day = "sun", time = "17:00" }',
     'weekly_post = { dag = "sun", time = "17:00" }',
     "rooms.top.weekly_post.dag: unknown setting; did you mean 'day'?"),
    ('belronde = { day = "mon", time = "10:00" }', 'belronde = { day = "mon", tijd = "10:00" }',
     "rooms.top.belronde.tijd: unknown setting; known: day, time"),
    ('meals = [ { day = "tue", time = "17:30" }, { day = "thu", time = "17:30" } ]',
     'meals = [ { day = "tue", time = "17:30" }, { day = "thu", tme = "17:30" } ]',
     "rooms.top.meals[1].tme: unknown setting; did you mean 'time'?"),
    ('opening_hours = { mon = "10:00-16:00", tue', 'opening_hours = { mno = "10:00-16:00", tue',
     "rooms.top.opening_hours.mno: unknown setting; did you mean 'mon'?"),
    ("total = 400", "totaal = 400",
     "rooms.top.targets.totaal: unknown setting; did you mean 'total'?"),
    ("klussen = 50", "klusen = 50", "rooms.top.targets.klusen: unknown setting; did you mean "
     "'klussen'?"),
]


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, f"the example config changed: {old!r}"
    path = tmp_path / "buurtbot.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "expected"), TYPOS,
                         ids=[expected.split(":")[0] for _o, _n, expected in TYPOS])
def test_a_typo_names_the_file_the_key_and_the_likely_meaning(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value) == f"{path}: {expected}"


def test_without_a_close_match_the_known_keys_are_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, "port = 8765", "port = 8765\nwachtwoord = 'geheim'")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value) == f"{path}: demo.wachtwoord: unknown setting; known: port"


def test_targets_only_take_the_offers_indicators(tmp_path: Path) -> None:
    path = _write(tmp_path, "total = 400", "total = 400\nkoffie = 3")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    message = str(error.value)
    assert "rooms.top.targets.koffie: unknown setting; known: impact_confidence," in message


def test_a_misspelt_room_key_in_a_later_room_is_found(tmp_path: Path) -> None:
    path = _write(tmp_path, "meal_cap = 10", "meal_capacity = 10")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert "rooms.verbinding.meal_capacity: unknown setting; did you mean 'meal_cap'?" in str(
        error.value)


def test_full_weekday_names_are_accepted_once(tmp_path: Path) -> None:
    path = _write(tmp_path, 'opening_hours = { mon = "10:00-16:00", tue',
                  'opening_hours = { monday = "10:00-16:00", tue')
    assert load_config(path, env={}).rooms["top"].opening_hours[0][0] == 0
    twice = _write(tmp_path, 'opening_hours = { mon = "10:00-16:00", tue',
                   'opening_hours = { mon = "10:00-16:00", monday = "10:00-12:00", tue')
    with pytest.raises(ConfigError, match=r"rooms\.top\.opening_hours\.monday: this day is given "
                                          "twice"):
        load_config(twice, env={})


def test_the_example_uses_only_known_keys() -> None:
    config = load_config(EXAMPLE, env={})
    assert config.rooms["top"].targets["total"] == 400


def test_check_config_refuses_an_unknown_key_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "meal_cap = 12", "meal_cpa = 10")
    assert main(["--config", str(path), "check-config"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err and captured.out == ""
    assert err == f"buurtbot: {path}: rooms.top.meal_cpa: unknown setting; did you mean 'meal_cap'?"
