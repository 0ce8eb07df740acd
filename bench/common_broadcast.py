"""Helpers for the broadcast benchmark: the real bot against an in-process sandbox.

Kept apart from the tests' harness so the benchmark runs standalone (no pytest), and so other
benchmarks can reuse the start/stop and population code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import build_application
from bot.clock import Clock
from bot.config import Config, load_config
from bot.context import BuurtApplication
from bot.inbox.telegram import Polling
from bot.sandbox import Limits, Sandbox, SandboxUser
from bot.store import users as user_store

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN-abcdefghij"
COORDINATOR_ID = 9001


async def start_sandbox(scale: float) -> Sandbox:
    """A loopback Telegram that enforces the flood limits (``scale`` speeds them up)."""
    sandbox = Sandbox(token=TOKEN, bot_username="buurtbot_bench_bot", bot_name="Buurtbot",
                      limits=Limits(scale=scale), max_calls=1000)
    await sandbox.start(host="127.0.0.1", port=0)
    return sandbox


async def start_app(config: Config, clock: Clock | None = None) -> BuurtApplication:
    """Build, initialise and start the real Application, without its minute tick (a bench
    runs what it measures itself); no updates are fetched yet."""
    app = build_application(config, clock=clock)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name("tick"):
        job.schedule_removal()
    await app.start()
    return app


async def start_bot(sandbox: Sandbox, db_path: Path) -> BuurtApplication:
    """Build and start the real Application, long polling the sandbox (as in production)."""
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    config = dataclasses.replace(
        config, token=TOKEN, api_url=sandbox.api_url, file_url=sandbox.file_url,
        database=str(db_path), coordinators=frozenset({COORDINATOR_ID}),
    )
    app = await start_app(config)
    polling = Polling(app, timeout=1)
    await polling.start()
    app.bot_data["bench_polling"] = polling
    return app


async def stop_bot(app: BuurtApplication) -> None:
    polling = app.bot_data.pop("bench_polling", None)
    if polling is not None:
        await polling.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def populate(app: BuurtApplication, sandbox: Sandbox, n: int, blocked_share: float,
                   *, opted_out: bool = False, first_name: str = "Bewoner"
                   ) -> list[SandboxUser]:
    """``n`` residents spread over the rooms, in one transaction; every k-th has blocked us."""
    rooms = list(app.services.config.rooms)
    every = round(1 / blocked_share) if blocked_share > 0 else 0
    users = [sandbox.add_user(first_name=f"{first_name} {i}") for i in range(n)]
    now = app.services.clock.now()
    async with app.services.db.transaction() as conn:
        for i, user in enumerate(users):
            row = await user_store.create(conn, telegram_id=user.id, language="nl",
                                          room=rooms[i % len(rooms)], now=now)
            if opted_out:
                await user_store.update(conn, row.id, announcements=0)
    if every:
        for user in users[every - 1::every]:
            user.block()
    return users


@dataclass
class Probe:
    """Residents chatting with the bot during the broadcast; how long each answer takes."""

    chatters: list[SandboxUser]
    interval: float = 0.25
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        turn = 0
        while not stop.is_set():
            user = self.chatters[turn % len(self.chatters)]
            turn += 1
            started = time.monotonic()
            await user.send("/berichten")
            try:
                await user.next_message(timeout=10)
                self.latencies.append(time.monotonic() - started)
            except TimeoutError:
                self.timeouts += 1
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
            except TimeoutError:
                pass

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


@dataclass
class SendClock:
    """When broadcast messages reached recipients, and every message the bot sent meanwhile."""

    recipients: set[int]
    first: float | None = None
    last: float | None = None
    count: int = 0
    others: list[float] = field(default_factory=list)

    def __call__(self, event: dict) -> None:
        if event.get("type") != "message" or not event["message"].get("from_bot"):
            return
        now = time.monotonic()
        if event.get("chat_id") not in self.recipients:
            self.others.append(now)  # answers to residents, the coordinator's report
            return
        if self.first is None:
            self.first = now
        self.last = now
        self.count += 1

    @property
    def span(self) -> float:
        if self.first is None or self.last is None:
            return 0.0
        return self.last - self.first

    @property
    def rate(self) -> float:
        """Broadcast messages per second."""
        return (self.count - 1) / self.span if self.count > 1 and self.span > 0 else 0.0

    @property
    def total_rate(self) -> float:
        """Every message the bot sent per second while the broadcast ran."""
        if self.first is None or self.last is None or self.span <= 0:
            return 0.0
        during = sum(1 for t in self.others if self.first <= t <= self.last)
        return (self.count - 1 + during) / self.span
