"""SQL for people: residents, volunteers (coordinators are people whose id is in the config).

A person is found by one of their addresses (``store/addresses.py``); ``users.telegram_id`` is
only a mirror of the Telegram address, written here when the person is made or erased.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store import addresses
from bot.store.clauses import set_list
from bot.store.rows import all_rows, maybe_row


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


async def by_address(conn: aiosqlite.Connection, channel: str, address: str) -> UserRow | None:
    """The (not erased) person this address belongs to."""
    cursor = await conn.execute(
        "SELECT u.* FROM addresses a JOIN users u ON u.id = a.person_id"
        " WHERE a.channel = ? AND a.address = ? AND u.erased_at IS NULL",
        (channel, address),
    )
    return maybe_row(UserRow, await cursor.fetchone())


async def by_addresses(
    conn: aiosqlite.Connection, channel: str, values: list[str]
) -> list[UserRow]:
    """The (not erased) people with one of these addresses on ``channel``, by id."""
    if not values:
        return []
    marks = ",".join("?" for _ in values)
    cursor = await conn.execute(
        "SELECT DISTINCT u.* FROM addresses a JOIN users u ON u.id = a.person_id"
        f" WHERE a.channel = ? AND a.address IN ({marks}) AND u.erased_at IS NULL ORDER BY u.id",
        (channel, *values),
    )
    return all_rows(UserRow, await cursor.fetchall())


async def by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> UserRow | None:
    return await by_address(conn, addresses.TELEGRAM, str(telegram_id))


async def by_id(conn: aiosqlite.Connection, user_id: int) -> UserRow | None:
    cursor = await conn.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return maybe_row(UserRow, await cursor.fetchone())


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
    """A new person; with ``telegram_id`` also their Telegram address (one transaction).

    A WhatsApp chat id (2**53 and up, :mod:`bot.channels.whatsapp.ids`) is never a Telegram
    id: refused here, the one place that writes the column (``services.users`` gives such a
    person a WhatsApp address instead)."""
    if telegram_id is not None and telegram_id >= _WHATSAPP_BASE:
        raise ValueError("a WhatsApp chat id is not a Telegram id")
    cursor = await conn.execute(
        "INSERT INTO users (telegram_id, display_name, language, room, role,"
        " privacy_accepted_at, anon_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
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
    (user_id,) = await cursor.fetchone()  # type: ignore[misc]
    if telegram_id is not None:
        await addresses.add(conn, user_id, addresses.TELEGRAM, str(telegram_id), now)
    user = await by_id(conn, user_id)
    assert user is not None
    return user


#: :data:`bot.channels.whatsapp.ids.BASE` (kept here: the store imports no channel).
_WHATSAPP_BASE = 1 << 53

_UPDATABLE = {"display_name", "language", "room", "role", "phone", "reachable", "announcements"}


async def update(
    conn: aiosqlite.Connection, user_id: int, *, now: datetime | None = None, **fields: object
) -> None:
    """Change profile fields. ``reachable`` is the older per-person flag: it now sets the
    person's Telegram address (and the mirror column); prefer ``addresses.mark_*``."""
    assignments, values = set_list(fields, _UPDATABLE)
    if "reachable" in fields:
        await addresses.set_reachable(conn, user_id, bool(fields["reachable"]), now)
    if not fields:
        return
    await conn.execute(f"UPDATE users SET {assignments} WHERE id = ?", (*values, user_id))


async def in_room(
    conn: aiosqlite.Connection, room: str, role: str | None = None
) -> list[UserRow]:
    sql = "SELECT * FROM users WHERE room = ? AND erased_at IS NULL"
    params: list[object] = [room]
    if role:
        sql += " AND role = ?"
        params.append(role)
    cursor = await conn.execute(sql + " ORDER BY id", params)
    return all_rows(UserRow, await cursor.fetchall())


async def by_telegram_ids(conn: aiosqlite.Connection, telegram_ids: list[int]) -> list[UserRow]:
    return await by_addresses(conn, addresses.TELEGRAM, [str(i) for i in telegram_ids])


async def by_user_ids(conn: aiosqlite.Connection, user_ids: list[int]) -> list[UserRow]:
    """The people behind application user ids (the config's coordinators: Telegram ids and
    WhatsApp numbers as chat ids), by id."""
    pairs = addresses.of_user_ids(user_ids)
    found: dict[int, UserRow] = {}
    for channel in {channel for channel, _ in pairs}:
        values = [address for c, address in pairs if c == channel]
        for row in await by_addresses(conn, channel, values):
            found[row.id] = row
    return [found[key] for key in sorted(found)]


async def active(conn: aiosqlite.Connection) -> list[UserRow]:
    """Everyone not erased, by id."""
    cursor = await conn.execute("SELECT * FROM users WHERE erased_at IS NULL ORDER BY id")
    return all_rows(UserRow, await cursor.fetchall())


async def volunteers_with_skill(
    conn: aiosqlite.Connection, room: str, skill: str | None
) -> list[UserRow]:
    """The room's volunteers who do ``skill`` (a volunteer with no skills set does all kinds)."""
    sql = ("SELECT u.* FROM users u"
           " WHERE u.room = ? AND u.role = 'volunteer' AND u.erased_at IS NULL")
    params: list[object] = [room]
    if skill is not None:
        sql += (" AND (NOT EXISTS (SELECT 1 FROM help_skills s WHERE s.user_id = u.id)"
                " OR EXISTS (SELECT 1 FROM help_skills s WHERE s.user_id = u.id AND s.skill = ?))")
        params.append(skill)
    cursor = await conn.execute(sql + " ORDER BY u.id", params)
    return all_rows(UserRow, await cursor.fetchall())


async def erase(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Keep only the anonymous key, room and dates, so past counts stay right; no address."""
    await addresses.erase(conn, user_id)
    await conn.execute(
        "UPDATE users SET telegram_id = NULL, display_name = NULL, phone = NULL,"
        " language = 'nl', role = 'resident', reachable = 0, announcements = 0,"
        " erased_at = ? WHERE id = ?",
        (to_db(now), user_id),
    )
