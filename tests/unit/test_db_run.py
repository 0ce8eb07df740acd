"""``Database.run``: one store function in a transaction of its own (kept, or rolled back)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiosqlite
import pytest

from bot.store.db import Database


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = Database(":memory:")
    await database.connect()
    await database.execute("CREATE TABLE t (v INTEGER)")
    yield database
    await database.close()


async def _add(conn: aiosqlite.Connection, value: int, *, fail: bool = False) -> int:
    await conn.execute("INSERT INTO t (v) VALUES (?)", (value,))
    if fail:
        raise RuntimeError("after the write")
    return value * 2


async def test_the_step_gets_a_connection_and_its_answer_is_returned(db: Database) -> None:
    assert await db.run(_add, 4) == 8
    assert await db.fetchval("SELECT v FROM t") == 4


async def test_a_failing_step_writes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        await db.run(_add, 5, fail=True)
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 0
