"""People and their addresses: found by address, reachable per address, erased without one."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import load_config
from bot.services.users import COORDINATOR, TELEGRAM, Address, UserService
from bot.store import addresses as address_store
from bot.store import users as user_store
from bot.store.db import Database
from tests.auxil.harness import START

ROOT = Path(__file__).resolve().parents[2]
COORD = 9001


@pytest.fixture
async def users() -> AsyncIterator[UserService]:
    config = dataclasses.replace(load_config(ROOT / "buurtbot.example.toml", env={}),
                                 coordinators=frozenset({COORD}))
    db = Database(":memory:")
    await db.connect()
    yield UserService(db, config, FrozenClock(START))
    await db.close()


async def test_a_person_is_found_by_their_telegram_address(users: UserService) -> None:
    made = await users.register(501, "tr", "top")
    assert [(a.channel, a.address, a.reachable) for a in made.addresses] == [
        (TELEGRAM, "501", True)]
    assert made.telegram_id == 501 and made.reachable
    assert made.address() == made.address(TELEGRAM) == made.addresses[0]
    assert made.address("whatsapp") is None
    found = await users.by_address(TELEGRAM, "501")
    assert found is not None and found.id == made.id
    assert (await users.get(501)).id == made.id  # type: ignore[union-attr]
    assert await users.get(502) is None
    # Registering twice keeps one person and one address.
    again = await users.register(501, "nl", "hart")
    assert again.id == made.id and len(again.addresses) == 1 and again.room == "hart"


async def test_someone_added_by_phone_has_no_address(users: UserService) -> None:
    person = await users.add_offline("top", "Mevrouw Jansen")
    assert person.addresses == () and person.telegram_id is None and not person.reachable
    assert await users.address_of(person.id) is None


async def test_reachable_is_per_address_and_mirrored(users: UserService) -> None:
    person = await users.register(501, "nl", "top")
    users.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    assert await users.mark_unreachable(Address(TELEGRAM, "501"))
    assert not await users.mark_unreachable(501)  # already: no change
    after = await users.by_id(person.id)
    assert after is not None and not after.reachable and not after.row.reachable
    assert after.address() is None and after.telegram_id == 501
    assert after.addresses[0].unreachable_at == users.clock.now()
    assert await users.address_of(person.id) is None
    assert await users.mark_reachable(501)
    assert not await users.mark_reachable(501)
    back = await users.by_id(person.id)
    assert back is not None and back.reachable and back.row.reachable
    assert back.addresses[0].reachable_at == users.clock.now()
    # The older per-person flag (user_store.update(reachable=...)) moves the address too.
    await users.update(back, reachable=0)
    assert await users.address_of(person.id, TELEGRAM) is None


async def test_coordinators_in_the_config_resolve_through_addresses(users: UserService) -> None:
    coord = await users.register(COORD, "nl", "top")
    assert coord.role == COORDINATOR
    assert [p.id for p in await users.coordinators()] == [coord.id]
    async with users.db.transaction() as conn:
        await user_store.erase(conn, coord.id, START)
    assert await users.coordinators() == [] and await users.get(COORD) is None


async def test_erasure_leaves_no_address(users: UserService) -> None:
    person = await users.register(501, "nl", "top")
    async with users.db.transaction() as conn:
        await user_store.erase(conn, person.id, START)
        assert await address_store.of_person(conn, person.id) == []
    assert await users.get(501) is None
    # The same Telegram account can start afresh as a new person.
    fresh = await users.register(501, "nl", "top")
    assert fresh.id != person.id and fresh.telegram_id == 501


async def test_an_address_belongs_to_one_person(users: UserService) -> None:
    one = await users.register(501, "nl", "top")
    other = await users.add_offline("top", "B")
    async with users.db.transaction() as conn:
        assert (await address_store.add(conn, one.id, TELEGRAM, "501", START)).person_id == one.id
    with pytest.raises(Exception, match="another person"):
        async with users.db.transaction() as conn:
            await address_store.add(conn, other.id, TELEGRAM, "501", START)
