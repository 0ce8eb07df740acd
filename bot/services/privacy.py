"""Seeing and erasing one's data (AVG/GDPR articles 15 and 17), across all features.

Each feature registers an exporter (what it holds about a person) and an eraser (remove it,
keeping only anonymous counts). Erasure runs all erasers in one transaction, so it is never half
done. An eraser that has to tell someone else (the volunteer holding a withdrawn request)
queues an outbox row with the connection it is given: the notice then exists exactly when the
erasure does (a rolled-back erasure tells nobody), and goes out once it committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.clock import Clock, to_db
from bot.services.users import Person
from bot.store import ptb_state
from bot.store import users as user_store
from bot.store.db import Database

Exporter = Callable[[aiosqlite.Connection, int], Awaitable[dict[str, Any] | list[Any] | None]]


#: ``eraser(conn, user_id)``: remove what the feature holds, in the erasure's transaction.
Eraser = Callable[[aiosqlite.Connection, int], Awaitable[object]]


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
                # How we reach them: the channel and whether it works (their Telegram
                # account itself is the chat they read this in; its id is not repeated).
                "addresses": [{"channel": a.channel, "reachable": a.reachable}
                              for a in person.addresses],
            }
        }
        async with self.db.transaction() as conn:
            for name, exporter in self.exporters.items():
                part = await exporter(conn, person.id)
                if part:
                    data[name] = part
            chat = _telegram_chat(person)
            draft = await ptb_state.data_of(conn, "user", chat) if chat is not None else None
            # A finished flow leaves its key with an empty draft behind: that is no form.
            # "_handled" and the like are the bot's own bookkeeping (bot.handlers.flows).
            forms = {key: value for key, value in draft.items()
                     if value not in (None, {}, [], "") and not key.startswith("_")
                     } if draft else {}
            if forms:
                data["unfinished_forms"] = forms
        return data

    async def erase(self, person: Person) -> None:
        """Erase everything about ``person`` in one transaction (the outbox eraser drops the
        messages still queued for them)."""
        async with self.db.transaction() as conn:
            for eraser in self.erasers.values():
                await eraser(conn, person.id)
            # PTB's tables are keyed by Telegram id (a private chat's id is the user's id).
            chat = _telegram_chat(person)
            if chat is not None:
                await ptb_state.forget_person(conn, chat)
            await user_store.erase(conn, person.id, self.clock.now())


def _telegram_chat(person: Person) -> int | None:
    """The person's Telegram address (reachable or not): the key of PTB's own tables."""
    for address in person.addresses:
        if address.channel == "telegram":
            return int(address.address)
    return None
