"""The new settings ([web], [backup], bot.webhook_url) and `buurtbot doctor`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli
from bot.clock import Clock
from bot.config import ConfigError, load_config
from bot.instance_lock import InstanceLock
from bot.services import backup as backups
from bot.store.db import Database
from tests.auxil.harness import ROOT, BotHarness, make_config
from tests.auxil.server import start_web, with_web, write_settings

EXAMPLE = ROOT / "buurtbot.example.toml"


def _settings(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "buurtbot.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


def test_web_and_backup_tables_parse_with_defaults(tmp_path: Path) -> None:
    config = load_config(_settings(tmp_path, '[web]\n[backup]\ndir = "b"\n'), env={})
    assert config.web is not None and (config.web.host, config.web.port) == ("127.0.0.1", 8080)
    assert config.backup is not None
    assert (config.backup.daily, config.backup.weekly, config.backup.at.hour) == (7, 4, 3)
    assert config.backup.window_days == 34
    plain = load_config(EXAMPLE, env={})
    assert plain.web is None and plain.backup is None and plain.webhook_url == ""


@pytest.mark.parametrize(("extra", "env", "expected"), [
    ("[web]\nprot = 1\n", {}, "web.prot: unknown setting; did you mean 'port'?"),
    ("[backup]\ndaily = 3\n", {}, "backup.dir: is missing"),
    ('[backup]\ndir = "b"\nencrypt = true\n', {},
     "backup.encrypt: set the passphrase in BUURTBOT_BACKUP_PASSPHRASE"),
    ('[backup]\ndir = "b"\ntime = "25:00"\n', {}, "backup.time: '25:00' is not a time of day"),
    ("[web]\nport = 70000\n", {}, "web.port: must be between 0 and 65535"),
    ('[web]\npublic_url = "bot.example.nl"\n', {}, "web.public_url: not an http(s) URL"),
    ("", {"BUURTBOT_WEBHOOK_URL": "https://bot.example.nl/telegram"},
     "bot.webhook_url: needs a [web] table"),
    ("[web]\n", {"BUURTBOT_WEBHOOK_URL": "http://bot.example.nl/telegram"},
     "bot.webhook_url: Telegram needs an https:// address"),
])
def test_bad_server_settings_are_one_clear_line(tmp_path: Path, extra: str, env: dict,
                                                expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_settings(tmp_path, extra), env=env)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_encrypt_with_the_passphrase_in_the_environment(tmp_path: Path) -> None:
    config = load_config(_settings(tmp_path, '[backup]\ndir = "b"\nencrypt = true\n'),
                         env={"BUURTBOT_BACKUP_PASSPHRASE": "geheim"})
    assert config.backup is not None and config.backup.encrypt
    assert config.backup_passphrase == "geheim"


async def test_doctor_reports_every_check(sandbox, tmp_path: Path, capsys) -> None:
    database = tmp_path / "buurtbot.db"
    db = Database(database)
    await db.connect()
    await db.close()
    folder = tmp_path / "backups"
    backups.make_backup(database, folder, Clock().now())
    settings = write_settings(tmp_path, database, api_url=sandbox.api_url,
                              extra=f'[backup]\ndir = "{folder}"\n')
    code = await asyncio.to_thread(cli.main, ["--config", str(settings), "doctor"])
    out = capsys.readouterr().out
    assert "OK   token: valid: the bot is @buurtbot_test_bot" in out
    assert "OK   clock sync:" in out and "Europe/Amsterdam" in out
    assert "OK   database:" in out and "outbox backlog 0" in out
    assert "WARN bot: not running (start it: sudo systemctl start buurtbot" in out
    assert "OK   disk:" in out
    assert "OK   backup: last buurtbot-" in out and "erased data can stay up to 34 days" in out
    assert code == 0, out
    # A token Telegram refuses is a FAIL, exit 1.
    bad = settings.read_text().replace("TEST-TOKEN-abcdefghij", "WRONG-TOKEN-abcdefghij")
    settings.write_text(bad)
    code = await asyncio.to_thread(cli.main, ["--config", str(settings), "doctor"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL token: Telegram refuses it: Unauthorized" in out


@pytest.fixture
def config(sandbox, tmp_path):
    return with_web(make_config(sandbox, tmp_path / "buurtbot.db"))


async def test_doctor_asks_a_running_bot_for_its_health(bot: BotHarness, tmp_path: Path,
                                                       capsys) -> None:
    server = await start_web(bot)
    try:
        await bot.tick()
        settings = write_settings(tmp_path, Path(bot.db.path), api_url=bot.sandbox.api_url,
                                  extra=f"[web]\nport = {server.port}\n")
        with InstanceLock(bot.db.path):
            await asyncio.to_thread(cli.main, ["--config", str(settings), "doctor"])
        out = capsys.readouterr().out
        assert "OK   bot: running" in out
        assert f"OK   health: http://127.0.0.1:{server.port}/healthz: database: reachable" in out
        assert "WARN backup: no [backup] in the settings" in out
    finally:
        await server.stop()


async def test_a_nearly_full_disk_is_told_to_coordinators_once_per_incident(
        bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import ops

    carla = await bot.coordinator(language="en")
    free = {"mb": 120}
    monkeypatch.setattr(ops, "free_mb", lambda _path: free["mb"])
    await bot.tick()
    warning = await carla.next_message()
    assert "almost full" in warning.text and "120 MB free" in warning.text
    for _ in range(3):  # every minute after: nothing new
        await bot.tick()
    await bot.settle()
    assert len(carla.bot_messages) == 1
    free["mb"] = 5000  # room was made ...
    await bot.tick()
    free["mb"] = 90  # ... and it fills up again: a new incident
    await bot.tick()
    assert "90 MB free" in (await carla.next_message()).text
