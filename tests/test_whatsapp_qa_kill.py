"""Outside QA: the real ``buurtbot run`` (WhatsApp alone) killed with SIGKILL while a WhatsApp
resident signs up, and a resident who writes while the bot is down.

The stand-in (Meta) lives in the test process and survives the bot's deaths, so its record
of what the person received is the truth: every step answered (nothing lost), no answer
twice (nothing twice), one person, one address and one meal sign-up in the database.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import sqlite3
from pathlib import Path

from bot.sandbox import Sandbox
from bot.sandbox.whatsapp import WhatsAppStandIn
from tests.test_whatsapp_run import STARTED, Bot, _env, _free_port, _settings, meta

__all__ = ["meta"]  # the fixture, re-used

WA_ID = "31611112222"


async def _start(settings: Path, standin: WhatsAppStandIn, port: int) -> Bot:
    bot = await Bot.spawn(settings, _env(standin))
    await bot.wait_for_line(STARTED)
    standin.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    return bot


def _find(person, prefix: str, since: int) -> str | None:
    for msg in reversed(person.messages[since:]):
        for choice in msg.choices:
            if choice.title.startswith(prefix):
                return choice.title
    return None


async def _choice(person, prefix: str, since: int) -> str:
    """The title of the newest choice starting with ``prefix`` (waits for it to come)."""
    try:
        await person.standin.changed.wait_for(lambda: _find(person, prefix, since), 60)
    except TimeoutError as exc:
        recent = [(m.text, m.buttons + m.rows) for m in person.messages[-3:]]
        raise LookupError(f"no choice starting with {prefix!r}: {recent}") from exc
    return _find(person, prefix, since)


async def test_kill_9_while_a_whatsapp_resident_signs_up_loses_nothing_and_repeats_nothing(
        meta: tuple[Sandbox, WhatsAppStandIn], tmp_path: Path) -> None:
    sandbox, standin = meta
    seed = int(os.environ.get("QA_SEED", random.randrange(10**6)))
    rnd = random.Random(seed)
    port = _free_port()
    settings = _settings(tmp_path, sandbox, standin, telegram=False, port=port)
    # Meta retries a webhook the bot did not answer (for days); here long enough for a restart.
    standin.webhooks.retries, standin.webhooks.retry_pause = 8, 0.5
    henk = standin.person(WA_ID, "Henk")
    steps: list[tuple[str, str]] = [
        ("send", "Hoi"), ("tap", "Nederlands"), ("tap", "TOP"), ("tap", "✅ Ik ga akkoord"),
        ("tap", "Overslaan"), ("tap", "Nee, dank u"), ("send", "eten"),
        ("tap", "✍️ Aanmelden"),
    ]
    bot = await _start(settings, standin, port)
    kills = 0
    try:
        since = 0
        for kind, what in steps:
            before = len(henk.messages)
            if kind == "send":
                await henk.send(what)
            else:
                await henk.tap(await _choice(henk, what, since))
                since = before
            if rnd.random() < 0.6:  # kill -9 at a random moment after Meta's post
                await asyncio.sleep(rnd.uniform(0, 0.4))
                await bot.kill()
                kills += 1
                bot = await _start(settings, standin, port)
            await henk.standin.changed.wait_for(lambda b=before: len(henk.messages) > b, 60)
            await standin.settle(timeout=30)
        # the meal sign-up may ask about guests; answer whatever it asks with the first choice
        for _ in range(3):
            last = henk.messages[-1]
            if "aangemeld" in (last.text or "").lower() or not last.choices:
                break
            before = len(henk.messages)
            await henk.tap(last.choices[0].title)
            await henk.standin.changed.wait_for(lambda b=before: len(henk.messages) > b, 60)
            await standin.settle(timeout=30)
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-2000:]
    texts = [(m.text or "", tuple(c.title for c in m.choices)) for m in henk.messages]
    repeats = [t for a, t in itertools.pairwise(texts) if a == t]
    assert not repeats, f"seed {seed}, {kills} kills: an answer came twice: {repeats}"
    db = sqlite3.connect(tmp_path / "bot.db")
    try:
        people = db.execute("SELECT COUNT(*) FROM addresses WHERE address = ?",
                            (WA_ID,)).fetchone()[0]
        users = db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        signups = db.execute("SELECT COUNT(*) FROM meal_signups").fetchone()[0]
        pending = db.execute("SELECT COUNT(*) FROM inbox WHERE state != 'handled'").fetchone()[0]
    finally:
        db.close()
    assert (people, users, signups, pending) == (1, 1, 1, 0), (seed, kills, texts[-3:])


async def test_a_resident_who_writes_while_the_bot_restarts_gets_one_answer(
        meta: tuple[Sandbox, WhatsAppStandIn], tmp_path: Path) -> None:
    sandbox, standin = meta
    port = _free_port()
    settings = _settings(tmp_path, sandbox, standin, telegram=False, port=port)
    standin.webhooks.retries, standin.webhooks.retry_pause = 8, 0.5
    henk = standin.person(WA_ID, "Henk")
    bot = await _start(settings, standin, port)
    try:
        await bot.kill()  # down: Meta's post finds nobody and is retried
        await henk.send("Hoi")
        bot = await _start(settings, standin, port)
        first = await henk.next_message(timeout=60)
        await standin.settle(timeout=60)
        assert "Kies uw taal" in (first.text or "")
        assert henk.drain() == []  # once
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0
