"""SQL for the inbox: incoming updates kept from the moment they arrive until they are handled.

A row is the claim on an update: ``accept`` inserts it only once per (channel, update id), so
whoever inserted it handles it and a redelivery finds it taken. See :mod:`bot.inbox`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db

RECEIVED, HANDLED, FAILED = "received", "handled", "failed"


@dataclass(frozen=True)
class InboxRow:
    channel: str
    update_id: str
    payload: dict[str, Any] | None
    received_at: datetime
    state: str
    attempts: int


def _row(row: aiosqlite.Row) -> InboxRow:
    payload = json.loads(row["payload"]) if row["payload"] is not None else None
    return InboxRow(row["channel"], row["update_id"], payload, from_db(row["received_at"]),
                    row["state"], row["attempts"])


async def accept(conn: aiosqlite.Connection, channel: str, update_id: str,
                 payload: dict[str, Any], now: datetime) -> bool:
    """Keep an update that just arrived; False when it was here already (a redelivery).

    The row starts as the first handling (``attempts`` 1): the caller hands it on at once.
    """
    cursor = await conn.execute(
        "INSERT INTO inbox (channel, update_id, payload, received_at, attempts)"
        " VALUES (?, ?, ?, ?, 1) ON CONFLICT (channel, update_id) DO NOTHING"
        " RETURNING update_id",
        (channel, update_id, json.dumps(payload, separators=(",", ":")), to_db(now)))
    return await cursor.fetchone() is not None


async def claim_unhandled(conn: aiosqlite.Connection, *, skip: Iterable[tuple[str, str]] = (),
                          max_attempts: int) -> tuple[list[InboxRow], int]:
    """At start: the rows still 'received' (the process stopped before handling them), each
    counted as one more handling, oldest first; and how many gave up.

    A row that was handed on ``max_attempts`` times already is marked 'failed' instead (an
    update that stops the bot each time it is handled must not stop it for ever). ``skip``:
    keys this process took in itself and is handling now.
    """
    skipped = set(skip)
    cursor = await conn.execute(
        "SELECT * FROM inbox WHERE state = ? ORDER BY received_at, rowid", (RECEIVED,))
    rows = [_row(r) for r in await cursor.fetchall()]
    rows = [r for r in rows if (r.channel, r.update_id) not in skipped]
    taken: list[InboxRow] = []
    given_up = 0
    for row in rows:
        if row.attempts >= max_attempts or row.payload is None:
            await conn.execute(
                "UPDATE inbox SET state = ?, payload = NULL WHERE channel = ? AND update_id = ?",
                (FAILED, row.channel, row.update_id))
            given_up += 1
            continue
        await conn.execute(
            "UPDATE inbox SET attempts = attempts + 1 WHERE channel = ? AND update_id = ?",
            (row.channel, row.update_id))
        taken.append(row)
    return taken, given_up


async def finish(conn: aiosqlite.Connection, channel: str, update_id: str, now: datetime,
                 *, failed: bool = False) -> bool:
    """The update was handled (or its handler failed): what the person wrote is dropped, the
    key stays until :func:`prune` so a redelivery is still recognised."""
    cursor = await conn.execute(
        "UPDATE inbox SET state = ?, handled_at = ?, payload = NULL"
        " WHERE channel = ? AND update_id = ? AND state = ?",
        (FAILED if failed else HANDLED, to_db(now), channel, update_id, RECEIVED))
    return cursor.rowcount == 1


async def prune(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete every row that arrived before ``before``, handled or not; returns how many."""
    cursor = await conn.execute("DELETE FROM inbox WHERE received_at < ?", (to_db(before),))
    return cursor.rowcount


async def get(conn: aiosqlite.Connection, channel: str, update_id: str) -> InboxRow | None:
    cursor = await conn.execute(
        "SELECT * FROM inbox WHERE channel = ? AND update_id = ?", (channel, update_id))
    row = await cursor.fetchone()
    return _row(row) if row is not None else None


async def count(conn: aiosqlite.Connection, state: str | None = None) -> int:
    sql, params = "SELECT COUNT(*) FROM inbox", ()
    if state is not None:
        sql, params = sql + " WHERE state = ?", (state,)
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    return int(row[0]) if row else 0
