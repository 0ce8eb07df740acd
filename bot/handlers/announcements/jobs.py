"""The announcements' tick: scheduled broadcasts that are due get their outbox rows; one that
finished while the bot was down gets its report. The sending is the one outbox sender's."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import BuurtApplication

log = logging.getLogger(__name__)


def ensure_sender(app: BuurtApplication) -> None:
    """Rows were queued: wake the one sender (it runs from the start of the application)."""
    app.services.outbox.wake()


async def tick(app: BuurtApplication, now: datetime) -> None:
    """Fill scheduled broadcasts that are due; finish any left without a report."""
    service = app.services.announcements
    if await service.promote_due():
        service.kick()
    await service.finish_stalled()


async def keep_room_for_answers(update: object, context: object) -> None:
    """Group -8: someone wrote the bot; a broadcast in progress leaves a slot for the answer
    (the answer itself then takes it: bot.services.pacing.Pacer.acquire_answer)."""
    port = getattr(getattr(context, "application", None), "port", None)
    if port is not None and (getattr(update, "message", None) is not None
                             or getattr(update, "callback_query", None) is not None):
        port.pacer.reserve()
