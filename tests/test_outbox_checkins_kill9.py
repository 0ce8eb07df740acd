"""The real ``buurtbot run`` killed with SIGKILL during a belronde Monday run to 40 residents,
then stopped gracefully (SIGTERM) during the rest: after the last start everyone has the
week's question, at most the one in flight at the kill twice, the graceful stop none twice,
every outbox row 'sent', every resident's check-in counted once.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from datetime import timedelta
from pathlib import Path

from tests.auxil.checkins import QUESTION, opt_in
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.server import write_settings
from tests.test_outbox_checkins import MONDAY_10
from tests.test_outbox_meals_kill9 import _spawn, _states, _until, count


def _in_flight(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sending'").fetchone()[0]
    finally:
        conn.close()


async def test_kill_9_then_sigterm_during_the_belronde(bot: BotHarness, tmp_path: Path) -> None:
    database = Path(bot.config.database)
    residents = [await bot.resident(f"B{i}", name=f"Bewoner {i}") for i in range(40)]
    for user in residents:
        await opt_in(bot, user)
    await bot.stop()
    settings = write_settings(tmp_path, database, api_url=bot.sandbox.api_url)
    sandbox = bot.sandbox
    asked = lambda: sum(count(r, QUESTION) for r in residents)  # noqa: E731
    processes: list[asyncio.subprocess.Process] = []
    try:
        sandbox.faults.slow(0.5, methods=["sendMessage"])  # slow enough to stop mid-run under load
        first = await _spawn(settings, MONDAY_10 + timedelta(seconds=20))
        processes.append(first)
        await _until(bot, lambda: asked() >= 8)
        first.kill()
        await first.wait()
        after_kill = asked()
        second = await _spawn(settings, MONDAY_10 + timedelta(minutes=1))
        processes.append(second)
        await _until(bot, lambda: asked() >= after_kill + 8)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 60) == 0
        assert asked() < 41  # stopped mid-run
        assert _in_flight(database) == 0
        sandbox.faults.clear()
        third = await _spawn(settings, MONDAY_10 + timedelta(minutes=2))
        processes.append(third)
        await _until(bot, lambda: all(count(r, QUESTION) for r in residents))
        await _until(bot, lambda: _states(database, "checkin.question") == {"sent": 40})
        third.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(third.wait(), 60) == 0
        assert_each_once(sandbox, residents, contains=QUESTION, in_flight_max=1)
        conn = sqlite3.connect(database)
        try:
            sent = conn.execute("SELECT COUNT(*) FROM checkins WHERE status = 'sent'").fetchone()
        finally:
            conn.close()
        assert sent[0] == 40
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
