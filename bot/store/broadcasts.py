"""SQL for announcements: broadcasts and their outbox (one row per recipient)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import inserted_id

#: Outbox states that are final: nothing more will be sent for that row.
FINAL = ("sent", "blocked", "unreachable", "failed")


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


@dataclass(frozen=True)
class OutboxRow:
    id: int
    broadcast_id: int
    user_id: int | None  # None: a post in a room's group
    chat_id: int | None
    state: str
    attempts: int
    language: str
    room: str | None = None  # set for a group post: whose group

    @property
    def is_group(self) -> bool:
        return self.user_id is None


def _broadcast(row: aiosqlite.Row | None) -> BroadcastRow | None:
    if row is None:
        return None
    return BroadcastRow(
        id=row["id"],
        draft_key=row["draft_key"],
        created_by=row["created_by"],
        coordinator_chat=row["coordinator_chat"],
        coordinator_language=row["coordinator_language"],
        audience=row["audience"],
        room=row["room"],
        language=row["language"],
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        status=row["status"],
        send_at=from_db(row["send_at"]),  # type: ignore[arg-type]
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        started_at=from_db(row["started_at"]),
        finished_at=from_db(row["finished_at"]),
        total=row["total"],
        throttled=row["throttled"],
        progress_message_id=row["progress_message_id"],
        post_groups=bool(row["post_groups"]),
        kind=row["kind"],
        ref=row["ref"],
    )


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
        " RETURNING id",
        (draft_key, created_by, coordinator_chat, coordinator_language, audience, room, language,
         text, photo_file_id, status, to_db(send_at), to_db(now), 1 if post_groups else 0,
         kind, ref),
    )
    row = await get(conn, await inserted_id(cursor) or 0)
    assert row is not None
    return row


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> BroadcastRow | None:
    cursor = await conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(await cursor.fetchone())


async def by_draft_key(conn: aiosqlite.Connection, draft_key: str) -> BroadcastRow | None:
    cursor = await conn.execute("SELECT * FROM broadcasts WHERE draft_key = ?", (draft_key,))
    return _broadcast(await cursor.fetchone())


async def with_status(conn: aiosqlite.Connection, status: str, kind: str | None = None
                      ) -> list[BroadcastRow]:
    """Broadcasts in ``status`` (of one ``kind`` only, if given)."""
    sql = "SELECT * FROM broadcasts WHERE status = ?"
    params: tuple[str, ...] = (status,)
    if kind is not None:
        sql += " AND kind = ?"
        params = (status, kind)
    cursor = await conn.execute(sql + " ORDER BY send_at, id", params)
    return [b for b in map(_broadcast, await cursor.fetchall()) if b is not None]


async def due(conn: aiosqlite.Connection, now: datetime) -> list[BroadcastRow]:
    cursor = await conn.execute(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND send_at <= ?"
        " AND kind = 'announcement' ORDER BY send_at, id",
        (to_db(now),),
    )
    return [b for b in map(_broadcast, await cursor.fetchall()) if b is not None]


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


async def add_throttled(conn: aiosqlite.Connection, broadcast_id: int) -> None:
    await conn.execute(
        "UPDATE broadcasts SET throttled = throttled + 1 WHERE id = ?", (broadcast_id,)
    )


async def set_progress_message(
    conn: aiosqlite.Connection, broadcast_id: int, message_id: int | None
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
    )


# --- outbox ------------------------------------------------------------------------------


async def add_recipients(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    recipients: Iterable[tuple[int, int | None, str]],
    now: datetime,
) -> int:
    """(user id, chat id or None, state) per recipient; returns how many rows were written."""
    rows = [(broadcast_id, uid, chat, state, to_db(now) if state != "pending" else None)
            for uid, chat, state in recipients]
    await conn.executemany(
        "INSERT INTO broadcast_outbox (broadcast_id, user_id, chat_id, state, done_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (broadcast_id, user_id) DO NOTHING",
        rows,
    )
    return len(rows)


async def add_group_posts(
    conn: aiosqlite.Connection, broadcast_id: int, groups: Iterable[tuple[str, int]]
) -> int:
    """(room id, group chat id) per group to post in; written with the recipients."""
    rows = [(broadcast_id, room, chat) for room, chat in groups]
    await conn.executemany(
        "INSERT INTO broadcast_outbox (broadcast_id, room, chat_id) VALUES (?, ?, ?)"
        " ON CONFLICT (broadcast_id, room) WHERE room IS NOT NULL DO NOTHING",
        rows,
    )
    return len(rows)


async def forget_author(conn: aiosqlite.Connection, user_id: int) -> None:
    """/vergeetmij of a coordinator: what they scheduled is not sent; what they sent no longer
    names them."""
    await conn.execute(
        "UPDATE broadcasts SET status = 'cancelled' WHERE created_by = ? AND status = "
        "'scheduled'", (user_id,))
    await conn.execute("UPDATE broadcasts SET created_by = NULL WHERE created_by = ?",
                       (user_id,))


async def backlog(conn: aiosqlite.Connection) -> tuple[int, datetime | None]:
    """Announcement messages still to go out (pending or in flight) and the oldest moment one
    of them was due."""
    cursor = await conn.execute(
        "SELECT COUNT(*), MIN(b.send_at) FROM broadcast_outbox o"
        " JOIN broadcasts b ON b.id = o.broadcast_id WHERE o.state IN ('pending', 'sending')")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), from_db(row[1])


async def group_posts(conn: aiosqlite.Connection, broadcast_id: int) -> list[aiosqlite.Row]:
    """The group posts of a broadcast: room, state and (for a failure) Telegram's reason."""
    cursor = await conn.execute(
        "SELECT room, state, error FROM broadcast_outbox"
        " WHERE broadcast_id = ? AND user_id IS NULL ORDER BY id",
        (broadcast_id,),
    )
    return list(await cursor.fetchall())


async def requeue_in_flight(conn: aiosqlite.Connection) -> int:
    """After a crash: rows marked 'sending' may or may not have gone out; send them again."""
    cursor = await conn.execute(
        "UPDATE broadcast_outbox SET state = 'pending' WHERE state = 'sending'"
    )
    return cursor.rowcount


async def pending(
    conn: aiosqlite.Connection, limit: int, exclude: Iterable[int] = (),
    group_language: str = "nl",
) -> list[OutboxRow]:
    """Next rows to send, oldest broadcast first, with each recipient's language.

    A group post has no person; it is written in ``group_language`` (the rooms' shared one).
    """
    skip = list(exclude)
    marks = ",".join("?" for _ in skip)
    where = f" AND o.id NOT IN ({marks})" if skip else ""
    cursor = await conn.execute(
        "SELECT o.id, o.broadcast_id, o.user_id, o.chat_id, o.state, o.attempts, o.room,"
        " COALESCE(u.language, ?) AS language"
        " FROM broadcast_outbox o LEFT JOIN users u ON u.id = o.user_id"
        " JOIN broadcasts b ON b.id = o.broadcast_id"
        f" WHERE o.state = 'pending' AND b.status = 'sending'{where}"
        " ORDER BY o.broadcast_id, o.id LIMIT ?",
        (group_language, *skip, limit),
    )
    return [
        OutboxRow(r["id"], r["broadcast_id"], r["user_id"], r["chat_id"], r["state"],
                  r["attempts"], r["language"], r["room"])
        for r in await cursor.fetchall()
    ]


async def mark(
    conn: aiosqlite.Connection,
    outbox_id: int,
    state: str,
    *,
    now: datetime | None = None,
    error: str | None = None,
    attempt: bool = False,
) -> None:
    await conn.execute(
        "UPDATE broadcast_outbox SET state = ?, done_at = ?, error = COALESCE(?, error),"
        " attempts = attempts + ? WHERE id = ?",
        (state, to_db(now) if now and state in FINAL else None, error, 1 if attempt else 0,
         outbox_id),
    )


async def mark_many(conn: aiosqlite.Connection, outbox_ids: list[int], state: str) -> None:
    """Claim ('sending') or give back ('pending') several rows at once."""
    await conn.executemany("UPDATE broadcast_outbox SET state = ? WHERE id = ?",
                           [(state, i) for i in outbox_ids])


async def counts(conn: aiosqlite.Connection, broadcast_id: int) -> dict[str, int]:
    """People per outbox state; group posts apart as groups_busy/groups_sent/groups_failed."""
    cursor = await conn.execute(
        "SELECT user_id IS NULL, state, COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ?"
        " GROUP BY user_id IS NULL, state",
        (broadcast_id,),
    )
    people: dict[str, int] = {}
    groups: dict[str, int] = {}
    for is_group, state, n in await cursor.fetchall():
        (groups if is_group else people)[state] = n
    result = {state: people.get(state, 0)
              for state in ("pending", "sending", "sent", "blocked", "unreachable", "failed")}
    result["groups_busy"] = groups.get("pending", 0) + groups.get("sending", 0)
    result["groups_sent"] = groups.get("sent", 0)
    result["groups_failed"] = sum(groups.get(s, 0) for s in ("blocked", "unreachable", "failed"))
    return result


async def not_reached(conn: aiosqlite.Connection, broadcast_id: int) -> list[aiosqlite.Row]:
    """People this broadcast did not reach, with their name (if any) and why."""
    cursor = await conn.execute(
        "SELECT u.id, u.display_name, u.room, o.state FROM broadcast_outbox o"
        " JOIN users u ON u.id = o.user_id"
        " WHERE o.broadcast_id = ? AND o.state IN ('blocked', 'unreachable', 'failed')"
        " AND u.erased_at IS NULL ORDER BY u.display_name IS NULL, u.display_name, u.id",
        (broadcast_id,),
    )
    return list(await cursor.fetchall())


async def forget_user(conn: aiosqlite.Connection, user_id: int) -> None:
    """Erasure: pending rows go; finished rows stay only as anonymous counts."""
    await conn.execute(
        "DELETE FROM broadcast_outbox WHERE user_id = ? AND state IN ('pending', 'sending')",
        (user_id,),
    )
    await conn.execute(
        "UPDATE broadcast_outbox SET chat_id = NULL, error = NULL WHERE user_id = ?", (user_id,)
    )


async def received_by(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT o.broadcast_id, o.state, o.done_at, b.text FROM broadcast_outbox o"
        " JOIN broadcasts b ON b.id = o.broadcast_id WHERE o.user_id = ?"
        " AND b.kind = 'announcement' ORDER BY o.id",
        (user_id,),
    )
    return list(await cursor.fetchall())
