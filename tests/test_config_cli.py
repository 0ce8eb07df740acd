"""Settings and the command line: one clear line and exit code 2 on any mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "buurtbot.example.toml"


def test_example_config_has_the_three_rooms() -> None:
    config = load_config(EXAMPLE, env={})
    assert set(config.rooms) == {"top", "hart", "verbinding"}
    top = config.rooms["top"]
    assert "Amsterdamsestraatweg 295" in top.address and top.meal_cap == 12
    assert "Berlijnplein 522" in config.rooms["hart"].address
    assert {"buurtteam", "ucentraal", "dock", "stadsgeldbeheer", "voedselbank"} <= set(
        config.partners)
    assert config.api_url == "https://api.telegram.org/bot"
    assert config.file_url == "https://api.telegram.org/file/bot"


def test_environment_overrides() -> None:
    config = load_config(EXAMPLE, env={
        "BUURTBOT_TOKEN": "42:abcdefghijklmnop",
        "BUURTBOT_API_URL": "http://127.0.0.1:8081/bot",
        "BUURTBOT_DB": "/tmp/x.db",
        "BUURTBOT_COORDINATORS": "1, 2",
    })
    assert config.token == "42:abcdefghijklmnop"
    assert config.file_url == "http://127.0.0.1:8081/file/bot"
    assert config.database == "/tmp/x.db" and config.coordinators == {1, 2}


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ("meal_cap = 12", "rooms.top.meal_cap: must be between 1 and 40 (got 50)"),
        ('time = "17:30" }, { day = "thu"', "rooms.top.meals[0].time"),
        ('address = "Berlijnplein', "rooms.hart.name"),
    ],
)
def test_invalid_setting_names_field_and_file(tmp_path: Path, replace: str, expected: str
                                              ) -> None:
    text = EXAMPLE.read_text()
    bad = {
        "meal_cap = 12": ("meal_cap = 12", "meal_cap = 50"),
        'time = "17:30" }, { day = "thu"': ('time = "17:30" }, { day = "thu"',
                                             'time = "25:00" }, { day = "thu"'),
        'address = "Berlijnplein': ('name = "Hart voor Leidsche Rijn"', 'name = ""'),
    }[replace]
    path = tmp_path / "buurtbot.toml"
    path.write_text(text.replace(bad[0], bad[1], 1))
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(path) in str(error.value) and expected in str(error.value)


def test_check_config_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(EXAMPLE), "check-config"]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["--config", str(tmp_path / "missing.toml"), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "missing.toml" in err and "Traceback" not in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[bot\n")
    assert main(["--config", str(broken), "check-config"]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_run_without_token_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(EXAMPLE), "run"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "BUURTBOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["run", "demo", "check-config"])
def test_each_subcommand_has_help(command: str) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0


#: (text in the example config, its wrong replacement, the field the one-line error names)
FIELD_ERRORS = [
    ('token = ""', "token = 42", "bot.token"),
    ('token = ""', 'token = "not-a-token"', "bot.token"),
    ('api_url = "https://api.telegram.org/bot"', 'api_url = "ftp://x"', "bot.api_url"),
    ('api_url = "https://api.telegram.org/bot"', "api_url = 5", "bot.api_url"),
    ('database = "buurtbot.db"', "database = 5", "bot.database"),
    ("coordinators = []", 'coordinators = ["me"]', "bot.coordinators"),
    ("coordinators = []", "coordinators = 5", "bot.coordinators"),
    ("invite_valid_days = 7", "invite_valid_days = 0", "bot.invite_valid_days"),
    ('# programme_file = "programme.toml"', 'programme_file = "nope.toml"',
     "bot.programme_file"),
    ("help_retention_days = 90", "help_retention_days = 0", "privacy.help_retention_days"),
    ("checkin_retention_weeks = 26", 'checkin_retention_weeks = "x"',
     "privacy.checkin_retention_weeks"),
    ("port = 8765", "port = 70000", "demo.port"),
    ('id = "buurtteam"\n', "", "partners[0].id"),
    ('name = "Buurtteam Sociaal"', 'name = ""', "partners[0].name"),
    ('contact = "030 - 236 41 00"', "contact = 5", "partners[0].contact"),
    ("[rooms.top]", "[rooms.Top]", "rooms.Top"),
    ("[rooms.top]", "[rooms.ondiep_noord_1]", "rooms.ondiep_noord_1"),  # 13: buttons carry it
    ('name = "TOP"', 'name = ""', "rooms.top.name"),
    ('area = "Ondiep e.o."', "area = 5", "rooms.top.area"),
    ('address = "Amsterdamsestraatweg', 'address = 5  # "', "rooms.top.address"),
    ("meal_cap = 12", "meal_cap = 0", "rooms.top.meal_cap"),
    ("meal_cap = 12", 'meal_cap = "12"', "rooms.top.meal_cap"),
    ('meal_signup_deadline = "12:00"', 'meal_signup_deadline = "noon"',
     "rooms.top.meal_signup_deadline"),
    ('meals = [ { day = "tue"', 'meals = [ { day = "xyz"', "rooms.top.meals[0].day"),
    ('meals = [ { day = "tue", time = "17:30" }, { day = "thu", time = "17:30" } ]',
     'meals = "tue"', "rooms.top.meals"),
    ('mon = "10:00-16:00"', 'mon = "10-16"', "rooms.top.opening_hours.mon"),
    ('opening_hours = { mon = "10:00-16:00", tue', 'opening_hours = { maandag = "10:00-16:00", tue',
     "rooms.top.opening_hours.maandag"),
    ("# chat_id = -1001234567890", 'chat_id = "TOP groep"', "rooms.top.chat_id"),
    ('weekly_post = { day = "sun"', 'weekly_post = { day = "zondag!"',
     "rooms.top.weekly_post.day"),
    ('belronde = { day = "mon", time = "10:00" }', 'belronde = { day = "mon", time = "25:00" }',
     "rooms.top.belronde.time"),
    ('belronde_calls_until = "20:00"', 'belronde_calls_until = "late"',
     "rooms.top.belronde_calls_until"),
    ('partners = ["buurtteam", "ucentraal", "dock", "stadsgeldbeheer", "voedselbank", "taalhuis"]'
     '\n\n[rooms.top.targets]', 'partners = "dock"\n\n[rooms.top.targets]',
     "rooms.top.partners"),
    ('partners = ["buurtteam", "ucentraal", "dock", "stadsgeldbeheer", "voedselbank", "taalhuis"]'
     '\n\n[rooms.top.targets]', 'partners = ["nobody"]\n\n[rooms.top.targets]',
     "rooms.top.partners"),
    ("total = 400", "total = -1", "rooms.top.targets.total"),
    ("referred_residents = [10, 20]", "referred_residents = [30, 20]",
     "rooms.top.targets.referred_residents"),
    ("referred_residents = [10, 20]", 'referred_residents = "tien op twintig"',
     "rooms.top.targets.referred_residents"),
    ("impact_confidence = 50", "impact_confidence = 150", "rooms.top.targets.impact_confidence"),
    ('budget_deficit = "positive"', "budget_deficit = 1", "rooms.top.targets.budget_deficit"),
    ("volunteer_satisfaction = 8", "volunteer_satisfaction = 11",
     "rooms.top.targets.volunteer_satisfaction"),
]


@pytest.mark.parametrize(("old", "new", "field"), FIELD_ERRORS,
                         ids=[f"{field}-{i}" for i, (_o, _n, field) in enumerate(FIELD_ERRORS)])
def test_every_example_field_error_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("BUURTBOT_TOKEN", "BUURTBOT_API_URL", "BUURTBOT_DB", "BUURTBOT_COORDINATORS",
                "BUURTBOT_FILE_URL", "BUURTBOT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    text = EXAMPLE.read_text()
    assert old in text, f"the example config changed: {old!r}"
    path = tmp_path / "buurtbot.toml"
    path.write_text(text.replace(old, new, 1))
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert str(path) in err and f": {field}" in err, err


def test_wrong_coordinators_in_the_environment(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUURTBOT_COORDINATORS", "12,abc")
    assert main(["--config", str(EXAMPLE), "check-config"]) == 2
    assert capsys.readouterr().err.startswith("buurtbot: BUURTBOT_COORDINATORS:")


@pytest.mark.parametrize("section", ["bot", "privacy", "demo", "partners", "rooms"])
def test_a_section_of_the_wrong_kind_is_one_line(section: str) -> None:
    import tomllib

    raw = tomllib.loads(EXAMPLE.read_text())
    raw[section] = 5
    with pytest.raises(ConfigError, match=rf"^x.toml: {section}: "):
        parse_config(raw, "x.toml", env={})
