"""Who to tell: the one place that chooses the recipients of a room's notices.

"Tell this room's volunteers, else its coordinators" was chosen in five places (meals'
digest and final list, a late food wish, the belronde follow-up, a new help request); it lives
here once. The ``conn`` functions run inside the caller's transaction, so a feature can write
its outbox rows together with the change that causes them; :meth:`helper_people` is for
callers that still send directly and need :class:`Person` objects.
"""

from __future__ import annotations

import aiosqlite

from bot.services.users import VOLUNTEER, Person, UserService
from bot.store import users as user_store


class RecipientsService:
    def __init__(self, users: UserService) -> None:
        self.users = users

    async def room_helpers(
        self, conn: aiosqlite.Connection, room: str, *, skill: str | None = None
    ) -> list[int]:
        """``users.id`` of the room's volunteers (with ``skill``, if given) who can be reached;
        nobody like that: the room's coordinators, so a notice is never told to no one."""
        return [person.id for person in await self._helpers(conn, room, skill)]

    async def coordinators(self, conn: aiosqlite.Connection, room: str | None) -> list[int]:
        """``users.id`` of the room's coordinators (home room); all of them if none has it."""
        return [person.id for person in await self._coordinators(conn, room)]

    async def all_coordinators(self, conn: aiosqlite.Connection) -> list[int]:
        """``users.id`` of every coordinator (config Telegram ids) the bot knows."""
        return [person.id for person in await self.users.coordinators_in(conn)]

    async def helper_people(self, room: str, *, skill: str | None = None) -> list[Person]:
        """:meth:`room_helpers` as people, in a transaction of its own."""
        async with self.users.db.transaction() as conn:
            return await self._helpers(conn, room, skill)

    async def _helpers(
        self, conn: aiosqlite.Connection, room: str, skill: str | None
    ) -> list[Person]:
        rows = await user_store.volunteers_with_skill(conn, room, skill)
        volunteers = [
            person for person in await self.users.from_rows(conn, rows)
            # A coordinator with a volunteer row is told as a coordinator, not twice.
            if person.role == VOLUNTEER and person.reachable
        ]
        return volunteers or await self._coordinators(conn, room)

    async def _coordinators(self, conn: aiosqlite.Connection, room: str | None) -> list[Person]:
        people = await self.users.coordinators_in(conn)
        if room is None:
            return people
        return [p for p in people if p.room == room] or people
