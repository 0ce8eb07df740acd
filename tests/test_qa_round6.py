"""Issue 12, tried from outside (QA round 6): defects found in a real run, one test each."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help


async def test_coordinator_takes_on_a_request_of_a_room_without_coordinator(
    bot: BotHarness,
) -> None:
    """A room without its own coordinator alerts every coordinator; Carla (home room TOP)
    opens Hart's waiting request from the 48-hour alert and taps "Take on". That used to
    check her role inside the taking transaction, which waited for itself: the press never
    finished and the whole bot stopped answering everyone."""
    carla = await bot.coordinator(room="top")
    ahmed = await bot.resident("Ahmed", room="hart", name="Ahmed")
    fatima = await bot.resident("Fatima", room="top", name="Fatima")
    waiting = await ask_help(bot, ahmed, kind="computer", urgency="none")
    carla.chat.skip_pending()
    await bot.tick(at=bot.clock.now() + timedelta(hours=49), only="help")
    alert = await carla.next_message()
    assert f"Vraag {waiting}" in alert.text
    await carla.press(f"Open vraag {waiting}", message=alert)
    card = await carla.next_edit()
    await carla.press("✋ Oppakken", message=card)
    await asyncio.wait_for(bot.settle(), timeout=10)
    row = await bot.db.fetchone("SELECT status, volunteer_id FROM help_requests WHERE id = ?",
                                (waiting,))
    assert row["status"] == "taken"
    told = await ahmed.next_message()
    assert "Carla" in told.text
    # And the bot still answers everyone.
    await fatima.send("/menu")
    assert (await fatima.next_message()).buttons


async def test_a_nested_transaction_fails_at_once_instead_of_stopping_the_bot(
    bot: BotHarness,
) -> None:
    """The database lock is not re-entrant; asking for it inside one's own transaction
    must raise, not wait for ever (which stops every update and tick)."""
    import pytest

    from bot.store.db import NestedTransaction

    db = bot.services.db
    with pytest.raises(NestedTransaction):
        async with db.transaction(), asyncio.timeout(5):
            await db.fetchval("SELECT 1")
    with pytest.raises(NestedTransaction):
        async with db.transaction():
            async with asyncio.timeout(5), db.transaction():
                pass
    assert await db.fetchval("SELECT 1") == 1
