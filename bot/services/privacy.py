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

from bot.channels.whatsapp import ids
from bot.clock import Clock, to_db
from bot.services.users import AddressRow, Person
from bot.store import ptb_state
from bot.store import users as user_store
from bot.store.db import Database

Exporter = Callable[[aiosqlite.Connection, int], Awaitable[dict[str, Any] | list[Any] | None]]


#: ``eraser(conn, user_id)``: remove what the feature holds, in the erasure's transaction.
Eraser = Callable[[aiosqlite.Connection, int], Awaitable[object]]
#: ``forgetter(conn, channel, address)``: what a channel itself keeps about an address it
#: sent to (WhatsApp's message map: wamid and number), run after the goodbye went out.
Forgetter = Callable[[aiosqlite.Connection, str, str], Awaitable[object]]


@dataclass
class PrivacyService:
    db: Database
    clock: Clock
    exporters: dict[str, Exporter] = field(default_factory=dict)
    erasers: dict[str, Eraser] = field(default_factory=dict)
    forgetters: list[Forgetter] = field(default_factory=list)

    def register_forgetter(self, forgetter: Forgetter) -> None:
        self.forgetters.append(forgetter)

    async def forget_addresses(self, addresses: list[tuple[str, str]]) -> None:
        """After the erasure's goodbye (which a channel may remember like any message it
        sends): the channels forget the erased person's addresses, so no row keeps them."""
        if not addresses or not self.forgetters:
            return
        async with self.db.transaction() as conn:
            for channel, address in addresses:
                for forgetter in self.forgetters:
                    await forgetter(conn, channel, address)

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
                # A WhatsApp address is a phone number: that is their data, so it is shown.
                "addresses": [_address(a, i == 0, len(person.addresses) > 1)
                              for i, a in enumerate(person.addresses)],
                "linked_channels": len({a.channel for a in person.addresses}) > 1,
            }
        }
        async with self.db.transaction() as conn:
            for name, exporter in self.exporters.items():
                part = await exporter(conn, person.id)
                if part:
                    data[name] = part
            forms: dict[str, Any] = {}
            for chat in chats_of(person):
                draft = await ptb_state.data_of(conn, "user", chat)
                # A finished flow leaves its key with an empty draft behind: that is no form.
                # "_handled" and the like are the bot's own bookkeeping (bot.handlers.flows).
                forms.update({key: value for key, value in (draft or {}).items()
                              if value not in (None, {}, [], "") and not key.startswith("_")})
            if forms:
                data["unfinished_forms"] = forms
        return data

    async def has_data(self, conn: aiosqlite.Connection, user_id: int,
                       skip: tuple[str, ...] = ()) -> bool:
        """Does any feature keep something of this person's own (a sign-up, a request, an
        answer)? Linking two registrations asks before erasing one (``services/linking.py``)."""
        for name, exporter in self.exporters.items():
            if name not in skip and await exporter(conn, user_id):
                return True
        return False

    async def erase(self, person: Person) -> None:
        """Erase everything about ``person`` in one transaction (the outbox eraser drops the
        messages still queued for them)."""
        async with self.db.transaction() as conn:
            await self.erase_in(conn, person)

    async def erase_in(self, conn: aiosqlite.Connection, person: Person) -> None:
        """:meth:`erase` inside a caller's transaction (two registrations linked into one)."""
        for eraser in self.erasers.values():
            await eraser(conn, person.id)
        # PTB's tables are keyed by the chat id (a private chat's id is the user's id): the
        # Telegram id, and for WhatsApp the app's chat id of the number (both, when linked).
        for chat in chats_of(person):
            await ptb_state.forget_person(conn, chat)
        await user_store.erase(conn, person.id, self.clock.now())


def chats_of(person: Person) -> list[int]:
    """Every chat id the application knows this person by (Telegram, WhatsApp)."""
    chats = []
    for address in person.addresses:
        if address.channel == "telegram":
            chats.append(int(address.address))
        elif address.channel == "whatsapp" and ids.valid_wa_id(address.address):
            chats.append(ids.chat_id(address.address))
    return chats


def _address(address: AddressRow, preferred: bool, several: bool) -> dict[str, Any]:
    """One way to reach a person, for their export (``preferred``: where our messages go,
    said when they have ``several`` addresses)."""
    shown: dict[str, Any] = {"channel": address.channel, "reachable": address.reachable}
    if several:
        shown["messages_go_here"] = preferred and address.reachable
    if address.channel == "whatsapp":
        shown["number"] = "+" + address.address
    return shown
