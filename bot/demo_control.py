"""What the practice chat page asks of the running demo bot: personas and the clock.

The page (``bot.sandbox.page``) only knows the sandbox; this module knows the bot's config,
database and :class:`~bot.clock.OffsetClock`, and answers with plain JSON-able dicts.

The clock control jumps to the next *scheduled moment*, as the features themselves report it
(``bot.jobs.upcoming_moments``: each tick module registers when it next has work — every
resident's own belronde day and day part, planned announcements, meal reminders and deadlines,
weekly posts, escalations), then runs every feature's tick at that moment, exactly as the
repeating job would, so the scheduled messages appear in the chats straight away. Nothing here
knows a feature's rules, so the demo never skips a moment a feature has.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.clock import OffsetClock, local
from bot.config import Config
from bot.i18n import LANGUAGES
from bot.jobs import DueMoment, run_ticks, upcoming_moments
from bot.sandbox.page_whatsapp import display_number, page_id, wa_id_of

if TYPE_CHECKING:
    from bot.context import BuurtApplication
    from bot.sandbox import Sandbox
    from bot.sandbox.page import PracticePage

def next_moments(moments: list[DueMoment]) -> list[DueMoment]:
    """All moments that share the soonest time (e.g. three rooms' Sunday posts)."""
    if not moments:
        return []
    first = moments[0].at
    return [m for m in moments if m.at == first]


def _unique(moments: list[DueMoment]) -> list[DueMoment]:
    """One line per kind and room: five residents' belronde at 10:00 in TOP is one moment."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for moment in moments:
        if (moment.kind, moment.room) not in seen:
            seen.add((moment.kind, moment.room))
            out.append(moment)
    return out


class DemoControl:
    """Personas, new residents and the clock for the practice chat page."""

    def __init__(self, app: BuurtApplication, sandbox: Sandbox, clock: OffsetClock,
                 page: PracticePage | None = None, standin: Any = None) -> None:
        self.app = app
        self.sandbox = sandbox
        self.clock = clock
        self.page = page
        #: The WhatsApp Cloud API stand-in, when the demo runs its WhatsApp side.
        self.standin = standin
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
            "channel": "telegram",
        }

    async def wa_persona(self, wa_id: str) -> dict[str, Any]:
        """A resident on WhatsApp (a person of the stand-in), found by their address."""
        who = self.standin.people[wa_id]
        person = await self.app.services.users.by_address("whatsapp", wa_id)
        room = self.config.room(person.room) if person else None
        return {
            "id": page_id(wa_id),
            "name": (person.name if person and person.name else None) or who.name or wa_id,
            "role": person.role if person else "new",
            "room": room.id if room else None,
            "room_name": room.name if room else None,
            # WhatsApp does not tell a business the person's language: the bot asks.
            "language": person.language if person else "nl",
            "channel": "whatsapp",
            "phone": display_number(wa_id),
        }

    def channels(self) -> list[str]:
        return ["telegram", "whatsapp"] if self.standin is not None else ["telegram"]

    async def personas(self) -> list[dict[str, Any]]:
        found = [await self.persona(user_id) for user_id in list(self.sandbox.users)]
        if self.standin is not None:
            found += [await self.wa_persona(wa_id) for wa_id in list(self.standin.people)]
        return found

    async def add_resident(self, first_name: str, language: str,
                           channel: str = "telegram") -> dict[str, Any]:
        """A Telegram user who never spoke to the bot: they start onboarding with /start.
        On WhatsApp: someone with a new (made-up) +31 6 number, who starts with "Hoi"."""
        if language not in LANGUAGES:
            language = "nl"
        if channel == "whatsapp" and self.standin is not None:
            wa_id = self._free_wa_id()
            self.standin.person(wa_id, name=first_name[:64]).reads = True
            persona = await self.wa_persona(wa_id)
            if self.page is not None:
                self.page.broadcast({"type": "personas"})
            return persona
        user = self.sandbox.add_user(first_name=first_name[:64], language_code=language)
        persona = await self.persona(user.id)
        if self.page is not None:
            self.page.broadcast({"type": "personas"})
        return persona

    def _free_wa_id(self) -> str:
        """A made-up Dutch mobile number nobody in the stand-in has yet."""
        while True:
            wa_id = f"316{secrets.randbelow(10**8):08d}"
            if wa_id_of(page_id(wa_id)) and wa_id not in self.standin.people:
                return wa_id

    async def upcoming(self, now: datetime) -> list[DueMoment]:
        """The coming moments, as each feature's tick will see them (``bot.jobs``): every
        resident's own belronde moment, planned announcements, meal reminders and deadlines,
        weekly posts, escalations. Soonest first."""
        return [DueMoment(local(m.at), m.kind, m.room)
                for m in await upcoming_moments(self.app, now)]

    def _room_name(self, room: str | None) -> str:
        found = self.config.room(room) if room else None
        return found.name if found else ""

    async def clock_state(self) -> dict[str, Any]:
        now = self.clock.now()
        upcoming = next_moments(await self.upcoming(now))
        return {
            "now": now.isoformat(),
            "next": [
                {"at": m.at.isoformat(), "kind": m.kind, "room": m.room,
                 "room_name": self._room_name(m.room)}
                for m in _unique(upcoming)
            ],
        }

    async def jump(self) -> dict[str, Any]:
        """Move the bot's clock to the next scheduled moment and run what is due there."""
        async with self._jump_lock:
            now = self.clock.now()
            upcoming = next_moments(await self.upcoming(now))
            if upcoming:
                self.clock.jump_to(upcoming[0].at)
                await run_ticks(self.app)
            state = await self.clock_state()
            state["ran"] = [{"kind": m.kind, "room": m.room,
                             "room_name": self._room_name(m.room)} for m in _unique(upcoming)]
        if self.page is not None:
            self.page.broadcast({"type": "clock", **state})
        return state
