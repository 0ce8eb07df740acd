"""Who is told: the room's volunteers (skill-matched), else its coordinators — fast, no sandbox."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import load_config
from bot.services.recipients import RecipientsService
from bot.services.users import VOLUNTEER, UserService
from bot.store import help_requests as help_store
from bot.store import users as user_store
from bot.store.db import Database
from tests.auxil.harness import START

ROOT = Path(__file__).resolve().parents[2]
COORD_TOP, COORD_HART = 9001, 9002


@pytest.fixture
async def users() -> AsyncIterator[UserService]:
    config = dataclasses.replace(load_config(ROOT / "buurtbot.example.toml", env={}),
                                 coordinators=frozenset({COORD_TOP, COORD_HART}))
    db = Database(":memory:")
    await db.connect()
    yield UserService(db, config, FrozenClock(START))
    await db.close()


async def _volunteer(users: UserService, telegram_id: int, room: str, *skills: str) -> int:
    person = await users.register(telegram_id, "nl", room)
    await users.update(person, role=VOLUNTEER)
    async with users.db.transaction() as conn:
        for skill in skills:
            await help_store.toggle_skill(conn, person.id, skill)
    return person.id


async def _helpers(users: UserService, room: str, skill: str | None = None) -> list[int]:
    async with users.db.transaction() as conn:
        return await RecipientsService(users).room_helpers(conn, room, skill=skill)


async def test_no_volunteers_means_the_rooms_coordinators(users: UserService) -> None:
    top = (await users.register(COORD_TOP, "nl", "top")).id
    await users.register(COORD_HART, "nl", "hart")
    assert await _helpers(users, "top") == [top]
    recipients = RecipientsService(users)
    async with users.db.transaction() as conn:
        assert await recipients.coordinators(conn, "top") == [top]
        # A room no coordinator calls home: all coordinators, never nobody.
        assert len(await recipients.coordinators(conn, "verbinding")) == 2
        assert len(await recipients.all_coordinators(conn)) == 2


async def test_volunteers_of_the_room_only(users: UserService) -> None:
    await users.register(COORD_TOP, "nl", "top")
    mine = await _volunteer(users, 101, "top")
    await _volunteer(users, 102, "hart")  # another room's volunteer
    await users.register(103, "nl", "top")  # a resident of the room
    assert await _helpers(users, "top") == [mine]


async def test_skill_filter_and_volunteers_without_skills(users: UserService) -> None:
    coord = (await users.register(COORD_TOP, "nl", "top")).id
    letters = await _volunteer(users, 101, "top", "letters")
    computer = await _volunteer(users, 102, "top", "computer")
    everything = await _volunteer(users, 103, "top")  # no skills set: all kinds
    assert await _helpers(users, "top", "letters") == [letters, everything]
    assert await _helpers(users, "top", "computer") == [computer, everything]
    assert await _helpers(users, "top") == [letters, computer, everything]
    async with users.db.transaction() as conn:
        await help_store.toggle_skill(conn, everything, "letters")
    # Nobody does odd jobs: the coordinator hears of it.
    assert await _helpers(users, "top", "odd_jobs") == [coord]


async def test_unreachable_or_erased_volunteers_are_not_helpers(users: UserService) -> None:
    coord = (await users.register(COORD_TOP, "nl", "top")).id
    await _volunteer(users, 101, "top")
    assert await users.mark_unreachable(101)
    assert await _helpers(users, "top") == [coord]
    assert await users.mark_reachable(101)
    back = await _helpers(users, "top")
    assert back != [coord]
    async with users.db.transaction() as conn:
        await user_store.erase(conn, back[0], START)
    assert await _helpers(users, "top") == [coord]


async def test_a_coordinator_with_a_volunteer_row_is_told_once(users: UserService) -> None:
    coord = await _volunteer(users, COORD_TOP, "top")
    assert await _helpers(users, "top") == [coord]
