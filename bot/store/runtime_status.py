"""SQL for ``runtime_status``: a few named facts about the running bot (no personal data).

Written by the bot (last tick, last contact with Telegram, last backup) and read by
``buurtbot doctor`` from another process.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db

LAST_TICK = "last_tick"
LAST_TELEGRAM = "last_telegram"
LAST_BACKUP = "last_backup"  # value: the file name
LAST_BACKUP_ERROR = "last_backup_error"  # value: the one-line reason; removed on success


async def put(conn: aiosqlite.Connection, name: str, value: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO runtime_status (name, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at", (name, value, to_db(now)))


async def remove(conn: aiosqlite.Connection, name: str) -> None:
    await conn.execute("DELETE FROM runtime_status WHERE name = ?", (name,))


async def get_all(conn: aiosqlite.Connection) -> dict[str, tuple[str, str]]:
    """name → (value, updated_at as stored)."""
    cursor = await conn.execute("SELECT name, value, updated_at FROM runtime_status")
    return {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}
