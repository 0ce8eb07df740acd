"""The one row mapper: each field read from its column and converted by its type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import aiosqlite
import pytest

from bot.clock import TZ
from bot.store.rows import all_rows, from_row, inserted, maybe_row


@dataclass(frozen=True)
class _Thing:
    id: int
    name: str | None
    flag: bool
    at: datetime
    maybe_at: datetime | None
    day: date | None
    starts: time
    extra: int = 7


@pytest.fixture
async def conn() -> AsyncIterator[aiosqlite.Connection]:
    connection = await aiosqlite.connect(":memory:")
    connection.row_factory = aiosqlite.Row
    yield connection
    await connection.close()


_SELECT = ("SELECT 1 AS id, NULL AS name, 1 AS flag, '2026-03-29T01:30:00+00:00' AS at,"
           " NULL AS maybe_at, '2026-03-29' AS day, '18:30' AS starts")


async def test_fields_are_converted_by_their_type(conn: aiosqlite.Connection) -> None:
    cursor = await conn.execute(_SELECT)
    thing = from_row(_Thing, await cursor.fetchone())
    assert thing == _Thing(id=1, name=None, flag=True,
                           at=datetime(2026, 3, 29, 3, 30, tzinfo=TZ),  # after the DST jump
                           maybe_at=None, day=date(2026, 3, 29), starts=time(18, 30), extra=7)
    assert thing.at.tzinfo == TZ


async def test_a_field_with_a_default_may_be_missing_one_without_may_not(
    conn: aiosqlite.Connection,
) -> None:
    cursor = await conn.execute(_SELECT + ", 9 AS extra")
    assert from_row(_Thing, await cursor.fetchone()).extra == 9
    cursor = await conn.execute(_SELECT.replace("'2026-03-29' AS day,", ""))
    with pytest.raises(IndexError):
        from_row(_Thing, await cursor.fetchone())


async def test_an_empty_day_is_none_and_nothing_found_is_none(
    conn: aiosqlite.Connection,
) -> None:
    cursor = await conn.execute(_SELECT.replace("'2026-03-29' AS day", "'' AS day"))
    assert from_row(_Thing, await cursor.fetchone()).day is None
    assert maybe_row(_Thing, None) is None
    cursor = await conn.execute(_SELECT + " UNION ALL "
                                + _SELECT.replace("1 AS id", "2 AS id"))
    assert [t.id for t in all_rows(_Thing, await cursor.fetchall())] == [1, 2]


async def test_an_inserted_row_is_read_back_from_returning(conn: aiosqlite.Connection) -> None:
    await conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER,"
                       " at TEXT, maybe_at TEXT, day TEXT, starts TEXT)")
    cursor = await conn.execute(
        "INSERT INTO things (name, flag, at, day, starts) VALUES (?, 0, ?, NULL, '09:00')"
        " RETURNING *", ("a", "2026-10-25T01:30:00+00:00"))
    thing = await inserted(_Thing, cursor)
    assert (thing.id, thing.name, thing.flag, thing.day, thing.starts) == (1, "a", False, None,
                                                                           time(9, 0))
    assert (thing.at.hour, thing.at.utcoffset()) == (2, timedelta(hours=1))  # winter time again
