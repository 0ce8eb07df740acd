"""The real ``buurtbot run`` process killed with SIGKILL in the middle of an announcement to
300 residents (three of whom blocked the bot), and right after a coordinator's "Nu versturen".

After a restart on the same database: everyone reachable has the announcement, nobody twice
except the few sends in flight at the kill (a broadcast has ``broadcast_in_flight`` under way),
the blocked ones are on the coordinator's report, every outbox row is final. The tap killed at
once is not lost: Telegram keeps the update until the bot has it in its inbox.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.sandbox import SandboxUser
from tests.auxil.announcements import announcements_of, compose
from tests.auxil.harness import START, BotHarness
from tests.auxil.server import write_settings
from tests.test_outbox_meals_kill9 import _spawn, _until


def _states(database: Path) -> dict[str, int]:
    conn = sqlite3.connect(database)
    try:
        return dict(conn.execute("SELECT state, COUNT(*) FROM outbox WHERE kind = 'announcement'"
                                 " GROUP BY state").fetchall())
    finally:
        conn.close()


def _settings(bot: BotHarness, tmp_path: Path, coordinator: SandboxUser) -> Path:
    settings = write_settings(tmp_path, Path(bot.config.database), api_url=bot.sandbox.api_url)
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "coordinators = []", f"coordinators = [{coordinator.id}]", 1), encoding="utf-8")
    return settings


def _reports(coordinator: SandboxUser) -> list[str]:
    return [m.text or "" for m in coordinator.bot_messages if "Verslag" in (m.text or "")]


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 60) == 0


async def test_kill_9_mid_announcement_skips_nobody(bot: BotHarness, tmp_path: Path) -> None:
    database = Path(bot.config.database)
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(300)]
    under_way = bot.services.outbox.broadcast_in_flight
    await bot.stop()
    settings = _settings(bot, tmp_path, coordinator)
    sandbox = bot.sandbox
    processes: list[asyncio.subprocess.Process] = []
    try:
        first = await _spawn(settings, START + timedelta(minutes=5))
        processes.append(first)
        await compose(coordinator, "Groot nieuws voor iedereen")
        blocked = people[10], people[150], people[299]
        for person in blocked:
            person.block()
        sandbox.faults.slow(0.05, methods=["sendMessage"])
        await coordinator.press("✅ Nu versturen")
        await _until(bot, lambda: sum(len(announcements_of(p)) for p in people) >= 100)
        first.kill()
        await first.wait()
        assert sum(len(announcements_of(p)) for p in people) < 297  # killed mid-run
        sandbox.faults.clear()
        second = await _spawn(settings, START + timedelta(minutes=6))
        processes.append(second)
        await _until(bot, lambda: bool(_reports(coordinator)))
        await _stop(second)
        counts = Counter(len(announcements_of(p)) for p in people)
        assert all(announcements_of(p) for p in people if p not in blocked), counts
        assert not any(announcements_of(p) for p in blocked)
        assert counts[0] == 3 and set(counts) <= {0, 1, 2}, counts
        assert counts[2] <= under_way, counts
        assert _states(database) == {"sent": 297, "unreachable": 3}
        report = _reports(coordinator)[-1]
        assert "Afgeleverd: 297" in report and "onbereikbaar: 3" in report, report
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_send_now_killed_at_once_is_sent_after_the_restart(
        bot: BotHarness, tmp_path: Path) -> None:
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(20)]
    await bot.stop()
    settings = _settings(bot, tmp_path, coordinator)
    processes: list[asyncio.subprocess.Process] = []
    try:
        first = await _spawn(settings, START + timedelta(minutes=5))
        processes.append(first)
        await compose(coordinator, "Direct na de tik gestopt")
        await coordinator.press("✅ Nu versturen")
        first.kill()  # no wait at all: the tap may be fetched, or not even that
        await first.wait()
        second = await _spawn(settings, START + timedelta(minutes=6))
        processes.append(second)
        await _until(bot, lambda: bool(_reports(coordinator)))
        await _stop(second)
        assert [len(announcements_of(p)) for p in people] == [1] * 20
        assert _states(Path(bot.config.database)) == {"sent": 20}
        assert len(_reports(coordinator)) == 1
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
