"""WhatsApp's daily messaging limit: how many people a business may start a conversation
with (a template outside their window) in a rolling 24 hours.

Why: a new number may reach 250 unique people a day (``whatsapp.daily_limit``); Meta
refuses the rest. A broadcast or a belronde to more people than that must spread over the
days it needs instead of failing: a row beyond the limit waits (``not_before``) for the
moment the oldest conversation of the last 24 hours falls out of the window. Answers inside
an open window, and a second template to someone already reached in the last 24 hours, do
not count. The count lives in ``whatsapp_conversations`` (one row per conversation opened:
an address and a moment, no content) and is taken and written in one transaction, so
broadcast sends running side by side cannot overshoot.

Time is UTC underneath (rolling hours, not calendar days), so a DST change neither gives nor
takes an hour of the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.store import whatsapp_templates as store

#: The rolling span Meta counts in.
SPAN = timedelta(hours=24)
UTC = ZoneInfo("UTC")
#: A little after the oldest conversation leaves the span (Meta's clock and ours differ).
MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class Slot:
    """A conversation reserved for one template send (``id`` None: already reached within
    24 hours, nothing to count or give back)."""

    id: int | None


async def reserve(services: Any, address: str, limit: int, person_id: int | None = None
                  ) -> Slot | datetime:
    """A slot for a template to ``address`` now, or the moment one frees up."""
    now = services.clock.now().astimezone(UTC)  # rolling hours: arithmetic in UTC
    since = now - SPAN
    async with services.db.transaction() as conn:
        if await store.has_conversation(conn, address, since):
            return Slot(None)
        opened = await store.conversations_since(conn, since)
        if limit > 0 and len(opened) >= limit:
            # The (n - limit + 1)-th oldest leaves the span first enough for one more.
            return opened[len(opened) - limit].astimezone(UTC) + SPAN + MARGIN
        if limit <= 0:
            return now + SPAN
        return Slot(await store.open_conversation(conn, address, now, person_id))


async def give_back(services: Any, slot: Slot) -> None:
    """The template did not go after all (refused, failed): the slot is free again."""
    if slot.id is None:
        return
    async with services.db.transaction() as conn:
        await store.drop_conversation(conn, slot.id)


async def used(services: Any) -> int:
    """People reached with a template in the last 24 hours (for doctor and the preview)."""
    now = services.clock.now().astimezone(UTC)
    async with services.db.reading() as conn:
        return len(await store.conversations_since(conn, now - SPAN))


async def prune(services: Any) -> int:
    async with services.db.transaction() as conn:
        return await store.prune_conversations(conn, services.clock.now().astimezone(UTC))


async def erase(conn: Any, person_id: int) -> None:
    """The privacy eraser (registered by :mod:`bot.handlers.whatsapp_window`)."""
    await store.erase_person(conn, person_id)
