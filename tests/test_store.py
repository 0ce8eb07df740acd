"""The database: numbered migrations applied once, data surviving restarts."""

from __future__ import annotations

from pathlib import Path

from telegram.ext import ConversationHandler

from bot.store.db import Database, migration_files


def test_migrations_are_numbered_without_gaps() -> None:
    numbers = [number for number, _name, _sql in migration_files()]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_migrations_are_safe_to_rerun(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.db")
    await db.connect()
    first = await db.fetchval("SELECT COUNT(*) FROM schema_migrations")
    assert first == len(migration_files())
    assert await db.migrate() == []
    await db.close()
    again = Database(tmp_path / "x.db")
    await again.connect()
    assert await again.fetchval("SELECT COUNT(*) FROM schema_migrations") == first
    assert await again.fetchval("PRAGMA foreign_keys") == 1
    assert (await again.fetchval("PRAGMA journal_mode")).lower() == "wal"
    await again.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.db")
    await db.connect()
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO job_runs (job, period, done_at) VALUES ('a','b','c')")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert await db.fetchval("SELECT COUNT(*) FROM job_runs") == 0
    await db.close()


async def test_people_survive_a_restart(bot) -> None:
    user = await bot.resident(name="Fatima")
    await bot.restart()
    person = await bot.person(user)
    assert person is not None and person.name == "Fatima"


async def test_a_cancelled_task_never_leaves_a_transaction_open(tmp_path: Path) -> None:
    import asyncio

    db = Database(tmp_path / "x.db")
    await db.connect()
    started = asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO job_runs (job, period, done_at) VALUES ('a','1','x')")
            started.set()
            await asyncio.Event().wait()  # cancelled here, mid-transaction

    task = asyncio.create_task(slow_writer())
    await started.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    # Also cancel one while it waits for BEGIN.
    for _ in range(20):
        waiting = asyncio.create_task(db.execute(
            "INSERT INTO job_runs (job, period, done_at) VALUES ('b','1','x')"))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
    await db.execute("INSERT INTO job_runs (job, period, done_at) VALUES ('c','1','x')")
    jobs = {row[0] for row in await db.fetchall("SELECT job FROM job_runs")}
    assert "a" not in jobs and "c" in jobs
    await db.close()


def _conversations(app) -> list[ConversationHandler]:
    return [h for handlers in app.handlers.values() for h in handlers
            if isinstance(h, ConversationHandler)]


async def test_every_open_conversation_survives_a_restart(bot) -> None:
    """Each feature's half-done conversation, in every one of its states, comes back."""
    conversations = _conversations(bot.app)
    assert {"onboarding", "meals", "help_intake", "cal_programme"} <= {
        c.name for c in conversations}
    expected: dict[str, dict[tuple, object]] = {}
    for number, handler in enumerate(conversations):
        assert handler.persistent and handler.name, f"{handler.name}: persistent=True, a name"
        assert not handler.per_message
        states = expected.setdefault(handler.name, {})
        for offset, state in enumerate(handler.states):
            person = 70_000 + number * 100 + offset
            key = tuple(x for x, on in ((person, handler.per_chat), (person, handler.per_user))
                        if on)
            handler._update_state(state, key)
            states[key] = state
    await bot.app.update_persistence()
    await bot.restart()
    for handler in _conversations(bot.app):
        for key, state in expected[handler.name].items():
            assert handler._conversations.get(key) == state, (handler.name, key)
