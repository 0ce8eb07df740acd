"""SQL for linking two channels: the short codes (hashed) and the wrong tries per address.

A code is shown in one app and typed in the other (``services/linking.py`` holds the rules).
Only the code's hash is stored; a person has one code at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store.rows import all_rows, maybe_row


@dataclass(frozen=True)
class LinkCodeRow:
    code_hash: str
    person_id: int
    channel: str
    address: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def replace(conn: aiosqlite.Connection, *, code_hash: str, person_id: int, channel: str,
                  address: str, now: datetime, expires_at: datetime) -> bool:
    """The person's one code from now (an older one stops working). False when the hash is
    taken already (another person's live code: the caller draws again)."""
    await conn.execute("DELETE FROM link_codes WHERE person_id = ? OR expires_at <= ?",
                       (person_id, to_db(now)))
    cursor = await conn.execute(
        "INSERT INTO link_codes (code_hash, person_id, channel, address, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code_hash) DO NOTHING"
        " RETURNING code_hash",
        (code_hash, person_id, channel, address, to_db(now), to_db(expires_at)),
    )
    return await cursor.fetchone() is not None


async def by_hash(conn: aiosqlite.Connection, code_hash: str) -> LinkCodeRow | None:
    cursor = await conn.execute("SELECT * FROM link_codes WHERE code_hash = ?", (code_hash,))
    return maybe_row(LinkCodeRow, await cursor.fetchone())


async def mark_used(conn: aiosqlite.Connection, code_hash: str, now: datetime) -> bool:
    """True only for the one caller that used the code first."""
    cursor = await conn.execute(
        "UPDATE link_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
        " RETURNING code_hash",
        (to_db(now), code_hash),
    )
    return await cursor.fetchone() is not None


async def of_person(conn: aiosqlite.Connection, person_id: int) -> list[LinkCodeRow]:
    """The person's codes (for /mijngegevens: when made, until when, used or not)."""
    cursor = await conn.execute(
        "SELECT * FROM link_codes WHERE person_id = ? ORDER BY created_at", (person_id,))
    return all_rows(LinkCodeRow, await cursor.fetchall())


async def erase(conn: aiosqlite.Connection, person_id: int) -> None:
    await conn.execute("DELETE FROM link_codes WHERE person_id = ?", (person_id,))


async def add_try(conn: aiosqlite.Connection, channel: str, address: str, now: datetime,
                  since: datetime) -> int:
    """Count a wrong code typed from this address; returns the wrong tries since ``since``
    (this one included). Tries older than ``since`` are deleted on the way."""
    await conn.execute("DELETE FROM link_tries WHERE tried_at < ?", (to_db(since),))
    await conn.execute(
        "INSERT INTO link_tries (channel, address, tried_at) VALUES (?, ?, ?)",
        (channel, address, to_db(now)),
    )
    return await tries_since(conn, channel, address, since)


async def tries_since(conn: aiosqlite.Connection, channel: str, address: str,
                      since: datetime) -> int:
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM link_tries WHERE channel = ? AND address = ? AND tried_at >= ?",
        (channel, address, to_db(since)),
    )
    (count,) = await cursor.fetchone()  # type: ignore[misc]
    return int(count)


async def first_try_since(conn: aiosqlite.Connection, channel: str, address: str,
                          since: datetime) -> str | None:
    """The oldest counted try (UTC text): the pause ends an hour after it."""
    cursor = await conn.execute(
        "SELECT MIN(tried_at) FROM link_tries WHERE channel = ? AND address = ?"
        " AND tried_at >= ?",
        (channel, address, to_db(since)),
    )
    row = await cursor.fetchone()
    return row[0] if row else None


async def erase_tries(conn: aiosqlite.Connection, channel: str, address: str) -> None:
    await conn.execute("DELETE FROM link_tries WHERE channel = ? AND address = ?",
                       (channel, address))
