"""Seeing and erasing one's data (AVG/GDPR articles 15 and 17), across all features.

Each feature registers an exporter (what it holds about a person) and an eraser (remove it,
keeping only anonymous counts). Erasure runs all erasers in one transaction, so it is never half
done.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.clock import Clock, to_db
from bot.services.users import Person
from bot.store import users as user_store
from bot.store.db import Database

Exporter = Callable[[aiosqlite.Connection, int], Awaitable[dict[str, Any] | list[Any] | None]]
Eraser = Callable[[aiosqlite.Connection, int], Awaitable[None]]


@dataclass
class PrivacyService:
    db: Database
    clock: Clock
    exporters: dict[str, Exporter] = field(default_factory=dict)
    erasers: dict[str, Eraser] = field(default_factory=dict)

    def register(self, name: str, exporter: Exporter | None, eraser: Eraser | None) -> None:
        if exporter is not None:
            self.exporters[name] = exporter
        if eraser is not None:
            self.erasers[name] = eraser

    async def export(self, person: Person) -> dict[str, Any]:
        row = person.row
        data: dict[str, Any] = {
            "profile": {
                "name": row.display_name,
                "language": row.language,
                "room": row.room,
                "role": person.role,
                "phone": row.phone,
                "announcements": row.announcements,
                "privacy_accepted_at": to_db(row.privacy_accepted_at)
                if row.privacy_accepted_at
                else None,
                "first_contact": to_db(row.created_at),
            }
        }
        async with self.db.transaction() as conn:
            for name, exporter in self.exporters.items():
                part = await exporter(conn, person.id)
                if part:
                    data[name] = part
            cursor = await conn.execute(
                "SELECT data FROM ptb_user_data WHERE user_id = ?", (person.telegram_id,)
            )
            draft = await cursor.fetchone()
            if draft and json.loads(draft[0]):
                data["unfinished_forms"] = json.loads(draft[0])
        return data

    async def erase(self, person: Person) -> None:
        async with self.db.transaction() as conn:
            for eraser in self.erasers.values():
                await eraser(conn, person.id)
            # PTB's tables are keyed by Telegram id (a private chat's id is the user's id).
            tid = person.telegram_id
            await conn.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (tid,))
            await conn.execute("DELETE FROM ptb_chat_data WHERE chat_id = ?", (tid,))
            await conn.execute(
                "DELETE FROM ptb_conversations WHERE key IN (?, ?)",
                (json.dumps([tid, tid]), json.dumps([tid])),
            )
            await user_store.erase(conn, person.id, self.clock.now())
