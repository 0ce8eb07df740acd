"""The outbox's rules without Telegram: in-memory database, frozen clock, a fake channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import load_config
from bot.messaging.message import Address, OutMessage, Receipt
from bot.messaging.port import DeliveryError
from bot.services import Services
from bot.services.outbox import BACKOFF, MAX_ATTEMPTS
from bot.store.db import Database
from tests.auxil.harness import START

ROOT = Path(__file__).resolve().parents[2]


class FakeChannel:
    """Records what it was asked to send; ``fail`` maps an address to the verdicts it raises
    (one per attempt)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, OutMessage]] = []
        self.fail: dict[str, list[DeliveryError]] = {}
        self.arrived = asyncio.Event()

    async def pace(self, address: str) -> int:
        return 0

    def paced(self, token: int, *, counted: bool, retry_after: float | None = None) -> None:
        pass

    async def send(self, address: str, message: OutMessage) -> Receipt:
        pending = self.fail.get(address)
        if pending:
            raise pending.pop(0)
        self.sent.append((address, message))
        self.arrived.set()
        return Receipt("telegram", address, str(len(self.sent)))


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    svc = Services(config, Database(":memory:"), FrozenClock(START))
    await svc.start()
    svc.outbox.channels["telegram"] = FakeChannel()
    yield svc
    await svc.stop()


def channel(services: Services) -> FakeChannel:
    return services.outbox.channels["telegram"]  # type: ignore[return-value]


async def enqueue(services: Services, **kwargs) -> int | None:  # type: ignore[no-untyped-def]
    kwargs.setdefault("kind", "test.kind")
    kwargs.setdefault("ref", "1")
    async with services.db.transaction() as conn:
        return await services.outbox.enqueue(conn, **kwargs)


async def test_enqueue_once_per_kind_ref_address_dedupe(services: Services) -> None:
    fatima = await services.users.register(101, "nl", "top")
    first = await enqueue(services, to=fatima.id, message=OutMessage("hoi"))
    assert first is not None
    assert await enqueue(services, to=fatima.id, message=OutMessage("hoi")) is None
    assert await enqueue(services, to=fatima.id, dedupe="2", message=OutMessage("hoi"))
    await services.outbox.deliver()
    assert [a for a, _m in channel(services).sent] == ["101", "101"]
    assert await services.outbox.counts("test.kind") == {"sent": 2}


async def test_unreachable_or_erased_people_are_not_queued(services: Services) -> None:
    blocked = await services.users.register(102, "nl", "top")
    await services.users.mark_unreachable(102)
    assert await enqueue(services, to=blocked.id, message=OutMessage("x")) is None
    assert await services.outbox.counts() == {}


async def test_gone_marks_the_person_unreachable(services: Services) -> None:
    fatima = await services.users.register(103, "nl", "top")
    channel(services).fail["103"] = [DeliveryError("gone", detail="Forbidden")]
    await enqueue(services, to=fatima.id, message=OutMessage("x"))
    await services.outbox.deliver()
    assert await services.outbox.counts() == {"unreachable": 1}
    assert not (await services.users.get(103)).row.reachable


async def test_short_lived_failures_back_off_then_send_once(services: Services) -> None:
    clock: FrozenClock = services.clock  # type: ignore[assignment]
    channel(services).fail["104"] = [DeliveryError("retry"), DeliveryError("retry", 3.0)]
    await enqueue(services, address=Address("telegram", "104"), message=OutMessage("x"))
    await services.outbox.deliver()
    assert await services.outbox.waiting() == 1
    clock.set(START + BACKOFF[0] - timedelta(seconds=1))
    await services.outbox.deliver()  # not yet due
    assert (await services.outbox.rows("test.kind"))[0].attempts == 1
    clock.set(START + BACKOFF[0])
    await services.outbox.deliver()  # second failure: the pause grows
    assert await services.outbox.waiting() == 1
    clock.set(START + BACKOFF[0] + BACKOFF[1])
    await services.outbox.deliver()
    assert len(channel(services).sent) == 1
    assert await services.outbox.counts() == {"sent": 1}


async def test_retries_are_bounded(services: Services) -> None:
    clock: FrozenClock = services.clock  # type: ignore[assignment]
    channel(services).fail["105"] = [DeliveryError("retry") for _ in range(MAX_ATTEMPTS + 2)]
    await enqueue(services, address=Address("telegram", "105"), message=OutMessage("x"))
    for hour in range(MAX_ATTEMPTS + 1):
        clock.set(START + timedelta(hours=hour))
        await services.outbox.deliver()
    assert await services.outbox.counts() == {"failed": 1}


async def test_expired_rows_are_dropped_not_sent(services: Services) -> None:
    clock: FrozenClock = services.clock  # type: ignore[assignment]
    await enqueue(services, address=Address("telegram", "106"), message=OutMessage("x"),
                  not_before=START + timedelta(hours=2), expires_at=START + timedelta(hours=1))
    clock.set(START + timedelta(hours=3))
    await services.outbox.deliver()
    assert channel(services).sent == []
    assert await services.outbox.counts() == {"expired": 1}


async def test_renderer_at_send_time_and_skip(services: Services) -> None:
    fatima = await services.users.register(107, "en", "top")

    @services.outbox.renderer("test.render")
    def render(app, row, t):  # type: ignore[no-untyped-def]
        if row.params["n"] == 0:
            return None
        return OutMessage(f"{t.language}: {row.params['n']}")

    seen: list[Receipt] = []

    @services.outbox.on_sent("test.render")
    async def after(app, row, receipt):  # type: ignore[no-untyped-def]
        seen.append(receipt)

    await enqueue(services, to=fatima.id, kind="test.render", params={"n": 3})
    await enqueue(services, to=fatima.id, kind="test.render", dedupe="b", params={"n": 0})
    await services.outbox.deliver()
    assert [m.text for _a, m in channel(services).sent] == ["en: 3"]
    assert await services.outbox.counts("test.render") == {"sent": 1, "skipped": 1}
    assert seen == [Receipt("telegram", "107", "1")]


async def test_priority_answers_before_broadcasts(services: Services) -> None:
    from bot.services.outbox import ANSWER, BROADCAST
    await enqueue(services, address=Address("telegram", "1"), message=OutMessage("b"),
                  priority=BROADCAST)
    await enqueue(services, address=Address("telegram", "2"), message=OutMessage("a"),
                  priority=ANSWER)
    await services.outbox.deliver()
    assert [m.text for _a, m in channel(services).sent] == ["a", "b"]


async def test_in_flight_rows_go_again_after_a_restart(services: Services) -> None:
    from bot.store import outbox as store
    await enqueue(services, address=Address("telegram", "108"), message=OutMessage("x"))
    async with services.db.transaction() as conn:  # taken by a sender that then died
        assert len(await store.claim_due(conn, START, START + timedelta(minutes=5))) == 1
    await services.outbox.deliver()
    assert channel(services).sent == []  # leased: nobody else sends it meanwhile
    await services.outbox.start()  # what a fresh start does
    await services.outbox.deliver()
    assert len(channel(services).sent) == 1


async def test_erase_drops_the_persons_rows(services: Services) -> None:
    fatima = await services.users.register(109, "nl", "top")
    await enqueue(services, to=fatima.id, message=OutMessage("x"))
    await services.privacy.erase(fatima)
    assert await services.outbox.counts() == {}


async def test_background_sender_wakes_on_enqueue(services: Services) -> None:
    services.outbox.start_sender()
    try:
        await enqueue(services, address=Address("telegram", "110"), message=OutMessage("x"))
        await asyncio.wait_for(channel(services).arrived.wait(), timeout=5)
        assert len(channel(services).sent) == 1
    finally:
        await services.outbox.stop_sender()


async def test_a_final_row_keeps_no_copy_of_what_it_said(services: Services) -> None:
    """A snapshot (the cook's list with food wishes, a digest with names) is needed only until
    it is sent or given up: after that the row keeps no copy (privacy: stored the minimum)."""
    fatima = await services.users.register(104, "nl", "top")
    gone = await services.users.register(105, "nl", "top")
    channel(services).fail["105"] = [DeliveryError("gone", detail="Forbidden")]
    sent = await enqueue(services, to=fatima.id, message=OutMessage("Piet: halal, geen noten"))
    refused = await enqueue(services, to=gone.id, message=OutMessage("Piet: halal"))
    await services.outbox.deliver()
    assert [m.text for _a, m in channel(services).sent] == ["Piet: halal, geen noten"]
    for row_id in (sent, refused):
        kept = await services.db.fetchval("SELECT message FROM outbox WHERE id = ?", (row_id,))
        assert kept is None


async def test_a_final_row_keeps_no_params_either(services: Services) -> None:
    """What a row is rendered from (an allergy note typed after the list went out) goes with
    its message once the row ends; broadcasts keep theirs (their report reads them)."""
    fatima = await services.users.register(106, "nl", "top")
    services.outbox.renderer("test.note")(lambda app, row, t: OutMessage(row.params["note"]))
    note = await enqueue(services, to=fatima.id, kind="test.note", params={"note": "geen noten"})
    await services.outbox.deliver()
    assert [m.text for _a, m in channel(services).sent] == ["geen noten"]
    assert await services.db.fetchval("SELECT params FROM outbox WHERE id = ?", (note,)) is None
