"""SQL for the activity calendar: series, occurrences, sign-ups, weekly-post subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import aiosqlite

from bot.clock import to_db
from bot.store.db import inserted_id
from bot.store.rows import all_rows, maybe_row


@dataclass(frozen=True)
class SeriesRow:
    id: int
    room: str
    title: str
    translatable: bool
    category: str
    rrule: str
    start_time: time
    duration_min: int
    starts_on: date
    ends_on: date | None
    capacity: int | None
    signup: bool
    leader: str | None


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    series_id: int | None
    original_date: date | None
    room: str
    title: str
    translatable: bool
    category: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    signup: bool
    cancelled: bool
    moved_from: datetime | None
    taken: int = 0
    leader: str | None = None  # the series' leader (one-offs have none)
    sequence: int = 0  # counts every change, for the iCalendar SEQUENCE
    modified_at: datetime | None = None
    stopped: bool = False  # its activity was stopped: only the feed still shows it


_OCC = ("SELECT o.*, (SELECT COUNT(*) FROM activity_signups s WHERE s.occurrence_id = o.id)"
        " AS taken, (SELECT se.leader FROM activity_series se WHERE se.id = o.series_id)"
        " AS leader FROM activity_occurrences o")


async def insert_series(conn: aiosqlite.Connection, *, room: str, title: str,
                        translatable: bool, category: str, rrule: str, start_time: time,
                        duration_min: int, starts_on: date, capacity: int | None,
                        signup: bool, leader: str | None, seed_key: str | None,
                        now: datetime) -> int | None:
    """A new series; None when ``seed_key`` was seeded before."""
    cursor = await conn.execute(
        "INSERT INTO activity_series (room, title, translatable, category, rrule,"
        " start_time, duration_min, starts_on, capacity, signup, leader, seed_key, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (seed_key) DO NOTHING RETURNING id",
        (room, title, int(translatable), category, rrule, start_time.strftime("%H:%M"),
         duration_min, starts_on.isoformat(), capacity, int(signup), leader, seed_key,
         to_db(now)),
    )
    return await inserted_id(cursor)


async def series(conn: aiosqlite.Connection, series_id: int) -> SeriesRow | None:
    cursor = await conn.execute("SELECT * FROM activity_series WHERE id = ?", (series_id,))
    row = await cursor.fetchone()
    return maybe_row(SeriesRow, row)


async def active_series(conn: aiosqlite.Connection, room: str | None, on: date
                        ) -> list[SeriesRow]:
    """Series of ``room`` (all rooms if None) that have not ended before ``on``."""
    sql = "SELECT * FROM activity_series WHERE (ends_on IS NULL OR ends_on >= ?)"
    params: list[object] = [on.isoformat()]
    if room is not None:
        sql += " AND room = ?"
        params.append(room)
    cursor = await conn.execute(sql + " ORDER BY start_time, id", params)
    return all_rows(SeriesRow, await cursor.fetchall())


async def end_series(conn: aiosqlite.Connection, series_id: int, last_day: date) -> None:
    await conn.execute("UPDATE activity_series SET ends_on = ? WHERE id = ?",
                       (last_day.isoformat(), series_id))


async def insert_occurrence(conn: aiosqlite.Connection, *, series_id: int | None,
                            original_date: date | None, room: str, title: str,
                            translatable: bool, category: str, starts_at: datetime,
                            ends_at: datetime, capacity: int | None, signup: bool) -> int | None:
    cursor = await conn.execute(
        "INSERT INTO activity_occurrences (series_id, original_date, room, title,"
        " translatable, category, starts_at, ends_at, capacity, signup)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (series_id, original_date) DO NOTHING RETURNING id",
        (series_id, original_date.isoformat() if original_date else None, room, title,
         int(translatable), category, to_db(starts_at), to_db(ends_at), capacity, int(signup)),
    )
    return await inserted_id(cursor)


async def occurrence(conn: aiosqlite.Connection, occurrence_id: int) -> OccurrenceRow | None:
    cursor = await conn.execute(_OCC + " WHERE o.id = ?", (occurrence_id,))
    row = await cursor.fetchone()
    return maybe_row(OccurrenceRow, row)


async def occurrences(conn: aiosqlite.Connection, room: str, start: datetime, end: datetime,
                      series_id: int | None = None, with_stopped: bool = False
                      ) -> list[OccurrenceRow]:
    """Occurrences starting in [start, end); a stopped activity's dates only ``with_stopped``
    (the live feed, which must tell subscribed phones they are cancelled)."""
    sql = _OCC + " WHERE o.room = ? AND o.starts_at >= ? AND o.starts_at < ?"
    if not with_stopped:
        sql += " AND o.stopped = 0"
    params: list[object] = [room, to_db(start), to_db(end)]
    if series_id is not None:
        sql += " AND o.series_id = ?"
        params.append(series_id)
    cursor = await conn.execute(sql + " ORDER BY o.starts_at, o.id", params)
    return all_rows(OccurrenceRow, await cursor.fetchall())


async def future_of_series(conn: aiosqlite.Connection, series_id: int, after: date
                           ) -> list[OccurrenceRow]:
    cursor = await conn.execute(_OCC + " WHERE o.series_id = ? AND o.original_date > ?"
                                " AND o.stopped = 0"
                                " ORDER BY o.starts_at", (series_id, after.isoformat()))
    return all_rows(OccurrenceRow, await cursor.fetchall())


async def delete_occurrence(conn: aiosqlite.Connection, occurrence_id: int) -> None:
    await conn.execute("DELETE FROM activity_signups WHERE occurrence_id = ?", (occurrence_id,))
    await conn.execute("DELETE FROM activity_occurrences WHERE id = ?", (occurrence_id,))


async def stop_occurrence(conn: aiosqlite.Connection, occurrence_id: int, now: datetime
                          ) -> None:
    """A date of a stopped activity: its sign-ups go, the row stays (cancelled) for the feed."""
    await conn.execute("DELETE FROM activity_signups WHERE occurrence_id = ?", (occurrence_id,))
    await conn.execute(
        "UPDATE activity_occurrences SET cancelled = 1, stopped = 1, sequence = sequence + 1,"
        " modified_at = ? WHERE id = ?", (to_db(now), occurrence_id))


async def cancel(conn: aiosqlite.Connection, occurrence_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE activity_occurrences SET cancelled = 1, sequence = sequence + 1,"
        " modified_at = ? WHERE id = ?", (to_db(now), occurrence_id))


async def move(conn: aiosqlite.Connection, occurrence_id: int, starts_at: datetime,
               ends_at: datetime, moved_from: datetime, now: datetime) -> None:
    await conn.execute(
        "UPDATE activity_occurrences SET starts_at = ?, ends_at = ?,"
        " moved_from = COALESCE(moved_from, ?), sequence = sequence + 1, modified_at = ?"
        " WHERE id = ?",
        (to_db(starts_at), to_db(ends_at), to_db(moved_from), to_db(now), occurrence_id),
    )


async def signed_up_users(conn: aiosqlite.Connection, occurrence_id: int) -> list[int]:
    cursor = await conn.execute(
        "SELECT user_id FROM activity_signups WHERE occurrence_id = ? ORDER BY created_at",
        (occurrence_id,))
    return [row[0] for row in await cursor.fetchall()]


async def sign_up(conn: aiosqlite.Connection, occurrence_id: int, user_id: int,
                  now: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT INTO activity_signups (occurrence_id, user_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (occurrence_id, user_id) DO NOTHING RETURNING occurrence_id",
        (occurrence_id, user_id, to_db(now)))
    return await inserted_id(cursor) is not None


async def sign_off(conn: aiosqlite.Connection, occurrence_id: int, user_id: int) -> bool:
    cursor = await conn.execute(
        "DELETE FROM activity_signups WHERE occurrence_id = ? AND user_id = ?",
        (occurrence_id, user_id))
    return cursor.rowcount == 1


async def signups_of(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT o.id, o.room, o.title, o.starts_at, s.created_at FROM activity_signups s"
        " JOIN activity_occurrences o ON o.id = s.occurrence_id WHERE s.user_id = ?"
        " ORDER BY o.starts_at", (user_id,))
    return list(await cursor.fetchall())


async def user_signed_up(conn: aiosqlite.Connection, user_id: int, room: str) -> set[int]:
    cursor = await conn.execute(
        "SELECT s.occurrence_id FROM activity_signups s JOIN activity_occurrences o"
        " ON o.id = s.occurrence_id WHERE s.user_id = ? AND o.room = ?", (user_id, room))
    return {row[0] for row in await cursor.fetchall()}


async def subscribe(conn: aiosqlite.Connection, user_id: int, room: str, now: datetime) -> None:
    await conn.execute("INSERT INTO calendar_subscriptions (user_id, room, created_at)"
                       " VALUES (?, ?, ?) ON CONFLICT (user_id, room) DO NOTHING",
                       (user_id, room, to_db(now)))


async def unsubscribe(conn: aiosqlite.Connection, user_id: int, room: str) -> None:
    await conn.execute("DELETE FROM calendar_subscriptions WHERE user_id = ? AND room = ?",
                       (user_id, room))


async def subscriptions_of(conn: aiosqlite.Connection, user_id: int) -> list[str]:
    cursor = await conn.execute(
        "SELECT room FROM calendar_subscriptions WHERE user_id = ? ORDER BY room", (user_id,))
    return [row[0] for row in await cursor.fetchall()]


async def subscribers(conn: aiosqlite.Connection, room: str) -> list[int]:
    cursor = await conn.execute(
        "SELECT s.user_id FROM calendar_subscriptions s JOIN users u ON u.id = s.user_id"
        " WHERE s.room = ? AND u.erased_at IS NULL ORDER BY s.user_id", (room,))
    return [row[0] for row in await cursor.fetchall()]


async def erase_user(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM activity_signups WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM calendar_subscriptions WHERE user_id = ?", (user_id,))
