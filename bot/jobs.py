"""Scheduled work: one repeating "tick" that asks every feature what is due now.

Why a tick instead of one APScheduler job per moment: every feature decides from the clock and
its own records what is due (a weekly post, this week's check-ins, an expired offer) and claims
each period in the database (``job_runs``) exactly once. That makes every job restart-safe and
catches up on a run missed while the bot was down, and tests can move the clock and call
:func:`run_ticks` instead of waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

from bot.log_safe import without_data

if TYPE_CHECKING:
    from bot.context import BuurtApplication

log = logging.getLogger(__name__)

Tick = Callable[["BuurtApplication", datetime], Awaitable[None]]
TICK_SECONDS = 60


def add_tick(app: BuurtApplication, name: str, tick: Tick) -> None:
    """Features call this from their ``register(app)``."""
    app.ticks[name] = tick


async def run_ticks(app: BuurtApplication, only: str | None = None) -> None:
    """Run every feature's tick once at the clock's now; one failing never stops the others."""
    now = app.services.clock.now()
    for name, tick in list(app.ticks.items()):
        if only is not None and name != only:
            continue
        try:
            await tick(app, now)
        except Exception as exc:
            log.error("tick %s failed: %s", name, without_data(exc))
    if only is None:
        try:  # /healthz and `buurtbot doctor` report when scheduled work last ran
            await app.services.ops.record_tick(now)
        except Exception as exc:
            log.error("recording the tick failed: %s", without_data(exc))


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_ticks(context.application)  # type: ignore[arg-type]


def schedule(app: BuurtApplication) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(_tick_job, interval=TICK_SECONDS, first=2, name="tick")
