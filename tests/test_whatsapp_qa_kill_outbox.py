"""Outside QA: the real ``buurtbot run`` (Telegram and WhatsApp) killed with SIGKILL while an
announcement, and while the Monday belronde, goes out to WhatsApp residents.

The residents and the coordinator are made in-process (the ``wa`` harness), then the harness
stops and the real process takes over the same database, the same sandbox (Telegram) and the
same stand-in (Meta), with its clock at Monday morning (``tests/auxil/run_at.py``). The bot's
WhatsApp pacing is set low (``messages_per_second``) so a kill lands mid-send. After a
restart: every resident has the message (nothing lost) and, per the stand-in's record, once
(nothing twice) but for the few sends in flight at the kill; every outbox row is final.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from tests.auxil.announcements import compose
from tests.auxil.checkins import MONDAY_10, QUESTION
from tests.auxil.harness import START
from tests.auxil.server import write_settings
from tests.auxil.whatsapp import WaHarness
from tests.test_whatsapp_run import STARTED, Bot, _free_port

RUN_AT = str(Path(__file__).resolve().parent / "auxil" / "run_at.py")
N = 16


def _settings(wa: WaHarness, tmp_path: Path, port: int) -> Path:
    s = wa.standin
    extra = (f'\n[whatsapp]\nphone_number_id = "{s.phone_number_id}"\n'
             f'business_account_id = "{s.business_account_id}"\napi_url = "{s.api_url}"\n'
             f'webhook_port = {port}\nmessages_per_second = 4\n')
    path = write_settings(tmp_path, Path(wa.config.database), api_url=wa.sandbox.api_url,
                          extra=extra)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "coordinators = []", "coordinators = [9001]", 1), encoding="utf-8")
    return path


async def _spawn(wa: WaHarness, settings: Path, at: datetime, port: int) -> Bot:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTBOT_")}
    env.update({"BUURTBOT_WHATSAPP_ACCESS_TOKEN": wa.standin.token,
                "BUURTBOT_WHATSAPP_APP_SECRET": wa.standin.app_secret,
                "BUURTBOT_WHATSAPP_VERIFY_TOKEN": wa.standin.verify_token})
    process = await asyncio.create_subprocess_exec(
        sys.executable, RUN_AT, at.isoformat(), "--config", str(settings), "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    bot = Bot(process)
    await bot.wait_for_line(STARTED)
    wa.standin.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    return bot


def _got(person, needle: str) -> int:
    return sum(needle in (m.text or "") for m in person.messages)


def _final(database: Path, kind: str) -> Counter[str]:
    conn = sqlite3.connect(database)
    try:
        return Counter(dict(conn.execute(
            "SELECT state, COUNT(*) FROM outbox WHERE kind = ? AND channel = 'whatsapp'"
            " GROUP BY state", (kind,)).fetchall()))
    finally:
        conn.close()


async def test_kill_9_mid_announcement_to_whatsapp_residents(wa: WaHarness, tmp_path: Path
                                                             ) -> None:
    seed = int(os.environ.get("QA_SEED", random.randrange(10**6)))
    rnd = random.Random(seed)
    carla = await wa.coordinator()
    people = [await wa.resident(f"R{i}") for i in range(N)]
    await wa.stop()
    port = _free_port()
    settings = _settings(wa, tmp_path, port)
    needle = "Zaterdag is er open huis"
    at = START + timedelta(minutes=5)
    bot = await _spawn(wa, settings, at, port)
    try:
        await compose(carla, needle + ". Welkom!")
        await carla.press("✅ Nu versturen")
        first = rnd.randint(1, N // 2)
        await wa.standin.changed.wait_for(
            lambda: sum(_got(p, needle) > 0 for p in people) >= first, 60)
        await bot.kill()
        at_kill = sum(_got(p, needle) > 0 for p in people)
        assert at_kill < N, f"seed {seed}: the kill came after the last send"
        bot = await _spawn(wa, settings, at + timedelta(seconds=30), port)
        await wa.standin.changed.wait_for(lambda: all(_got(p, needle) for p in people), 90)
        await wa.sandbox.changed.wait_for(
            lambda: any("Verslag" in (m.text or "") for m in carla.bot_messages), 90)
        await wa.standin.settle(timeout=30)
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-2000:]
    twice = {p.wa_id: _got(p, needle) for p in people if _got(p, needle) > 1}
    assert len(twice) <= 2, f"seed {seed}: more than the in-flight sends twice: {twice}"
    states = _final(Path(wa.config.database), "announcement")
    assert set(states) <= {"sent", "delivered", "read"}, states
    assert sum(states.values()) == N


async def test_kill_9_mid_belronde_to_whatsapp_residents(wa: WaHarness, tmp_path: Path
                                                         ) -> None:
    seed = int(os.environ.get("QA_SEED", random.randrange(10**6)))
    rnd = random.Random(seed)
    people = [await wa.resident(f"B{i}") for i in range(N)]
    for p in people:
        await wa.services.checkins.opt_in(await wa.wa_person(p))
    await wa.stop()
    # their last message was at START (Monday 9:00): at 10:00 their window is still open
    port = _free_port()
    settings = _settings(wa, tmp_path, port)
    at = MONDAY_10 - timedelta(seconds=2)
    bot = await _spawn(wa, settings, at, port)
    try:
        first = rnd.randint(1, N // 2)
        await wa.standin.changed.wait_for(
            lambda: sum(_got(p, QUESTION) > 0 for p in people) >= first, 120)
        await bot.kill()
        at_kill = sum(_got(p, QUESTION) > 0 for p in people)
        assert at_kill < N, f"seed {seed}: the kill came after the last send"
        bot = await _spawn(wa, settings, MONDAY_10 + timedelta(seconds=20), port)
        await wa.standin.changed.wait_for(lambda: all(_got(p, QUESTION) for p in people), 120)
        await wa.standin.settle(timeout=30)
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-2000:]
    twice = {p.wa_id: _got(p, QUESTION) for p in people if _got(p, QUESTION) > 1}
    assert len(twice) <= 2, f"seed {seed}: more than the in-flight sends twice: {twice}"
    conn = sqlite3.connect(wa.config.database)
    try:
        asked = conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]
    finally:
        conn.close()
    assert asked == N
