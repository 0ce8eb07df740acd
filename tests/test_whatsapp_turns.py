"""A person's tap never waits for another person's pacing (issue 14, wa-fix).

Meta lets a business send one message per person every 6 seconds (the pair rate); Telegram
one per chat per second. When Vera (Telegram) confirms Henk's (WhatsApp) sign-up just after
Henk got a message, the notice to Henk must wait for Henk's turn in the outbox — not Vera's
card. Measured on the pacer's state, not the wall clock: while Vera taps, Henk's turn is an
hour away, so a tap that waited for it would not finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from bot.services.pacing import Pacer
from tests.auxil.whatsapp import WaHarness
from tests.auxil.whatsapp_e2e import dinner_tap

#: Long enough for a handler that does not wait; far shorter than a turn an hour away.
HANDLED = 10.0
HOUR = 3600.0


@contextlib.contextmanager
def turns_an_hour_apart(pacer: Pacer) -> Iterator[None]:
    """Everyone who just got a message has their next turn an hour from now (the pacer's
    own gap comes back afterwards)."""
    gap = pacer.private_gap
    pacer.private_gap = HOUR
    try:
        yield
    finally:
        pacer.private_gap = gap


async def handled(wa: WaHarness) -> None:
    """Every Telegram update fetched so far has been handled (fails if a handler hangs)."""
    await asyncio.wait_for(wa.sandbox.settle(), HANDLED)
    assert wa.app is not None
    await asyncio.wait_for(wa.app.update_queue.join(), HANDLED)


async def signed_up(wa: WaHarness, henk: Any) -> int:
    await dinner_tap(wa, henk)
    henk.drain()
    return await wa.db.fetchval("SELECT id FROM meal_signups")


async def test_a_volunteers_confirm_does_not_wait_for_the_residents_pair_rate(
        wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    signup = await signed_up(wa, henk)
    await vera.send("/tafel")  # the live list, with its buttons
    await vera.next_message()
    pacer = wa.app.whatsapp.pacer
    outbox = wa.services.outbox
    with turns_an_hour_apart(pacer):
        await henk.send("eten")  # Henk just got an answer: his next turn is far away
        await wa.settle()
        henk.drain()
        assert pacer.turn_in(int(henk.wa_id)) > HOUR - 60
        async with outbox.hold():  # the background sender looks only when we say
            await vera.press_data(f"meal:ok:{signup}")
            await handled(wa)  # her tap is answered although Henk's turn has not come
            card = vera.bot_messages[-1]
            assert "✅" in (card.text or ""), card.text
            assert await wa.db.fetchval("SELECT status FROM meal_signups") == "confirmed"
            # Henk's notice waits in the outbox, due, for his turn
            assert not [m for m in henk.drain() if "bevestigd" in (m.text or "")]
            assert await wa.db.fetchval(
                "SELECT state FROM outbox WHERE channel = 'whatsapp' AND kind = 'meal.notice'"
            ) == "queued"
            assert pacer.turn_in(int(henk.wa_id)) > HOUR - 60  # nothing went to him
    await wa.settle()  # his turn (Meta's gap again): the sender sends it
    told = [m.text for m in henk.drain() if "bevestigd" in (m.text or "")]
    assert len(told) == 1, told
    assert await wa.db.fetchval(
        "SELECT state FROM outbox WHERE channel = 'whatsapp' AND kind = 'meal.notice'"
    ) == "sent"


async def test_the_same_for_telegrams_second_per_chat(wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    fatima = await wa.telegram_resident("Fatima")
    await fatima.send("/eten")
    await fatima.next_message()
    await wa.settle()
    await fatima.press("✍️ Aanmelden di 1 dec")
    await handled(wa)
    signup = await wa.db.fetchval("SELECT id FROM meal_signups")
    await vera.send("/tafel")
    await vera.next_message()
    pacer = wa.services.outbox.channels["telegram"].pacer
    outbox = wa.services.outbox
    with turns_an_hour_apart(pacer):
        await fatima.send("/eten")  # Fatima just got an answer: her next turn is far away
        await fatima.next_message()
        await handled(wa)
        assert pacer.turn_in(fatima.id) > HOUR - 60
        seen = len(fatima.bot_messages)
        async with outbox.hold():
            await vera.press_data(f"meal:ok:{signup}")
            await handled(wa)
            assert "✅" in (vera.bot_messages[-1].text or "")
            assert not [m for m in fatima.bot_messages[seen:] if "bevestigd" in (m.text or "")]
    await wa.settle()
    await handled(wa)
    told = [m for m in fatima.bot_messages[seen:] if "bevestigd" in (m.text or "")]
    assert len(told) == 1
