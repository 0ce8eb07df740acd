"""The weekly post and the weekly tally queue their messages together with their claims —
fast, no sandbox (in-memory database, frozen clock; nothing is sent).

Why these rules matter: a claim written without its outbox rows (or rows without the claim) is
exactly the "claimed, then lost" or "sent twice" a kill used to cause.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.clock import TZ, FrozenClock
from bot.config import load_config
from bot.services import Services, calendar_post
from bot.store import job_runs
from bot.store.db import Database
from tests.auxil.calendar import with_chat
from tests.auxil.harness import START

ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = -1001234567890
COORDINATOR = 9001
MONDAY = date(2026, 12, 7)  # the week posted on Sunday 6 December
SUNDAY_POST = datetime.combine(date(2026, 12, 6), time(17, 0), TZ)
SUNDAY_TALLY = datetime.combine(date(2026, 12, 6), time(18, 5), TZ)


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    config = dataclasses.replace(with_chat(config, "top", GROUP_ID),
                                 coordinators=frozenset({COORDINATOR}))
    svc = Services(config, Database(":memory:"), FrozenClock(START))
    await svc.start()
    yield svc
    await svc.stop()


async def _subscribers(services: Services, n: int, room: str = "top") -> list[int]:
    ids = []
    for i in range(n):
        person = await services.users.register(5000 + i + (100 if room != "top" else 0), "nl",
                                               room)
        await services.calendar.set_subscribed(person, room, True)
        ids.append(person.id)
    return ids


async def _claimed(services: Services, job: str, period: str) -> bool:
    async with services.db.transaction() as conn:
        return await job_runs.done(conn, job, period)


async def test_week_queues_the_group_and_every_subscriber_once(services: Services) -> None:
    services.clock.set(SUNDAY_POST)  # type: ignore[attr-defined]
    people = await _subscribers(services, 3)
    await calendar_post.queue_week(services, "top", MONDAY)
    await calendar_post.queue_week(services, "top", MONDAY)  # the next tick: nothing new
    group = await services.outbox.rows("calendar.post")
    assert [(r.address, r.ref, r.state) for r in group] == [
        (str(GROUP_ID), "top:2026-W50", "queued")]
    assert group[0].params == {"room": "top", "monday": "2026-12-07"}
    subs = await services.outbox.rows("calendar.subscriber")
    assert sorted(r.person_id for r in subs) == people
    assert await services.calendar.post_done("top", MONDAY)
    # Not worth sending once the week has begun.
    assert group[0].expires_at == datetime.combine(MONDAY, time(0), TZ)


async def test_a_failure_while_queueing_leaves_nothing_claimed(
        services: Services, monkeypatch) -> None:
    services.clock.set(SUNDAY_POST)  # type: ignore[attr-defined]
    await _subscribers(services, 3)
    real, calls = services.outbox.enqueue, {"n": 0}

    async def third_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(services.outbox, "enqueue", third_fails)
    with pytest.raises(RuntimeError):
        await calendar_post.queue_week(services, "top", MONDAY)
    assert await services.outbox.counts() == {}
    assert not await _claimed(services, "calendar_post_chat", "top:2026-W50")
    assert not await services.calendar.post_done("top", MONDAY)
    monkeypatch.setattr(services.outbox, "enqueue", real)
    await calendar_post.queue_week(services, "top", MONDAY)  # the next tick does it all
    assert await services.outbox.counts() == {"queued": 4}


async def test_room_without_a_group_tells_its_coordinator_once(services: Services) -> None:
    services.clock.set(SUNDAY_POST)  # type: ignore[attr-defined]
    coordinator = await services.users.register(COORDINATOR, "nl", "hart")
    people = await _subscribers(services, 2, room="hart")
    await calendar_post.queue_week(services, "hart", MONDAY)
    await calendar_post.queue_week(services, "hart", date(2026, 12, 14))
    notices = await services.outbox.rows("calendar.notice")
    assert [(r.person_id, r.params) for r in notices] == [
        (coordinator.id, {"room": "hart", "variant": "no_chat"})]
    assert not await services.outbox.rows("calendar.post")
    assert len(await services.outbox.rows("calendar.subscriber")) == 2 * len(people)


async def test_group_gone_queues_subscribers_only_and_back_posts_the_week(
        services: Services) -> None:
    services.clock.set(SUNDAY_POST)  # type: ignore[attr-defined]
    coordinator = await services.users.register(COORDINATOR, "nl", "top")
    await _subscribers(services, 1)
    assert await calendar_post.chat_left(services, "top")
    assert not await calendar_post.chat_left(services, "top")  # not news twice
    await calendar_post.queue_week(services, "top", MONDAY)
    assert not await services.outbox.rows("calendar.post")
    assert len(await services.outbox.rows("calendar.subscriber")) == 1
    assert await calendar_post.chat_back(services, "top")
    assert len(await services.outbox.rows("calendar.post")) == 1
    variants = [r.params["variant"] for r in await services.outbox.rows("calendar.notice")
                if r.person_id == coordinator.id and r.params]
    assert variants == ["gone", "back"]


async def test_tally_claim_and_rows_are_one_transaction(services: Services, monkeypatch) -> None:
    coordinator = await services.users.register(COORDINATOR, "nl", "top")
    async with services.db.transaction() as conn:
        await services.participation.record(
            conn, person_key=None, room="top", category="klussen", source="activity",
            source_id="klussen:x", occurred_on=date(2026, 12, 3))
    real = services.outbox.enqueue

    async def fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.outbox, "enqueue", fails)
    with pytest.raises(RuntimeError):
        await services.tally.queue_weekly(SUNDAY_TALLY)
    assert not await _claimed(services, "tally_weekly", "top:2026-W49")
    monkeypatch.setattr(services.outbox, "enqueue", real)
    assert await services.tally.queue_weekly(SUNDAY_TALLY) == 1
    assert await services.tally.queue_weekly(SUNDAY_TALLY) == 0  # claimed once
    rows = await services.outbox.rows("tally.weekly")
    assert [(r.person_id, r.ref, r.dedupe) for r in rows] == [
        (coordinator.id, "top:2026-W49", ""), (coordinator.id, "top:2026-W49", "chart")]
    summary = await services.tally.weekly_summary("top", date(2026, 11, 30), SUNDAY_TALLY)
    assert summary.week.start == date(2026, 11, 30) and summary.room == "top"
