"""SQL for broadcasts: the header of an announcement, a survey round or the weekly hours
question (author, text, audience, progress message, totals). Its messages are rows of the one
outbox (``outbox.kind`` = the broadcast's kind, ``outbox.ref`` = its id; migration 020); the
report and the progress read their states from there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.clauses import and_given
from bot.store.rows import all_rows, inserted, maybe_row

#: Outbox rows of a broadcast: ``kind = broadcasts.kind AND ref = broadcasts.id``.
_ROWS = "o.kind = b.kind AND o.ref = CAST(b.id AS TEXT)"


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    draft_key: str
    created_by: int | None
    coordinator_chat: int
    coordinator_language: str
    audience: str
    room: str | None
    language: str | None
    text: str
    photo_file_id: str | None
    status: str
    send_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    throttled: int
    progress_message_id: int | None
    #: Also post it in the Telegram group of the room(s) it is for.
    post_groups: bool = False
    #: 'announcement', or another feature's message sent through this outbox (a survey round,
    #: the weekly hours question); ``ref`` points at that feature's own row.
    kind: str = "announcement"
    ref: int | None = None


async def create(
    conn: aiosqlite.Connection,
    *,
    draft_key: str,
    created_by: int | None,
    coordinator_chat: int,
    coordinator_language: str,
    audience: str,
    room: str | None,
    language: str | None,
    text: str,
    photo_file_id: str | None,
    status: str,
    send_at: datetime,
    now: datetime,
    post_groups: bool = False,
    kind: str = "announcement",
    ref: int | None = None,
) -> BroadcastRow:
    cursor = await conn.execute(
        "INSERT INTO broadcasts (draft_key, created_by, coordinator_chat, coordinator_language,"
        " audience, room, language, text, photo_file_id, status, send_at, created_at,"
        " post_groups, kind, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING *",
        (draft_key, created_by, coordinator_chat, coordinator_language, audience, room, language,
         text, photo_file_id, status, to_db(send_at), to_db(now), 1 if post_groups else 0,
         kind, ref),
    )
    return await inserted(BroadcastRow, cursor)


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> BroadcastRow | None:
    cursor = await conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return maybe_row(BroadcastRow, await cursor.fetchone())


async def by_draft_key(conn: aiosqlite.Connection, draft_key: str) -> BroadcastRow | None:
    cursor = await conn.execute("SELECT * FROM broadcasts WHERE draft_key = ?", (draft_key,))
    return maybe_row(BroadcastRow, await cursor.fetchone())


async def _listed(conn: aiosqlite.Connection, filters: dict[str, object], order: str
                 ) -> list[BroadcastRow]:
    """The broadcasts matching the given ``filters`` (None: any), in ``order``."""
    narrow, values = and_given(filters)
    cursor = await conn.execute(
        f"SELECT * FROM broadcasts WHERE 1 = 1{narrow} ORDER BY {order}", values)
    return all_rows(BroadcastRow, await cursor.fetchall())


async def with_status(conn: aiosqlite.Connection, status: str, kind: str | None = None
                      ) -> list[BroadcastRow]:
    """Broadcasts in ``status`` (of one ``kind`` only, if given)."""
    return await _listed(conn, {"status": status, "kind": kind}, "send_at, id")


async def due(conn: aiosqlite.Connection, now: datetime) -> list[BroadcastRow]:
    cursor = await conn.execute(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND send_at <= ?"
        " AND kind = 'announcement' ORDER BY send_at, id",
        (to_db(now),),
    )
    return all_rows(BroadcastRow, await cursor.fetchall())


async def set_status(
    conn: aiosqlite.Connection, broadcast_id: int, status: str, *, expect: str,
    now: datetime | None = None,
) -> bool:
    """Move a broadcast from ``expect`` to ``status``; False if someone else moved it first."""
    column = {"sending": "started_at", "done": "finished_at"}.get(status)
    extra = f", {column} = ?" if column and now else ""
    params: list[object] = [status]
    if extra:
        params.append(to_db(now))  # type: ignore[arg-type]
    params += [broadcast_id, expect]
    cursor = await conn.execute(
        f"UPDATE broadcasts SET status = ?{extra} WHERE id = ? AND status = ?", params
    )
    return cursor.rowcount == 1


async def set_total(conn: aiosqlite.Connection, broadcast_id: int, total: int) -> None:
    await conn.execute("UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id))


async def set_throttled(conn: aiosqlite.Connection, broadcast_id: int, throttled: int) -> None:
    """How many of its messages met a 429 (Telegram: slow down), kept with the report."""
    await conn.execute("UPDATE broadcasts SET throttled = ? WHERE id = ?",
                       (throttled, broadcast_id))


async def set_progress_message(
    conn: aiosqlite.Connection, broadcast_id: int, message_id: int | None
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
    )


async def forget_author(conn: aiosqlite.Connection, user_id: int) -> None:
    """/vergeetmij of a coordinator: what they scheduled is not sent; what they sent no longer
    names them."""
    await conn.execute(
        "UPDATE broadcasts SET status = 'cancelled' WHERE created_by = ? AND status = "
        "'scheduled'", (user_id,))
    await conn.execute("UPDATE broadcasts SET created_by = NULL WHERE created_by = ?",
                       (user_id,))


# --- its messages: outbox rows ------------------------------------------------------------


async def backlog(conn: aiosqlite.Connection) -> tuple[int, datetime | None]:
    """Broadcast messages still to go out (queued or in flight) and the oldest moment one
    of them was due."""
    cursor = await conn.execute(
        "SELECT COUNT(*), MIN(b.send_at) FROM outbox o"
        f" JOIN broadcasts b ON {_ROWS} WHERE o.state IN ('queued', 'sending')")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), from_db(row[1])


async def group_posts(conn: aiosqlite.Connection, broadcast_id: int) -> list[dict[str, Any]]:
    """The group posts of a broadcast: room, state (sent / blocked / failed / busy) and, for a
    failure, Telegram's reason."""
    cursor = await conn.execute(
        "SELECT json_extract(params, '$.room') AS room, state, error FROM outbox"
        " WHERE ref = ? AND person_id IS NULL AND kind = (SELECT kind FROM broadcasts"
        " WHERE id = ?) ORDER BY id", (str(broadcast_id), broadcast_id))
    return [{"room": r["room"], "state": _report_state(r["state"], 1), "error": r["error"]}
            for r in await cursor.fetchall()]


def _report_state(state: str, attempts: int) -> str:
    """The report's words for an outbox state: someone the bot tried and found gone
    'blocked' the bot; someone it could not even try was 'unreachable' before."""
    if state == "unreachable":
        return "blocked" if attempts > 0 else "unreachable"
    if state == "expired":
        return "failed"
    return {"queued": "pending"}.get(state, state)


async def counts(conn: aiosqlite.Connection, broadcast_id: int) -> dict[str, int]:
    """People per state (pending, sending, sent, blocked, unreachable, failed, skipped); group
    posts apart as groups_busy / groups_sent / groups_failed."""
    cursor = await conn.execute(
        "SELECT person_id IS NULL, state, attempts > 0, COUNT(*) FROM outbox"
        " WHERE ref = ? AND kind = (SELECT kind FROM broadcasts WHERE id = ?)"
        " GROUP BY person_id IS NULL, state, attempts > 0",
        (str(broadcast_id), broadcast_id))
    people: dict[str, int] = {}
    groups: dict[str, int] = {}
    for is_group, state, tried, n in await cursor.fetchall():
        target = groups if is_group else people
        word = _report_state(state, tried)
        target[word] = target.get(word, 0) + n
    result = {state: people.get(state, 0) for state in (
        "pending", "sending", "sent", "blocked", "unreachable", "failed", "skipped")}
    result["groups_busy"] = groups.get("pending", 0) + groups.get("sending", 0)
    result["groups_sent"] = groups.get("sent", 0)
    result["groups_failed"] = sum(groups.get(s, 0)
                                  for s in ("blocked", "unreachable", "failed", "skipped"))
    return result


async def throttled(conn: aiosqlite.Connection, broadcast_id: int) -> int:
    """Messages of a broadcast that met a 429 on the way (the sender notes it as the error)."""
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE ref = ? AND error LIKE '429%'"
        " AND kind = (SELECT kind FROM broadcasts WHERE id = ?)",
        (str(broadcast_id), broadcast_id))
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def not_reached(conn: aiosqlite.Connection, broadcast_id: int) -> list[aiosqlite.Row]:
    """People this broadcast did not reach, with their name (if any) and why."""
    cursor = await conn.execute(
        "SELECT u.id, u.display_name, u.room, CASE WHEN o.state = 'unreachable' AND"
        " o.attempts > 0 THEN 'blocked' WHEN o.state = 'expired' THEN 'failed'"
        " ELSE o.state END AS state FROM outbox o JOIN users u ON u.id = o.person_id"
        " WHERE o.ref = ? AND o.kind = (SELECT kind FROM broadcasts WHERE id = ?)"
        " AND o.state IN ('unreachable', 'failed', 'expired')"
        " AND u.erased_at IS NULL ORDER BY u.display_name IS NULL, u.display_name, u.id",
        (str(broadcast_id), broadcast_id),
    )
    return list(await cursor.fetchall())


async def received_by(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    """The announcements sent (or on their way) to a person, for /mijngegevens."""
    cursor = await conn.execute(
        "SELECT b.id AS broadcast_id, CASE WHEN o.state = 'unreachable' AND o.attempts > 0"
        " THEN 'blocked' WHEN o.state = 'queued' THEN 'pending' ELSE o.state END AS state,"
        " o.sent_at AS done_at, b.text FROM outbox o"
        f" JOIN broadcasts b ON {_ROWS} WHERE o.person_id = ?"
        " AND b.kind = 'announcement' ORDER BY o.id",
        (user_id,),
    )
    return list(await cursor.fetchall())


async def running(conn: aiosqlite.Connection, kind: str, broadcast_id: int | None = None
                  ) -> list[BroadcastRow]:
    """Broadcasts of ``kind`` being sent (one, if ``broadcast_id``)."""
    return await _listed(conn, {"status": "sending", "kind": kind, "id": broadcast_id}, "id")
