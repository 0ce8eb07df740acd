"""SQL for scheduled messages waiting to be sent again after a short-lived Telegram error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import inserted_id


@dataclass(frozen=True)
class RetryRow:
    id: int
    kind: str
    ref: str
    chat_id: int
    user_id: int | None
    text: str
    markup: str | None
    attempts: int
    next_at: datetime
    expires_at: datetime


def _row(row: aiosqlite.Row) -> RetryRow:
    return RetryRow(row["id"], row["kind"], row["ref"], row["chat_id"], row["user_id"],
                    row["text"], row["markup"], row["attempts"], from_db(row["next_at"]),
                    from_db(row["expires_at"]))


async def remember(conn: aiosqlite.Connection, *, kind: str, ref: str, chat_id: int,
                   user_id: int | None, text: str, markup: str | None, next_at: datetime,
                   expires_at: datetime, error: str, now: datetime) -> bool:
    """Keep a message to send again; False if that message for that chat is kept already."""
    cursor = await conn.execute(
        "INSERT INTO send_retries (kind, ref, chat_id, user_id, text, markup,"
        " next_at, expires_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, ref, chat_id) DO NOTHING RETURNING id",
        (kind, ref, chat_id, user_id, text, markup, to_db(next_at), to_db(expires_at),
         error[:200], to_db(now)))
    return await inserted_id(cursor) is not None


async def due(conn: aiosqlite.Connection, now: datetime, limit: int = 200) -> list[RetryRow]:
    cursor = await conn.execute(
        "SELECT * FROM send_retries WHERE next_at <= ? ORDER BY next_at, id LIMIT ?",
        (to_db(now), limit))
    return [_row(r) for r in await cursor.fetchall()]


async def claim(conn: aiosqlite.Connection, row: RetryRow, until: datetime) -> bool:
    """Take a due row for one attempt (no other tick sends it meanwhile)."""
    cursor = await conn.execute(
        "UPDATE send_retries SET next_at = ? WHERE id = ? AND next_at = ?",
        (to_db(until), row.id, to_db(row.next_at)))
    return cursor.rowcount == 1


async def again(conn: aiosqlite.Connection, row_id: int, next_at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE send_retries SET attempts = attempts + 1, next_at = ?, last_error = ?"
        " WHERE id = ?", (to_db(next_at), error[:200], row_id))


async def delete(conn: aiosqlite.Connection, row_id: int) -> None:
    await conn.execute("DELETE FROM send_retries WHERE id = ?", (row_id,))


async def erase_user(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM send_retries WHERE user_id = ?", (user_id,))


async def count(conn: aiosqlite.Connection, kind: str | None = None) -> int:
    sql, params = "SELECT COUNT(*) FROM send_retries", ()
    if kind is not None:
        sql, params = sql + " WHERE kind = ?", (kind,)
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    return int(row[0]) if row else 0
