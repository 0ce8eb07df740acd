"""``buurtbot whatsapp check`` and ``buurtbot whatsapp templates [--create]`` against the
WhatsApp Cloud API stand-in: the table, creating what is missing, Meta's review, and one clear
line with exit code 1 when Meta cannot be reached or refuses (2 for a wrong setting)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import cli
from bot.channels.whatsapp import templates
from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WhatsAppStandIn
from tests.auxil.harness import BOT_USERNAME, ROOT, TOKEN

EXAMPLE = ROOT / "buurtbot.example.toml"


@pytest.fixture
async def standin() -> AsyncIterator[WhatsAppStandIn]:
    sandbox = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                      limits=Limits.off())
    meta = WhatsAppStandIn()
    meta.attach(sandbox)
    await sandbox.start(host="127.0.0.1", port=0)
    yield meta
    await meta.close()
    await sandbox.stop()


@pytest.fixture
def secrets_in_env(standin: WhatsAppStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BUURTBOT_TOKEN", "BUURTBOT_CONFIG", "BUURTBOT_API_URL", "BUURTBOT_DB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BUURTBOT_WHATSAPP_ACCESS_TOKEN", standin.token)
    monkeypatch.setenv("BUURTBOT_WHATSAPP_APP_SECRET", standin.app_secret)
    monkeypatch.setenv("BUURTBOT_WHATSAPP_VERIFY_TOKEN", standin.verify_token)


def _settings(tmp_path: Path, standin: WhatsAppStandIn, *, api_url: str | None = None,
              business_account_id: str | None = None, phone_number_id: str | None = None,
              name: str = "buurtbot.toml") -> Path:
    waba = standin.business_account_id if business_account_id is None else business_account_id
    path = tmp_path / name
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + (
        f'\n[whatsapp]\nphone_number_id = "{phone_number_id or standin.phone_number_id}"\n'
        f'business_account_id = "{waba}"\napi_url = "{api_url or standin.api_url}"\n'),
        encoding="utf-8")
    return path


async def _cli(*args: str) -> int:
    return await asyncio.to_thread(cli.main, list(args))


def _rows(out: str) -> dict[tuple[str, str], str]:
    """(name, language) → status, from the printed table."""
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].startswith("buurtbot_"):
            found[(parts[0], parts[1])] = " ".join(parts[3:])
    return found


EVERY = {(d.name, code) for d in templates.definitions() for code in templates.languages()}


@pytest.mark.usefixtures("secrets_in_env")
async def test_templates_shows_creates_and_follows_meta_s_review(
        standin: WhatsAppStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = str(_settings(tmp_path, standin))
    assert await _cli("--config", settings, "whatsapp", "templates") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["NAME", "LANGUAGE", "CATEGORY", "STATUS"]
    rows = _rows(out)
    assert set(rows) == EVERY and set(rows.values()) == {"MISSING"}
    assert "buurtbot whatsapp templates --create" in out

    assert await _cli("--config", settings, "whatsapp", "templates", "--create") == 0
    out = capsys.readouterr().out
    assert f"created {len(EVERY)} template(s); Meta reviews them now" in out
    assert set(_rows(out).values()) == {"PENDING"}
    assert "Meta reviews new templates" in out
    assert set(standin.templates) == EVERY  # really submitted, once each

    standin.approve("buurtbot_belronde")
    standin.reject("buurtbot_announcement", "nl")
    assert await _cli("--config", settings, "whatsapp", "templates", "--create") == 0
    out = capsys.readouterr().out
    assert "nothing to create" in out
    rows = _rows(out)
    assert {rows[("buurtbot_belronde", code)] for code in templates.languages()} == {
        "APPROVED"}
    assert rows[("buurtbot_announcement", "nl")].startswith("REJECTED")
    assert rows[("buurtbot_meal_reminder", "nl")] == "PENDING"
    assert standin.token not in out


@pytest.mark.usefixtures("secrets_in_env")
async def test_templates_with_their_text(standin: WhatsAppStandIn, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert await _cli("--config", str(_settings(tmp_path, standin)), "whatsapp", "templates",
                      "--text") == 0
    out = capsys.readouterr().out
    belronde = templates.by_name("buurtbot_belronde")
    assert belronde is not None
    assert templates.body(belronde, "nl") in out and templates.body(belronde, "ar") in out
    assert "[" + "] [".join(templates.buttons(belronde, "tr")) + "]" in out


@pytest.mark.usefixtures("secrets_in_env")
async def test_meta_unreachable_or_refusing_is_one_line_and_exit_1(
        standin: WhatsAppStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    nowhere = str(_settings(tmp_path, standin, api_url=f"http://127.0.0.1:{closed}/wa"))
    assert await _cli("--config", nowhere, "whatsapp", "templates") == 1
    captured = capsys.readouterr()
    assert set(_rows(captured.out).values()) == {"?"}  # the definitions, without a status
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("buurtbot: cannot reach the WhatsApp Cloud API at "
                                   f"http://127.0.0.1:{closed}/wa (ConnectError)")

    assert await _cli("--config", nowhere, "whatsapp", "check") == 1
    assert "cannot reach the WhatsApp Cloud API" in capsys.readouterr().err

    unknown = str(_settings(tmp_path, standin, business_account_id="555555555555555"))
    assert await _cli("--config", unknown, "whatsapp", "templates") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "business account id 555555555555555" in err, err

    monkeypatch.setenv("BUURTBOT_WHATSAPP_ACCESS_TOKEN", "EAAexpiredToken123")
    settings = str(_settings(tmp_path, standin))
    assert await _cli("--config", settings, "whatsapp", "templates") == 1
    err = capsys.readouterr().err
    assert "Meta refuses the access token" in err and "EAAexpiredToken123" not in err
    assert await _cli("--config", settings, "whatsapp", "check") == 1
    captured = capsys.readouterr()
    assert "FAIL number: Meta refuses the access token" in captured.out
    assert "EAAexpiredToken123" not in captured.out + captured.err


@pytest.mark.usefixtures("secrets_in_env")
async def test_check_reports_the_number_the_limit_and_the_templates(
        standin: WhatsAppStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = str(_settings(tmp_path, standin))
    assert await _cli("--config", settings, "whatsapp", "check") == 0
    out = capsys.readouterr().out
    assert f"OK   settings: {settings}: number id {standin.phone_number_id}" in out
    assert "OK   number: 31850001234 (Buurtbot), quality GREEN, throughput STANDARD" in out
    assert "daily limit: whatsapp.daily_limit = 250" in out
    assert f"WARN templates: {len(EVERY)} missing (buurtbot whatsapp templates)" in out
    for secret in (standin.token, standin.app_secret, standin.verify_token):
        assert secret not in out
    # Unknown phone number id: Meta does not know it.
    wrong = _settings(tmp_path, standin, phone_number_id="999999999999999", name="w.toml")
    assert await _cli("--config", str(wrong), "whatsapp", "check") == 1
    assert "Meta does not know phone number id 999999999999999" in capsys.readouterr().err


def test_the_advice_on_the_daily_limit() -> None:
    from bot.cli_whatsapp import NumberInfo, limit_advice
    from bot.config import WhatsAppSettings

    def info(tier: str) -> NumberInfo:
        return NumberInfo("+31 6", "Buurtbot", "GREEN", tier, "STANDARD")

    settings = WhatsAppSettings("t", "1", "s", "v", daily_limit=250)
    assert limit_advice(settings, info("TIER_250"))[0] == "OK"
    level, text = limit_advice(settings, info("TIER_1K"))
    assert level == "WARN" and "raise whatsapp.daily_limit (now 250)" in text
    level, text = limit_advice(WhatsAppSettings("t", "1", "s", "v", daily_limit=1000),
                               info("TIER_250"))
    assert level == "WARN" and "set it to 250" in text
    assert limit_advice(settings, info("TIER_UNLIMITED"))[0] == "OK"
