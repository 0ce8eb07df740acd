"""SQL for the performance table: coordinator-entered values, person marks, help outcomes.

Only counts leave this module for the report; person marks are read per person only for
/mijngegevens and erased by /vergeetmij.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.store import addresses
from bot.store.db import inserted_id
from bot.store.tally import ACTIVITY_SQL


@dataclass(frozen=True)
class Entry:
    room: str
    indicator: str
    period_key: str
    start: date
    end: date
    value: float
    note: str | None
    entered_role: str
    entered_at: str  # UTC ISO (bot.clock.to_db)


def _entry(row) -> Entry:
    return Entry(row[0], row[1], row[2], date.fromisoformat(row[3]), date.fromisoformat(row[4]),
                 row[5], row[6], row[7], row[8])


_ENTRY_COLUMNS = ("room, indicator, period_key, start_on, end_on, value, note, entered_role,"
                  " entered_at")


async def put_entry(conn: aiosqlite.Connection, entry: Entry) -> bool:
    """Insert or replace; True when it replaced an earlier value for the same period."""
    cursor = await conn.execute(
        "SELECT 1 FROM indicator_entries WHERE room = ? AND indicator = ? AND period_key = ?",
        (entry.room, entry.indicator, entry.period_key),
    )
    existed = await cursor.fetchone() is not None
    await conn.execute(
        f"INSERT INTO indicator_entries ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (room, indicator, period_key) DO UPDATE SET value = excluded.value,"
        " note = excluded.note, entered_role = excluded.entered_role,"
        " entered_at = excluded.entered_at, start_on = excluded.start_on,"
        " end_on = excluded.end_on",
        (entry.room, entry.indicator, entry.period_key, entry.start.isoformat(),
         entry.end.isoformat(), entry.value, entry.note, entry.entered_role, entry.entered_at),
    )
    return existed


async def entries_overlapping(
    conn: aiosqlite.Connection, rooms: Sequence[str], start: date, end: date
) -> list[Entry]:
    """Every entry of these rooms whose period overlaps [start, end]."""
    marks = ",".join("?" for _ in rooms)
    cursor = await conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM indicator_entries WHERE room IN ({marks})"
        " AND start_on <= ? AND end_on >= ? ORDER BY entered_at",
        [*rooms, end.isoformat(), start.isoformat()],
    )
    return [_entry(r) for r in await cursor.fetchall()]


# --- person marks ----------------------------------------------------------------------------


async def set_mark(conn: aiosqlite.Connection, user_id: int, mark: str, on: date, by: str
                   ) -> bool:
    """True when the mark is new (a second press changes nothing)."""
    cursor = await conn.execute(
        "INSERT INTO person_marks (user_id, mark, marked_on, marked_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id, mark) DO NOTHING RETURNING user_id",
        (user_id, mark, on.isoformat(), by),
    )
    return await inserted_id(cursor) is not None


async def clear_mark(conn: aiosqlite.Connection, user_id: int, mark: str) -> bool:
    cursor = await conn.execute(
        "DELETE FROM person_marks WHERE user_id = ? AND mark = ?", (user_id, mark)
    )
    return cursor.rowcount > 0


async def marks_of(conn: aiosqlite.Connection, user_id: int) -> list[tuple[str, str, str]]:
    cursor = await conn.execute(
        "SELECT mark, marked_on, marked_by FROM person_marks WHERE user_id = ? ORDER BY mark",
        (user_id,),
    )
    return [(r[0], r[1], r[2]) for r in await cursor.fetchall()]


async def erase_marks(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM person_marks WHERE user_id = ?", (user_id,))


def _not_staff(user_ids: Sequence[int]) -> tuple[str, list[object]]:
    """SQL that leaves out the coordinators (the config names them by Telegram id or WhatsApp
    number: :func:`bot.store.addresses.having_sql`) and its parameters."""
    if not user_ids:
        return "", []
    sql, params = addresses.having_sql("u.id", user_ids)
    return f" AND NOT{sql}", params


async def marked_taking_part(
    conn: aiosqlite.Connection, mark: str, rooms: Sequence[str], start: date, end: date,
    exclude_telegram_ids: Sequence[int] = (),
) -> tuple[int, int]:
    """(taking part in the period, registered by its end) for people with ``mark`` whose home
    room is one of ``rooms``. Taking part: any record in the period, as participant or
    volunteer (belronde calls and referrals alone do not count as taking part)."""
    marks = ",".join("?" for _ in rooms)
    not_staff, staff = _not_staff(exclude_telegram_ids)
    cursor = await conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM participation p"
        "  WHERE p.person_key = u.anon_key AND p.occurred_on BETWEEN ? AND ?"
        "  AND p.category NOT IN ('contact', 'referral'))), 0)"
        " FROM person_marks m JOIN users u ON u.id = m.user_id"
        f" WHERE m.mark = ? AND m.marked_on <= ? AND u.erased_at IS NULL AND u.room IN ({marks})"
        f"{not_staff}",
        [start.isoformat(), end.isoformat(), mark, end.isoformat(), *rooms,
         *staff],
    )
    row = await cursor.fetchone()
    return (int(row[1]), int(row[0])) if row else (0, 0)


# --- help outcomes ---------------------------------------------------------------------------


async def add_outcome(conn: aiosqlite.Connection, request_id: int, outcome: str, room: str,
                      on: date, at: str) -> bool:
    """True when recorded now; False when this request already had this outcome."""
    cursor = await conn.execute(
        "INSERT INTO help_outcomes (request_id, outcome, room, occurred_on, recorded_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, outcome) DO NOTHING"
        " RETURNING request_id",
        (request_id, outcome, room, on.isoformat(), at),
    )
    return await inserted_id(cursor) is not None


async def has_outcome(conn: aiosqlite.Connection, request_id: int, outcome: str) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM help_outcomes WHERE request_id = ? AND outcome = ?", (request_id, outcome)
    )
    return await cursor.fetchone() is not None


async def count_outcomes(conn: aiosqlite.Connection, outcome: str, rooms: Sequence[str],
                         start: date, end: date) -> int:
    marks = ",".join("?" for _ in rooms)
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM help_outcomes WHERE outcome = ? AND occurred_on BETWEEN ? AND ?"
        f" AND room IN ({marks})",
        [outcome, start.isoformat(), end.isoformat(), *rooms],
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


# --- counted from daily work (bot.services.indicators_counted) -------------------------------


def _in_rooms(rooms: Sequence[str], column: str = "room") -> tuple[str, list[str]]:
    return f"{column} IN (" + ",".join("?" for _ in rooms) + ")", list(rooms)


async def category_totals(conn: aiosqlite.Connection, rooms: Sequence[str], category: str,
                          start: date, end: date) -> tuple[int, int]:
    """(distinct known people, every record's quantity) of one participation category."""
    clause, params = _in_rooms(rooms)
    cursor = await conn.execute(
        "SELECT COUNT(DISTINCT person_key), COALESCE(SUM(quantity), 0) FROM participation"
        f" WHERE {clause} AND category = ? AND occurred_on BETWEEN ? AND ?",
        [*params, category, start.isoformat(), end.isoformat()],
    )
    row = await cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def referred_taking_part(conn: aiosqlite.Connection, rooms: Sequence[str], start: date,
                               end: date, registered_before: str,
                               exclude_telegram_ids: Sequence[int]) -> tuple[int, int]:
    """(taking part in the period, registered by ``registered_before`` (UTC, text)) of the
    residents who came via an agency: a partner's referral (help requests) or a 'referred'
    mark at intake. Taking part = any record in the period but contacts and referrals."""
    clause, params = _in_rooms(rooms)
    not_staff, staff = _not_staff(exclude_telegram_ids)
    cursor = await conn.execute(
        "WITH people AS ("
        " SELECT person_id AS id FROM help_referrals WHERE direction = 'from_partner'"
        f"  AND person_id IS NOT NULL AND created_at < ? AND {clause}"
        " UNION SELECT m.user_id FROM person_marks m JOIN users u ON u.id = m.user_id"
        f"  WHERE m.mark = 'referred' AND m.marked_on <= ? AND u.{clause})"
        " SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM participation p"
        "  WHERE p.person_key = u.anon_key AND p.occurred_on BETWEEN ? AND ?"
        "  AND p.category NOT IN ('contact', 'referral'))), 0)"
        f" FROM people JOIN users u ON u.id = people.id WHERE u.erased_at IS NULL{not_staff}",
        [registered_before, *params, end.isoformat(), *params, start.isoformat(),
         end.isoformat(), *staff],
    )
    row = await cursor.fetchone()
    return (int(row[1]), int(row[0])) if row else (0, 0)


async def partners(conn: aiosqlite.Connection, rooms: Sequence[str], after: str,
                   before: str) -> int:
    """Distinct partner organisations in the rooms' referrals between two UTC moments."""
    clause, params = _in_rooms(rooms)
    cursor = await conn.execute(
        "SELECT COUNT(DISTINCT partner) FROM help_referrals"
        f" WHERE {clause} AND created_at >= ? AND created_at < ?",
        [*params, after, before],
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def anonymous_visits(conn: aiosqlite.Connection, rooms: Sequence[str], start: date,
                           end: date) -> dict[str, int]:
    """Room → walk-in visits counted without a person (activities only) in the period."""
    clause, params = _in_rooms(rooms)
    cursor = await conn.execute(
        "SELECT room, COALESCE(SUM(quantity), 0) FROM participation WHERE person_key IS NULL"
        f" AND {clause} AND occurred_on BETWEEN ? AND ? AND {ACTIVITY_SQL}"
        " GROUP BY room",
        [*params, start.isoformat(), end.isoformat()],
    )
    return {r[0]: int(r[1]) for r in await cursor.fetchall()}
