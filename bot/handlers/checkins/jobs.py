"""The tick: retention, the weekly send (exactly once), escalations and summaries.

Each step claims its period and writes its outbox rows in one transaction (the service);
:func:`bot.jobs.run_ticks` delivers them once every tick of the run has queued its own.
"""

from __future__ import annotations

from bot.context import BuurtApplication
from bot.services.checkins import is_quiet


async def tick(app: BuurtApplication, now) -> None:
    """Retention, the weekly send, the night's follow-up notices, escalations and the weekly
    summary; each exactly once."""
    service = app.services.checkins
    await service.erase_expired(now)
    # What the outbox made of earlier check-ins (a kill may have come between the two).
    await service.settle(now)
    for due in await service.due(now):
        await service.claim(due)
    if is_quiet(now):
        return
    # Follow-ups made at night (or whose notice a crash interrupted), before escalating any.
    await service.pending_notices(now)
    await service.escalate_no_answer(now)
    await service.escalate_untaken(now)
    await service.weekly_summaries(now)
