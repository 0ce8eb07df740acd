"""WhatsApp's daily messaging limit (issue 14): business-initiated conversations to unique
people in a rolling 24 hours. A broadcast to more people than the limit spreads over the days
it needs instead of failing; answers inside an open window do not count. Unit tier with the
clock moved by hand (also across a DST change)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.channels.whatsapp import limits, window
from bot.clock import TZ, FrozenClock
from bot.messaging.message import OutMessage
from tests.auxil.whatsapp_tpl import (
    advance,
    approve,
    enqueue,
    person,
    row,
    wa_unit,
    writes,
)

__all__ = ["wa_unit"]


def limit_to(channel, n: int) -> None:  # type: ignore[no-untyped-def]
    channel.settings = dataclasses.replace(channel.settings, daily_limit=n)


async def ten_people(services, channel) -> list[str]:  # type: ignore[no-untyped-def]
    numbers = [f"3161000{i:04d}" for i in range(10)]
    for n, number in enumerate(numbers):
        pid = await person(services, number)
        await enqueue(services, pid, OutMessage("Open huis zaterdag"), kind="announcement",
                      ref="9", priority=0)
        assert n >= 0
    return numbers


async def sent_templates(channel) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for s in channel.sent if s.kind == "template")


async def test_limit_3_and_10_people_spread_over_4_days(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 3)
    await approve(services, channel, "buurtbot_announcement", "nl")
    await ten_people(services, channel)
    per_day = []
    for _day in range(4):
        await services.outbox.deliver()
        per_day.append(await sent_templates(channel) - sum(per_day))
        advance(services, timedelta(hours=12))
        await services.outbox.deliver()  # half a day on: nothing is free yet
        assert await sent_templates(channel) == sum(per_day)
        advance(services, timedelta(hours=12, minutes=1))
    assert per_day == [3, 3, 3, 1]
    assert await services.outbox.counts("announcement") == {"sent": 10}
    assert len({s.address for s in channel.sent}) == 10  # each person once


async def test_the_waiting_rows_lose_no_attempt_and_wait_for_the_free_moment(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 3)
    await approve(services, channel, "buurtbot_announcement", "nl")
    await ten_people(services, channel)
    start = services.clock.now()
    await services.outbox.deliver()
    waiting = [r for r in await services.outbox.rows("announcement") if r.state == "queued"]
    assert len(waiting) == 7
    assert all(r.attempts == 0 and r.held == window.HELD_LIMIT for r in waiting)
    assert {r.next_at for r in waiting} == {start + limits.SPAN + limits.MARGIN}
    assert await limits.used(services) == 3


async def test_answers_in_an_open_window_do_not_count(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 1)
    await approve(services, channel, "buurtbot_announcement", "nl")
    numbers = await ten_people(services, channel)
    for number in numbers[:5]:
        await writes(services, number)  # these five wrote today: their window is open
    await services.outbox.deliver()
    kinds = [s.kind for s in channel.sent]
    assert kinds.count("text") == 5 and kinds.count("template") == 1
    assert await limits.used(services) == 1


async def test_a_second_template_to_someone_reached_today_does_not_count(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 1)
    await approve(services, channel, "buurtbot_meal_reminder", "nl")
    pid = await person(services, "31612340000")
    other = await person(services, "31612340001")
    await enqueue(services, pid, OutMessage("Een"), kind="meal.reminder", ref="1")
    await enqueue(services, pid, OutMessage("Twee"), kind="meal.reminder", ref="2")
    waits = await enqueue(services, other, OutMessage("Drie"), kind="meal.reminder", ref="3")
    await services.outbox.deliver()
    assert [s.address for s in channel.sent] == ["31612340000", "31612340000"]
    assert (await row(services, waits)).held == window.HELD_LIMIT


async def test_writing_releases_a_row_waiting_for_the_limit(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 1)
    await approve(services, channel, "buurtbot_announcement", "nl")
    numbers = await ten_people(services, channel)
    await services.outbox.deliver()
    assert await sent_templates(channel) == 1
    waiting = next(n for n in numbers if not channel.to(n))
    await writes(services, waiting)
    await services.outbox.deliver()
    [sent] = channel.to(waiting)
    assert sent.kind == "text"  # free-form: no conversation counted, no cost


async def test_rolling_24_hours_across_the_dst_change(wa_unit) -> None:
    services, channel = wa_unit
    clock: FrozenClock = services.clock  # type: ignore[assignment]
    # Saturday 27 March 2027 12:00 CET; the clocks go forward that night.
    clock.set(datetime(2027, 3, 27, 12, 0, tzinfo=TZ))
    limit_to(channel, 1)
    await approve(services, channel, "buurtbot_announcement", "nl")
    await ten_people(services, channel)
    await services.outbox.deliver()
    assert await sent_templates(channel) == 1
    # Sunday 12:01 on the wall clock is only 23 hours later: not yet.
    clock.set(datetime(2027, 3, 28, 12, 1, tzinfo=TZ))
    await services.outbox.deliver()
    assert await sent_templates(channel) == 1
    # Sunday 13:01 CEST = 24 hours and a minute later.
    clock.set(datetime(2027, 3, 28, 13, 1, tzinfo=TZ))
    await services.outbox.deliver()
    assert await sent_templates(channel) == 2


async def test_a_refused_template_gives_its_slot_back(wa_unit) -> None:
    services, channel = wa_unit
    limit_to(channel, 1)
    await approve(services, channel, "buurtbot_meal_reminder", "nl")
    await approve(services, channel, "buurtbot_new_message", "nl")
    channel.fail_template["buurtbot_meal_reminder"] = 132015
    pid = await person(services, "31612340000")
    await enqueue(services, pid, OutMessage("Een"), kind="meal.reminder", ref="1",
                  expires_in=timedelta(hours=5))
    await services.outbox.deliver()
    await services.outbox.deliver()
    # The paused one did not use up the day's one conversation: the generic one went.
    assert [s.template[0] for s in channel.sent] == ["buurtbot_new_message"]
    assert await limits.used(services) == 1


async def test_erasure_takes_their_conversation_counts_too(wa_unit) -> None:
    from bot.store import whatsapp_templates as store

    services, channel = wa_unit
    services.privacy.register("whatsapp_conversations", None, limits.erase)
    await approve(services, channel, "buurtbot_meal_reminder", "nl")
    pid = await person(services, "31612340000")
    await enqueue(services, pid, OutMessage("Een"), kind="meal.reminder")
    await services.outbox.deliver()
    assert await limits.used(services) == 1
    person_ = await services.users.by_id(pid)
    await services.privacy.erase(person_)
    async with services.db.reading() as conn:
        assert await store.conversations_since(conn, services.clock.now() - limits.SPAN) == []
