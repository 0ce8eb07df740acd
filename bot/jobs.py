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
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

from bot.clock import TZ
from bot.log_safe import without_data

if TYPE_CHECKING:
    from bot.context import BuurtApplication

log = logging.getLogger(__name__)

Tick = Callable[["BuurtApplication", datetime], Awaitable[None]]
TICK_SECONDS = 60


@dataclass(frozen=True)
class DueMoment:
    """A moment at which a feature's tick will do something (send, remind, escalate)."""

    at: datetime
    kind: str  # e.g. "belronde", "announcement", "meal_deadline"
    room: str | None = None  # room id, None for something not bound to one room


#: ``upcoming(app, after)``: the feature's coming moments strictly after ``after`` (at least
#: the next one of each kind). Only the practice chat's clock control asks; the tick itself
#: still decides from the clock and the database, so the two can never disagree for long.
Upcoming = Callable[["BuurtApplication", datetime], Awaitable[list[DueMoment]]]


def add_tick(app: BuurtApplication, name: str, tick: Tick,
             upcoming: Upcoming | None = None) -> None:
    """Features call this from their ``register(app)``; ``upcoming`` says when it is due next."""
    app.ticks[name] = tick
    if upcoming is not None:
        app.upcoming[name] = upcoming


def next_weekly(weekday: int, at: time, after: datetime) -> datetime:
    """The first local ``weekday`` ``at`` strictly after ``after`` (DST-correct wall time)."""
    start = after.astimezone(TZ)
    for days in range(8):
        day = start.date() + timedelta(days=days)
        if day.weekday() == weekday:
            candidate = datetime.combine(day, at, tzinfo=TZ)
            if candidate > start:
                return candidate
    raise AssertionError("a weekly moment always comes within 8 days")


async def upcoming_moments(app: BuurtApplication, after: datetime) -> list[DueMoment]:
    """Every feature's coming moments, soonest first; one failing feature never hides the rest."""
    found: list[DueMoment] = []
    for name, upcoming in list(getattr(app, "upcoming", {}).items()):
        try:
            found += [m for m in await upcoming(app, after) if m.at > after]
        except Exception as exc:
            log.error("upcoming %s failed: %s", name, without_data(exc))
    return sorted(found, key=lambda m: (m.at, m.kind, m.room or ""))


async def run_ticks(app: BuurtApplication, only: str | None = None) -> None:
    """Run every feature's tick once at the clock's now; one failing never stops the others."""
    now = app.services.clock.now()
    # Messages the ticks queue go out together once every tick has queued its own (outbox).
    async with app.services.outbox.hold():
        for name, tick in list(app.ticks.items()):
            if only is not None and name != only:
                continue
            try:
                await tick(app, now)
            except Exception as exc:
                log.error("tick %s failed: %s", name, without_data(exc))
    try:  # nobody is waiting for an answer: the run waits for each person's turn too
        await app.services.outbox.deliver(wait_turns=True)
    except Exception as exc:
        log.error("delivering the outbox failed: %s", without_data(exc))
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
