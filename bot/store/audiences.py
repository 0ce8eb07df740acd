"""SQL for who a message the bot sends on its own goes to: announcements, survey rounds and
the monthly hours question.

Why one module: the three choose from the same people (not erased, by role, room, language,
announcements switched on or off, coordinators excluded as staff) and must agree on it; when
people get more than one address (issue 13, stage 1) this is the one place that changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import to_db


@dataclass(frozen=True)
class Member:
    """One person of an audience and where to reach them."""

    user_id: int
    telegram_id: int | None
    reachable: bool
    room: str | None

    @property
    def state(self) -> str:
        """The outbox state to start in: ``pending``, or ``unreachable`` (no chat to send to,
        or the person blocked the bot)."""
        return "pending" if self.telegram_id is not None and self.reachable else "unreachable"


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" for _ in values)


async def _members(conn: aiosqlite.Connection, where: str, params: Sequence[object]
                   ) -> list[Member]:
    cursor = await conn.execute(
        "SELECT id, telegram_id, reachable, room FROM users WHERE erased_at IS NULL"
        f" {where} ORDER BY id", list(params))
    return [Member(row[0], row[1], bool(row[2]), row[3]) for row in await cursor.fetchall()]


async def announcement(conn: aiosqlite.Connection, *, author_id: int,
                       coordinators: Sequence[int], volunteers_only: bool,
                       room: str | None = None, language: str | None = None) -> list[Member]:
    """Everyone an announcement goes to but its author. Volunteers (and the coordinators,
    named by Telegram id) always get what is meant for volunteers, opt-out or not; otherwise
    only who left announcements on. ``room`` / ``language`` narrow it down."""
    where, params = " AND id != ?", [author_id]
    if volunteers_only:
        staff = list(coordinators) or [0]
        where += f" AND (role = 'volunteer' OR telegram_id IN ({_marks(staff)}))"
        params += staff
    else:
        where += " AND announcements = 1"
    if room is not None:
        where += " AND room = ?"
        params.append(room)
    if language is not None:
        where += " AND language = ?"
        params.append(language)
    return await _members(conn, where, params)


async def survey(conn: aiosqlite.Connection, *, role: str, rooms: Sequence[str],
                 coordinators: Sequence[int], announcements_only: bool) -> list[Member]:
    """People of ``role`` in ``rooms``, coordinators (staff) left out; ``announcements_only``:
    only who left announcements on (residents are not asked otherwise)."""
    staff = list(coordinators) or [0]
    where = (f" AND role = ? AND room IN ({_marks(rooms)})"
             f" AND (telegram_id IS NULL OR telegram_id NOT IN ({_marks(staff)}))")
    if announcements_only:
        where += " AND announcements = 1"
    return await _members(conn, where, [role, *rooms, *staff])


async def hours_question(conn: aiosqlite.Connection, *, rooms: Sequence[str],
                         coordinators: Sequence[int], joined_before: datetime) -> list[Member]:
    """Volunteers of ``rooms`` who joined before ``joined_before`` and did not switch the
    hours question off; coordinators left out."""
    staff = list(coordinators) or [0]
    where = (f" AND role = 'volunteer' AND room IN ({_marks(rooms)})"
             f" AND (telegram_id IS NULL OR telegram_id NOT IN ({_marks(staff)}))"
             " AND id NOT IN (SELECT user_id FROM volunteer_settings WHERE ask_hours = 0)"
             " AND created_at < ?")
    return await _members(conn, where, [*rooms, *staff, to_db(joined_before)])
