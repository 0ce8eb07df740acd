"""SQL for what volunteers give: hours per week, group membership, the keyholder mark."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.clock import to_db
from bot.store.clauses import and_given

# --- settings -----------------------------------------------------------------------------


async def settings(conn: aiosqlite.Connection, user_id: int) -> aiosqlite.Row | None:
    cursor = await conn.execute("SELECT * FROM volunteer_settings WHERE user_id = ?", (user_id,))
    return await cursor.fetchone()


async def set_ask_hours(conn: aiosqlite.Connection, user_id: int, on: bool) -> None:
    await conn.execute(
        "INSERT INTO volunteer_settings (user_id, ask_hours) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET ask_hours = excluded.ask_hours",
        (user_id, 1 if on else 0))


async def set_keyholder(conn: aiosqlite.Connection, user_id: int, since: date | None) -> None:
    await conn.execute(
        "INSERT INTO volunteer_settings (user_id, keyholder_since) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET keyholder_since = excluded.keyholder_since",
        (user_id, since.isoformat() if since else None))


async def not_asking(conn: aiosqlite.Connection) -> set[int]:
    cursor = await conn.execute("SELECT user_id FROM volunteer_settings WHERE ask_hours = 0")
    return {row[0] for row in await cursor.fetchall()}


async def count_keyholders(conn: aiosqlite.Connection, room: str | None, on: date) -> int:
    """Volunteers marked keyholder on ``on`` (still volunteers, not erased)."""
    sql = ("SELECT COUNT(*) FROM volunteer_settings s JOIN users u ON u.id = s.user_id"
           " WHERE s.keyholder_since IS NOT NULL AND s.keyholder_since <= ?"
           " AND u.erased_at IS NULL AND u.role = 'volunteer'")
    params: list[object] = [on.isoformat()]
    if room is not None:
        sql += " AND u.room = ?"
        params.append(room)
    cursor = await conn.execute(sql, params)
    (n,) = await cursor.fetchone()  # type: ignore[misc]
    return n


# --- hours --------------------------------------------------------------------------------


async def put_hours(conn: aiosqlite.Connection, *, user_id: int, person_key: str, room: str,
                    week: str, week_start: date, hours: float, source: str, now: datetime
                    ) -> None:
    """One row per volunteer per week: a second answer replaces the first."""
    await conn.execute(
        "INSERT INTO volunteer_hours (user_id, person_key, room, week, week_start, hours,"
        " source, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_key, week) DO UPDATE SET hours = excluded.hours,"
        " source = excluded.source, entered_at = excluded.entered_at, room = excluded.room",
        (user_id, person_key, room, week, week_start.isoformat(), hours, source, to_db(now)))


async def hours_of(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT week, week_start, hours, room, source FROM volunteer_hours WHERE user_id = ?"
        " ORDER BY week_start", (user_id,))
    return list(await cursor.fetchall())


async def hours_in_week(conn: aiosqlite.Connection, user_id: int, week: str) -> float | None:
    cursor = await conn.execute(
        "SELECT hours FROM volunteer_hours WHERE user_id = ? AND week = ?", (user_id, week))
    row = await cursor.fetchone()
    return None if row is None else row[0]


async def hours_by_person(conn: aiosqlite.Connection, room: str | None, start: date, end: date
                          ) -> dict[str, float]:
    """person_key → hours over the weeks whose Monday lies in [start, end]."""
    sql = ("SELECT person_key, SUM(hours) FROM volunteer_hours WHERE week_start BETWEEN ? AND ?")
    params: list[object] = [start.isoformat(), end.isoformat()]
    if room is not None:
        sql += " AND room = ?"
        params.append(room)
    cursor = await conn.execute(sql + " GROUP BY person_key", params)
    return {key: hours for key, hours in await cursor.fetchall()}


# --- groups -------------------------------------------------------------------------------


async def groups_of(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT room, group_key, since FROM volunteer_group_members WHERE user_id = ?"
        " ORDER BY room, group_key", (user_id,))
    return list(await cursor.fetchall())


async def join(conn: aiosqlite.Connection, user_id: int, room: str, group: str, today: date
               ) -> None:
    await conn.execute(
        "INSERT INTO volunteer_group_members (user_id, room, group_key, since)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, room, group_key) DO NOTHING",
        (user_id, room, group, today.isoformat()))


async def leave(conn: aiosqlite.Connection, user_id: int, room: str, group: str) -> None:
    await conn.execute(
        "DELETE FROM volunteer_group_members WHERE user_id = ? AND room = ? AND group_key = ?",
        (user_id, room, group))


async def members(conn: aiosqlite.Connection, room: str, group: str) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT m.user_id, u.anon_key FROM volunteer_group_members m JOIN users u"
        " ON u.id = m.user_id WHERE m.room = ? AND m.group_key = ? AND u.erased_at IS NULL",
        (room, group))
    return list(await cursor.fetchall())


async def group_hours(conn: aiosqlite.Connection, room: str, group: str, start: date, end: date
                      ) -> float:
    """Hours logged in [start, end] by the group's members (in that room)."""
    cursor = await conn.execute(
        "SELECT COALESCE(SUM(h.hours), 0) FROM volunteer_hours h JOIN volunteer_group_members m"
        " ON m.user_id = h.user_id AND m.room = h.room WHERE m.room = ? AND m.group_key = ?"
        " AND h.week_start BETWEEN ? AND ?", (room, group, start.isoformat(), end.isoformat()))
    (hours,) = await cursor.fetchone()  # type: ignore[misc]
    return hours


# --- what the bot saw ---------------------------------------------------------------------


async def meals_held(conn: aiosqlite.Connection, room: str, start: datetime, end: datetime
                     ) -> int:
    """Meals in [start, end) that took place: not cancelled, someone marked as come."""
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM meals m WHERE m.room = ? AND m.cancelled_at IS NULL"
        " AND m.starts_at >= ? AND m.starts_at < ? AND EXISTS (SELECT 1 FROM meal_signups s"
        " WHERE s.meal_id = m.id AND s.attended = 1)", (room, to_db(start), to_db(end)))
    (n,) = await cursor.fetchone()  # type: ignore[misc]
    return n


async def help_done(conn: aiosqlite.Connection, *, room: str | None, start: datetime,
                    end: datetime, volunteer_id: int | None = None,
                    categories: tuple[str, ...] | None = None) -> int:
    """Help requests finished in [start, end) (by one volunteer, of some categories)."""
    narrow, values = and_given({"room": room, "volunteer_id": volunteer_id})
    sql = ("SELECT COUNT(*) FROM help_requests WHERE status = 'done' AND closed_at >= ?"
           " AND closed_at < ?" + narrow)
    params = [to_db(start), to_db(end), *values]
    if categories:
        sql += f" AND category IN ({','.join('?' for _ in categories)})"
        params += list(categories)
    cursor = await conn.execute(sql, params)
    (n,) = await cursor.fetchone()  # type: ignore[misc]
    return n


async def volunteer_contacts(conn: aiosqlite.Connection, rooms: list[str], start: date,
                             end: date) -> set[str]:
    """person_keys with a participation record as a volunteer in ``rooms`` in [start, end].

    Filtered by room, date and category so the participation index carries it (five years of
    records must stay fast for the yearly report).
    """
    if not rooms:
        return set()
    cursor = await conn.execute(
        "SELECT DISTINCT person_key FROM participation"
        f" WHERE room IN ({','.join('?' for _ in rooms)}) AND occurred_on BETWEEN ? AND ?"
        " AND category = 'volunteer' AND source = 'volunteer' AND person_key IS NOT NULL",
        [*rooms, start.isoformat(), end.isoformat()])
    return {row[0] for row in await cursor.fetchall()}


async def weeks_asked(conn: aiosqlite.Connection, user_id: int) -> list[str]:
    """The weeks the hours question was sent (or is about to be) to this volunteer."""
    cursor = await conn.execute(
        "SELECT b.draft_key FROM outbox o JOIN broadcasts b ON o.kind = b.kind"
        " AND o.ref = CAST(b.id AS TEXT) WHERE b.kind = 'hours' AND o.person_id = ?"
        " ORDER BY b.id", (user_id,))
    return [row[0].removeprefix("hours:") for row in await cursor.fetchall()]


# --- privacy ------------------------------------------------------------------------------


async def forget_user(conn: aiosqlite.Connection, user_id: int) -> None:
    """Erasure: settings and groups go; hours stay only as an anonymous count (person_key)."""
    await conn.execute("DELETE FROM volunteer_settings WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM volunteer_group_members WHERE user_id = ?", (user_id,))
    await conn.execute("UPDATE volunteer_hours SET user_id = NULL WHERE user_id = ?", (user_id,))
