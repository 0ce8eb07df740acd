"""SQL for maintenance on a database *file*: integrity, schema version, backlog, snapshots.

Why apart from :class:`bot.store.db.Database`: ``buurtbot doctor``, backups and the check for
pending migrations before a start open the file on their own, synchronously and mostly read-only
(often in another process than the running bot). They take a plain :mod:`sqlite3` connection;
the statements live here so that no SQL sits outside ``bot/store/``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_read_only(path: str | Path, *, immutable: bool = False,
                   timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection to ``path``. ``immutable`` for copies nobody else writes (a
    backup): SQLite then leaves no -wal/-shm files beside them."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    if immutable:
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=timeout)


def integrity_problems(conn: sqlite3.Connection, *, quick: bool = False) -> list[str]:
    """SQLite's own check of every page (``quick``: without the index cross-checks);
    ``["ok"]`` for a sound file."""
    pragma = "PRAGMA quick_check" if quick else "PRAGMA integrity_check"
    return [row[0] for row in conn.execute(pragma).fetchall()]


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The highest migration applied (None: no migration recorded);
    :class:`sqlite3.OperationalError` when the file has no migrations table at all."""
    value = conn.execute("SELECT MAX(number) FROM schema_migrations").fetchone()[0]
    return None if value is None else int(value)


def applied_migrations(conn: sqlite3.Connection) -> set[int]:
    """Numbers of the migrations applied; :class:`sqlite3.OperationalError` without the table."""
    return {int(row[0]) for row in conn.execute("SELECT number FROM schema_migrations")}


def outbox_backlog(conn: sqlite3.Connection) -> int:
    """Messages still waiting to go out (queued or in flight), of every kind.

    A database from before the one outbox (migration 020) still has its announcements'
    own table."""
    try:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state IN"
                                " ('queued', 'sending')").fetchone()[0])
    except sqlite3.OperationalError:
        return int(conn.execute("SELECT COUNT(*) FROM broadcast_outbox WHERE state IN"
                                " ('pending', 'sending')").fetchone()[0])


def last_received(conn: sqlite3.Connection, channel: str) -> str | None:
    """When the newest update of ``channel`` came in (as stored), from the inbox, which keeps
    a day; None when none did (or the database is from before the inbox)."""
    try:
        row = conn.execute("SELECT MAX(received_at) FROM inbox WHERE channel = ?",
                           (channel,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def runtime_status(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """name → (value, updated_at) of what the running bot last reported (``runtime_status``);
    {} for a database from before that table."""
    try:
        return {row[0]: (row[1], row[2]) for row in conn.execute(
            "SELECT name, value, updated_at FROM runtime_status")}
    except sqlite3.OperationalError:
        return {}


def snapshot(source: str | Path, target: Path) -> None:
    """Copy ``source`` into ``target`` with SQLite's online backup API: one consistent copy
    while the bot goes on writing, as one self-contained file (no WAL beside it)."""
    src = sqlite3.connect(Path(source), timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=256)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
