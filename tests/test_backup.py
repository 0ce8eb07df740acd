"""Backups and restore: consistent while the bot writes, rotated, refused when they must be."""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.clock import TZ
from bot.instance_lock import InstanceLock
from bot.runner import backup_before_migrating, pending_migrations
from bot.services import backup as backups
from bot.store import maintenance
from bot.store.db import Database, migration_files
from tests.auxil.harness import BotHarness
from tests.auxil.server import with_backup, write_settings

NIGHT = datetime(2026, 12, 1, 3, 5, tzinfo=TZ)


async def _write_pairs(bot: BotHarness, stop: asyncio.Event) -> int:
    """Keep writing two rows per transaction until told to stop; returns how many pairs."""
    n = 0
    while not stop.is_set():
        async with bot.db.transaction() as conn:
            for job in ("pair_a", "pair_b"):
                await conn.execute("INSERT INTO job_runs (job, period, done_at) VALUES (?, ?,"
                                   " '2026-11-30T08:00:00+00:00')", (job, str(n)))
        n += 1
        await asyncio.sleep(0)
    return n


async def test_a_backup_made_while_the_bot_writes_is_consistent_and_restores(
        bot: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fatima = await bot.resident("Fatima", name="Fatima")
    stop = asyncio.Event()
    writer = asyncio.create_task(_write_pairs(bot, stop))
    await asyncio.sleep(0.05)
    path = await asyncio.to_thread(backups.make_backup, bot.db.path, tmp_path / "b",
                                   bot.clock.now())
    stop.set()
    written = await writer
    assert path.name == "buurtbot-2026-11-30-090000.db"
    assert backups.check_database(path) == backups.code_schema_version()
    copy = sqlite3.connect(path)
    a = copy.execute("SELECT COUNT(*) FROM job_runs WHERE job = 'pair_a'").fetchone()[0]
    b = copy.execute("SELECT COUNT(*) FROM job_runs WHERE job = 'pair_b'").fetchone()[0]
    copy.close()
    assert a == b and 0 < a <= written  # never half a transaction
    assert not list((tmp_path / "b").glob("*.partial"))

    # Restore it into another machine's (empty) place and start the bot on it.
    await bot.stop()
    other = tmp_path / "other" / "buurtbot.db"
    settings = write_settings(tmp_path, other)
    assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 0
    restored = Database(other)
    await restored.connect()
    assert await restored.fetchval("SELECT COUNT(*) FROM users WHERE telegram_id = ?",
                                   (fatima.id,)) == 1
    await restored.close()


def _touch(folder: Path, day: date, stamp: str = "030000") -> Path:
    path = folder / f"buurtbot-{day.isoformat()}-{stamp}.db"
    path.write_bytes(b"x")
    return path


def test_rotation_keeps_the_newest_of_n_days_and_m_weeks(tmp_path: Path) -> None:
    days = [date(2026, 10, 1 + i) for i in range(30)] + [date(2026, 11, 1 + i) for i in range(30)]
    for day in days:
        _touch(tmp_path, day)
    _touch(tmp_path, date(2026, 11, 30), "120000")  # a second one that day: the newer wins
    (tmp_path / "notes.txt").write_text("not ours")
    removed = backups.rotate(tmp_path, daily=3, weekly=3, today=date(2026, 11, 30))
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [
        "buurtbot-2026-11-22-030000.db",  # newest of ISO week 47 (Sunday)
        "buurtbot-2026-11-28-030000.db",
        "buurtbot-2026-11-29-030000.db",  # also the newest of week 48
        "buurtbot-2026-11-30-120000.db",  # also the newest of week 49
        "notes.txt",
    ]
    assert len(removed) == 61 - 4


async def test_a_full_disk_keeps_old_backups_and_is_told_once(
        sandbox, tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.auxil.harness import make_config

    folder = tmp_path / "backups"
    folder.mkdir()
    old = _touch(folder, date(2026, 11, 29))
    config = with_backup(make_config(sandbox, tmp_path / "buurtbot.db"), folder)
    bot = BotHarness(sandbox, config, clock)
    await bot.start()
    try:
        carla = await bot.coordinator()

        def full(source, target):  # the disk fills up halfway through the copy
            Path(target).write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(maintenance, "snapshot", full)
        await bot.tick(at=NIGHT)
        message = await carla.next_message()
        assert "kon geen reservekopie (back-up) maken (dinsdag 1 december, 03:05)" in message.text
        assert old.exists() and old.read_bytes() == b"x"
        assert sorted(p.name for p in folder.iterdir()) == [old.name]  # no partial file left
        failure = await bot.services.ops.backup_failure()
        assert failure is not None and "No space left on device" in failure[0]
        # Next minute: not told again.
        await bot.tick(at=NIGHT.replace(minute=6))
        await bot.settle()
        assert len(carla.bot_messages) == 1
        # The next night works again: the failure is cleared, the old one stays (rotation).
        monkeypatch.undo()
        await bot.tick(at=NIGHT.replace(day=2))
        assert await bot.services.ops.backup_failure() is None
        assert len(backups.list_backups(folder)) == 2
    finally:
        await bot.stop()


async def test_the_nightly_backup_runs_exactly_once_per_night(
        sandbox, tmp_path: Path, clock) -> None:
    from tests.auxil.harness import make_config

    folder = tmp_path / "backups"
    config = with_backup(make_config(sandbox, tmp_path / "buurtbot.db"), folder)
    bot = BotHarness(sandbox, config, clock)
    await bot.start()
    try:
        await bot.tick(at=datetime(2026, 12, 1, 2, 59, tzinfo=TZ))
        assert backups.list_backups(folder) == []
        await bot.tick(at=NIGHT)
        await bot.tick(at=NIGHT.replace(minute=6))
        await bot.restart()
        await bot.tick(at=NIGHT.replace(hour=9))
        assert [b.day for b in backups.list_backups(folder)] == [date(2026, 12, 1)]
        await bot.tick(at=NIGHT.replace(day=2))
        assert [b.day for b in backups.list_backups(folder)] == [date(2026, 12, 1),
                                                                 date(2026, 12, 2)]
    finally:
        await bot.stop()


async def test_encrypted_backup_restores_only_with_the_right_passphrase(
        bot: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    await bot.resident("Fatima")
    path = await asyncio.to_thread(backups.make_backup, bot.db.path, tmp_path / "b",
                                   bot.clock.now(), passphrase="correct horse")
    assert path.name.endswith(".db.enc")
    assert b"SQLite format" not in path.read_bytes()
    await bot.stop()
    target = tmp_path / "restore" / "buurtbot.db"
    settings = write_settings(tmp_path, target)
    monkeypatch.setenv(backups.PASSPHRASE_ENV, "wrong horse")
    assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "wrong passphrase" in err
    assert not target.exists()
    monkeypatch.delenv(backups.PASSPHRASE_ENV)
    assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 2
    assert backups.PASSPHRASE_ENV in capsys.readouterr().err
    monkeypatch.setenv(backups.PASSPHRASE_ENV, "correct horse")
    assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 0
    assert backups.check_database(target) == backups.code_schema_version()


async def test_restore_refuses_a_newer_schema_a_broken_file_and_a_running_bot(
        bot: BotHarness, tmp_path: Path, capsys) -> None:
    path = await asyncio.to_thread(backups.make_backup, bot.db.path, tmp_path / "b",
                                   bot.clock.now())
    database = Path(bot.db.path)
    settings = write_settings(tmp_path, database)
    # The bot runs (it holds the lock in production): refused, the database untouched.
    with InstanceLock(database):
        assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 2
    assert "stop it first" in capsys.readouterr().err
    await bot.stop()
    newer = tmp_path / "newer.db"
    newer.write_bytes(path.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations (number, name) VALUES (999, '999_future.sql')")
    conn.commit()
    conn.close()
    before = await asyncio.to_thread(database.read_bytes)
    assert cli.main(["--config", str(settings), "restore", str(newer), "--yes"]) == 2
    assert "newer than this code" in capsys.readouterr().err
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database at all" * 100)
    assert cli.main(["--config", str(settings), "restore", str(broken), "--yes"]) == 2
    assert "not a database" in capsys.readouterr().err
    assert await asyncio.to_thread(database.read_bytes) == before
    # A sound one: the replaced database is kept beside it.
    assert cli.main(["--config", str(settings), "restore", str(path), "--yes"]) == 0
    assert list(database.parent.glob("buurtbot.db.before-restore-*"))


async def test_backup_command_writes_a_checked_copy_and_fails_cleanly(
        tmp_path: Path, capsys) -> None:
    database = tmp_path / "buurtbot.db"
    db = Database(database)
    await db.connect()
    await db.close()
    folder = tmp_path / "nightly"
    settings = write_settings(tmp_path, database, extra=f'[backup]\ndir = "{folder}"\n')
    assert cli.main(["--config", str(settings), "backup"]) == 0
    assert "checked" in capsys.readouterr().out
    assert len(backups.list_backups(folder)) == 1
    assert cli.main(["--config", str(settings), "backup", "--to", str(tmp_path / "usb")]) == 0
    assert len(backups.list_backups(tmp_path / "usb")) == 1
    missing = write_settings(tmp_path, tmp_path / "nothing.db")
    assert cli.main(["--config", str(missing), "backup", "--to", str(folder)]) == 2
    assert "database not found" in capsys.readouterr().err


async def test_migrations_at_start_take_a_backup_first(sandbox, tmp_path: Path, clock) -> None:
    from tests.auxil.harness import make_config

    database = tmp_path / "buurtbot.db"
    db = Database(database)
    await db.connect()
    last = backups.code_schema_version()
    await db.execute("DELETE FROM schema_migrations WHERE number = ?", (last,))
    await db.close()
    assert pending_migrations(database) == [last]
    config = make_config(sandbox, database)
    made = backup_before_migrating(config, clock)
    assert made is not None and made.parent == tmp_path / "backups"
    numbers = [n for n, _name, _sql in migration_files()]
    assert backups.check_database(made) == max(n for n in numbers if n != last)
    assert made.name.endswith("-before-upgrade.db")
    # The first nightly backup that same day (the catch-up right after the start) is in the
    # new schema, which the old code cannot restore: it must not rotate the way back out.
    today = clock.now().date()
    await asyncio.to_thread(backups.make_backup, database, made.parent, clock.now())
    await asyncio.to_thread(backups.make_backup, database, made.parent, clock.now())
    assert made.exists()
    assert backups.rotate(made.parent, daily=7, weekly=4, today=today) == []
    assert made.exists()
    # It goes when erased data must be gone from backups (34 days with these settings).
    assert backups.rotate(made.parent, 7, 4, today + timedelta(days=34)) == []
    assert made in backups.rotate(made.parent, 7, 4, today + timedelta(days=35))
    # Nothing pending: no backup.
    fresh = tmp_path / "fresh.db"
    assert backup_before_migrating(make_config(sandbox, fresh), clock) is None


async def test_privacy_text_says_how_long_erased_data_stays_in_backups(
        sandbox, tmp_path: Path, clock) -> None:
    from tests.auxil.harness import make_config

    config = with_backup(make_config(sandbox, tmp_path / "buurtbot.db"), tmp_path / "b",
                         daily=7, weekly=4)
    bot = BotHarness(sandbox, config, clock)
    await bot.start()
    try:
        fatima = await bot.resident("Fatima", language="en")
        await fatima.send("/privacy")
        text = (await fatima.next_message()).text
        assert "at most 34 days" in text
    finally:
        await bot.stop()


def _raw_copy_from_newer_code(database: Path, copy: Path) -> Path:
    """A file copy of the live database (WAL mode), as if made by newer code."""
    copy.parent.mkdir()
    copy.write_bytes(database.read_bytes())
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("INSERT INTO schema_migrations (number, name) VALUES (999, '999_future.sql')")
    conn.commit()
    conn.close()
    for suffix in ("-wal", "-shm"):
        copy.with_name(copy.name + suffix).unlink(missing_ok=True)
    return copy


async def test_a_refused_restore_of_a_wal_copy_leaves_nothing_beside_the_database(
        bot: BotHarness, tmp_path: Path, capsys) -> None:
    """A plain copy of a live database is in WAL mode: checking it must not leave
    ``*.restoring-wal``/``-shm`` files in the data folder, and the message names the file the
    volunteer gave."""
    database = Path(bot.db.path)
    await bot.stop()
    settings = write_settings(tmp_path, database)
    newer = _raw_copy_from_newer_code(database, tmp_path / "elsewhere" / "copy-of-live.db")

    def listing() -> list[str]:  # the lock file is always there in production
        return sorted(p.name for p in database.parent.iterdir() if p.suffix != ".lock")

    before = listing()
    assert cli.main(["--config", str(settings), "restore", str(newer), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "copy-of-live.db has schema version 999" in err and ".restoring" not in err
    assert listing() == before
