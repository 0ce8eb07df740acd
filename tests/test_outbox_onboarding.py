"""Kill tests for ``onboarding.invite_used`` (issue 13): the coordinator who made an invitation
link hears it was used, also when the bot dies right after the redemption.

The redemption happens once (a replayed /start after the restart finds it ALREADY), so the
notice has to be written in the redemption's own transaction; a row queued after it, in a
transaction of its own, was lost to a kill at the first Telegram call after the commit (the
command menu of the new volunteer).
"""

from __future__ import annotations

import pytest

from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.invites import follow_link, invite
from tests.auxil.outbox import all_sent, kill_at_send, killed_and_resumed

TOLD = "uitnodiging gebruikt"
KIND = "onboarding.invite_used"


@pytest.mark.parametrize("method, delivered", [
    ("setMyCommands", True),   # the first call after the redemption's commit
    ("sendMessage", False),    # the notice itself, lost on the way
    ("sendMessage", True),     # the notice itself, sent just before the kill
])
async def test_a_resident_using_a_link_is_told_to_the_inviter_despite_a_kill(
        bot: BotHarness, method: str, delivered: bool) -> None:
    coordinator, payload = await invite(bot)
    resident = await bot.resident("Rob", name="Rob")
    kill_at_send(bot, method=method, delivered=delivered)
    await resident.send(f"/start {payload}")
    await killed_and_resumed(bot)
    await bot.settle()
    assert_each_once(bot.sandbox, [coordinator], contains=TOLD)
    assert "Rob heeft uw uitnodiging gebruikt" in next(
        m.text for m in coordinator.bot_messages if TOLD in (m.text or ""))
    await all_sent(bot, KIND, 1)
    assert (await bot.person(resident)).role == "volunteer"


@pytest.mark.parametrize("delivered", [False, True])
async def test_a_newcomer_using_a_link_is_told_to_the_inviter_despite_a_kill(
        bot: BotHarness, delivered: bool) -> None:
    coordinator, payload = await invite(bot)
    newcomer = bot.user("Vera")
    await follow_link(newcomer, payload)
    kill_at_send(bot, delivered=delivered)
    await newcomer.press("✅ Ik ga akkoord")
    await killed_and_resumed(bot)
    await bot.settle()
    assert_each_once(bot.sandbox, [coordinator], contains=TOLD)
    await all_sent(bot, KIND, 1)
    assert (await bot.person(newcomer)).role == "volunteer"
