"""Writing participation records: every feature calls this as a side effect of daily work.

Only the person's anonymous key is stored, never a name or Telegram id, so the tally stays
right after someone erases their data.
"""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.categories import CATEGORIES
from bot.clock import Clock
from bot.store import participation as store
from bot.store.db import Database

#: Sources that are contacts rather than activities (counted apart from the categories).
SOURCES = ("meal", "help", "activity", "checkin", "referral", "volunteer")


class ParticipationService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(
        self,
        conn: aiosqlite.Connection,
        *,
        person_key: str | None,
        room: str,
        category: str,
        source: str,
        source_id: str | int | None,
        occurred_on: date | None = None,
        quantity: int = 1,
    ) -> bool:
        """Record inside the caller's transaction (so it is never half done)."""
        if category not in CATEGORIES and category not in ("contact", "referral", "volunteer"):
            raise ValueError(f"unknown category {category!r}")
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        return await store.record(
            conn,
            person_key=person_key,
            room=room,
            category=category,
            source=source,
            source_id=None if source_id is None else str(source_id),
            occurred_on=occurred_on or self.clock.now().date(),
            now=self.clock.now(),
            quantity=quantity,
        )
