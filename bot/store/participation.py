"""SQL for participation records (the raw material of the funder tally)."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.clock import to_db
from bot.store.db import inserted_id


async def record(
    conn: aiosqlite.Connection,
    *,
    person_key: str | None,
    room: str,
    category: str,
    source: str,
    source_id: str | None,
    occurred_on: date,
    now: datetime,
    quantity: int = 1,
) -> bool:
    """Insert one record; a repeat of the same (person, source, source_id, category) is ignored."""
    cursor = await conn.execute(
        "INSERT INTO participation (person_key, room, category, source, source_id,"
        " occurred_on, quantity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_key, source, source_id, category)"
        " WHERE person_key IS NOT NULL AND source_id IS NOT NULL DO NOTHING RETURNING id",
        (
            person_key,
            room,
            category,
            source,
            source_id,
            occurred_on.isoformat(),
            quantity,
            to_db(now),
        ),
    )
    return await inserted_id(cursor) is not None


async def remove(
    conn: aiosqlite.Connection, *, person_key: str, source: str, source_id: str
) -> None:
    """Undo a record (e.g. attendance marked by mistake)."""
    await conn.execute(
        "DELETE FROM participation WHERE person_key = ? AND source = ? AND source_id = ?",
        (person_key, source, source_id),
    )
