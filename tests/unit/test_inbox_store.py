"""The inbox's rules without Telegram: an update is taken in once, finished once, replayed
while unfinished (a bounded number of times), and forgotten after a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.inbox import KEEP, MAX_ATTEMPTS, Inbox, InboxClosed
from bot.store import inbox as store
from bot.store.db import Database
from tests.auxil.harness import START


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = Database(":memory:")
    await database.connect()
    yield database
    await database.close()


async def _rows(db: Database) -> list[tuple]:
    rows = await db.fetchall("SELECT channel, update_id, state, attempts, payload IS NULL"
                             " FROM inbox ORDER BY received_at, rowid")
    return [tuple(r) for r in rows]


async def test_taken_in_once_and_finished_once(db: Database) -> None:
    inbox = Inbox(db, FrozenClock(START))
    assert await inbox.take("telegram", [("1", {"a": 1}), ("2", {"b": 2})]) == ["1", "2"]
    assert await inbox.take("telegram", [("2", {"b": 2}), ("3", {})]) == ["3"]
    assert await inbox.take("whatsapp", [("1", {"w": 1})]) == ["1"]  # per channel
    await inbox.finish(("telegram", "1"))
    await inbox.finish(("telegram", "1"))
    await inbox.finish(("telegram", "99"))  # not from the inbox: nothing to do
    assert await _rows(db) == [("telegram", "1", "handled", 1, 1),
                               ("telegram", "2", "received", 1, 0),
                               ("telegram", "3", "received", 1, 0),
                               ("whatsapp", "1", "received", 1, 0)]


async def test_replay_hands_on_what_the_last_run_left_and_gives_up_in_the_end(
        db: Database) -> None:
    clock = FrozenClock(START)
    first = Inbox(db, clock)
    await first.take("telegram", [("1", {"n": 1}), ("2", {"n": 2})])
    await first.finish(("telegram", "2"))
    for run in range(2, MAX_ATTEMPTS + 2):  # each run dies before finishing "1"
        inbox = Inbox(db, clock)
        seen: list[str] = []

        async def replay(row: store.InboxRow, seen: list[str] = seen) -> None:
            seen.append(row.update_id)

        inbox.on_replay("telegram", replay)
        await inbox.replay()
        if run <= MAX_ATTEMPTS:
            assert seen == ["1"] and inbox.is_replay(("telegram", "1"))
        else:
            assert seen == []
    assert await _rows(db) == [("telegram", "1", "failed", MAX_ATTEMPTS, 1),
                               ("telegram", "2", "handled", 1, 1)]


async def test_replay_skips_what_this_process_took_in_itself(db: Database) -> None:
    inbox = Inbox(db, FrozenClock(START))
    seen: list[str] = []

    async def replay(row: store.InboxRow) -> None:
        seen.append(row.update_id)

    inbox.on_replay("telegram", replay)
    await inbox.take("telegram", [("5", {})])  # a webhook call before the start
    assert await inbox.replay() == 0 and seen == []


async def test_rows_older_than_a_day_are_pruned(db: Database) -> None:
    clock = FrozenClock(START)
    inbox = Inbox(db, clock)
    await inbox.take("telegram", [("1", {"text": "mijn adres"})])
    clock.set(START + KEEP - timedelta(seconds=1))
    await inbox.take("telegram", [("2", {})])
    clock.set(START + KEEP + timedelta(seconds=1))
    assert await inbox.prune() == 1
    assert [r[1] for r in await _rows(db)] == ["2"]


async def test_killed_takes_nothing_more(db: Database) -> None:
    inbox = Inbox(db, FrozenClock(START))
    killed = inbox.kill_after_accept()
    assert await inbox.take("telegram", [("1", {})]) == []  # kept, but nothing handed on
    assert killed.is_set() and inbox.closed
    with pytest.raises(InboxClosed):
        await inbox.take("telegram", [("2", {})])
    assert await _rows(db) == [("telegram", "1", "received", 1, 0)]
