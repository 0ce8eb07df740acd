"""Rules about people: registration, roles, volunteer invites, seeing and erasing one's data.

Knows nothing of Telegram: it takes Telegram user ids as plain integers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.clock import Clock
from bot.config import Config
from bot.store import invites as invite_store
from bot.store import users as user_store
from bot.store.db import Database
from bot.store.users import UserRow

RESIDENT, VOLUNTEER, COORDINATOR = "resident", "volunteer", "coordinator"
_RANK = {RESIDENT: 0, VOLUNTEER: 1, COORDINATOR: 2}
MAX_NAME = 64


@dataclass(frozen=True)
class Person:
    """A user with their effective role (coordinators come from the config)."""

    row: UserRow
    role: str

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def telegram_id(self) -> int | None:
        return self.row.telegram_id

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

    def _person(self, row: UserRow | None) -> Person | None:
        if row is None:
            return None
        role = COORDINATOR if row.telegram_id in self.config.coordinators else row.role
        return Person(row, role)

    def is_coordinator_id(self, telegram_id: int) -> bool:
        return telegram_id in self.config.coordinators

    async def get(self, telegram_id: int) -> Person | None:
        async with self.db.transaction() as conn:
            return self._person(await user_store.by_telegram_id(conn, telegram_id))

    async def by_id(self, user_id: int) -> Person | None:
        async with self.db.transaction() as conn:
            return self._person(await user_store.by_id(conn, user_id))

    async def register(
        self, telegram_id: int, language: str, room: str, display_name: str | None = None
    ) -> Person:
        """Create the person once they accepted the privacy statement (idempotent)."""
        if room not in self.config.rooms:
            raise ValueError(f"unknown room {room!r}")
        async with self.db.transaction() as conn:
            existing = await user_store.by_telegram_id(conn, telegram_id)
            if existing is not None:
                await user_store.update(conn, existing.id, language=language, room=room)
                row = await user_store.by_id(conn, existing.id)
            else:
                row = await user_store.create(
                    conn,
                    telegram_id=telegram_id,
                    language=language,
                    room=room,
                    now=self.clock.now(),
                    display_name=clean_name(display_name),
                )
        person = self._person(row)
        assert person is not None
        return person

    async def add_offline(self, room: str, display_name: str, language: str = "nl") -> Person:
        """Someone without Telegram (a phone call, a walk-in), added by a volunteer."""
        async with self.db.transaction() as conn:
            row = await user_store.create(
                conn,
                telegram_id=None,
                language=language,
                room=room,
                now=self.clock.now(),
                display_name=clean_name(display_name),
            )
        person = self._person(row)
        assert person is not None
        return person

    async def update(self, person: Person, **fields: object) -> Person:
        async with self.db.transaction() as conn:
            await user_store.update(conn, person.id, **fields)
            row = await user_store.by_id(conn, person.id)
        updated = self._person(row)
        assert updated is not None
        return updated

    async def set_name(self, person: Person, name: str | None) -> Person:
        return await self.update(person, display_name=clean_name(name))

    async def mark_unreachable(self, telegram_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET reachable = 0 WHERE telegram_id = ?", (telegram_id,)
            )

    async def mark_reachable(self, telegram_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET reachable = 1 WHERE telegram_id = ? AND reachable = 0",
                (telegram_id,),
            )

    # --- people of a room --------------------------------------------------------------

    async def volunteers(self, room: str) -> list[Person]:
        async with self.db.transaction() as conn:
            rows = await user_store.in_room(conn, room, VOLUNTEER)
        return [p for p in map(self._person, rows) if p is not None and p.role == VOLUNTEER]

    async def coordinators(self, room: str | None = None) -> list[Person]:
        """The coordinators of a room (by home room); all coordinators if none has it."""
        async with self.db.transaction() as conn:
            rows = await user_store.by_telegram_ids(conn, sorted(self.config.coordinators))
        people = [p for p in map(self._person, rows) if p is not None]
        if room is None:
            return people
        own = [p for p in people if p.room == room]
        return own or people

    async def residents(self, room: str | None = None) -> list[Person]:
        async with self.db.transaction() as conn:
            if room is None:
                cursor = await conn.execute(
                    "SELECT * FROM users WHERE erased_at IS NULL ORDER BY id"
                )
                rows = [user_store._row(r) for r in await cursor.fetchall()]
            else:
                rows = await user_store.in_room(conn, room)
        return [p for p in map(self._person, rows) if p is not None]

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
            row = await user_store.by_telegram_id(conn, telegram_id)
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

    async def redeem_invite(self, telegram_id: int, code: str, language: str) -> Redemption:
        """Make the opener a volunteer of the invite's room; the invite works once.

        Checked and written in one transaction (BEGIN IMMEDIATE): of two people opening the
        same link at once exactly one becomes a volunteer, the other gets ``USED``. The same
        person opening it again (a second /start, a double tap) gets ``ALREADY`` and nothing
        changes, so the coordinator is told only once.
        """
        if self.is_coordinator_id(telegram_id):
            return Redemption(InviteResult.IS_COORDINATOR, await self.get(telegram_id))
        now = self.clock.now()
        async with self.db.transaction() as conn:
            invite = await invite_store.get(conn, code)
            row = await user_store.by_telegram_id(conn, telegram_id)
            state = self._invite_state(invite, row)
            if state is not InviteResult.OK:
                person = self._person(row) if state is InviteResult.ALREADY else None
                return Redemption(state, person, invite.created_by if invite else None,
                                  invite.room if invite else None)
            assert invite is not None
            if row is None:
                row = await user_store.create(
                    conn, telegram_id=telegram_id, language=language, room=invite.room, now=now,
                    role=VOLUNTEER,
                )
            else:
                await user_store.update(conn, row.id, role=VOLUNTEER, room=invite.room)
            if not await invite_store.mark_used(conn, code, row.id, now):
                raise RuntimeError("invite raced")  # rolls back; the lock makes this unreachable
            row = await user_store.by_id(conn, row.id)
        return Redemption(InviteResult.OK, self._person(row), invite.created_by, invite.room)

    async def remove_volunteer(self, coordinator: Person, user_id: int) -> Person | None:
        """Back to resident; returns the person, or None if they were not a volunteer."""
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators remove volunteers")
        async with self.db.transaction() as conn:
            row = await user_store.by_id(conn, user_id)
            if row is None or row.role != VOLUNTEER or row.erased_at is not None:
                return None
            await user_store.update(conn, user_id, role=RESIDENT)
            row = await user_store.by_id(conn, user_id)
        return self._person(row)


def clean_name(name: str | None) -> str | None:
    """Names are optional; keep them short and single-line."""
    if name is None:
        return None
    cleaned = " ".join(name.split())[:MAX_NAME]
    return cleaned or None
