"""Killed in the middle of a scheduled run, the bot loses nobody (issue 13, CORE13 §5).

The tally's weekly summary goes to every coordinator of the room (text and chart). The bot is
killed at the k-th sendMessage of the run (first, middle, last); after a restart everyone has
the summary, only the one in flight at the kill twice, and every outbox row is final.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.outbox import all_sent, coordinators, resume
from tests.test_tally_bot import TODAY, record

SUNDAY = datetime(2026, 12, 6, 18, 5, tzinfo=TZ)
COORDINATORS = 5


async def a_week_to_report(bot: BotHarness) -> list[SandboxUser]:
    """The room's coordinators, and a week with something in it for their summary."""
    people = await coordinators(bot, COORDINATORS)
    await record(bot, None, "top", "klussen", "activity", "klussen:x", TODAY, quantity=2)
    return people


async def summary_killed_at(bot: BotHarness, method: str, k: int) -> list[SandboxUser]:
    """A week to report, and Sunday's summary run killed at its k-th ``method`` call."""
    people = await a_week_to_report(bot)
    bot.kill_at(method=method, n=k, delivered=True)
    await bot.tick(only="tally", at=SUNDAY)
    assert bot.killed
    return people


@pytest.mark.parametrize("k", [1, 3, COORDINATORS])
async def test_weekly_summary_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    people = await summary_killed_at(bot, "sendMessage", k)
    assert sum(1 for p in people for m in p.bot_messages if "Weektelling" in (m.text or "")) == k
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="Weektelling", in_flight_max=1)
    twice = [p for p in people
             if sum("Weektelling" in (m.text or "") for m in p.bot_messages) == 2]
    assert twice == [people[k - 1]]  # exactly the one in flight
    for person in people:  # the chart came along for everyone
        assert any(m.photo for m in person.bot_messages)
    await all_sent(bot, "tally.weekly", 2 * COORDINATORS)
    await bot.tick(only="tally", at=SUNDAY)  # claimed once: nothing again after the restart
    assert sum("Weektelling" in (m.text or "") for p in people for m in p.bot_messages) \
        == COORDINATORS + 1


async def test_kill_before_delivery_sends_each_once(bot: BotHarness) -> None:
    people = await a_week_to_report(bot)
    bot.kill_at(method="sendMessage", n=2, delivered=False)
    await bot.tick(only="tally", at=SUNDAY)
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="Weektelling", in_flight_max=0)
