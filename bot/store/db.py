"""The SQLite database: one connection, numbered migrations, serialised transactions.

Why one connection with a lock: SQLite allows one writer at a time anyway, and invariants such
as a meal's cap or a single claim on a help request must be checked and written inside one
transaction. ``async with db.transaction() as conn`` gives exactly that (``BEGIN IMMEDIATE``);
concurrent handlers queue on the lock instead of interleaving statements.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.clock import to_db

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every shipped migration, in order."""
    folder = resources.files("bot.store").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


class DatabaseUnavailable(Exception):
    """The database file cannot be used at start: one clear sentence for the operator."""


class NestedTransaction(RuntimeError):
    """A task asked for the database while its own transaction holds it (a bug: it would
    otherwise wait for itself and stop the whole bot)."""


def _explain(path: str, exc: BaseException) -> str:
    """Why the database cannot be used, in the operator's terms, without a traceback."""
    text = str(exc).lower()
    if isinstance(exc, OSError):
        return (f"database {path}: cannot create its folder ({exc.strerror or exc}); "
                "check that the folder exists and that the bot may write there")
    if "readonly" in text or "read-only" in text:
        return (f"database {path} is read-only: the bot must be able to write the file and its "
                "folder (check the permissions and the disk)")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"database {path} is damaged or is not a Buurtbot database: restore a backup "
                "or move the file away to start empty")
    if "unable to open" in text:
        return (f"database {path} cannot be opened: check that its folder exists and that the "
                "bot may write there")
    if "disk" in text and "full" in text:
        return f"database {path}: the disk is full"
    return f"database {path} cannot be used: {exc}"


def _preflight(path: str) -> None:
    """Can the file be opened, read and written? Checked with plain sqlite3 before aiosqlite:
    a failed aiosqlite connect leaves its worker thread behind, which prints a traceback at exit.
    """
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    # SQLite opens a file it may not write read-only without a word, and WAL, the journal and
    # the instance lock need the folder: ask the file system first.
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    if not os.access(file.parent, os.W_OK | os.X_OK):
        raise sqlite3.OperationalError("unable to open database file")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # reads the header: a damaged file fails
        conn.execute("BEGIN IMMEDIATE")  # needs a write lock: a read-only file fails
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def check_usable(path: str | Path) -> None:
    """:class:`DatabaseUnavailable` unless the database file can be opened, read and written.

    ``buurtbot run`` asks this before it takes the instance lock or makes the pre-migration
    backup, so an unusable file is named as such (not as a lock or backup failure)."""
    if str(path) == ":memory:":
        return
    try:
        _preflight(str(path))
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(_explain(str(path), exc)) from exc


class Database:
    """An aiosqlite connection with WAL, foreign keys, migrations and a transaction lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    async def connect(self) -> None:
        """Open, configure and migrate; :class:`DatabaseUnavailable` when that cannot be done
        (a read-only or damaged file, a folder that cannot be made)."""
        try:
            await self._connect()
        except (OSError, sqlite3.Error) as exc:
            await self.close()
            raise DatabaseUnavailable(_explain(self.path, exc)) from exc

    async def _connect(self) -> None:
        if self.path != ":memory:":
            _preflight(self.path)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA foreign_keys = ON")
        await self._conn.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            await self._conn.execute("PRAGMA journal_mode = WAL")
            await self._conn.execute("PRAGMA synchronous = NORMAL")
        await self.migrate()  # BEGIN IMMEDIATE: a file we cannot write fails here, at start

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; safe to run at every start."""
        applied: list[str] = []
        async with self.transaction() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL"
                " DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00','now')))"
            )
            rows = await (await conn.execute("SELECT number FROM schema_migrations")).fetchall()
            done = {row[0] for row in rows}
            for number, name, sql in migration_files():
                if number in done:
                    continue
                log.info("applying migration %s", name)
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name)
                )
                applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; commits on success, rolls back on any exception."""
        self._not_nested()
        async with self._lock:
            self._owner = asyncio.current_task()
            conn = self.conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield conn
            except BaseException:
                await _finish(conn, "ROLLBACK")
                raise
            else:
                await _finish(conn, "COMMIT")
            finally:
                self._owner = None

    def held_here(self) -> bool:
        """Is a transaction open in the running task? (Then it must not wait for another.)"""
        return self._owner is not None and self._owner is asyncio.current_task()

    def _not_nested(self) -> None:
        """The lock is not re-entrant: a task that asks for it while holding it would wait
        for itself, and with it every update and tick of the bot, for ever. Fail this one
        update loudly instead (the error handler answers the person)."""
        if self.held_here():
            raise NestedTransaction("the database is already in use by this task's "
                                    "transaction; read what you need before it")

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        self._not_nested()
        async with self._lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        self._not_nested()
        async with self._lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return await cursor.fetchone()

    async def fetchval(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads only, outside a write transaction (no ``BEGIN IMMEDIATE``,
        so no write lock is taken): hand it to store functions that read."""
        self._not_nested()
        async with self._lock:
            yield self.conn

    async def run(self, step: Callable[Concatenate[aiosqlite.Connection, P], Awaitable[R]],
                  *args: P.args, **kwargs: P.kwargs) -> R:
        """One store function in a transaction of its own: ``step(conn, *args, **kwargs)``.

        Why: a service method that only reads or writes one thing would otherwise open a
        transaction by hand around that one call, in dozens of places."""
        async with self.transaction() as conn:
            return await step(conn, *args, **kwargs)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """A single write statement in its own transaction; returns how many rows it changed.

        A new row's id is asked for in the statement itself (``INSERT ... RETURNING id``, see
        :meth:`execute_returning`), not read back from the driver: that works the same on
        SQLite and PostgreSQL."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            return max(cursor.rowcount, 0)

    async def execute_returning(self, sql: str, params: Iterable[Any] = ()
                                ) -> list[aiosqlite.Row]:
        """A single write statement with a ``RETURNING`` clause in its own transaction; the rows
        it returned (all read before the commit). ``[]``: nothing written (e.g. ``ON CONFLICT
        DO NOTHING`` met an existing row)."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            return list(await cursor.fetchall())


async def stamp_once(conn: aiosqlite.Connection, table: str, column: str, row_id: int,
                     now: datetime) -> bool:
    """Set one row's moment ``column`` to ``now`` unless it is set already: True only for
    the one caller that set it. Why: "cancel this dinner", "tell the volunteers", "send the
    reminder" are claims that must happen once, also when two callers race or a tick repeats.
    ``table`` and ``column`` are the caller's literals, never input."""
    cursor = await conn.execute(
        f"UPDATE {table} SET {column} = ? WHERE id = ? AND {column} IS NULL",
        (to_db(now), row_id),
    )
    return cursor.rowcount == 1


async def inserted_id(cursor: aiosqlite.Cursor) -> int | None:
    """The id an ``INSERT ... RETURNING id`` gave back; None when nothing was inserted (its
    ``ON CONFLICT ... DO NOTHING`` met an existing row). Reads the cursor to its end, so the
    statement is finished before the transaction goes on. The portable way: no ``lastrowid``,
    no "one row changed means inserted"."""
    rows = await cursor.fetchall()
    return int(rows[0][0]) if rows else None


async def _finish(conn: aiosqlite.Connection, statement: str) -> None:
    """COMMIT or ROLLBACK even when the calling task is being cancelled.

    aiosqlite runs statements in order on one thread, so a shielded ROLLBACK also undoes a
    BEGIN whose await was cancelled but which still ran. Without this, a cancelled task could
    release the lock with a transaction left open, and every later BEGIN would fail.
    """
    try:
        await asyncio.shield(conn.execute(statement))
    except sqlite3.OperationalError as exc:
        if "no transaction is active" not in str(exc):
            raise


def _split_sql(sql: str) -> list[str]:
    """Split a migration file on ';' at line ends (our migrations hold no triggers)."""
    statements = []
    current: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") or not stripped:
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements
