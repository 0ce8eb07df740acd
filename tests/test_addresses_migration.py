"""Migration 017: every person with a Telegram id gets their Telegram address, as reachable as
before; erased people get none; the bot finds everyone again by their address."""

from __future__ import annotations

import dataclasses

from bot.clock import FrozenClock
from bot.config import load_config
from bot.services.users import TELEGRAM, UserService
from bot.store import db as dbmod
from bot.store.db import Database
from tests.auxil.harness import ROOT, START

WHEN = "2026-11-01T10:00:00+00:00"


async def test_migration_017_gives_every_person_their_telegram_address(
        tmp_path, monkeypatch) -> None:
    every = dbmod.migration_files()
    monkeypatch.setattr(dbmod, "migration_files", lambda: [m for m in every if m[0] < 17])
    path = tmp_path / "old.db"
    old = Database(path)
    await old.connect()
    async with old.transaction() as conn:
        people = [  # id, telegram_id, reachable, erased_at
            (1, 501, 1, None),       # a resident
            (2, 502, 0, None),       # blocked the bot
            (3, None, 0, WHEN),      # erased: no Telegram id any more
            (4, None, 1, None),      # added by phone by a volunteer
            (5, 9001, 1, None),      # a coordinator (config Telegram id)
        ]
        for uid, tid, reachable, erased in people:
            await conn.execute(
                "INSERT INTO users (id, telegram_id, role, reachable, anon_key, created_at,"
                " erased_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uid, tid, "volunteer" if uid == 1 else "resident", reachable, f"k{uid}", WHEN,
                 erased))
    await old.close()

    monkeypatch.setattr(dbmod, "migration_files", lambda: every)
    new = Database(path)
    await new.connect()
    try:
        rows = await new.fetchall(
            "SELECT person_id, channel, address, reachable, reachable_at, unreachable_at,"
            " window_until FROM addresses ORDER BY person_id")
        assert [tuple(r) for r in rows] == [
            (1, TELEGRAM, "501", 1, WHEN, None, None),
            (2, TELEGRAM, "502", 0, None, None, None),
            (5, TELEGRAM, "9001", 1, WHEN, None, None),
        ]
        # The people and their state are untouched (telegram_id stays as a mirror).
        users = await new.fetchall("SELECT id, telegram_id, reachable, role FROM users ORDER BY id")
        assert [tuple(u) for u in users] == [
            (1, 501, 1, "volunteer"), (2, 502, 0, "resident"), (3, None, 0, "resident"),
            (4, None, 1, "resident"), (5, 9001, 1, "resident")]

        config = dataclasses.replace(load_config(ROOT / "buurtbot.example.toml", env={}),
                                     coordinators=frozenset({9001}))
        service = UserService(new, config, FrozenClock(START))
        resident = await service.get(501)
        assert resident is not None and resident.id == 1 and resident.reachable
        blocked = await service.get(502)
        assert blocked is not None and not blocked.reachable and blocked.telegram_id == 502
        assert (await service.get(9001)).role == "coordinator"  # type: ignore[union-attr]
        erased = await service.by_id(3)
        assert erased is not None and erased.addresses == ()
        # Back from the block: the address (and the mirror) are reachable again.
        assert await service.mark_reachable(502)
        assert await new.fetchval("SELECT reachable FROM users WHERE id = 2") == 1
    finally:
        await new.close()
