"""``[whatsapp]`` settings: every value good, bad, from the environment and missing; the three
ways to run (Telegram, WhatsApp, both) and the fourth that is refused; one line and exit code
2 through the real command, and never a secret in that line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config, require_channels, whatsapp_env

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "buurtbot.example.toml"
TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SECRET_TOKEN = "EAAGsecretAccessToken0123456789"
SECRET_APP = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
SECRET_VERIFY = "verify-me-2b7f"
COMPLETE = (f'[whatsapp]\naccess_token = "{SECRET_TOKEN}"\nphone_number_id = "106540352242922"\n'
            f'app_secret = "{SECRET_APP}"\nverify_token = "{SECRET_VERIFY}"\n')
#: The environment that carries the secrets instead of the file.
SECRET_ENV = {"BUURTBOT_WHATSAPP_ACCESS_TOKEN": SECRET_TOKEN,
              "BUURTBOT_WHATSAPP_APP_SECRET": SECRET_APP,
              "BUURTBOT_WHATSAPP_VERIFY_TOKEN": SECRET_VERIFY}


def _write(tmp_path: Path, whatsapp: str = COMPLETE, token: str = "", extra: str = "") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace('token = ""', f'token = "{token}"', 1)
    path = tmp_path / "buurtbot.toml"
    path.write_text(text + "\n" + extra + "\n" + whatsapp, encoding="utf-8")
    return path


def _with(**values: Any) -> str:
    """A complete [whatsapp] table with some values replaced (None: left out)."""
    base: dict[str, Any] = {"access_token": SECRET_TOKEN, "phone_number_id": "106540352242922",
                            "app_secret": SECRET_APP, "verify_token": SECRET_VERIFY}
    base.update(values)
    lines = ["[whatsapp]"]
    for key, value in base.items():
        if value is None:
            continue
        lines.append(f"{key} = {value!r}".replace("'", '"') if isinstance(value, str)
                     else f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) if not isinstance(v, str) else f'"{v}"'
                               for v in value) + "]"
    return str(value)


def _refused(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as error:
        load_config(path, env=env or {})
    message = str(error.value)
    assert "\n" not in message and str(path) in message
    for secret in (SECRET_TOKEN, SECRET_APP, SECRET_VERIFY, "EAAsecret"):
        assert secret not in message
    return message


def test_a_complete_table_gives_every_default(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path), env={})
    wa = config.whatsapp
    assert wa is not None and not config.telegram
    assert (wa.access_token, wa.phone_number_id, wa.app_secret, wa.verify_token) == (
        SECRET_TOKEN, "106540352242922", SECRET_APP, SECRET_VERIFY)
    assert wa.api_url == "https://graph.facebook.com" and wa.api_version == "21.0"
    assert (wa.webhook_host, wa.webhook_port, wa.webhook_path) == ("127.0.0.1", 8081,
                                                                   "/whatsapp")
    assert (wa.messages_per_second, wa.daily_limit, wa.template_price, wa.currency) == (
        80.0, 250, 0.0, "EUR")
    assert wa.business_account_id == "" and wa.display_number == ""
    require_channels(config)  # WhatsApp alone is enough


def test_every_setting_from_the_file(tmp_path: Path) -> None:
    table = _with(phone_number_id=106540352242922, business_account_id="102290129340398",
                  api_url="http://127.0.0.1:9000/wa/", api_version="v22.0",
                  webhook_host="0.0.0.0", webhook_port=8443, webhook_path="/hooks/wa",
                  messages_per_second=20.5, daily_limit=1000, template_price=0.1,
                  currency="eur", display_number="+31 6 12345678")
    wa = load_config(_write(tmp_path, table), env={}).whatsapp
    assert wa is not None
    assert wa.phone_number_id == "106540352242922"  # a TOML number is fine, kept as text
    assert wa.business_account_id == "102290129340398"
    assert wa.api_url == "http://127.0.0.1:9000/wa" and wa.api_version == "22.0"
    assert (wa.webhook_host, wa.webhook_port, wa.webhook_path) == ("0.0.0.0", 8443,
                                                                   "/hooks/wa")
    assert (wa.messages_per_second, wa.daily_limit, wa.template_price) == (20.5, 1000, 0.1)
    assert wa.currency == "EUR" and wa.display_number == "+31 6 12345678"


#: (setting, environment value, the parsed value)
ENV_OVERRIDES = [
    ("access_token", "EAAfromTheEnvironment", "EAAfromTheEnvironment"),
    ("phone_number_id", "222333444555666", "222333444555666"),
    ("app_secret", "abcdef0123456789", "abcdef0123456789"),
    ("verify_token", "env-verify", "env-verify"),
    ("business_account_id", "999888777666555", "999888777666555"),
    ("api_url", "http://127.0.0.1:8899/wa", "http://127.0.0.1:8899/wa"),
    ("api_version", "23.0", "23.0"),
    ("webhook_host", "0.0.0.0", "0.0.0.0"),
    ("webhook_port", "9443", 9443),
    ("webhook_path", "/meta", "/meta"),
    ("messages_per_second", "12.5", 12.5),
    ("daily_limit", "1000", 1000),
    ("template_price", "0,0766", 0.0766),  # a Dutch decimal comma is understood
    ("currency", "usd", "USD"),
    ("display_number", "+31 30 123 45 67", "+31 30 123 45 67"),
]


@pytest.mark.parametrize(("name", "value", "expected"), ENV_OVERRIDES,
                         ids=[name for name, _v, _e in ENV_OVERRIDES])
def test_the_environment_wins_over_the_file(tmp_path: Path, name: str, value: str,
                                            expected: Any) -> None:
    wa = load_config(_write(tmp_path), env={whatsapp_env(name): value}).whatsapp
    assert wa is not None and getattr(wa, name) == expected


def test_the_secrets_may_come_from_the_environment_alone(tmp_path: Path) -> None:
    path = _write(tmp_path, '[whatsapp]\nphone_number_id = "106540352242922"\n')
    wa = load_config(path, env=SECRET_ENV).whatsapp
    assert wa is not None and (wa.access_token, wa.app_secret, wa.verify_token) == (
        SECRET_TOKEN, SECRET_APP, SECRET_VERIFY)
    # Even the phone number id: an empty table turns WhatsApp on.
    everything = {**SECRET_ENV, "BUURTBOT_WHATSAPP_PHONE_NUMBER_ID": "106540352242922"}
    assert load_config(_write(tmp_path, "[whatsapp]\n"), env=everything).whatsapp is not None


@pytest.mark.parametrize("name", ["access_token", "phone_number_id", "app_secret",
                                  "verify_token"])
def test_a_missing_required_setting_names_it_and_its_variable(tmp_path: Path, name: str
                                                              ) -> None:
    message = _refused(_write(tmp_path, _with(**{name: None})))
    assert f": whatsapp.{name}: is missing" in message
    assert whatsapp_env(name) in message
    empty = _refused(_write(tmp_path, _with(**{name: ""})))
    assert f"whatsapp.{name}: is empty" in empty and whatsapp_env(name) in empty


#: (setting, a wrong value in the file, what the one line says)
BAD = [
    ("phone_number_id", "12ab", "expected the id Meta shows (digits only"),
    ("phone_number_id", "+31612345678", "digits only"),
    ("business_account_id", "my account", "digits only"),
    ("api_url", "ftp://graph.facebook.com", "not an http(s) URL"),
    ("api_url", "graph.facebook.com", "not an http(s) URL"),
    ("api_version", "latest", 'a Graph API version such as "21.0"'),
    ("webhook_host", 8081, "expected text in quotes"),
    ("webhook_port", 0, "must be at least 1 and at most 65535 (got 0)"),
    ("webhook_port", 70000, "must be at least 1 and at most 65535"),
    ("webhook_port", "8081x", "expected a whole number"),
    ("webhook_port", 80.5, "expected a whole number"),
    ("webhook_path", "whatsapp", 'starting with "/"'),
    ("webhook_path", "/what sapp", 'starting with "/"'),
    ("messages_per_second", 0, "must be more than 0"),
    ("messages_per_second", -5, "must be more than 0"),
    ("messages_per_second", True, "expected a number"),
    ("daily_limit", 0, "must be at least 1"),
    ("daily_limit", 2.5, "expected a whole number"),
    ("template_price", -0.01, "must be at least 0"),
    ("template_price", "free", "expected a number"),
    ("currency", "euro", 'a currency code such as "EUR"'),
    ("display_number", "call the room", "expected a phone number"),
    ("access_token", 5, "expected text in quotes"),
    ("access_token", ["EAAsecret"], "expected text in quotes"),
    ("access_token", "EAAsecret with a space", "contains a space or a line break"),
    ("app_secret", "EAA\nsecret", "contains a space or a line break"),
    ("verify_token", 12345, "expected text in quotes"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD,
                         ids=[f"{name}-{i}" for i, (name, _v, _e) in enumerate(BAD)])
def test_a_wrong_value_is_one_line_naming_the_setting(tmp_path: Path, name: str, value: Any,
                                                      expected: str) -> None:
    if isinstance(value, str) and "\n" in value:
        table = _with().replace(f'app_secret = "{SECRET_APP}"', 'app_secret = """EAA\nsecret"""')
    else:
        table = _with(**{name: value})
    message = _refused(_write(tmp_path, table))
    assert f": whatsapp.{name}: " in message and expected in message, message


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("webhook_port", "eighty", "expected a whole number, got 'eighty'"),
    ("webhook_port", "0", "must be at least 1"),
    ("daily_limit", "-3", "must be at least 1"),
    ("template_price", "-1", "must be at least 0"),
    ("phone_number_id", "abc", "digits only"),
    ("api_url", "localhost:9000", "not an http(s) URL"),
])
def test_a_wrong_value_from_the_environment_names_the_variable(
        tmp_path: Path, name: str, value: str, expected: str) -> None:
    message = _refused(_write(tmp_path), env={whatsapp_env(name): value})
    assert f"whatsapp.{name} (from {whatsapp_env(name)}): " in message
    assert expected in message


def test_a_secret_from_the_environment_with_a_line_break_is_not_shown(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path), env={"BUURTBOT_WHATSAPP_ACCESS_TOKEN":
                                              "EAAsecret part\ntwo"})
    assert "whatsapp.access_token (from BUURTBOT_WHATSAPP_ACCESS_TOKEN)" in message


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("acces_token", "access_token"), ("phone_id", "phone_number_id"),
    ("webhook_prot", "webhook_port"), ("daily_limt", "daily_limit"),
    ("template_prize", "template_price"),
])
def test_an_unknown_key_is_refused_with_a_suggestion(tmp_path: Path, typo: str,
                                                     suggestion: str) -> None:
    message = _refused(_write(tmp_path, _with() + f"{typo} = 1\n"))
    assert f"whatsapp.{typo}: unknown setting; did you mean '{suggestion}'?" in message


def test_a_whatsapp_of_the_wrong_kind_and_a_typo_in_the_table_name(tmp_path: Path) -> None:
    import tomllib

    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["whatsapp"] = 5
    with pytest.raises(ConfigError, match=r"^x.toml: whatsapp: expected a table"):
        parse_config(raw, "x.toml", env={})
    assert "whatsap: unknown setting; did you mean 'whatsapp'?" in _refused(
        _write(tmp_path, "[whatsap]\n"))


def test_the_webhook_needs_a_port_of_its_own(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, _with(webhook_port=8080), extra="[web]\nport = 8080\n"))
    assert "whatsapp.webhook_port: 8080 is web.port already" in message
    other = load_config(_write(tmp_path, _with(webhook_port=8081),
                               extra="[web]\nport = 8080\n"), env={})
    assert other.whatsapp is not None and other.web is not None


def test_telegram_alone_whatsapp_alone_both_and_neither(tmp_path: Path) -> None:
    telegram = load_config(_write(tmp_path, "", token=TOKEN), env={})
    assert telegram.telegram and telegram.whatsapp is None
    require_channels(telegram)
    whatsapp = load_config(_write(tmp_path), env={})
    assert not whatsapp.telegram and whatsapp.whatsapp is not None
    require_channels(whatsapp)
    both = load_config(_write(tmp_path, token=TOKEN), env={})
    assert both.telegram and both.whatsapp is not None
    require_channels(both)
    neither = load_config(_write(tmp_path, ""), env={})
    with pytest.raises(ConfigError) as error:
        require_channels(neither)
    assert "no channel to run on" in str(error.value)
    assert "BUURTBOT_TOKEN" in str(error.value) and "[whatsapp]" in str(error.value)
    # A Telegram webhook without a Telegram token is no WhatsApp setting.
    hooked = load_config(_write(tmp_path, extra="[web]\n"), env={
        "BUURTBOT_WEBHOOK_URL": "https://bot.example.nl/telegram"})
    with pytest.raises(ConfigError, match=r"bot\.webhook_url is set but bot\.token"):
        require_channels(hooked)


def test_check_config_names_the_channels(tmp_path: Path, capsys) -> None:
    assert main(["--config", str(_write(tmp_path)), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "WhatsApp webhook on 127.0.0.1:8081/whatsapp" in out and "Telegram" not in out
    assert SECRET_TOKEN not in out and SECRET_APP not in out
    assert main(["--config", str(_write(tmp_path, token=TOKEN)), "check-config"]) == 0
    assert "Telegram by long polling and WhatsApp webhook" in capsys.readouterr().out
    assert main(["--config", str(_write(tmp_path, "")), "check-config"]) == 0
    assert "note: no channel yet" in capsys.readouterr().out


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("buurtbot: ")
    for secret in (SECRET_TOKEN, SECRET_APP, SECRET_VERIFY):
        assert secret not in err and secret not in result.stdout
    return err


def test_the_real_command_refuses_with_one_line_and_exit_2(tmp_path: Path) -> None:
    # A missing secret: the setting and the variable, whichever command.
    missing = _write(tmp_path, _with(app_secret=None))
    for command in (["check-config"], ["run"], ["whatsapp", "check"], ["doctor"]):
        result = _cli("--config", str(missing), *command)
        if command == ["doctor"]:  # the doctor lists it as a FAIL and exits 1
            assert result.returncode == 1 and "whatsapp.app_secret: is missing" in result.stdout
            assert SECRET_TOKEN not in result.stdout
            continue
        err = _one_line(result)
        assert "whatsapp.app_secret: is missing" in err and "BUURTBOT_WHATSAPP_APP_SECRET" in err
    # A bad number from the environment, while the environment also carries the secrets.
    env = {**SECRET_ENV, "BUURTBOT_WHATSAPP_DAILY_LIMIT": "0"}
    err = _one_line(_cli("--config", str(_write(
        tmp_path, '[whatsapp]\nphone_number_id = "106540352242922"\n')), "run", env=env))
    assert "whatsapp.daily_limit (from BUURTBOT_WHATSAPP_DAILY_LIMIT): must be at least 1" in err
    # Neither channel: `run` says both ways out.
    err = _one_line(_cli("--config", str(_write(tmp_path, "")), "run"))
    assert "no channel to run on" in err and "BUURTBOT_TOKEN" in err and "[whatsapp]" in err
    # The WhatsApp commands without a [whatsapp] table.
    err = _one_line(_cli("--config", str(_write(tmp_path, "", token=TOKEN)), "whatsapp",
                         "templates"))
    assert "there is no [whatsapp] table" in err
    # Templates need the Business Account.
    err = _one_line(_cli("--config", str(_write(tmp_path)), "whatsapp", "templates"))
    assert "whatsapp.business_account_id" in err and "BUURTBOT_WHATSAPP_BUSINESS_ACCOUNT_ID" in err
