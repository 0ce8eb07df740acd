"""What the practice chat page asks of the running demo bot: personas and the clock.

The page (``bot.sandbox.page``) only knows the sandbox; this module knows the bot's config,
database and :class:`~bot.clock.OffsetClock`, and answers with plain JSON-able dicts.

The clock control jumps to the next *scheduled moment* computed from the config (each room's
weekly programme post, its belronde, and its meals' sign-up deadlines), then runs every
feature's tick at that moment, exactly as the repeating job would, so the scheduled messages
appear in the chats straight away. When the eettafel is in the build, the meal deadlines are
the meals' own stored ``deadline_at`` (the moment its tick sends the cook's final list), so a
cancelled meal is skipped and the demo never disagrees with the feature.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import TZ, OffsetClock, local
from bot.config import Config, WeeklyMoment
from bot.i18n import LANGUAGES
from bot.jobs import run_ticks

if TYPE_CHECKING:
    from bot.context import BuurtApplication
    from bot.sandbox import Sandbox
    from bot.sandbox.page import PracticePage

#: Kinds of scheduled moment, in the order they are listed when they coincide.
KINDS = ("weekly_post", "belronde", "meal_deadline")


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str
    room: str  # room id


def _next_weekly(moment: WeeklyMoment, after: datetime) -> datetime:
    """The first time strictly after ``after`` that falls on ``moment``'s weekday and time."""
    return _next_at(moment.weekday, moment.at, after)


def _next_at(weekday: int, at: time, after: datetime) -> datetime:
    local = after.astimezone(TZ)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        if day.weekday() != weekday:
            continue
        candidate = datetime.combine(day, at, tzinfo=TZ)
        if candidate > local:
            return candidate
    raise AssertionError("a weekly moment always comes within 8 days")


def upcoming_moments(config: Config, after: datetime) -> list[Moment]:
    """Each room's next weekly post, belronde and meal sign-up deadlines, soonest first."""
    out: list[Moment] = []
    for room in config.rooms.values():
        out.append(Moment(_next_weekly(room.weekly_post, after), "weekly_post", room.id))
        out.append(Moment(_next_weekly(room.belronde, after), "belronde", room.id))
        for meal in room.meals:
            # Sign-up closes on the meal's own day at the room's deadline.
            deadline = min(room.meal_signup_deadline, meal.at)
            out.append(Moment(_next_at(meal.weekday, deadline, after), "meal_deadline", room.id))
    return sorted(out, key=lambda m: (m.at, KINDS.index(m.kind), m.room))


def next_moments(config: Config, after: datetime,
                 moments: list[Moment] | None = None) -> list[Moment]:
    """All moments that share the soonest time (e.g. three rooms' Sunday posts)."""
    if moments is None:
        moments = upcoming_moments(config, after)
    if not moments:
        return []
    first = moments[0].at
    return [m for m in moments if m.at == first]


class DemoControl:
    """Personas, new residents and the clock for the practice chat page."""

    def __init__(self, app: BuurtApplication, sandbox: Sandbox, clock: OffsetClock,
                 page: PracticePage | None = None) -> None:
        self.app = app
        self.sandbox = sandbox
        self.clock = clock
        self.page = page
        self._jump_lock = asyncio.Lock()

    @property
    def config(self) -> Config:
        return self.app.services.config

    async def persona(self, user_id: int) -> dict[str, Any]:
        user = self.sandbox.users[user_id]
        person = await self.app.services.users.get(user_id)
        room = self.config.room(person.room) if person else None
        return {
            "id": user_id,
            "name": (person.name if person and person.name else None) or user.first_name,
            "role": person.role if person else "new",
            "room": room.id if room else None,
            "room_name": room.name if room else None,
            "language": person.language if person else (user.language_code or "nl"),
        }

    async def personas(self) -> list[dict[str, Any]]:
        return [await self.persona(user_id) for user_id in list(self.sandbox.users)]

    async def add_resident(self, first_name: str, language: str) -> dict[str, Any]:
        """A Telegram user who never spoke to the bot: they start onboarding with /start."""
        if language not in LANGUAGES:
            language = "nl"
        user = self.sandbox.add_user(first_name=first_name[:64], language_code=language)
        persona = await self.persona(user.id)
        if self.page is not None:
            self.page.broadcast({"type": "personas"})
        return persona

    async def upcoming(self, now: datetime) -> list[Moment]:
        """The coming moments; meal deadlines as the eettafel stored them, if it is here."""
        moments = upcoming_moments(self.config, now)
        meals = getattr(self.app.services, "meals", None)
        if meals is None or not hasattr(meals, "upcoming"):
            return moments
        moments = [m for m in moments if m.kind != "meal_deadline"]
        for room in self.config.rooms.values():
            for view in await meals.upcoming(room.id):
                if not view.meal.cancelled and view.meal.deadline_at > now:
                    moments.append(Moment(local(view.meal.deadline_at), "meal_deadline", room.id))
        return sorted(moments, key=lambda m: (m.at, KINDS.index(m.kind), m.room))

    async def clock_state(self) -> dict[str, Any]:
        now = self.clock.now()
        upcoming = next_moments(self.config, now, await self.upcoming(now))
        return {
            "now": now.isoformat(),
            "next": [
                {"at": m.at.isoformat(), "kind": m.kind, "room": m.room,
                 "room_name": self.config.rooms[m.room].name}
                for m in upcoming
            ],
        }

    async def jump(self) -> dict[str, Any]:
        """Move the bot's clock to the next scheduled moment and run what is due there."""
        async with self._jump_lock:
            now = self.clock.now()
            upcoming = next_moments(self.config, now, await self.upcoming(now))
            if upcoming:
                self.clock.jump_to(upcoming[0].at)
                await run_ticks(self.app)
            state = await self.clock_state()
            state["ran"] = [{"kind": m.kind, "room": m.room,
                             "room_name": self.config.rooms[m.room].name} for m in upcoming]
        if self.page is not None:
            self.page.broadcast({"type": "clock", **state})
        return state
