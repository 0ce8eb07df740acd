"""SQL for the secret part of each room's live calendar feed address."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db


async def get(conn: aiosqlite.Connection, room: str) -> str | None:
    cursor = await conn.execute("SELECT feed_key FROM calendar_feed_keys WHERE room = ?",
                                (room,))
    row = await cursor.fetchone()
    return row[0] if row else None


async def put(conn: aiosqlite.Connection, room: str, key: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO calendar_feed_keys (room, feed_key, renewed_at) VALUES (?, ?, ?)"
        " ON CONFLICT (room) DO UPDATE SET feed_key = excluded.feed_key,"
        " renewed_at = excluded.renewed_at", (room, key, to_db(now)))
