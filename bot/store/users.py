"""SQL for people: residents, volunteers (coordinators are people whose id is in the config)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db


@dataclass(frozen=True)
class UserRow:
    id: int
    telegram_id: int | None
    display_name: str | None
    language: str
    room: str | None
    role: str
    phone: str | None
    privacy_accepted_at: datetime | None
    reachable: bool
    announcements: bool
    anon_key: str
    created_at: datetime
    erased_at: datetime | None


def _row(row: aiosqlite.Row | None) -> UserRow | None:
    if row is None:
        return None
    return UserRow(
        id=row["id"],
        telegram_id=row["telegram_id"],
        display_name=row["display_name"],
        language=row["language"],
        room=row["room"],
        role=row["role"],
        phone=row["phone"],
        privacy_accepted_at=from_db(row["privacy_accepted_at"]),
        reachable=bool(row["reachable"]),
        announcements=bool(row["announcements"]),
        anon_key=row["anon_key"],
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        erased_at=from_db(row["erased_at"]),
    )


async def by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> UserRow | None:
    cursor = await conn.execute(
        "SELECT * FROM users WHERE telegram_id = ? AND erased_at IS NULL", (telegram_id,)
    )
    return _row(await cursor.fetchone())


async def by_id(conn: aiosqlite.Connection, user_id: int) -> UserRow | None:
    cursor = await conn.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return _row(await cursor.fetchone())


async def create(
    conn: aiosqlite.Connection,
    *,
    telegram_id: int | None,
    language: str,
    room: str | None,
    now: datetime,
    display_name: str | None = None,
    role: str = "resident",
    privacy_accepted: bool = True,
) -> UserRow:
    cursor = await conn.execute(
        "INSERT INTO users (telegram_id, display_name, language, room, role,"
        " privacy_accepted_at, anon_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            telegram_id,
            display_name,
            language,
            room,
            role,
            to_db(now) if privacy_accepted else None,
            secrets.token_hex(8),
            to_db(now),
        ),
    )
    user = await by_id(conn, cursor.lastrowid or 0)
    assert user is not None
    return user


_UPDATABLE = {"display_name", "language", "room", "role", "phone", "reachable", "announcements"}


async def update(conn: aiosqlite.Connection, user_id: int, **fields: object) -> None:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {unknown}")
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await conn.execute(
        f"UPDATE users SET {assignments} WHERE id = ?",
        (*fields.values(), user_id),
    )


async def in_room(
    conn: aiosqlite.Connection, room: str, role: str | None = None
) -> list[UserRow]:
    sql = "SELECT * FROM users WHERE room = ? AND erased_at IS NULL"
    params: list[object] = [room]
    if role:
        sql += " AND role = ?"
        params.append(role)
    cursor = await conn.execute(sql + " ORDER BY id", params)
    return [u for u in map(_row, await cursor.fetchall()) if u is not None]


async def by_telegram_ids(conn: aiosqlite.Connection, telegram_ids: list[int]) -> list[UserRow]:
    if not telegram_ids:
        return []
    marks = ",".join("?" for _ in telegram_ids)
    cursor = await conn.execute(
        f"SELECT * FROM users WHERE erased_at IS NULL AND telegram_id IN ({marks})",
        telegram_ids,
    )
    return [u for u in map(_row, await cursor.fetchall()) if u is not None]


async def erase(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Keep only the anonymous key, room and dates, so past counts stay right."""
    await conn.execute(
        "UPDATE users SET telegram_id = NULL, display_name = NULL, phone = NULL,"
        " language = 'nl', role = 'resident', reachable = 0, announcements = 0,"
        " erased_at = ? WHERE id = ?",
        (to_db(now), user_id),
    )
