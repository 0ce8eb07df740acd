"""SQL for volunteer invites: single-use deep-link codes bound to a room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store.rows import maybe_row


@dataclass(frozen=True)
class InviteRow:
    code: str
    room: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


async def create(
    conn: aiosqlite.Connection, code: str, room: str, created_by: int, now: datetime,
    expires: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO invites (code, room, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (code, room, created_by, to_db(now), to_db(expires)),
    )


async def get(conn: aiosqlite.Connection, code: str) -> InviteRow | None:
    cursor = await conn.execute("SELECT * FROM invites WHERE code = ?", (code,))
    return maybe_row(InviteRow, await cursor.fetchone())


async def mark_used(conn: aiosqlite.Connection, code: str, user_id: int, now: datetime) -> bool:
    """True only for the one caller that used the invite first."""
    cursor = await conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL",
        (user_id, to_db(now), code),
    )
    return cursor.rowcount == 1
