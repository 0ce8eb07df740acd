"""SQL for the ways to reach a person: one row per (channel, address), e.g. a Telegram chat.

A person (``users``) has one or more addresses; "tell this person" picks the preferred
reachable one. ``users.telegram_id`` and ``users.reachable`` are kept as mirrors of the Telegram
address (older queries still read them); they are written here and in ``store/users.py`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.messaging.message import Address
from bot.store.rows import all_rows, maybe_row

TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
#: Application user ids from here up are WhatsApp addresses (bot.channels.whatsapp.ids.BASE).
_WA_BASE = 1 << 53


def of_user_ids(user_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(channel, address) of application user ids such as the config's coordinators: a
    Telegram id as it is, a WhatsApp chat id (2**53 + the number) as its number."""
    return sorted({(WHATSAPP, str(uid - _WA_BASE)) if uid >= _WA_BASE else (TELEGRAM, str(uid))
                   for uid in user_ids})


def having_sql(person_column: str, user_ids: Iterable[int]) -> tuple[str, list[object]]:
    """SQL "this person has one of these addresses" (config coordinators on either channel)
    and its parameters; never true for no ids."""
    pairs = of_user_ids(user_ids)
    if not pairs:
        return " 0", []
    tests = " OR ".join("(a.channel = ? AND a.address = ?)" for _ in pairs)
    return (f" EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = {person_column} AND"
            f" ({tests}))", [value for pair in pairs for value in pair])


@dataclass(frozen=True)
class AddressRow:
    id: int
    person_id: int
    channel: str
    address: str
    reachable: bool
    reachable_at: datetime | None
    unreachable_at: datetime | None
    window_until: datetime | None
    created_at: datetime

    @property
    def key(self) -> Address:
        return Address(self.channel, self.address)


# Preferred first: reachable, then the one that worked most recently, then the oldest.
_PREFERRED = "reachable DESC, reachable_at IS NULL, reachable_at DESC, id"


async def add(
    conn: aiosqlite.Connection, person_id: int, channel: str, address: str, now: datetime
) -> AddressRow:
    """Give ``person_id`` this address (reachable now); an address already theirs is kept.

    An address belongs to one person (UNIQUE): taking someone else's raises IntegrityError.
    """
    cursor = await conn.execute(
        "INSERT INTO addresses (person_id, channel, address, reachable, reachable_at,"
        " created_at) VALUES (?, ?, ?, 1, ?, ?)"
        " ON CONFLICT (channel, address) DO NOTHING RETURNING id",
        (person_id, channel, address, to_db(now), to_db(now)),
    )
    inserted = await cursor.fetchone()
    if inserted is None:
        found = await by_address(conn, channel, address)
        assert found is not None
        if found.person_id != person_id:
            raise aiosqlite.IntegrityError(f"{channel} address belongs to another person")
        return found
    await _mirror(conn, person_id)
    found = await by_address(conn, channel, address)
    assert found is not None
    return found


async def by_address(conn: aiosqlite.Connection, channel: str, address: str) -> AddressRow | None:
    cursor = await conn.execute(
        "SELECT * FROM addresses WHERE channel = ? AND address = ?", (channel, address)
    )
    return maybe_row(AddressRow, await cursor.fetchone())


async def of_person(conn: aiosqlite.Connection, person_id: int) -> list[AddressRow]:
    """All of a person's addresses, preferred first."""
    cursor = await conn.execute(
        f"SELECT * FROM addresses WHERE person_id = ? ORDER BY {_PREFERRED}", (person_id,)
    )
    return all_rows(AddressRow, await cursor.fetchall())


async def of_people(
    conn: aiosqlite.Connection, person_ids: Iterable[int]
) -> dict[int, list[AddressRow]]:
    """Addresses of many people in one query (lists of people), preferred first."""
    ids = sorted(set(person_ids))
    found: dict[int, list[AddressRow]] = {pid: [] for pid in ids}
    if not ids:
        return found
    marks = ",".join("?" for _ in ids)
    cursor = await conn.execute(
        f"SELECT * FROM addresses WHERE person_id IN ({marks}) ORDER BY person_id, {_PREFERRED}",
        ids,
    )
    for row in all_rows(AddressRow, await cursor.fetchall()):
        found[row.person_id].append(row)
    return found


async def address_of(
    conn: aiosqlite.Connection, person_id: int, channel: str | None = None
) -> AddressRow | None:
    """The preferred reachable address of a person (on ``channel`` if given), or None."""
    sql = "SELECT * FROM addresses WHERE person_id = ? AND reachable = 1"
    params: list[object] = [person_id]
    if channel is not None:
        sql += " AND channel = ?"
        params.append(channel)
    cursor = await conn.execute(f"{sql} ORDER BY {_PREFERRED} LIMIT 1", params)
    return maybe_row(AddressRow, await cursor.fetchone())


async def mark_unreachable(
    conn: aiosqlite.Connection, channel: str, address: str, now: datetime
) -> bool:
    """The channel said this address is gone (blocked, deleted). True if it changed now."""
    return await _flip(conn, channel, address, now, reachable=False)


async def mark_reachable(
    conn: aiosqlite.Connection, channel: str, address: str, now: datetime
) -> bool:
    """They wrote to us again through an address that was gone. True if it changed now.

    A write only on that change (not on every incoming update), like before addresses."""
    return await _flip(conn, channel, address, now, reachable=True)


async def seen(conn: aiosqlite.Connection, channel: str, address: str, now: datetime) -> bool:
    """The person wrote through this (reachable) address: it becomes their preferred one
    (``_PREFERRED``: the most recent ``reachable_at``). Called only when a person with two
    addresses switches app (``services/linking.py``), not on every update."""
    cursor = await conn.execute(
        "UPDATE addresses SET reachable_at = ? WHERE channel = ? AND address = ?"
        " AND reachable = 1 RETURNING id",
        (to_db(now), channel, address),
    )
    return bool(list(await cursor.fetchall()))


async def set_reachable(
    conn: aiosqlite.Connection, person_id: int, reachable: bool, now: datetime | None,
    channel: str = TELEGRAM,
) -> None:
    """Set all of a person's addresses on ``channel`` (the older per-person flag)."""
    if reachable:
        sql = "UPDATE addresses SET reachable = 1, reachable_at = COALESCE(?, reachable_at)"
    else:
        sql = "UPDATE addresses SET reachable = 0, unreachable_at = COALESCE(?, unreachable_at)"
    await conn.execute(
        f"{sql} WHERE person_id = ? AND channel = ? AND reachable = ?",
        (to_db(now) if now else None, person_id, channel, 0 if reachable else 1),
    )
    await _mirror(conn, person_id)


async def erase(conn: aiosqlite.Connection, person_id: int) -> None:
    """Erasure: no way to reach the person is kept."""
    await conn.execute("DELETE FROM addresses WHERE person_id = ?", (person_id,))


async def _flip(conn: aiosqlite.Connection, channel: str, address: str, now: datetime, *,
                reachable: bool) -> bool:
    """Mark one address (un)reachable from now, only if it was not so already."""
    stamp = "reachable_at" if reachable else "unreachable_at"
    cursor = await conn.execute(
        f"UPDATE addresses SET reachable = ?, {stamp} = ?"
        " WHERE channel = ? AND address = ? AND reachable = ? RETURNING person_id",
        (int(reachable), to_db(now), channel, address, int(not reachable)),
    )
    return await _changed(conn, cursor)


async def _changed(conn: aiosqlite.Connection, cursor: aiosqlite.Cursor) -> bool:
    rows = list(await cursor.fetchall())
    for row in rows:
        await _mirror(conn, row["person_id"])
    return bool(rows)


async def _mirror(conn: aiosqlite.Connection, person_id: int) -> None:
    """Keep ``users.reachable`` = "has a reachable address" for queries that still read it."""
    await conn.execute(
        "UPDATE users SET reachable = EXISTS (SELECT 1 FROM addresses a"
        " WHERE a.person_id = users.id AND a.reachable = 1)"
        " WHERE id = ? AND EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = users.id)",
        (person_id,),
    )


async def open_window(conn: aiosqlite.Connection, channel: str, address: str,
                      until: datetime) -> bool:
    """WhatsApp's 24-hour window: open until ``until`` (never shortened by an older message
    delivered late). True when that address exists."""
    cursor = await conn.execute(
        "UPDATE addresses SET window_until = CASE WHEN window_until IS NULL OR window_until < ?"
        " THEN ? ELSE window_until END WHERE channel = ? AND address = ?",
        (to_db(until), to_db(until), channel, address))
    return cursor.rowcount > 0


async def close_window(conn: aiosqlite.Connection, channel: str, address: str,
                       now: datetime) -> None:
    """The channel says the window is closed after all (WhatsApp 131047, clock skew)."""
    await conn.execute(
        "UPDATE addresses SET window_until = ? WHERE channel = ? AND address = ?"
        " AND (window_until IS NULL OR window_until > ?)",
        (to_db(now), channel, address, to_db(now)))
