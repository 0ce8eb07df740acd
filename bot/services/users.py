"""Rules about people: registration, roles, volunteer invites, seeing and erasing one's data.

A person is one ``users`` row with one or more addresses (channel, address, reachable);
Telegram is the first channel. ``get(telegram_id)`` is kept for today's callers: it looks the
person up by their Telegram address. Coordinators in the config are Telegram ids, resolved
through the addresses too.

The id rule (issue 14): an int at or above :data:`bot.channels.whatsapp.ids.BASE` given where
a Telegram id is expected (``get``, ``register``, invites, ``mark_(un)reachable``) is a
WhatsApp person's chat id (:mod:`bot.channels.whatsapp.ids`): they are found and made by their
``whatsapp`` address and ``users.telegram_id`` stays NULL. So every handler, written for
Telegram ids (``update.effective_user.id``), works unchanged for a WhatsApp person.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import aiosqlite

from bot.channels.whatsapp import ids as wa_ids
from bot.clock import Clock
from bot.config import Config
from bot.store import addresses as address_store
from bot.store import invites as invite_store
from bot.store import users as user_store
from bot.store.addresses import TELEGRAM, Address, AddressRow
from bot.store.db import Database
from bot.store.users import UserRow

__all__ = ["TELEGRAM", "Address", "AddressRow", "Person", "UserService"]

RESIDENT, VOLUNTEER, COORDINATOR = "resident", "volunteer", "coordinator"
WHATSAPP = "whatsapp"
_RANK = {RESIDENT: 0, VOLUNTEER: 1, COORDINATOR: 2}
MAX_NAME = 64


@dataclass(frozen=True)
class Person:
    """A user with their effective role (coordinators come from the config)."""

    row: UserRow
    role: str
    #: The person's addresses, preferred first (reachable, most recently reachable).
    addresses: tuple[AddressRow, ...] = ()

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def telegram_id(self) -> int | None:
        """The Telegram chat id (their Telegram address), or None without one."""
        for address in self.addresses:
            if address.channel == TELEGRAM:
                return int(address.address)
        return None

    @property
    def reachable(self) -> bool:
        """Has a reachable address (someone added by phone or erased has none)."""
        return any(address.reachable for address in self.addresses)

    def address(self, channel: str | None = None) -> AddressRow | None:
        """The preferred reachable address (on ``channel`` if given): where "tell them" goes."""
        for address in self.addresses:
            if address.reachable and (channel is None or address.channel == channel):
                return address
        return None

    @property
    def language(self) -> str:
        return self.row.language

    @property
    def room(self) -> str | None:
        return self.row.room

    @property
    def name(self) -> str | None:
        return self.row.display_name

    def has_role(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]


class InviteResult(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    IS_COORDINATOR = "is_coordinator"
    #: This person used this very invite before (a second /start, a double tap): no change.
    ALREADY = "already"


@dataclass(frozen=True)
class Redemption:
    """What using an invite did: the result, the person now, and who made the invite."""

    result: InviteResult
    person: Person | None = None
    created_by: int | None = None  # users.id of the coordinator who made the invite
    room: str | None = None


class UserService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    def _make(self, row: UserRow, addresses: Iterable[AddressRow]) -> Person:
        own = tuple(addresses)
        mine = {int(a.address) if a.channel == TELEGRAM else wa_ids.chat_id(a.address)
                for a in own if a.channel == TELEGRAM
                or (a.channel == WHATSAPP and wa_ids.valid_wa_id(a.address))}
        role = COORDINATOR if mine & self.config.coordinators else row.role
        return Person(row, role, own)

    async def _person(self, conn: aiosqlite.Connection, row: UserRow | None) -> Person | None:
        if row is None:
            return None
        return self._make(row, await address_store.of_person(conn, row.id))

    async def _create(self, conn: aiosqlite.Connection, telegram_id: int | None, room: str,
                      display_name: str | None, language: str, role: str = RESIDENT
                      ) -> UserRow:
        """A new person, made now, with their name cleaned (registered or added offline).
        ``telegram_id`` may be a WhatsApp chat id (the id rule): then their address is the
        WhatsApp one and ``users.telegram_id`` stays NULL."""
        now = self.clock.now()
        whatsapp = telegram_id is not None and wa_ids.is_whatsapp(telegram_id)
        row = await user_store.create(conn, telegram_id=None if whatsapp else telegram_id,
                                      language=language, room=room, now=now,
                                      display_name=clean_name(display_name), role=role)
        if whatsapp:
            assert telegram_id is not None
            await address_store.add(conn, row.id, WHATSAPP, wa_ids.wa_id(telegram_id), now)
            found = await user_store.by_id(conn, row.id)
            assert found is not None
            row = found
        return row

    async def _row(self, conn: aiosqlite.Connection, chat_id: int) -> UserRow | None:
        """The person behind a Telegram id or a WhatsApp chat id (the id rule)."""
        address = _address(chat_id)
        return await user_store.by_address(conn, address.channel, address.address)

    async def from_rows(self, conn: aiosqlite.Connection, rows: list[UserRow]) -> list[Person]:
        found = await address_store.of_people(conn, (row.id for row in rows))
        return [self._make(row, found[row.id]) for row in rows]

    async def person(self, conn: aiosqlite.Connection, user_id: int) -> Person | None:
        """A person inside a caller's transaction (services that enqueue with ``conn``)."""
        return await self._person(conn, await user_store.by_id(conn, user_id))

    async def people(self, conn: aiosqlite.Connection, user_ids: Iterable[int]) -> list[Person]:
        """Several people inside a caller's transaction, in the order of ``user_ids``."""
        rows = [await user_store.by_id(conn, uid) for uid in user_ids]
        return await self.from_rows(conn, [row for row in rows if row is not None])

    def is_coordinator_id(self, telegram_id: int) -> bool:
        """Coordinators are the config's Telegram ids and WhatsApp numbers (as chat ids)."""
        return telegram_id in self.config.coordinators

    async def get(self, telegram_id: int) -> Person | None:
        """The person with this Telegram id (their Telegram address), or with this WhatsApp
        chat id (their WhatsApp address; the id rule)."""
        address = _address(telegram_id)
        return await self.by_address(address.channel, address.address)

    async def by_address(self, channel: str, address: str) -> Person | None:
        """The (not erased) person this address belongs to."""
        async with self.db.transaction() as conn:
            return await self._person(conn, await user_store.by_address(conn, channel, address))

    async def address_of(self, user_id: int, channel: str | None = None) -> AddressRow | None:
        """Where "tell this person" goes: their preferred reachable address, or None."""
        return await self.db.run(address_store.address_of, user_id, channel)

    async def by_id(self, user_id: int) -> Person | None:
        async with self.db.transaction() as conn:
            return await self._person(conn, await user_store.by_id(conn, user_id))

    async def register(
        self, telegram_id: int, language: str, room: str, display_name: str | None = None
    ) -> Person:
        """Create the person once they accepted the privacy statement (idempotent)."""
        if room not in self.config.rooms:
            raise ValueError(f"unknown room {room!r}")
        async with self.db.transaction() as conn:
            existing = await self._row(conn, telegram_id)
            if existing is not None:
                await user_store.update(conn, existing.id, language=language, room=room)
                row = await user_store.by_id(conn, existing.id)
            else:
                row = await self._create(conn, telegram_id, room, display_name, language)
            person = await self._person(conn, row)
        assert person is not None
        return person

    async def add_offline(self, room: str, display_name: str, language: str = "nl") -> Person:
        """Someone without Telegram (a phone call, a walk-in), added by a volunteer."""
        async with self.db.transaction() as conn:
            row = await self._create(conn, None, room, display_name, language)
            person = await self._person(conn, row)
        assert person is not None
        return person

    async def update(self, person: Person, **fields: object) -> Person:
        async with self.db.transaction() as conn:
            await user_store.update(conn, person.id, now=self.clock.now(), **fields)
            updated = await self.person(conn, person.id)
        assert updated is not None
        return updated

    async def set_name(self, person: Person, name: str | None) -> Person:
        return await self.update(person, display_name=clean_name(name))

    async def mark_unreachable(self, target: int | Address) -> bool:
        """The channel said this address is gone (blocked, chat not found, deactivated).

        ``target`` is an :class:`Address`, or a Telegram chat id (today's callers). True when
        it was reachable until now. Feeds the "to call" lists and reports."""
        address = _address(target)
        async with self.db.transaction() as conn:
            return await address_store.mark_unreachable(
                conn, address.channel, address.address, self.clock.now())

    async def mark_reachable(self, target: int | Address) -> bool:
        """They reached us again through this address (wrote, unblocked): reachable again."""
        address = _address(target)
        async with self.db.transaction() as conn:
            return await address_store.mark_reachable(
                conn, address.channel, address.address, self.clock.now())

    # --- people of a room --------------------------------------------------------------

    async def volunteers(self, room: str) -> list[Person]:
        async with self.db.transaction() as conn:
            people = await self.from_rows(conn, await user_store.in_room(conn, room, VOLUNTEER))
        return [p for p in people if p.role == VOLUNTEER]

    async def coordinators(self, room: str | None = None) -> list[Person]:
        """The coordinators of a room (by home room); all coordinators if none has it."""
        async with self.db.transaction() as conn:
            people = await self.coordinators_in(conn)
        if room is None:
            return people
        own = [p for p in people if p.room == room]
        return own or people

    async def coordinators_in(self, conn: aiosqlite.Connection) -> list[Person]:
        """Every coordinator who has talked to the bot (the config's Telegram ids and
        WhatsApp numbers → addresses)."""
        rows = await user_store.by_user_ids(conn, sorted(self.config.coordinators))
        return await self.from_rows(conn, rows)

    async def residents(self, room: str | None = None) -> list[Person]:
        async with self.db.transaction() as conn:
            if room is None:
                rows = await user_store.active(conn)
            else:
                rows = await user_store.in_room(conn, room)
            return await self.from_rows(conn, rows)

    # --- volunteer invites -------------------------------------------------------------

    async def create_invite(self, coordinator: Person, room: str) -> str:
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators invite volunteers")
        if room not in self.config.rooms:
            raise ValueError(f"unknown room {room!r}")
        code = secrets.token_urlsafe(12)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await invite_store.create(
                conn,
                code,
                room,
                coordinator.id,
                now,
                now + timedelta(days=self.config.invite_valid_days),
            )
        return code

    async def check_invite(self, telegram_id: int, code: str) -> InviteResult:
        """Would this invite work for this person now? (Read only: onboarding asks before the
        room question, so a used or expired link leads to the ordinary room question.)"""
        if self.is_coordinator_id(telegram_id):
            return InviteResult.IS_COORDINATOR
        async with self.db.transaction() as conn:
            invite = await invite_store.get(conn, code)
            row = await self._row(conn, telegram_id)
        return self._invite_state(invite, row)

    def _invite_state(self, invite, row: UserRow | None) -> InviteResult:
        if invite is None:
            return InviteResult.UNKNOWN
        if invite.used_by is not None:
            same = row is not None and invite.used_by == row.id
            return InviteResult.ALREADY if same else InviteResult.USED
        if invite.expires_at <= self.clock.now():
            return InviteResult.EXPIRED
        return InviteResult.OK

    async def redeem_invite(
        self, telegram_id: int, code: str, language: str, *,
        then: Callable[[aiosqlite.Connection, Person, int, str], Awaitable[object]] | None = None,
    ) -> Redemption:
        """Make the opener a volunteer of the invite's room; the invite works once.

        Checked and written in one transaction (BEGIN IMMEDIATE): of two people opening the
        same link at once exactly one becomes a volunteer, the other gets ``USED``. The same
        person opening it again (a second /start, a double tap) gets ``ALREADY`` and nothing
        changes, so the coordinator is told only once: ``then(conn, person, created_by,
        room)`` runs in the same transaction when the link was used now and has a maker (the
        outbox row telling them).
        """
        if self.is_coordinator_id(telegram_id):
            return Redemption(InviteResult.IS_COORDINATOR, await self.get(telegram_id))
        now = self.clock.now()
        async with self.db.transaction() as conn:
            invite = await invite_store.get(conn, code)
            row = await self._row(conn, telegram_id)
            state = self._invite_state(invite, row)
            if state is not InviteResult.OK:
                person = await self._person(conn, row) if state is InviteResult.ALREADY else None
                return Redemption(state, person, invite.created_by if invite else None,
                                  invite.room if invite else None)
            assert invite is not None
            if row is None:
                row = await self._create(conn, telegram_id, invite.room, None, language,
                                         role=VOLUNTEER)
            else:
                await user_store.update(conn, row.id, role=VOLUNTEER, room=invite.room)
            if not await invite_store.mark_used(conn, code, row.id, now):
                raise RuntimeError("invite raced")  # rolls back; the lock makes this unreachable
            person = await self.person(conn, row.id)
            if then is not None and invite.created_by is not None and person is not None:
                await then(conn, person, invite.created_by, invite.room)
        return Redemption(InviteResult.OK, person, invite.created_by, invite.room)

    async def remove_volunteer(
        self, coordinator: Person, user_id: int, *,
        then: Callable[[aiosqlite.Connection, Person], Awaitable[object]] | None = None,
    ) -> Person | None:
        """Back to resident; returns the person, or None if they were not a volunteer.
        ``then(conn, person)`` runs in the same transaction (the outbox row telling them)."""
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators remove volunteers")
        async with self.db.transaction() as conn:
            row = await user_store.by_id(conn, user_id)
            if row is None or row.role != VOLUNTEER or row.erased_at is not None:
                return None
            await user_store.update(conn, user_id, role=RESIDENT)
            removed = await self.person(conn, user_id)
            if then is not None and removed is not None:
                await then(conn, removed)
            return removed


def _address(target: int | Address) -> Address:
    """An address from an Address-like object (channel, address), a Telegram chat id or a
    WhatsApp chat id (the id rule)."""
    if isinstance(target, int):
        if wa_ids.is_whatsapp(target):
            return Address(WHATSAPP, wa_ids.wa_id(target))
        return Address.telegram(target)
    return Address(target.channel, str(target.address))


def clean_name(name: str | None) -> str | None:
    """Names are optional; keep them short and single-line."""
    if name is None:
        return None
    cleaned = " ".join(name.split())[:MAX_NAME]
    return cleaned or None
