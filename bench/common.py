"""Shared helpers for the benchmarks in bench/: start and stop a PTB app, burst statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass

from telegram.ext import Application

from bot.inbox.telegram import Polling


@dataclass
class Burst:
    """One burst of taps: each tap's latency (seconds) and the burst's wall time."""

    latencies: list[float]
    wall: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


async def start_polling(app: Application) -> None:
    """Start an application long polling the sandbox, as the test harness does."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    if app.job_queue is not None:  # the bench drives no scheduled work
        for job in app.job_queue.jobs():
            job.schedule_removal()
    if not hasattr(app, "services"):  # the bare echo bot of a baseline: PTB's own Updater
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
        await app.start()
        return
    await app.start()  # Buurtbot: through its inbox, as in production
    polling = Polling(app, timeout=1)  # type: ignore[arg-type]
    await polling.start()
    app.bot_data["bench_polling"] = polling


async def stop_app(app: Application) -> None:
    polling = app.bot_data.pop("bench_polling", None)
    if polling is not None:
        await polling.stop()
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
