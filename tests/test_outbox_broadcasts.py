"""Killed in the middle of a broadcast, the bot loses nobody (issue 13, "Done when").

An announcement, a survey round and the weekly hours question are rows of the one outbox
(kind 'announcement' | 'survey' | 'hours', ref = the broadcast), sent by the one sender. The
bot is killed at the k-th sendMessage of the run (first, middle, last); after a restart
everyone has the message, only those in flight at the kill twice, every outbox row is final,
and the coordinator's report comes exactly once with the right numbers.

A broadcast keeps a few sends under way at once (``OutboxService.broadcast_in_flight``): a
kill may repeat those, never more; the twice-sent are always among the first k.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import TZ
from bot.store.outbox import FINAL
from tests.auxil.announcements import announcements_of, compose, report
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.surveys import RESIDENTS, sent_report

PEOPLE = 6
HOURS_Q = "Hoeveel uur heeft u geholpen bij de BuurtWerkKamer"


@pytest.fixture(autouse=True)
def quick_pacing(bot: BotHarness) -> None:
    bot.services.outbox.set_speed(scale=20)


async def killed(bot: BotHarness) -> None:
    await bot.sandbox.changed.wait_for(lambda: bot.killed, 20)


def times(user, contains: str) -> int:  # type: ignore[no-untyped-def]
    return sum(contains in (m.text or m.caption or "") for m in user.bot_messages)


def check_twice(bot: BotHarness, people: list, contains: str, k: int) -> None:
    in_flight = min(k, bot.services.outbox.broadcast_in_flight)
    assert_each_once(bot.sandbox, people, contains=contains, in_flight_max=in_flight)
    twice = [i for i, p in enumerate(people) if times(p, contains) == 2]
    assert all(i < k for i in twice), (twice, k)


async def final_states(bot: BotHarness, kind: str) -> dict[str, int]:
    states = await bot.services.outbox.counts(kind)
    assert set(states) <= FINAL, states
    return states


@pytest.mark.parametrize("k", [1, PEOPLE // 2, PEOPLE])
async def test_announcement_survives_a_kill_mid_send(bot: BotHarness, k: int) -> None:
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(PEOPLE)]
    await compose(coordinator, "De kamer is vrijdag dicht.")
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await coordinator.press("✅ Nu versturen")
    await killed(bot)
    assert sum(len(announcements_of(p)) for p in people) >= 1
    await bot.crash()
    final = await report(coordinator, wait=20)
    assert f"Afgeleverd: {PEOPLE}" in final.text
    check_twice(bot, people, "vrijdag dicht", k)
    assert await final_states(bot, "announcement") == {"sent": PEOPLE}
    await bot.settle()
    await bot.restart()  # nothing more after another start: no second report, no resend
    await bot.settle()
    assert sum("Verslag" in (m.text or "") for m in coordinator.bot_messages) == 1
    assert await bot.db.fetchval("SELECT status FROM broadcasts") == "done"
    assert await final_states(bot, "broadcast.report") == {"sent": 1}


async def test_announcement_killed_before_the_first_arrives_sends_each_once(
        bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(PEOPLE)]
    await compose(coordinator, "Nog niet aangekomen.")
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await coordinator.press("✅ Nu versturen")
    await killed(bot)
    await bot.crash()
    await report(coordinator, wait=20)
    assert_each_once(bot.sandbox, people, contains="Nog niet aangekomen", in_flight_max=0)


@pytest.mark.parametrize("k", [1, PEOPLE // 2, PEOPLE])
async def test_survey_round_survives_a_kill_mid_send(bot: BotHarness, k: int) -> None:
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(PEOPLE)]
    await coordinator.send("/enquete")
    await coordinator.next_message()
    await coordinator.press("▶️ Een enquête starten")
    await coordinator.next_edit()
    await coordinator.press(RESIDENTS)
    await coordinator.next_edit()
    await coordinator.press("TOP")
    assert "Dit zien zij:" in (await coordinator.next_edit()).text
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await coordinator.press("✅ Enquête versturen")
    await killed(bot)
    await bot.crash()
    done = await sent_report(coordinator)
    assert f"{PEOPLE} van {PEOPLE} mensen" in done.text
    check_twice(bot, people, "Vraag 1 van 2", k)
    assert await final_states(bot, "survey") == {"sent": PEOPLE}
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_rounds") == 1


@pytest.mark.parametrize("k", [1, PEOPLE // 2, PEOPLE])
async def test_hours_question_survives_a_kill_mid_send(bot: BotHarness, k: int) -> None:
    bot.clock.set(datetime(2026, 11, 16, 12, 0, tzinfo=TZ))  # they joined weeks before
    people = [await bot.volunteer(f"V{i}", name=f"V{i}") for i in range(PEOPLE)]
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ), only="volunteer_work")
    await killed(bot)
    await bot.crash()
    await bot.sandbox.changed.wait_for(
        lambda: all(times(p, HOURS_Q) >= 1 for p in people), 20)
    await bot.settle()
    await bot.services.outbox.deliver(broadcasts=True)
    check_twice(bot, people, HOURS_Q, k)
    assert await final_states(bot, "hours") == {"sent": PEOPLE}
    # Once per week, also after the restart.
    await bot.tick(at=datetime(2026, 11, 30, 11, 0, tzinfo=TZ), only="volunteer_work")
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts WHERE kind = 'hours'") == 1
