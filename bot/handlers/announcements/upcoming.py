"""When the announcements' tick next has work: each planned announcement's send moment."""

from __future__ import annotations

from datetime import datetime

from bot.clock import local
from bot.jobs import DueMoment


async def upcoming(app, after: datetime) -> list[DueMoment]:
    return [DueMoment(local(row.send_at), "announcement", row.room)
            for row in await app.services.announcements.scheduled() if row.send_at > after]
