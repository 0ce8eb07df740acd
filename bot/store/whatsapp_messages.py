"""SQL for WhatsApp's message map and for what status webhooks do to outbox rows
(migration 021).

The map: each message sent to WhatsApp gets an integer id (the ``message_id`` the handlers
see, Telegram-shaped) for its wamid. Statuses: Meta reports sent / delivered / read / failed
per wamid, perhaps twice, perhaps out of order; each function here changes a row at most once.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store import outbox
from bot.store.outbox import OutboxRow

#: How long the map remembers a message (a tap on an older one is a stale button).
KEEP_DAYS = 30


async def record(conn: aiosqlite.Connection, wamid: str, wa_id: str, now: datetime, *,
                 answer_to: str | None = None, digest: str | None = None) -> int:
    """The message_id of ``wamid`` (a new one, or the one it has: recording twice is safe).

    An answer to a person's update also keeps that update (``answer_to``, its inbox key) and
    the ``digest`` of the part it showed, so a replay of the update finds it (migration 025)."""
    cursor = await conn.execute(
        "INSERT INTO whatsapp_messages (wamid, wa_id, created_at, answer_to, digest)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING RETURNING id",
        (wamid, wa_id, to_db(now), answer_to, digest))
    row = await cursor.fetchone()
    await cursor.close()
    if row is not None:
        return int(row[0])
    found = await id_of(conn, wamid)
    assert found is not None
    return found


async def id_of(conn: aiosqlite.Connection, wamid: str) -> int | None:
    cursor = await conn.execute("SELECT id FROM whatsapp_messages WHERE wamid = ?", (wamid,))
    row = await cursor.fetchone()
    return int(row[0]) if row else None


async def answered(conn: aiosqlite.Connection, wa_id: str, answer_to: str, digest: str
                   ) -> list[tuple[int, str]]:
    """(message_id, wamid) of the answers with this digest sent to ``wa_id`` for the update
    ``answer_to``, oldest first: what a replay of that update showed the person already."""
    cursor = await conn.execute(
        "SELECT id, wamid FROM whatsapp_messages WHERE answer_to = ? AND wa_id = ?"
        " AND digest = ? ORDER BY id", (answer_to, wa_id, digest))
    rows = await cursor.fetchall()
    return [(int(row[0]), str(row[1])) for row in rows]


async def wamid_of(conn: aiosqlite.Connection, message_id: int) -> tuple[str, str] | None:
    """(wamid, wa_id) of a message_id, or None (unknown or pruned)."""
    cursor = await conn.execute(
        "SELECT wamid, wa_id FROM whatsapp_messages WHERE id = ?", (message_id,))
    row = await cursor.fetchone()
    return (str(row[0]), str(row[1])) if row else None


async def prune(conn: aiosqlite.Connection, before: datetime) -> int:
    cursor = await conn.execute(
        "DELETE FROM whatsapp_messages WHERE created_at < ?", (to_db(before),))
    return cursor.rowcount


async def erase_address(conn: aiosqlite.Connection, wa_id: str) -> int:
    cursor = await conn.execute("DELETE FROM whatsapp_messages WHERE wa_id = ?", (wa_id,))
    return cursor.rowcount


async def erase_person(conn: aiosqlite.Connection, person_id: int) -> int:
    """Erasure: the map's rows of every WhatsApp address of the person."""
    cursor = await conn.execute(
        "DELETE FROM whatsapp_messages WHERE wa_id IN (SELECT address FROM addresses"
        " WHERE person_id = ? AND channel = 'whatsapp')", (person_id,))
    return cursor.rowcount


# --- status webhooks on outbox rows ------------------------------------------------------


async def outbox_row(conn: aiosqlite.Connection, wamid: str) -> OutboxRow | None:
    """The WhatsApp outbox row whose last message is ``wamid``."""
    cursor = await conn.execute(
        "SELECT id FROM outbox WHERE provider_ref = ? AND channel = 'whatsapp'", (wamid,))
    row = await cursor.fetchone()
    return await outbox.get(conn, int(row[0])) if row else None


#: What a row keeps once it is final (as bot.store.outbox does: broadcasts keep their
#: params for the report, every other row drops what it said).
_DROP = f"message = NULL, params = {outbox._KEPT}"


async def delivered(conn: aiosqlite.Connection, row_id: int, when: datetime) -> bool:
    """The first "delivered"; True when it changed the row. Delivered is final: whatever
    the row still kept to be sent again (a window refusal) is dropped."""
    cursor = await conn.execute(
        f"UPDATE outbox SET delivered_at = ?, {_DROP} WHERE id = ? AND delivered_at IS NULL",
        (to_db(when), row_id))
    return cursor.rowcount == 1


async def read(conn: aiosqlite.Connection, row_id: int, when: datetime) -> bool:
    """The first "read" (which implies delivered, also when that status comes later)."""
    cursor = await conn.execute(
        f"UPDATE outbox SET read_at = ?, delivered_at = COALESCE(delivered_at, ?), {_DROP}"
        " WHERE id = ? AND read_at IS NULL", (to_db(when), to_db(when), row_id))
    return cursor.rowcount == 1


async def sent_but_unreachable(conn: aiosqlite.Connection, row_id: int, error: str) -> bool:
    """Meta accepted the message, then could not deliver it (131026 …): the row is
    'unreachable' (never delivered), once; not when a delivered status came first."""
    cursor = await conn.execute(
        f"UPDATE outbox SET state = 'unreachable', error = ?, {_DROP} WHERE id = ?"
        " AND state = 'sent' AND delivered_at IS NULL", (error[:200], row_id))
    return cursor.rowcount == 1


async def sent_but_failed(conn: aiosqlite.Connection, row_id: int, error: str) -> bool:
    cursor = await conn.execute(
        f"UPDATE outbox SET state = 'failed', error = ?, {_DROP} WHERE id = ?"
        " AND state = 'sent' AND delivered_at IS NULL", (error[:200], row_id))
    return cursor.rowcount == 1


async def back_to_queued(conn: aiosqlite.Connection, row_id: int, next_at: datetime,
                         error: str) -> bool:
    """A message refused after it was accepted (131047: the 24-hour window had closed; or
    Meta holds it back for now): queued again for ``next_at`` (one attempt more), once, if it
    can still be rendered (its params or message are kept) and nothing was delivered."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'queued', next_at = ?, error = ?, provider_ref = NULL,"
        " sent_at = NULL, attempts = attempts + 1 WHERE id = ? AND state = 'sent'"
        " AND delivered_at IS NULL AND (params IS NOT NULL OR message IS NOT NULL)",
        (to_db(next_at), error[:200], row_id))
    return cursor.rowcount == 1
