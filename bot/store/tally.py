"""SQL for the participation tally: counts per period, room and category; /turf attendance.

Only anonymous keys are read here: nothing in a report can name a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

#: The categories that count as activities (total unique participants is over these).
ACTIVITY_SQL = "category NOT IN ('contact', 'referral', 'volunteer')"


@dataclass(frozen=True)
class Cell:
    """What one (room, category) holds in a period."""

    unique: int  # distinct known people (residents and walk-in codes)
    anonymous: int  # counted-only walk-ins (no key, so not in ``unique``)
    count: int  # contacts: every record's quantity (jobs, for klussen)


def _rooms_clause(rooms: Sequence[str]) -> tuple[str, list[str]]:
    marks = ",".join("?" for _ in rooms)
    return f"room IN ({marks})", list(rooms)


async def cells(
    conn: aiosqlite.Connection, start: date, end: date, rooms: Sequence[str]
) -> dict[tuple[str, str], Cell]:
    """(room, category) → cell, for every pair that has records in [start, end]."""
    clause, params = _rooms_clause(rooms)
    cursor = await conn.execute(
        "SELECT room, category, COUNT(DISTINCT person_key),"
        " SUM(CASE WHEN person_key IS NULL THEN quantity ELSE 0 END), SUM(quantity)"
        f" FROM participation WHERE occurred_on BETWEEN ? AND ? AND {clause}"
        " GROUP BY room, category",
        [start.isoformat(), end.isoformat(), *params],
    )
    return {(r[0], r[1]): Cell(r[2], r[3] or 0, r[4] or 0) for r in await cursor.fetchall()}


async def unique_by_category(
    conn: aiosqlite.Connection, start: date, end: date, rooms: Sequence[str]
) -> dict[str, int]:
    """Category → distinct people over all the given rooms (one person counts once)."""
    clause, params = _rooms_clause(rooms)
    cursor = await conn.execute(
        "SELECT category, COUNT(DISTINCT person_key) FROM participation"
        f" WHERE occurred_on BETWEEN ? AND ? AND {clause} GROUP BY category",
        [start.isoformat(), end.isoformat(), *params],
    )
    return {r[0]: r[1] for r in await cursor.fetchall()}


async def unique_participants(
    conn: aiosqlite.Connection, start: date, end: date, rooms: Sequence[str]
) -> tuple[dict[str, int], int]:
    """Distinct people in any activity category: per room, and over all the given rooms."""
    clause, params = _rooms_clause(rooms)
    args = [start.isoformat(), end.isoformat(), *params]
    cursor = await conn.execute(
        "SELECT room, COUNT(DISTINCT person_key) FROM participation"
        f" WHERE occurred_on BETWEEN ? AND ? AND {clause} AND {ACTIVITY_SQL} GROUP BY room",
        args,
    )
    per_room = {r[0]: r[1] for r in await cursor.fetchall()}
    cursor = await conn.execute(
        "SELECT COUNT(DISTINCT person_key) FROM participation"
        f" WHERE occurred_on BETWEEN ? AND ? AND {clause} AND {ACTIVITY_SQL}",
        args,
    )
    row = await cursor.fetchone()
    return per_room, (row[0] if row else 0)


async def new_people(
    conn: aiosqlite.Connection,
    start: date,
    end: date,
    rooms: Sequence[str],
    created_from: str,
    created_before: str,
    exclude_people: Sequence[int],
) -> tuple[dict[str, int], int]:
    """People whose first contact falls in the period: per room, and over all the given rooms.

    First contact is the first participation record (a volunteer's own work aside) or
    registering (``users.created_at``), whichever shows them first. Per room it is the first
    contact with that room; over all rooms the first contact anywhere.
    """
    clause, params = _rooms_clause(rooms)
    cursor = await conn.execute(
        "SELECT p.room, p.person_key,"
        " EXISTS (SELECT 1 FROM participation q WHERE q.person_key = p.person_key"
        "  AND q.room = p.room AND q.occurred_on < ? AND q.category != 'volunteer'),"
        " EXISTS (SELECT 1 FROM participation q WHERE q.person_key = p.person_key"
        "  AND q.occurred_on < ? AND q.category != 'volunteer')"
        " FROM (SELECT DISTINCT room, person_key FROM participation"
        f"  WHERE occurred_on BETWEEN ? AND ? AND {clause}"
        "  AND person_key IS NOT NULL AND category != 'volunteer') p",
        [start.isoformat(), start.isoformat(), start.isoformat(), end.isoformat(), *params],
    )
    per_room: dict[str, set[str]] = {room: set() for room in rooms}
    overall: set[str] = set()
    for room, key, here_before, anywhere_before in await cursor.fetchall():
        if not here_before:
            per_room[room].add(key)
        if not anywhere_before:
            overall.add(key)
    marks = ",".join("?" for _ in exclude_people)
    not_coordinator = f" AND id NOT IN ({marks})" if marks else ""
    cursor = await conn.execute(
        "SELECT room, anon_key FROM users WHERE created_at >= ? AND created_at < ?"
        f" AND role = 'resident' AND {clause}{not_coordinator}",
        [created_from, created_before, *params, *exclude_people],
    )
    for room, key in await cursor.fetchall():
        per_room[room].add(key)
        overall.add(key)
    return {room: len(keys) for room, keys in per_room.items()}, len(overall)


async def has_records(
    conn: aiosqlite.Connection, start: date, end: date, rooms: Sequence[str]
) -> bool:
    clause, params = _rooms_clause(rooms)
    cursor = await conn.execute(
        f"SELECT 1 FROM participation WHERE occurred_on BETWEEN ? AND ? AND {clause} LIMIT 1",
        [start.isoformat(), end.isoformat(), *params],
    )
    return await cursor.fetchone() is not None


# --- /turf: attendance of one activity on one day -------------------------------------------


@dataclass(frozen=True)
class Regular:
    """A resident of the room, for the volunteer's list (name only as they gave it)."""

    user_id: int
    anon_key: str
    display_name: str | None


async def regulars(
    conn: aiosqlite.Connection, room: str, exclude_people: Sequence[int] = ()
) -> list[Regular]:
    """Residents of the room, the most recently active first (then the newest).

    Coordinators are residents in the database (their role comes from the settings), so their
    ``users.id`` are passed in to leave them out: they are staff, not participants.
    """
    marks = ",".join("?" for _ in exclude_people)
    not_staff = f" AND u.id NOT IN ({marks})" if marks else ""
    cursor = await conn.execute(
        "SELECT u.id, u.anon_key, u.display_name,"
        " (SELECT MAX(p.occurred_on) FROM participation p WHERE p.person_key = u.anon_key"
        "  AND p.category != 'volunteer') AS last_seen"
        " FROM users u WHERE u.room = ? AND u.erased_at IS NULL AND u.role = 'resident'"
        f"{not_staff}"
        " ORDER BY last_seen IS NULL, last_seen DESC, u.created_at DESC, u.id DESC",
        (room, *exclude_people),
    )
    return [Regular(r[0], r[1], r[2]) for r in await cursor.fetchall()]


async def attendance(
    conn: aiosqlite.Connection, room: str, source_id: str
) -> tuple[set[str], int]:
    """(keys registered, anonymous count) for one activity on one day."""
    cursor = await conn.execute(
        "SELECT person_key, quantity FROM participation"
        " WHERE room = ? AND source = 'activity' AND source_id = ?",
        (room, source_id),
    )
    keys: set[str] = set()
    anonymous = 0
    for key, quantity in await cursor.fetchall():
        if key is None:
            anonymous += quantity
        else:
            keys.add(key)
    return keys, anonymous


async def remove_anonymous(conn: aiosqlite.Connection, room: str, source_id: str) -> None:
    await conn.execute(
        "DELETE FROM participation WHERE person_key IS NULL AND room = ?"
        " AND source = 'activity' AND source_id = ?",
        (room, source_id),
    )


async def remove_attendance(
    conn: aiosqlite.Connection, room: str, person_key: str, source_id: str
) -> bool:
    cursor = await conn.execute(
        "DELETE FROM participation WHERE room = ? AND person_key = ? AND source = 'activity'"
        " AND source_id = ?",
        (room, person_key, source_id),
    )
    return cursor.rowcount > 0
