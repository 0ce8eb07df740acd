"""A graceful stop (SIGTERM) of the real ``buurtbot run`` in the middle of the 09:00 meal
reminders: the message in flight finishes (or goes back to the queue), nothing is left
'sending', and after a restart every resident has their reminder exactly once.

Why: a kill -9 may deliver the one message in flight twice; a graceful stop has the time to
finish it, so it must not (QA of issue 13: the sender was cancelled mid-request, the row
stayed 'sending', the next start sent it again).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from datetime import timedelta
from pathlib import Path

from tests.auxil.harness import START, BotHarness, assert_each_once
from tests.auxil.meals import first_meal
from tests.auxil.server import write_settings
from tests.test_outbox_meals_kill9 import MORNING, _idle_then_stop, _spawn, _states, _until, count


async def test_sigterm_mid_reminders_sends_nobody_twice(bot: BotHarness, tmp_path: Path) -> None:
    database = Path(bot.config.database)
    meal = (await first_meal(bot)).meal
    residents = [await bot.resident(f"D{i}", name=f"Diner {i}") for i in range(8)]
    for user in residents:
        await bot.services.meals.sign_up(await bot.person(user), meal.id)
    kitchen = await bot.volunteer("V0", name="Vera 0")
    await bot.tick(at=START + timedelta(hours=1), only="meals")  # the digest, out of the way
    await bot.settle()
    # 09:00 with Telegram down: every reminder is queued for another attempt a minute later,
    # which the background sender (not a tick) makes when the process starts.
    bot.sandbox.faults.error(500, methods=["sendMessage"])
    await bot.tick(at=MORNING, only="meals")
    await bot.settle()
    bot.sandbox.faults.clear()
    assert not any(count(r, "Herinnering") for r in residents)
    await bot.stop()
    settings = write_settings(tmp_path, database, api_url=bot.sandbox.api_url)
    sandbox = bot.sandbox
    processes: list[asyncio.subprocess.Process] = []
    try:
        # Each reminder is delivered at once but answered only after a second: a SIGTERM then
        # always finds one in flight that has already arrived.
        sandbox.faults.slow(1.0, methods=["sendMessage"])
        first = await _spawn(settings, MORNING + timedelta(minutes=2))
        processes.append(first)
        await _until(bot, lambda: sum(count(r, "Herinnering") for r in residents) >= 3)
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), 60) == 0
        got = sum(count(r, "Herinnering") for r in residents)
        assert got < len(residents), got  # stopped mid-run
        conn = sqlite3.connect(database)
        try:
            in_flight = conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sending'"
                                     ).fetchone()[0]
        finally:
            conn.close()
        assert in_flight == 0
        sandbox.faults.clear()
        second = await _spawn(settings, MORNING + timedelta(minutes=3))
        processes.append(second)
        await _until(bot, lambda: all(count(r, "Herinnering") for r in residents))
        await _idle_then_stop(bot, second, kitchen, residents[0], "Diner 0")
        assert_each_once(sandbox, residents, contains="Herinnering", in_flight_max=0)
        assert _states(database, "meal.reminder") == {"sent": len(residents)}
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
