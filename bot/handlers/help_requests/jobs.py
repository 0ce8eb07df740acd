"""Scheduled work for help requests: escalate, release, follow up, erase.

The service claims each alert and writes its outbox rows in one transaction (kinds
``help.unclaimed``, ``help.due_soon``, ``help.released``, ``help.partner_followup``); the run
of ticks delivers them afterwards (:func:`bot.jobs.run_ticks`), and a kill in between or
mid-send loses none (rendered by ``notices.py``).
"""

from __future__ import annotations

from telegram.ext import Application

from bot.jobs import DueMoment


async def upcoming(app: Application, after) -> list[DueMoment]:
    """The coming help alerts (48 hours untaken, due soon, 7 days untouched), for the
    practice chat's "next scheduled moment"."""
    return [DueMoment(at, kind, room)
            for at, kind, room in await app.services.help.upcoming(after)]  # type: ignore[attr-defined]


async def tick(app: Application, now) -> None:
    """Escalate, release, follow up and erase; each alert queued once, with its claim."""
    service = app.services.help  # type: ignore[attr-defined]
    await service.escalations(now)
    await service.release_stale(now)
    await service.due_followups(now)
    await service.erase_expired_text(now)
