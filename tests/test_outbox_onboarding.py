"""Kill tests for ``onboarding.invite_used`` (issue 13): the coordinator who made an invitation
link hears it was used, also when the bot dies right after the redemption.

The redemption happens once (a replayed /start after the restart finds it ALREADY), so the
notice has to be written in the redemption's own transaction; a row queued after it, in a
transaction of its own, was lost to a kill at the first Telegram call after the commit (the
command menu of the new volunteer).
"""

from __future__ import annotations

import pytest

from bot.store.outbox import FINAL
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.invites import invite

TOLD = "uitnodiging gebruikt"
KIND = "onboarding.invite_used"


def kill_at(bot: BotHarness, method: str, *, delivered: bool) -> None:
    """``bot.kill_at`` whose moment also wakes the sandbox's waiters (a call that is not
    delivered changes nothing there), so the test can wait for it without sleeping."""
    bot.kill_at(method=method, n=1, delivered=delivered)
    kill = bot.sandbox.faults.kill
    assert kill is not None and kill.on_kill is not None
    inner = kill.on_kill

    def on_kill() -> None:
        inner()
        bot.sandbox.changed.notify()

    kill.on_kill = on_kill


async def until_killed(bot: BotHarness) -> None:
    await bot.sandbox.changed.wait_for(lambda: bot.killed, 10)


async def resume(bot: BotHarness) -> None:
    await bot.crash()
    await bot.services.outbox.deliver()


async def all_sent(bot: BotHarness) -> None:
    states = await bot.services.outbox.counts(KIND)
    assert set(states) <= FINAL and states == {"sent": 1}, states


@pytest.mark.parametrize("method, delivered", [
    ("setMyCommands", True),   # the first call after the redemption's commit
    ("sendMessage", False),    # the notice itself, lost on the way
    ("sendMessage", True),     # the notice itself, sent just before the kill
])
async def test_a_resident_using_a_link_is_told_to_the_inviter_despite_a_kill(
        bot: BotHarness, method: str, delivered: bool) -> None:
    coordinator, payload = await invite(bot)
    resident = await bot.resident("Rob", name="Rob")
    kill_at(bot, method, delivered=delivered)
    await resident.send(f"/start {payload}")
    await until_killed(bot)
    await resume(bot)
    await bot.settle()
    assert_each_once(bot.sandbox, [coordinator], contains=TOLD)
    assert "Rob heeft uw uitnodiging gebruikt" in next(
        m.text for m in coordinator.bot_messages if TOLD in (m.text or ""))
    await all_sent(bot)
    assert (await bot.person(resident)).role == "volunteer"


@pytest.mark.parametrize("delivered", [False, True])
async def test_a_newcomer_using_a_link_is_told_to_the_inviter_despite_a_kill(
        bot: BotHarness, delivered: bool) -> None:
    coordinator, payload = await invite(bot)
    newcomer = bot.user("Vera")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("Nederlands")
    await newcomer.next_edit()
    kill_at(bot, "sendMessage", delivered=delivered)
    await newcomer.press("✅ Ik ga akkoord")
    await until_killed(bot)
    await resume(bot)
    await bot.settle()
    assert_each_once(bot.sandbox, [coordinator], contains=TOLD)
    await all_sent(bot)
    assert (await bot.person(newcomer)).role == "volunteer"
