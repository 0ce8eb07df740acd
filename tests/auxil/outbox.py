"""Helpers of the kill tests of the outbox (tests/test_outbox_*.py, CORE13 §5).

Every such test does the same: kill the bot at the k-th send, wait for the kill, restart, let
the new sender finish, then count who got what and check that every outbox row is final. The
steps live here once so the tests say only what differs: the kind, the people, the words.
"""

from __future__ import annotations

import dataclasses

from bot.sandbox import SandboxUser
from bot.store.outbox import FINAL
from tests.auxil.harness import COORDINATOR_ID, BotHarness, assert_each_once


def kill_at_send(bot: BotHarness, n: int = 1, *, method: str = "sendMessage",
                 delivered: bool = True) -> None:
    """``bot.kill_at`` whose moment also wakes the sandbox's waiters (a call that is not
    delivered changes nothing there), so a test can wait for it without sleeping."""
    bot.kill_at(method=method, n=n, delivered=delivered)
    kill = bot.sandbox.faults.kill
    assert kill is not None and kill.on_kill is not None
    inner = kill.on_kill

    def on_kill() -> None:
        inner()
        bot.sandbox.changed.notify()

    kill.on_kill = on_kill


async def until_killed(bot: BotHarness, seconds: float = 10) -> None:
    """The kill is a moment in the sandbox; wait for it (no sleeps)."""
    await bot.sandbox.changed.wait_for(lambda: bot.killed, seconds)


async def resume(bot: BotHarness) -> None:
    """Restart after the kill and wait until the new sender has sent what was left (also
    what waits for a person's turn: the pacing's gap of a second per chat)."""
    await bot.crash()
    await bot.services.outbox.deliver(wait_turns=True)


async def final_states(bot: BotHarness, kind: str) -> dict[str, int]:
    """The outbox rows of ``kind`` by state; every one of them final."""
    states = await bot.services.outbox.counts(kind)
    assert set(states) <= FINAL, states
    return states


async def all_sent(bot: BotHarness, kind: str, rows: int) -> None:
    """Exactly ``rows`` rows of ``kind``, all sent."""
    states = await final_states(bot, kind)
    assert states == {"sent": rows}, states


def count(user: SandboxUser, contains: str) -> int:
    """How many of the bot's messages to ``user`` (text or caption) hold ``contains``."""
    return sum(contains in (m.text or m.caption or "") for m in user.bot_messages)


def each_once(groups: list[tuple[list[SandboxUser], str]], in_flight_max: int = 1) -> None:
    """Like ``assert_each_once`` over several messages at once (one in flight in all)."""
    counts = [count(user, contains) for users, contains in groups for user in users]
    assert all(n >= 1 for n in counts), counts
    assert sum(n - 1 for n in counts) <= in_flight_max and max(counts) <= 2, counts


async def coordinators(bot: BotHarness, n: int) -> list[SandboxUser]:
    """``n`` coordinators of TOP (the config names them; the bot restarts to read it)."""
    ids = [COORDINATOR_ID + i for i in range(n)]
    bot.config = dataclasses.replace(bot.config, coordinators=frozenset(ids))
    await bot.restart()
    users = []
    for i, uid in enumerate(ids):
        users.append(bot.sandbox.add_user(first_name=f"Coordinator {i}", language_code="nl",
                                          user_id=uid))
        await bot.services.users.register(uid, "nl", "top", display_name=f"C{i}")
    return users


async def killed_and_resumed(bot: BotHarness) -> None:
    """Wait for the kill a tap or a tick set off, then restart and let the sender finish."""
    await until_killed(bot)
    await resume(bot)


async def only_the_kth_twice(bot: BotHarness, k: int, people: list[SandboxUser],
                             contains: str) -> None:
    """Killed at the k-th send of a run: k people had it. Restarted, everyone has it and
    only the k-th (the one in flight at the kill) twice."""
    assert sum(count(p, contains) for p in people) == k
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains=contains)
    assert [count(p, contains) for p in people].index(2) == k - 1
