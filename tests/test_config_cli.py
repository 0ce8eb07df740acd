"""Settings and the command line: one clear line and exit code 2 on any mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config

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
