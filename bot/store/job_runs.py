"""SQL for exactly-once periodic work: a (job, period) pair is claimed once, ever."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store.db import inserted_id


async def claim(conn: aiosqlite.Connection, job: str, period: str, now: datetime) -> bool:
    """Record that ``job`` ran for ``period``; False if it already had."""
    cursor = await conn.execute(
        "INSERT INTO job_runs (job, period, done_at) VALUES (?, ?, ?)"
        " ON CONFLICT (job, period) DO NOTHING RETURNING 1",
        (job, period, to_db(now)),
    )
    return await inserted_id(cursor) is not None


async def done(conn: aiosqlite.Connection, job: str, period: str) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM job_runs WHERE job = ? AND period = ?", (job, period)
    )
    return await cursor.fetchone() is not None


async def release(conn: aiosqlite.Connection, job: str, period: str) -> bool:
    """Undo a claim (the work could not be done for a short-lived reason); False if none."""
    cursor = await conn.execute("DELETE FROM job_runs WHERE job = ? AND period = ?", (job, period))
    return cursor.rowcount == 1


async def forget(conn: aiosqlite.Connection, job: str) -> int:
    """Drop every claim of ``job`` (an incident that is over may be reported again later)."""
    cursor = await conn.execute("DELETE FROM job_runs WHERE job = ?", (job,))
    return cursor.rowcount
