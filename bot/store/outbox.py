"""SQL for the outbox: one row per message the bot sends on its own (see migration 018)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.clauses import and_given

QUEUED, SENDING, SENT = "queued", "sending", "sent"
#: A row that ends keeps its params only for broadcasts (their report reads them: which
#: group, which round; no personal text); every other kind's params (a name, an allergy note)
#: are dropped with its message.
_KEPT = "CASE WHEN kind IN ('announcement', 'survey', 'hours') THEN params END"
UNREACHABLE, FAILED, SKIPPED, EXPIRED = "unreachable", "failed", "skipped", "expired"
#: States a row never leaves.
FINAL = frozenset({SENT, UNREACHABLE, FAILED, SKIPPED, EXPIRED})


@dataclass(frozen=True)
class OutboxRow:
    id: int
    person_id: int | None
    channel: str
    address: str
    kind: str
    ref: str
    dedupe: str
    params: dict[str, Any] | None
    message: dict[str, Any] | None
    priority: int
    state: str
    attempts: int
    next_at: datetime
    expires_at: datetime | None
    error: str | None
    provider_ref: str | None
    #: The WhatsApp template it went out as (None: free-form), and why it is held for the
    #: person (migration 022; see :mod:`bot.channels.whatsapp.window`).
    template: str | None = None
    held: str | None = None
    #: The parts of a several-part message already accepted (migration 024): ``{"key": the
    #: message's key, "wamids": [...]}``; None: none.
    parts: dict[str, Any] | None = None


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        row["id"], row["person_id"], row["channel"], row["address"], row["kind"], row["ref"],
        row["dedupe"], json.loads(row["params"]) if row["params"] else None,
        json.loads(row["message"]) if row["message"] else None, row["priority"], row["state"],
        row["attempts"], from_db(row["next_at"]),
        from_db(row["expires_at"]) if row["expires_at"] else None, row["error"],
        row["provider_ref"], row["template"], row["held"],
        json.loads(row["parts"]) if row["parts"] else None)


async def enqueue(conn: aiosqlite.Connection, *, person_id: int | None, channel: str,
                  address: str, kind: str, ref: str, dedupe: str,
                  params: dict[str, Any] | None, message: dict[str, Any] | None,
                  priority: int, next_at: datetime, expires_at: datetime | None,
                  now: datetime) -> int | None:
    """The new row's id; None when that (kind, ref, channel, address, dedupe) exists."""
    cursor = await conn.execute(
        "INSERT INTO outbox (person_id, channel, address, kind, ref, dedupe, params, message,"
        " priority, next_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (person_id, channel, address, kind, ref, dedupe,
         json.dumps(params) if params is not None else None,
         json.dumps(message) if message is not None else None, priority, to_db(next_at),
         to_db(expires_at) if expires_at else None, to_db(now)))
    row = await cursor.fetchone()
    await cursor.close()
    return int(row[0]) if row else None


async def enqueue_many(conn: aiosqlite.Connection, rows: list[dict[str, Any]], *, kind: str,
                       ref: str, priority: int, next_at: datetime,
                       expires_at: datetime | None, now: datetime) -> int:
    """Many rows of one (kind, ref) at once (a broadcast to thousands, in the caller's
    transaction). Each row: ``person_id``, ``channel``, ``address``, ``dedupe``, ``params``,
    ``state`` (``queued``, or ``unreachable`` for someone who cannot be reached: counted in
    the report, never sent). Existing (kind, ref, address, dedupe) rows stay as they are."""
    await conn.executemany(
        "INSERT INTO outbox (person_id, channel, address, kind, ref, dedupe, params, priority,"
        " state, next_at, expires_at, created_at, error)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(r["person_id"], r["channel"], r["address"], kind, ref, r.get("dedupe", ""),
          json.dumps(r.get("params") or {}), priority, r.get("state", QUEUED), to_db(next_at),
          to_db(expires_at) if expires_at else None, to_db(now),
          "unreachable before" if r.get("state") == UNREACHABLE else None) for r in rows])
    return len(rows)


async def requeue_in_flight(conn: aiosqlite.Connection) -> int:
    """At start: rows left 'sending' by a crash go out again (at least once)."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'queued', lease_until = NULL WHERE state = 'sending'")
    return cursor.rowcount


async def expire(conn: aiosqlite.Connection, now: datetime) -> list[OutboxRow]:
    """Queued rows no longer worth sending become 'expired'; returns them (for the log).
    A row held for the person (WhatsApp: their window stayed closed, no template could
    reach them) becomes 'unreachable' instead: the "to call" lists count it like a Telegram
    person who blocked the bot."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = CASE WHEN held IN ('show', 'template') THEN 'unreachable'"
        " ELSE 'expired' END, held = NULL,"
        f" message = NULL, params = {_KEPT}"
        " WHERE state = 'queued' AND expires_at IS NOT NULL"
        " AND expires_at <= ? RETURNING *", (to_db(now),))
    return [_row(r) for r in await cursor.fetchall()]


async def claim_due(conn: aiosqlite.Connection, now: datetime, lease_until: datetime,
                    limit: int = 100, min_priority: int | None = None) -> list[OutboxRow]:
    """Take due rows for one attempt each (highest priority first, then oldest); only rows
    of at least ``min_priority`` if given."""
    floor = " AND priority >= ?" if min_priority is not None else ""
    extra = (min_priority,) if min_priority is not None else ()
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'sending', lease_until = ? WHERE id IN ("
        f" SELECT id FROM outbox WHERE state = 'queued' AND next_at <= ?{floor}"
        " ORDER BY priority DESC, next_at, id LIMIT ?) RETURNING *",
        (to_db(lease_until), to_db(now), *extra, limit))
    rows = [_row(r) for r in await cursor.fetchall()]
    return sorted(rows, key=lambda r: (-r.priority, r.next_at, r.id))


async def give_back(conn: aiosqlite.Connection, row_ids: list[int]) -> None:
    """Rows taken for an attempt that never began (a clean stop): 'queued' again, as they
    were."""
    await conn.executemany(
        "UPDATE outbox SET state = 'queued', lease_until = NULL WHERE id = ? AND state = 'sending'",
        [(i,) for i in row_ids])


async def requeue_stale_leases(conn: aiosqlite.Connection, now: datetime) -> int:
    """A lease that ran out (its sender died without a restart): the row may go again."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'queued', lease_until = NULL"
        " WHERE state = 'sending' AND lease_until <= ?", (to_db(now),))
    return cursor.rowcount


#: A free-form WhatsApp message Meta accepted may still come back as a failed status (131047:
#: the 24-hour window had closed after all); it must then go again as a template, so its
#: params / message stay until Meta says it was delivered (or read, or failed for good), or
#: :data:`UNDELIVERED_KEPT` after it was sent (``drop_undelivered``), whichever is first.
_KEEP_UNTIL_DELIVERED = ("channel = 'whatsapp' AND template IS NULL"
                         " AND provider_ref IS NOT NULL")
UNDELIVERED_KEPT = timedelta(days=3)


async def mark_sent(conn: aiosqlite.Connection, row_id: int, now: datetime,
                    provider_ref: str | None) -> None:
    """Sent: what it said and what it was rendered from (names, food wishes, an allergy note)
    are dropped, as in mark_final; only its state, kind, ref, dedupe and receipt stay.
    A free-form WhatsApp row keeps them until it is delivered (see
    :data:`_KEEP_UNTIL_DELIVERED`)."""
    await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, provider_ref = ?, lease_until = NULL,"
        " held = NULL, parts = NULL, attempts = attempts + 1 WHERE id = ?",
        (to_db(now), provider_ref, row_id))
    await conn.execute(
        f"UPDATE outbox SET message = NULL, params = {_KEPT}"
        f" WHERE id = ? AND NOT ({_KEEP_UNTIL_DELIVERED})", (row_id,))


async def drop_undelivered(conn: aiosqlite.Connection, now: datetime) -> int:
    """Sent rows that kept their content for a late failed status and heard nothing for
    :data:`UNDELIVERED_KEPT`: the content goes (privacy: never kept longer than needed)."""
    cursor = await conn.execute(
        f"UPDATE outbox SET message = NULL, params = {_KEPT} WHERE state = 'sent'"
        f" AND {_KEEP_UNTIL_DELIVERED} AND sent_at <= ?"
        " AND (message IS NOT NULL OR params IS NOT NULL)"
        " AND kind NOT IN ('announcement', 'survey', 'hours')",
        (to_db(now - UNDELIVERED_KEPT),))
    return cursor.rowcount


async def mark_final(conn: aiosqlite.Connection, row_id: int, state: str,
                     error: str | None = None) -> None:
    """unreachable / failed / skipped / expired: never sent (again)."""
    assert state in FINAL and state != SENT
    await conn.execute(
        "UPDATE outbox SET state = ?, error = COALESCE(?, error), lease_until = NULL, held = NULL,"
        f" parts = NULL, message = NULL, params = {_KEPT},"
        " attempts = attempts + (CASE WHEN ? IN ('unreachable', 'failed') THEN 1 ELSE 0 END)"
        " WHERE id = ?", (state, error[:200] if error else None, state, row_id))


async def note_parts(conn: aiosqlite.Connection, row_id: int, key: str,
                     wamids: list[str]) -> None:
    """The parts of the row's message accepted so far (its key and their wamids): the next
    attempt, also after a restart, sends only the rest."""
    await conn.execute("UPDATE outbox SET parts = ? WHERE id = ?",
                       (json.dumps({"key": key, "wamids": wamids}), row_id))


async def later(conn: aiosqlite.Connection, row_id: int, next_at: datetime, error: str,
                *, attempt: bool = True) -> None:
    """A short-lived failure: back to 'queued' for another attempt at ``next_at``
    (``attempt=False``: Telegram asked us to slow down; that costs no attempt)."""
    await conn.execute(
        "UPDATE outbox SET state = 'queued', lease_until = NULL, attempts = attempts + ?,"
        " next_at = ?, error = ? WHERE id = ?",
        (1 if attempt else 0, to_db(next_at), error[:200], row_id))


async def defer(conn: aiosqlite.Connection, row_id: int, next_at: datetime, reason: str,
                held: str | None, template: str | None = None) -> None:
    """Not sent now, and no attempt lost: the row waits until ``next_at`` (WhatsApp's window,
    its daily limit); ``held`` says what the person's next message releases; ``template``
    records a template that already went for it (the "you have a message" one)."""
    await conn.execute(
        "UPDATE outbox SET state = 'queued', lease_until = NULL, next_at = ?, error = ?,"
        " held = ?, template = COALESCE(?, template) WHERE id = ?",
        (to_db(next_at), reason[:200], held, template, row_id))


async def set_template(conn: aiosqlite.Connection, row_id: int, template: str) -> None:
    """The row goes out as this template (counted for the daily limit and the cost report)."""
    await conn.execute("UPDATE outbox SET template = ? WHERE id = ?", (template, row_id))


async def release(conn: aiosqlite.Connection, channel: str, address: str,
                  now: datetime) -> int:
    """The person wrote: every row held for them (their window, the daily limit) is due now.
    Rows planned for later (a reminder's ``not_before``) and rows a retry keeps back keep
    their moment."""
    cursor = await conn.execute(
        "UPDATE outbox SET next_at = ?, held = NULL WHERE channel = ? AND address = ?"
        " AND state = 'queued' AND held IS NOT NULL", (to_db(now), channel, address))
    return cursor.rowcount


async def release_held(conn: aiosqlite.Connection, held: str, now: datetime) -> int:
    """Rows held for this reason are due now (a template was approved meanwhile)."""
    cursor = await conn.execute(
        "UPDATE outbox SET next_at = ?, held = NULL WHERE held = ? AND state = 'queued'",
        (to_db(now), held))
    return cursor.rowcount


async def template_counts(conn: aiosqlite.Connection, kind: str, ref: str) -> dict[str, int]:
    """Sent rows of one broadcast per template (free-form rows are not counted)."""
    cursor = await conn.execute(
        "SELECT template, COUNT(*) FROM outbox WHERE kind = ? AND ref = ? AND state = 'sent'"
        " AND template IS NOT NULL GROUP BY template", (kind, ref))
    return {row[0]: int(row[1]) for row in await cursor.fetchall()}


async def get(conn: aiosqlite.Connection, row_id: int) -> OutboxRow | None:
    cursor = await conn.execute("SELECT * FROM outbox WHERE id = ?", (row_id,))
    row = await cursor.fetchone()
    return _row(row) if row else None


async def next_due(conn: aiosqlite.Connection) -> datetime | None:
    """When the earliest queued row is due (the sender sleeps until then)."""
    cursor = await conn.execute("SELECT MIN(next_at) FROM outbox WHERE state = 'queued'")
    row = await cursor.fetchone()
    return from_db(row[0]) if row and row[0] else None


async def counts(conn: aiosqlite.Connection, kind: str | None = None,
                 ref: str | None = None) -> dict[str, int]:
    """Rows per state, for reports (optionally of one kind, and of one ref)."""
    narrow, params = and_given({"kind": kind, "ref": ref})
    cursor = await conn.execute(
        f"SELECT state, COUNT(*) FROM outbox WHERE 1 = 1{narrow} GROUP BY state", params)
    return {row[0]: int(row[1]) for row in await cursor.fetchall()}


async def waiting_retry(conn: aiosqlite.Connection, kind: str | None = None) -> int:
    """Queued rows that failed at least once (kept back by a short-lived error)."""
    narrow, params = and_given({"kind": kind})
    cursor = await conn.execute(
        f"SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND attempts > 0{narrow}", params)
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def for_kind(conn: aiosqlite.Connection, kind: str, ref: str | None = None
                   ) -> list[OutboxRow]:
    narrow, values = and_given({"ref": ref})
    cursor = await conn.execute(f"SELECT * FROM outbox WHERE kind = ?{narrow} ORDER BY id",
                                [kind, *values])
    return [_row(r) for r in await cursor.fetchall()]


async def erase_person(conn: aiosqlite.Connection, person_id: int) -> int:
    """/vergeetmij: the person's messages (they hold rendered personal text) go."""
    cursor = await conn.execute("DELETE FROM outbox WHERE person_id = ?", (person_id,))
    return cursor.rowcount


async def erase_address(conn: aiosqlite.Connection, channel: str, address: str) -> int:
    cursor = await conn.execute(
        "DELETE FROM outbox WHERE channel = ? AND address = ? AND state IN ('queued', 'sending')",
        (channel, address))
    return cursor.rowcount


async def erase_to_address(conn: aiosqlite.Connection, channel: str, address: str) -> int:
    """/vergeetmij: rows sent to one of the person's addresses without their person id (an
    address-only notice such as "your WhatsApp is linked"): the address is theirs too."""
    cursor = await conn.execute(
        "DELETE FROM outbox WHERE channel = ? AND address = ? AND person_id IS NULL",
        (channel, address))
    return cursor.rowcount


async def last_id(conn: aiosqlite.Connection) -> int:
    cursor = await conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def skip_queued_after(conn: aiosqlite.Connection, after_id: int) -> int:
    """Rows queued after ``after_id`` that are not to be sent (the demo's seeded past)."""
    cursor = await conn.execute(
        f"UPDATE outbox SET state = ?, message = NULL, params = {_KEPT} WHERE id > ? AND state = ?",
        (SKIPPED, after_id, QUEUED))
    return cursor.rowcount
