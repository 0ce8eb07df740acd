"""``buurtbot doctor``: everything that must be right for the bot to run, checked from outside.

Prints one line per check (OK / WARN / FAIL) and exits 1 when something FAILs: the settings,
the token (asked of Telegram), the WhatsApp number and token (asked of Meta), the clock and
time zone, the database, whether a bot is running and what its /healthz says, whether the
WhatsApp webhook answers Meta's handshake and when a WhatsApp message last came in, disk
space, and the last backup.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import stat
import tomllib
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import aiohttp

from bot.cli import EXTRA_COMMANDS, channels_line, config_notes
from bot.clock import TZ, Clock, from_db
from bot.config import (
    WHATSAPP_SECRETS,
    Config,
    ConfigError,
    WhatsAppSettings,
    load_config,
    require_token,
)
from bot.instance_lock import is_running
from bot.services import backup as backups
from bot.services.ops import free_mb
from bot.store import maintenance
from bot.store import runtime_status as status_names

HELP = "check settings, token, clock, database, health, disk space and backups"
CLOCK_DRIFT = timedelta(seconds=60)
BACKUP_STALE = timedelta(hours=36)


class Report:
    def __init__(self) -> None:
        self.failed = 0

    def line(self, level: str, name: str, detail: str) -> None:
        if level == "FAIL":
            self.failed += 1
        print(f"{level:<4} {name}: {detail}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds to wait for Telegram and /healthz (default 10)")


async def _telegram(config: Config, report: Report, timeout: float) -> None:  # noqa: ASYNC109
    try:
        require_token(config)
    except ConfigError as exc:
        report.line("FAIL", "token", str(exc))
        return
    url = f"{config.api_url}{config.token}/getMe"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http, \
                http.get(url) as response:
            body = await response.json(content_type=None)
            date_header = response.headers.get("Date")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        report.line("FAIL", "token", f"cannot reach {config.api_url} ({type(exc).__name__})")
        return
    if body.get("ok"):
        report.line("OK", "token", f"valid: the bot is @{body['result'].get('username')}")
    else:
        report.line("FAIL", "token", f"Telegram refuses it: {body.get('description')}")
    _clock(report, date_header, "Telegram")


def _clock(report: Report, date_header: str | None, whose: str) -> None:
    if not date_header:
        return
    theirs = parsedate_to_datetime(date_header)
    drift = abs(datetime.now(UTC) - theirs)
    level = "OK" if drift <= CLOCK_DRIFT else "FAIL"
    report.line(level, "clock sync", f"{int(drift.total_seconds())} s from {whose}'s clock"
                + ("" if level == "OK" else " (install and start systemd-timesyncd)"))


async def _whatsapp(config: Config, report: Report, timeout: float,  # noqa: ASYNC109
                    running: bool) -> None:
    """The number and token (asked of Meta), the daily limit, and, when the bot runs, its
    webhook's answer to Meta's verify handshake on ``webhook_port``."""
    from bot.cli_whatsapp import ApiProblem, limit_advice, number_info

    settings = config.whatsapp
    assert settings is not None
    try:
        info = await number_info(settings, timeout=timeout)
    except ApiProblem as exc:
        report.line("FAIL", "whatsapp number", str(exc))
    else:
        report.line("OK", "whatsapp number", f"{info.display_phone_number or '?'} "
                    f"({info.verified_name or 'no name'}), quality {info.quality_rating}")
        level, advice = limit_advice(settings, info)
        report.line(level, "whatsapp daily limit", advice)
        if not config.telegram:
            _clock(report, info.date or None, "Meta")
    if not settings.business_account_id:
        report.line("WARN", "whatsapp templates", "whatsapp.business_account_id is not set: "
                    "no templates, so nobody outside the 24-hour window can be written to")
    if running:
        await _whatsapp_webhook(settings, report, timeout)


async def _whatsapp_webhook(settings: WhatsAppSettings, report: Report,
                            timeout: float) -> None:  # noqa: ASYNC109
    host = "127.0.0.1" if settings.webhook_host in ("0.0.0.0", "::", "") else \
        settings.webhook_host
    where = f"http://{host}:{settings.webhook_port}{settings.webhook_path}"
    challenge = secrets.token_hex(8)
    query = {"hub.mode": "subscribe", "hub.verify_token": settings.verify_token,
             "hub.challenge": challenge}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http, \
                http.get(where, params=query) as response:
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        report.line("FAIL", "whatsapp webhook", f"{where} does not answer "
                    f"({type(exc).__name__}): is whatsapp.webhook_port the port of this bot?")
        return
    if response.status == 200 and text.strip() == challenge:
        report.line("OK", "whatsapp webhook", f"{where} answers Meta's verify handshake "
                    "(Meta must reach it through your https address)")
    else:
        report.line("FAIL", "whatsapp webhook", f"{where} answered {response.status} to the "
                    "verify handshake (another program on this port?)")


def _secrets_in_file(config: Config, report: Report) -> None:
    """The WhatsApp secrets belong in the environment file; in a settings file that others
    can read they let anyone send as the room."""
    path = Path(config.source)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("whatsapp") or {}
        mode = path.stat().st_mode
    except (OSError, tomllib.TOMLDecodeError):
        return
    found = [name for name in WHATSAPP_SECRETS if isinstance(table, dict) and table.get(name)]
    if not found:
        return
    readable = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    report.line("WARN", "whatsapp secrets", f"{path} holds whatsapp.{', whatsapp.'.join(found)}"
                + (" and others can read it" if readable else "")
                + ": better in the environment file (BUURTBOT_WHATSAPP_ACCESS_TOKEN, "
                "BUURTBOT_WHATSAPP_APP_SECRET, BUURTBOT_WHATSAPP_VERIFY_TOKEN)")


async def _healthz(config: Config, report: Report, timeout: float) -> None:  # noqa: ASYNC109
    assert config.web is not None
    host = "127.0.0.1" if config.web.host in ("0.0.0.0", "::", "") else config.web.host
    url = f"http://{host}:{config.web.port}/healthz"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http, \
                http.get(url) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        report.line("FAIL", "health", f"{url} does not answer ({type(exc).__name__})")
        return
    if response.status == 200:
        details = "; ".join(f"{name}: {check['detail']}" for name, check in
                            body.get("checks", {}).items())
        report.line("OK", "health", f"{url}: {details}")
    else:
        report.line("FAIL", "health", f"{url}: {'; '.join(body.get('problems', []))}")


def _database(config: Config, report: Report, running: bool) -> dict[str, tuple[str, str]]:
    path = Path(config.database)
    if not path.exists():
        report.line("WARN", "database", f"{path} does not exist yet (made at the first run)")
        return {}
    try:
        conn = maintenance.open_read_only(path, timeout=5)
        try:
            quick = maintenance.integrity_problems(conn, quick=True)[0]
            version = maintenance.schema_version(conn)
            backlog = maintenance.outbox_backlog(conn)
            status = maintenance.runtime_status(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        report.line("FAIL", "database", f"{path}: {exc}")
        return {}
    code = backups.code_schema_version()
    if quick != "ok":
        report.line("FAIL", "database", f"{path} is damaged: {quick}; restore a backup")
    elif version is not None and version > code:
        report.line("FAIL", "database", f"schema {version} is newer than this code ({code})")
    else:
        pending = "" if version == code else f", {code - (version or 0)} migration(s) pending"
        report.line("OK", "database", f"{path}: sound, schema {version}{pending}, "
                    f"{path.stat().st_size // 1024} KB, outbox backlog {backlog}")
    now = datetime.now(TZ)
    checks = [(status_names.LAST_TICK, "last tick")]
    if config.telegram:
        checks.append((status_names.LAST_TELEGRAM, "last contact with Telegram"))
    for name, label in checks:
        value = status.get(name)
        when = from_db(value[0]) if value else None
        if when is None:
            report.line("WARN" if not running else "FAIL", label, "never recorded")
        else:
            late = running and now - when > timedelta(minutes=5)
            report.line("FAIL" if late else "OK", label, f"{when:%Y-%m-%d %H:%M:%S %Z}")
    if config.whatsapp is not None:
        conn = maintenance.open_read_only(path, timeout=5)
        try:
            last = maintenance.last_received(conn, "whatsapp")
        finally:
            conn.close()
        when = from_db(last) if last else None
        if when is None:
            report.line("WARN", "last WhatsApp message", "none in the last 24 hours (is the "
                        "webhook subscribed to \"messages\" in the Meta app?)")
        else:
            report.line("OK", "last WhatsApp message", f"{when:%Y-%m-%d %H:%M:%S %Z}")
    return status


def _backups(config: Config, report: Report, status: dict[str, tuple[str, str]]) -> None:
    if config.backup is None:
        report.line("WARN", "backup", "no [backup] in the settings: the bot makes no backups")
        return
    found = backups.list_backups(config.backup.dir)
    error = status.get(status_names.LAST_BACKUP_ERROR)
    if error:
        report.line("FAIL", "backup", f"the last backup failed ({error[1]}): {error[0]}")
    if not found:
        report.line("FAIL" if not error else "WARN", "backup",
                    f"no backups in {config.backup.dir} yet")
        return
    newest = found[-1]
    made = datetime.fromtimestamp(newest.path.stat().st_mtime, TZ)
    age = datetime.now(TZ) - made
    level = "OK" if age <= BACKUP_STALE else "FAIL"
    report.line(level, "backup", f"last {newest.path.name} ({made:%Y-%m-%d %H:%M}), "
                f"{len(found)} kept in {config.backup.dir} (keeping {config.backup.daily} daily, "
                f"{config.backup.weekly} weekly: erased data can stay up to "
                f"{config.backup.window_days} days)")


def run(args: argparse.Namespace) -> int:
    report = Report()
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        report.line("FAIL", "settings", str(exc))
        return 1
    extras = []
    if config.web:
        extras.append(f"web on {config.web.host}:{config.web.port}")
    extras.append(channels_line(config))
    if config.backup:
        extras.append(f"backups in {config.backup.dir} at {config.backup.at:%H:%M}"
                      + (" (encrypted)" if config.backup.encrypt else ""))
    report.line("OK", "settings", f"{config.source}: {len(config.rooms)} rooms; "
                + ", ".join(extras))
    for note in config_notes(config):
        report.line("FAIL" if note.startswith("no channel") else "WARN", "settings", note)
    if config.whatsapp is not None:
        _secrets_in_file(config, report)
    now = Clock().now()
    report.line("OK", "time zone", f"{now:%Y-%m-%d %H:%M:%S} Europe/Amsterdam "
                f"(UTC{now:%z}, {'summer' if now.dst() else 'winter'} time)")
    running = is_running(config.database)
    # Not a FAIL (doctor before the first start is fine), but never "OK": a bot that does not
    # run is the first thing to see when nobody gets an answer.
    report.line("OK" if running else "WARN", "bot", "running" if running else
                "not running (start it: sudo systemctl start buurtbot; why it stopped: "
                "journalctl -u buurtbot)")
    if config.telegram:
        asyncio.run(_telegram(config, report, args.timeout))
    if config.whatsapp is not None:
        asyncio.run(_whatsapp(config, report, args.timeout, running))
    status = _database(config, report, running)
    if config.web and running:
        asyncio.run(_healthz(config, report, args.timeout))
    limit = config.backup.warn_free_mb if config.backup else 500
    places = {str(Path(config.database).resolve().parent)}
    if config.backup:
        places.add(str(Path(config.backup.dir).resolve()))
    for place in sorted(places):
        free = free_mb(place)
        if free is None:
            report.line("WARN", "disk", f"{place}: cannot tell")
        else:
            report.line("OK" if free >= limit else "FAIL", "disk",
                        f"{place}: {free} MB free (warning below {limit} MB)")
    _backups(config, report, status)
    print("all good" if not report.failed else f"{report.failed} problem(s)")
    return 1 if report.failed else 0


EXTRA_COMMANDS["doctor"] = (HELP, add_arguments, run)
