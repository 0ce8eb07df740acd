"""The tally's weekly summary (``tally.weekly``: a text and a chart per coordinator) survives
a kill in the middle of its charts too; the kill in the middle of its texts is in
tests/test_outbox_kill.py (the worked example of the kill hook).

Why the chart has its own test: it is its own outbox row (``dedupe="chart"``) and its own API
method (sendPhoto); killed at the k-th chart, every coordinator still gets text and chart, only
the chart in flight twice.
"""

from __future__ import annotations

import pytest

from tests.auxil.harness import BotHarness
from tests.auxil.outbox import all_sent, final_states, resume
from tests.test_outbox_kill import COORDINATORS, SUNDAY, a_week_to_report, summary_killed_at


def _charts(user) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for m in user.bot_messages if m.photo)


def _texts(user) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for m in user.bot_messages if "Weektelling" in (m.text or ""))


@pytest.mark.parametrize("k", [1, 3, COORDINATORS])
async def test_weekly_chart_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    people = await summary_killed_at(bot, "sendPhoto", k)
    assert sum(_charts(p) for p in people) == k
    await resume(bot)
    assert [_texts(p) for p in people] == [1] * COORDINATORS  # texts sent before: not again
    assert [_charts(p) for p in people] == [2 if n == k - 1 else 1 for n in range(COORDINATORS)]
    await all_sent(bot, "tally.weekly", 2 * COORDINATORS)


async def test_coordinator_who_blocked_the_bot_does_not_stop_the_others(bot: BotHarness) -> None:
    people = await a_week_to_report(bot)
    people[1].block()
    await bot.tick(only="tally", at=SUNDAY)
    assert [_texts(p) for p in people] == [1, 0, 1, 1, 1]
    assert [_charts(p) for p in people] == [1, 0, 1, 1, 1]
    states = await final_states(bot, "tally.weekly")
    # The blocked one's text found them gone; their chart then had no address to go to.
    assert states["sent"] == 2 * (COORDINATORS - 1)
