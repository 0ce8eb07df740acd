"""Nothing taken in and then dropped (issue 13): every update is in the inbox before Telegram is
told it arrived, is handled once, and is handled after a restart when the bot died first."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.clock import to_db
from bot.sandbox import Sandbox, SandboxUser
from bot.web import SECRET_HEADER, webhook_secret
from tests.auxil.announcements import announcements_of, compose, report
from tests.auxil.harness import START, BotHarness
from tests.auxil.server import WebhookHarness


def _capture_updates(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every update the sandbox creates from now on, as Telegram sends it."""
    seen: list[dict[str, Any]] = []
    sandbox.subscribe(lambda event: seen.append(event["update"])
                      if event.get("type") == "update" else None)
    return seen


async def _inbox(bot: BotHarness) -> list[dict[str, Any]]:
    rows = await bot.db.fetchall("SELECT * FROM inbox ORDER BY received_at, rowid")
    return [dict(row) for row in rows]


async def _unfinished(bot: BotHarness, user: SandboxUser, update_id: int, received: datetime,
                      attempts: int) -> None:
    """An inbox row a run took in and never finished: ``user``'s /agenda, handed on
    ``attempts`` times."""
    update = {"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "text": "/agenda",
        "chat": {"id": user.id, "type": "private"},
        "from": {"id": user.id, "is_bot": False, "first_name": user.first_name},
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}}
    await bot.db.execute(
        "INSERT INTO inbox (channel, update_id, payload, received_at, attempts)"
        " VALUES ('telegram', ?, ?, ?, ?)",
        (str(update_id), json.dumps(update), to_db(received), attempts))


async def test_send_now_killed_after_it_was_fetched_is_sent_once_after_restart(
        bot: BotHarness, sandbox: Sandbox) -> None:
    """The coordinator's "Nu versturen" was fetched, and the bot killed before handling it:
    Telegram was never told it arrived, the inbox has it, and after the restart the
    announcement goes out once (the draft survived too)."""
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(3)]
    await compose(carla, "Vrijdag is de BuurtWerkKamer dicht.")
    await bot.settle()
    killed = bot.kill_after_fetch()
    await carla.press("✅ Nu versturen")
    await asyncio.wait_for(killed.wait(), 5)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0  # not handled
    assert [r["state"] for r in await _inbox(bot)][-1] == "received"
    assert any("callback_query" in u for u in sandbox.pending_updates)  # not confirmed
    await bot.crash()
    final = await report(carla)
    assert "Afgeleverd: 3" in final.text
    await bot.settle()
    assert not sandbox.pending_updates  # Telegram sent it again; confirmed, not handled twice
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 3})
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1
    rows = await _inbox(bot)
    assert {r["state"] for r in rows} == {"handled"}
    assert all(r["payload"] is None for r in rows)  # what people wrote is not kept
    assert rows[-1]["attempts"] == 2  # taken in, killed, handled after the restart


async def test_the_same_update_delivered_twice_is_handled_once(
        bot: BotHarness, sandbox: Sandbox) -> None:
    """Telegram sends an update again when the bot died before confirming it."""
    fatima = await bot.resident("Fatima")
    updates = _capture_updates(sandbox)
    await fatima.send("/agenda")
    assert "TOP" in (await fatima.next_message()).text
    await bot.settle()
    answers = len(fatima.bot_messages)
    await bot.restart()
    sandbox.updates.append(json.loads(json.dumps(updates[-1])))  # the same update again
    sandbox.changed.notify()
    await bot.settle()
    assert not sandbox.pending_updates
    assert len(fatima.bot_messages) == answers
    await fatima.send("/agenda")  # and the bot still listens
    assert "TOP" in (await fatima.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM inbox") == 2


async def test_a_getupdates_outage_is_ridden_out(bot: BotHarness, sandbox: Sandbox) -> None:
    sandbox.faults.error(502, methods=["getUpdates"], times=3)
    fatima = await bot.resident("Fatima")
    await fatima.send("/agenda")
    assert "TOP" in (await fatima.next_message(timeout=10)).text
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM inbox WHERE state = 'handled'") == 1


async def test_handled_rows_and_anything_older_than_a_day_are_pruned(
        bot: BotHarness, sandbox: Sandbox) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("Hallo, ik heb een vraag over mijn brief")
    await fatima.next_message()
    await bot.settle()
    [row] = await _inbox(bot)
    assert row["state"] == "handled" and row["payload"] is None  # the words are gone at once
    # A row the last run never finished, from more than a day ago: dropped, not handled.
    await _unfinished(bot, fatima, 999_999, START - timedelta(hours=25), attempts=1)
    answers = len(fatima.bot_messages)
    await bot.restart()
    await bot.settle()
    assert len(fatima.bot_messages) == answers
    assert [r["update_id"] for r in await _inbox(bot)] == [row["update_id"]]
    await bot.tick(at=START + timedelta(hours=25))
    assert await _inbox(bot) == []


async def test_an_update_that_keeps_killing_the_bot_gives_up(bot: BotHarness) -> None:
    """Handed on three times without ever finishing: marked failed, not tried again."""
    fatima = await bot.resident("Fatima")
    await _unfinished(bot, fatima, 424_242, START, attempts=3)
    await bot.restart()
    await bot.settle()
    row = await bot.db.fetchone("SELECT state, payload FROM inbox WHERE update_id = '424242'")
    assert tuple(row) == ("failed", None)
    assert fatima.bot_messages == []


# --- webhook mode --------------------------------------------------------------------------

async def _post(hooked: WebhookHarness, update: dict[str, Any]) -> int:
    assert hooked.server is not None
    url = f"http://127.0.0.1:{hooked.server.port}/telegram"
    headers = {SECRET_HEADER: webhook_secret(hooked.config.token)}
    async with aiohttp.ClientSession() as http, \
            http.post(url, json=update, headers=headers) as response:
        return response.status


async def test_webhook_a_duplicate_post_is_handled_once(
        hooked: WebhookHarness, sandbox: Sandbox) -> None:
    fatima: SandboxUser = await hooked.resident("Fatima")
    updates = _capture_updates(sandbox)
    await fatima.send("/agenda")
    assert "TOP" in (await fatima.next_message()).text
    await hooked.settle()
    answers = len(fatima.bot_messages)
    assert await _post(hooked, updates[-1]) == 200  # Telegram retries: still "ok"
    await hooked.settle()
    assert len(fatima.bot_messages) == answers
    assert await hooked.db.fetchval("SELECT COUNT(*) FROM inbox") == 1


async def test_webhook_killed_after_the_200_is_handled_after_restart(
        hooked: WebhookHarness, sandbox: Sandbox) -> None:
    fatima = await hooked.resident("Fatima")
    killed = hooked.kill_after_fetch()
    await fatima.send("/agenda")
    await asyncio.wait_for(killed.wait(), 5)
    await sandbox.settle()  # Telegram got its 200 and forgot the update
    assert sandbox.webhook_deliveries[-1] == 200 and not sandbox.pending_updates
    assert fatima.bot_messages == []
    await hooked.crash()
    assert "TOP" in (await fatima.next_message()).text
    await hooked.settle()
    assert len(fatima.bot_messages) == 1
    assert await hooked.db.fetchval("SELECT state FROM inbox") == "handled"
