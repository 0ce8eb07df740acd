"""The belronde's outbox rules without Telegram: in-memory database, frozen clock, fake channel.

A week's claim and its message are one transaction; a check-in counts as sent only once its
outbox row is (:meth:`CheckinService.settle`); a gone address puts the resident on the "to
call" list; a message the evening overtook is queued again the next morning, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.clock import TZ, FrozenClock
from bot.config import load_config
from bot.messaging.message import OutMessage
from bot.messaging.port import DeliveryError
from bot.services import Services
from bot.services.checkins import QUESTION, Due, iso_week
from bot.store import checkins as store
from bot.store.db import Database
from tests.unit.test_outbox import ROOT, FakeChannel

MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    svc = Services(config, Database(":memory:"), FrozenClock(MONDAY_10))
    await svc.start()
    svc.outbox.channels["telegram"] = FakeChannel()
    svc.outbox.renderer(QUESTION)(lambda app, row, t: OutMessage("Hoe gaat het?"))
    yield svc
    await svc.stop()


async def resident(services: Services, telegram_id: int = 501) -> int:
    person = await services.users.register(telegram_id, "nl", "top", display_name="Fatima")
    await services.checkins.opt_in(person)
    return person.id


async def status(services: Services) -> str:
    person = await services.users.get(501)
    assert person is not None
    async with services.db.transaction() as conn:
        [checkin] = await store.for_user(conn, person.id)
    return checkin.status


async def week_sent(services: Services) -> int:
    async with services.db.transaction() as conn:
        return (await store.week_counts(conn, "top", iso_week(MONDAY_10.date())))["sent"]


async def test_claim_queues_the_message_and_counts_it_only_once_sent(services: Services
                                                                      ) -> None:
    user_id = await resident(services)
    checkin_id = await services.checkins.claim(
        Due(user_id, "top", iso_week(MONDAY_10.date()), MONDAY_10))
    assert checkin_id is not None
    assert await services.checkins.claim(
        Due(user_id, "top", iso_week(MONDAY_10.date()), MONDAY_10)) is None  # once a week
    assert await services.outbox.counts(QUESTION) == {"queued": 1}
    assert await status(services) == "sending" and await week_sent(services) == 0
    await services.outbox.deliver()
    await services.checkins.settle(services.clock.now())  # what a tick does first
    assert await status(services) == "sent" and await week_sent(services) == 1


async def test_gone_address_becomes_a_to_call_entry(services: Services) -> None:
    user_id = await resident(services)
    fake: FakeChannel = services.outbox.channels["telegram"]  # type: ignore[assignment]
    fake.fail["501"] = [DeliveryError("gone", detail="Forbidden")]
    await services.checkins.claim(Due(user_id, "top", iso_week(MONDAY_10.date()), MONDAY_10))
    await services.outbox.deliver()
    await services.checkins.settle(services.clock.now())
    assert await status(services) == "unreachable"
    async with services.db.transaction() as conn:
        assert await store.has_open_unreachable(conn, user_id)
    assert await week_sent(services) == 0


async def test_message_the_evening_overtook_is_queued_again_next_morning(services: Services
                                                                          ) -> None:
    user_id = await resident(services)
    fake: FakeChannel = services.outbox.channels["telegram"]  # type: ignore[assignment]
    fake.fail["501"] = [DeliveryError("retry", detail="500")] * 40
    await services.checkins.claim(Due(user_id, "top", iso_week(MONDAY_10.date()), MONDAY_10))
    await services.outbox.deliver()
    services.clock.set(MONDAY_10.replace(hour=21, minute=1))  # type: ignore[attr-defined]
    await services.outbox.deliver()
    assert await services.outbox.counts(QUESTION) == {"expired": 1}
    await services.checkins.settle(services.clock.now())  # night: nothing queued
    assert await services.outbox.counts(QUESTION) == {"expired": 1}
    fake.fail.clear()
    services.clock.set(MONDAY_10 + timedelta(hours=22))  # type: ignore[attr-defined]
    await services.checkins.settle(services.clock.now())
    await services.checkins.settle(services.clock.now())  # twice: still one row for the day
    assert await services.outbox.counts(QUESTION) == {"expired": 1, "queued": 1}
    await services.outbox.deliver()
    await services.checkins.settle(services.clock.now())
    assert await status(services) == "sent" and len(fake.sent) == 1
