"""Running it for real: health checks, nightly backups, disk warnings, calendar feed keys.

Why a service of its own: /healthz, ``buurtbot doctor`` and the coordinator's warnings must
agree on what "healthy" means, so the checks live here once. No Telegram: the handler in
``bot/handlers/ops.py`` turns a problem into a chat message, the web server into a 503.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import from_db, to_db
from bot.services import backup as backups
from bot.store import broadcasts as broadcast_store
from bot.store import feed_keys, job_runs
from bot.store import runtime_status as status_store

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

BACKUP_JOB = "backup"  # period: the local date of the night's backup
#: The coordinators' warnings (CORE13 §6): one outbox row per coordinator and incident.
OPS_ALERT = "ops.alert"
ALERT_BACKUP = "ops_alert_backup"  # job_runs period: "<failure time>:<user id>"
ALERT_DISK = "ops_alert_disk"  # period: "<user id>"; released when there is room again
#: Scheduled work older than this means the job queue is stuck.
TICK_STALE = timedelta(minutes=5)
#: No answer from Telegram for this long (long polling asks every few seconds).
TELEGRAM_STALE = timedelta(minutes=5)
#: In webhook mode nothing comes in on a quiet night: ask Telegram how it is this often.
WEBHOOK_PROBE = timedelta(minutes=5)
#: A message the bot meant to send still waiting after this long is a backlog.
OUTBOX_STALE = timedelta(hours=1)
#: How long after start the bot may be silent before "never" counts as a problem.
GRACE = timedelta(minutes=3)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "fail",
            "problems": self.problems,
            "checks": {c.name: {"ok": c.ok, "detail": c.detail, **c.data}
                       for c in self.checks},
        }


@dataclass(frozen=True)
class BackupOutcome:
    ok: bool
    path: Path | None = None
    error: str = ""
    removed: tuple[Path, ...] = ()


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def free_mb(path: str | Path) -> int | None:
    """Free space where ``path`` lives (the nearest existing folder), in MB."""
    folder = Path(path).resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free // (1024 * 1024)
    except OSError:
        return None


class OpsService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.started_at: datetime | None = None
        self.last_tick: datetime | None = None
        self.last_telegram: datetime | None = None
        self.webhook_mode = False
        self.webhook_error: str = ""  # Telegram's last_error_message for our webhook
        self.last_webhook_probe: datetime | None = None
        self._backup_lock = asyncio.Lock()

    async def start(self) -> None:
        self.started_at = self.services.clock.now()

    def saw_telegram(self) -> None:
        """Called on every answer from the Bot API (and every webhook update)."""
        self.last_telegram = self.services.clock.now()

    async def record_tick(self, now: datetime) -> None:
        self.last_tick = now
        async with self.services.db.transaction() as conn:
            await status_store.put(conn, status_store.LAST_TICK, to_db(now), now)
            if self.last_telegram is not None:
                await status_store.put(conn, status_store.LAST_TELEGRAM,
                                       to_db(self.last_telegram), now)

    # --- health -----------------------------------------------------------------------------

    async def _outbox(self) -> tuple[int, datetime | None]:
        async with self.services.db.reading() as conn:
            return await broadcast_store.backlog(conn)

    async def health(self, timeout: float | None = None) -> Health:  # noqa: ASYNC109 - a budget, not a wait
        """The checks /healthz answers with; the database gets ``timeout`` seconds."""
        web = self.services.config.web
        timeout = timeout if timeout is not None else (web.health_timeout if web else 3.0)
        now = self.services.clock.now()
        started = self.started_at or now
        checks: list[Check] = []
        backlog: tuple[int, datetime | None] | None = None
        try:
            backlog = await asyncio.wait_for(self._outbox(), timeout)
            checks.append(Check("database", True, "reachable"))
        except TimeoutError:
            checks.append(Check("database", False,
                                f"no answer within {timeout:g} s (locked or stuck)"))
        except Exception as exc:  # an unreadable file, a broken disk
            checks.append(Check("database", False, f"error: {type(exc).__name__}: {exc}"))
        fresh_start = now - started < GRACE
        tick_ok = (self.last_tick is not None and now - self.last_tick <= TICK_STALE) or (
            self.last_tick is None and fresh_start)
        checks.append(Check("scheduler", tick_ok,
                            f"last scheduled tick {_ago(now, self.last_tick)}",
                            {"last_tick": to_db(self.last_tick) if self.last_tick else None}))
        if backlog is not None:
            count, oldest = backlog
            late = oldest is not None and now - oldest > OUTBOX_STALE
            detail = (f"{count} message(s) waiting" + (f", the oldest since {_ago(now, oldest)}"
                                                      if late else ""))
            checks.append(Check("outbox", not late, detail, {"backlog": count}))
        if not self.services.config.telegram:  # WhatsApp alone: Telegram is never asked
            return Health(checks)
        tg_ok = (self.last_telegram is not None and now - self.last_telegram <= (
            TELEGRAM_STALE if not self.webhook_mode else TELEGRAM_STALE + WEBHOOK_PROBE)) or (
            self.last_telegram is None and fresh_start)
        detail = f"last contact {_ago(now, self.last_telegram)}"
        if self.webhook_error:
            tg_ok = False
            detail += f"; Telegram reports: {self.webhook_error}"
        checks.append(Check("telegram", tg_ok, detail, {
            "last_contact": to_db(self.last_telegram) if self.last_telegram else None,
            "mode": "webhook" if self.webhook_mode else "polling"}))
        return Health(checks)

    # --- backups ----------------------------------------------------------------------------

    def backup_due(self, now: datetime) -> str | None:
        """Tonight's period (the local date) once the backup time has passed, else None."""
        settings = self.services.config.backup
        if settings is None or now.time() < settings.at:
            return None
        return now.date().isoformat()

    async def backup(self, now: datetime | None = None) -> BackupOutcome:
        """Make, verify and rotate one backup now, and record how it went."""
        settings = self.services.config.backup
        if settings is None:
            return BackupOutcome(False, error="no [backup] in the settings")
        now = now or self.services.clock.now()
        passphrase = self.services.config.backup_passphrase if settings.encrypt else None
        async with self._backup_lock:
            try:
                path = await asyncio.to_thread(backups.make_backup, self.services.db.path,
                                               settings.dir, now, passphrase=passphrase)
                removed = await asyncio.to_thread(backups.rotate, settings.dir, settings.daily,
                                                  settings.weekly, now.date())
            except backups.BackupError as exc:
                log.error("backup failed: %s", exc)
                async with self.services.db.transaction() as conn:
                    await status_store.put(conn, status_store.LAST_BACKUP_ERROR, str(exc), now)
                return BackupOutcome(False, error=str(exc))
        log.info("backup written: %s (%d old ones removed)", path.name, len(removed))
        async with self.services.db.transaction() as conn:
            await status_store.put(conn, status_store.LAST_BACKUP, path.name, now)
            await status_store.remove(conn, status_store.LAST_BACKUP_ERROR)
        return BackupOutcome(True, path, removed=tuple(removed))

    async def nightly_backup(self, now: datetime) -> BackupOutcome | None:
        """The night's backup, exactly once per night (claimed), also after a restart."""
        period = self.backup_due(now)
        if period is None:
            return None
        async with self.services.db.transaction() as conn:
            if not await job_runs.claim(conn, BACKUP_JOB, period, now):
                return None
        return await self.backup(now)

    # --- warnings to the coordinators ---------------------------------------------------------

    async def alert(self, job: str, incident: str, params: dict[str, Any]) -> int:
        """Warn every coordinator once per incident: each one's claim and outbox row in one
        transaction (a kill in between can no longer lose it; a short-lived failure is retried
        by the outbox). ``params`` say what to render (the handler layer's renderer). Returns
        how many were queued now."""
        now = self.services.clock.now()
        queued = 0
        async with self.services.db.transaction() as conn:
            for person_id in await self.services.recipients.all_coordinators(conn):
                period = f"{incident}:{person_id}" if incident else str(person_id)
                if not await job_runs.claim(conn, job, period, now):
                    continue
                if await self.services.outbox.enqueue(
                        conn, to=person_id, kind=OPS_ALERT, ref=f"{job}:{period}",
                        # The claim makes it once per incident; the same incident may come
                        # back at the same moment (a frozen clock), so no time in the key.
                        dedupe=uuid.uuid4().hex, params=params) is not None:
                    queued += 1
        return queued

    async def disk_ok(self) -> None:
        """There is room again: a next shortage is a new incident, told again."""
        async with self.services.db.transaction() as conn:
            await job_runs.forget(conn, ALERT_DISK)

    async def status(self) -> dict[str, tuple[str, datetime | None]]:
        async with self.services.db.transaction() as conn:
            rows = await status_store.get_all(conn)
        return {name: (value, from_db(at)) for name, (value, at) in rows.items()}

    async def backup_failure(self) -> tuple[str, datetime] | None:
        """The last backup's failure (reason, when), if the last attempt failed."""
        found = (await self.status()).get(status_store.LAST_BACKUP_ERROR)
        if found is None or found[1] is None:
            return None
        return found[0], found[1]

    def disk_low(self) -> tuple[str, int] | None:
        """(folder, free MB) where the database or the backups live and space is low."""
        limit = self.services.config.backup.warn_free_mb if self.services.config.backup else 500
        places = [Path(self.services.db.path).parent]
        if self.services.config.backup:
            places.append(Path(self.services.config.backup.dir))
        for place in places:
            free = free_mb(place)
            if free is not None and free < limit:
                return str(place), free
        return None

    # --- the calendar feed ------------------------------------------------------------------

    async def feed_key(self, room: str) -> str:
        """The room's feed key, made on first use."""
        async with self.services.db.transaction() as conn:
            key = await feed_keys.get(conn, room)
            if key is None:
                key = secrets.token_urlsafe(18)
                await feed_keys.put(conn, room, key, self.services.clock.now())
            return key

    async def renew_feed_key(self, room: str) -> str:
        """A new key: the old address stops working at once."""
        key = secrets.token_urlsafe(18)
        async with self.services.db.transaction() as conn:
            await feed_keys.put(conn, room, key, self.services.clock.now())
        return key

    async def feed_key_matches(self, room: str, key: str) -> bool:
        if room not in self.services.config.rooms or not key:
            return False
        async with self.services.db.transaction() as conn:
            stored = await feed_keys.get(conn, room)
        return stored is not None and hmac.compare_digest(stored.encode(), key.encode())

    async def feed_url(self, room: str) -> str | None:
        """The address a phone subscribes to, when ``web.public_url`` is set."""
        web = self.services.config.web
        if web is None or not web.public_url:
            return None
        return f"{web.public_url}/calendar/{room}.ics?key={await self.feed_key(room)}"

    def deep_link(self, room: str, username: str) -> str:
        return f"https://t.me/{username}?start={room}"
