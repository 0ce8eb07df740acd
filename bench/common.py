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
    await app.start()
    polling = Polling(app, timeout=1)  # type: ignore[arg-type]
    await polling.start()
    app.bot_data["bench_polling"] = polling


async def stop_app(app: Application) -> None:
    polling = app.bot_data.pop("bench_polling", None)
    if polling is not None:
        await polling.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
