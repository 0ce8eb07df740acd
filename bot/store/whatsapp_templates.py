"""SQL for WhatsApp templates and business-initiated conversations (migration 022).

``whatsapp_templates`` keeps the approval status Meta gave each (template, language);
``whatsapp_conversations`` one row per template conversation opened with a person, so the
daily messaging limit can be counted (no content, only the address and the moment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import to_db
from bot.store.rows import all_rows, maybe_row

APPROVED = "APPROVED"
#: Statuses after which a template is not sent until Meta approves it again.
UNUSABLE = frozenset({"REJECTED", "PAUSED", "DISABLED", "MISSING", "PENDING", "IN_APPEAL",
                      "LIMIT_EXCEEDED", "DELETED", "REFUSED"})


@dataclass(frozen=True)
class TemplateStatus:
    name: str
    language: str
    status: str
    category: str
    reason: str | None
    checked_at: datetime

    @property
    def usable(self) -> bool:
        return self.status == APPROVED


async def put(conn: aiosqlite.Connection, name: str, language: str, status: str,
              category: str, reason: str | None, now: datetime) -> bool:
    """Store what Meta says of a template; True when its status changed (or it is new)."""
    cursor = await conn.execute(
        "SELECT status FROM whatsapp_templates WHERE name = ? AND language = ?", (name, language))
    before = await cursor.fetchone()
    await conn.execute(
        "INSERT INTO whatsapp_templates (name, language, status, category, reason, checked_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, language) DO UPDATE SET"
        " status = excluded.status, category = excluded.category, reason = excluded.reason,"
        " checked_at = excluded.checked_at",
        (name, language, status, category, reason, to_db(now)))
    return before is None or before[0] != status


async def mark(conn: aiosqlite.Connection, name: str, language: str, status: str,
               reason: str, now: datetime) -> None:
    """A send was refused for this template (paused, missing): not used until approved."""
    await conn.execute(
        "INSERT INTO whatsapp_templates (name, language, status, reason, checked_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, language) DO UPDATE SET"
        " status = excluded.status, reason = excluded.reason, checked_at = excluded.checked_at",
        (name, language, status, reason[:200], to_db(now)))


async def get(conn: aiosqlite.Connection, name: str, language: str) -> TemplateStatus | None:
    cursor = await conn.execute(
        "SELECT * FROM whatsapp_templates WHERE name = ? AND language = ?", (name, language))
    return maybe_row(TemplateStatus, await cursor.fetchone())


async def approved(conn: aiosqlite.Connection) -> set[tuple[str, str]]:
    """(name, language) of every template Meta approved."""
    cursor = await conn.execute(
        "SELECT name, language FROM whatsapp_templates WHERE status = ?", (APPROVED,))
    return {(row[0], row[1]) for row in await cursor.fetchall()}


async def all_statuses(conn: aiosqlite.Connection) -> list[TemplateStatus]:
    cursor = await conn.execute("SELECT * FROM whatsapp_templates ORDER BY name, language")
    return all_rows(TemplateStatus, await cursor.fetchall())


# --- business-initiated conversations (the daily limit) -------------------------------------


async def conversations_since(conn: aiosqlite.Connection, since: datetime) -> list[datetime]:
    """When each person reached since ``since`` was first reached in that span, oldest first
    (one moment per person: the limit counts unique people)."""
    from bot.clock import from_db

    cursor = await conn.execute(
        "SELECT MIN(opened_at) FROM whatsapp_conversations WHERE opened_at > ?"
        " GROUP BY address ORDER BY 1", (to_db(since),))
    return [from_db(row[0]) for row in await cursor.fetchall()]


async def has_conversation(conn: aiosqlite.Connection, address: str, since: datetime) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM whatsapp_conversations WHERE address = ? AND opened_at > ? LIMIT 1",
        (address, to_db(since)))
    return await cursor.fetchone() is not None


async def open_conversation(conn: aiosqlite.Connection, address: str, now: datetime,
                            person_id: int | None = None) -> int:
    cursor = await conn.execute(
        "INSERT INTO whatsapp_conversations (person_id, address, opened_at) VALUES (?, ?, ?)"
        " RETURNING id", (person_id, address, to_db(now)))
    row = await cursor.fetchone()
    await cursor.close()
    assert row is not None
    return int(row[0])


async def drop_conversation(conn: aiosqlite.Connection, conversation_id: int) -> None:
    """The template was not sent after all: the reservation goes."""
    await conn.execute("DELETE FROM whatsapp_conversations WHERE id = ?", (conversation_id,))


async def prune_conversations(conn: aiosqlite.Connection, now: datetime) -> int:
    cursor = await conn.execute("DELETE FROM whatsapp_conversations WHERE opened_at <= ?",
                                (to_db(now - timedelta(days=2)),))
    return cursor.rowcount


async def erase_person(conn: aiosqlite.Connection, person_id: int) -> None:
    """/vergeetmij: when the bot last started a conversation with them goes too."""
    await conn.execute("DELETE FROM whatsapp_conversations WHERE person_id = ?", (person_id,))
