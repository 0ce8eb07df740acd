"""SQL for who a message the bot sends on its own goes to: announcements, survey rounds and
the monthly hours question.

Why one module: the three choose from the same people (not erased, by role, room, language,
announcements switched on or off, coordinators excluded as staff) and must agree on it. People
are person ids; where a message goes is their addresses' business (``store/addresses.py``):
"reachable" here means "has a reachable address on some channel".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.store import addresses
from bot.store.clauses import and_given


@dataclass(frozen=True)
class Member:
    """One person of an audience and where to reach them."""

    user_id: int
    reachable: bool
    room: str | None

    @property
    def state(self) -> str:
        """``pending``, or ``unreachable`` (no address left that works: they blocked the bot,
        or never had a chat)."""
        return "pending" if self.reachable else "unreachable"


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" for _ in values)


async def _members(conn: aiosqlite.Connection, where: str, params: Sequence[object]
                   ) -> list[Member]:
    cursor = await conn.execute(
        "SELECT id, EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = users.id"
        " AND a.reachable = 1), room FROM users WHERE erased_at IS NULL"
        f" {where} ORDER BY id", list(params))
    return [Member(row[0], bool(row[1]), row[2]) for row in await cursor.fetchall()]


def _staff(coordinators: Sequence[int]) -> tuple[str, list[object]]:
    """"Is a coordinator": the config names them by their Telegram id or WhatsApp number."""
    return addresses.having_sql("users.id", coordinators)


async def announcement(conn: aiosqlite.Connection, *, author_id: int,
                       coordinators: Sequence[int], volunteers_only: bool,
                       room: str | None = None, language: str | None = None) -> list[Member]:
    """Everyone an announcement goes to but its author. Volunteers (and the coordinators,
    named by Telegram id) always get what is meant for volunteers, opt-out or not; otherwise
    only who left announcements on. ``room`` / ``language`` narrow it down."""
    where, params = " AND id != ?", [author_id]
    if volunteers_only:
        is_staff, staff = _staff(coordinators)
        where += f" AND (role = 'volunteer' OR{is_staff})"
        params += staff
    else:
        where += " AND announcements = 1"
    narrow, values = and_given({"room": room, "language": language})
    return await _members(conn, where + narrow, params + values)


async def survey(conn: aiosqlite.Connection, *, role: str, rooms: Sequence[str],
                 coordinators: Sequence[int], announcements_only: bool) -> list[Member]:
    """People of ``role`` in ``rooms``, coordinators (staff) left out; ``announcements_only``:
    only who left announcements on (residents are not asked otherwise)."""
    is_staff, staff = _staff(coordinators)
    where = f" AND role = ? AND room IN ({_marks(rooms)}) AND NOT{is_staff}"
    if announcements_only:
        where += " AND announcements = 1"
    return await _members(conn, where, [role, *rooms, *staff])


async def hours_question(conn: aiosqlite.Connection, *, rooms: Sequence[str],
                         coordinators: Sequence[int], joined_before: datetime) -> list[Member]:
    """Volunteers of ``rooms`` who joined before ``joined_before`` and did not switch the
    hours question off; coordinators left out."""
    is_staff, staff = _staff(coordinators)
    where = (f" AND role = 'volunteer' AND room IN ({_marks(rooms)}) AND NOT{is_staff}"
             " AND id NOT IN (SELECT user_id FROM volunteer_settings WHERE ask_hours = 0)"
             " AND created_at < ?")
    return await _members(conn, where, [*rooms, *staff, to_db(joined_before)])
