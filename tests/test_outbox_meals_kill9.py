"""The real ``buurtbot run`` process, killed with SIGKILL in the middle of the 09:00 meal
reminders and again while the cook's final list goes out (issue 13's "why": 8 of 12
residents never got their reminder; the list never went out).

The sandbox answers slowly, so the run is surely under way when the process dies; a second
process on the same database finishes it. Every resident has the reminder, every volunteer
the list, at most the one message in flight at each kill twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.harness import ROOT, START, BotHarness, assert_each_once
from tests.auxil.meals import first_meal
from tests.auxil.server import write_settings

RUN_AT = str(ROOT / "tests" / "auxil" / "run_at.py")
MORNING = datetime(2026, 12, 1, 9, 0, 20, tzinfo=TZ)
DEADLINE = datetime(2026, 12, 1, 12, 0, 20, tzinfo=TZ)


async def _spawn(settings: Path, at: datetime) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTBOT_")}
    return await asyncio.create_subprocess_exec(
        sys.executable, RUN_AT, at.isoformat(), "--config", str(settings), "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


def count(user: SandboxUser, contains: str) -> int:
    return sum(contains in (m.text or "") for m in user.bot_messages)


async def _until(bot: BotHarness, predicate: Callable[[], bool]) -> None:
    await bot.sandbox.changed.wait_for(predicate, 90)


async def _idle_then_stop(bot: BotHarness, process: asyncio.subprocess.Process,
                          volunteer: SandboxUser, diner: SandboxUser, name: str) -> None:
    """Stop the process once its sender is done: a volunteer confirms ``diner``, whose
    notice is delivered under the outbox's one lock, so it arrives only after every row
    the sender was busy with is marked sent. Then a graceful SIGTERM."""
    await volunteer.send("/tafel")
    await _until(bot, lambda: any(f"✅ {name}" in label for m in volunteer.bot_messages
                                  for row in m.buttons for label in row))
    await volunteer.press(f"✅ {name}")
    await _until(bot, lambda: count(diner, "is bevestigd") >= 1)
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 60)


def _states(database: Path, kind: str) -> dict[str, int]:
    conn = sqlite3.connect(database)
    try:
        return dict(conn.execute("SELECT state, COUNT(*) FROM outbox WHERE kind = ?"
                                 " GROUP BY state", (kind,)).fetchall())
    finally:
        conn.close()


async def test_kill_9_during_the_reminders_and_the_final_list_loses_nobody(
        bot: BotHarness, tmp_path: Path) -> None:
    database = Path(bot.config.database)
    meal = (await first_meal(bot)).meal
    residents = [await bot.resident(f"D{i}", name=f"Diner {i}") for i in range(12)]
    for user in residents:
        await bot.services.meals.sign_up(await bot.person(user), meal.id)
    kitchen = [await bot.volunteer(f"V{i}", name=f"Vera {i}") for i in range(4)]
    await bot.tick(at=START + timedelta(hours=1), only="meals")  # the digest, out of the way
    await bot.settle()
    await bot.stop()
    settings = write_settings(tmp_path, database, api_url=bot.sandbox.api_url)
    sandbox = bot.sandbox
    processes: list[asyncio.subprocess.Process] = []
    try:
        # 09:00: the reminders go out slowly; kill -9 once four have arrived.
        sandbox.faults.slow(0.3, methods=["sendMessage"])
        first = await _spawn(settings, MORNING)
        processes.append(first)
        try:
            await _until(bot, lambda: sum(count(r, "Herinnering") for r in residents) >= 4)
        except TimeoutError:
            if first.returncode is None:
                first.kill()
            await first.wait()
            err = (await first.stderr.read()).decode()  # type: ignore[union-attr]
            raise AssertionError(err[-3000:]) from None
        first.kill()
        await first.wait()
        got = sum(count(r, "Herinnering") for r in residents)
        assert 4 <= got < 12, got  # killed mid-run
        sandbox.faults.clear()
        second = await _spawn(settings, MORNING + timedelta(minutes=1))
        processes.append(second)
        await _until(bot, lambda: all(count(r, "Herinnering") for r in residents))
        await _idle_then_stop(bot, second, kitchen[0], residents[0], "Diner 0")
        assert_each_once(sandbox, residents, contains="Herinnering", in_flight_max=1)
        assert _states(database, "meal.reminder") == {"sent": 12}
        reminded = [count(r, "Herinnering") for r in residents]

        # 12:00: the cook's final list, slowly, to four volunteers; kill -9 after the first.
        sandbox.faults.slow(0.5, methods=["sendMessage"])
        third = await _spawn(settings, DEADLINE)
        processes.append(third)
        await _until(bot, lambda: sum(count(v, "Definitieve lijst") for v in kitchen) >= 1)
        third.kill()
        await third.wait()
        assert sum(count(v, "Definitieve lijst") for v in kitchen) < 4  # killed mid-run
        sandbox.faults.clear()
        fourth = await _spawn(settings, DEADLINE + timedelta(minutes=1))
        processes.append(fourth)
        await _until(bot, lambda: all(count(v, "Definitieve lijst") for v in kitchen))
        await _idle_then_stop(bot, fourth, kitchen[0], residents[1], "Diner 1")
        assert_each_once(sandbox, kitchen, contains="Definitieve lijst", in_flight_max=1)
        for volunteer in kitchen:
            assert "Diner 11" in [m for m in volunteer.bot_messages
                                  if "Definitieve lijst" in (m.text or "")][-1].text
        assert _states(database, "meal.list") == {"sent": 4}
        # The 12:00 processes sent no reminder again (each was claimed with its row).
        assert [count(r, "Herinnering") for r in residents] == reminded
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

