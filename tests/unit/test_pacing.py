"""The one pacer of a channel: answers go at once, ahead of a broadcast, and are counted.

Time is simulated: the pacer's sleeps move the clock (no real waiting)."""

from __future__ import annotations

import asyncio
import types

import pytest

from bot.services import pacing
from bot.services.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()

    async def sleep(seconds: float) -> None:
        fake.now += seconds
        fake.slept += seconds
        await asyncio.sleep(0)

    monkeypatch.setattr(pacing, "asyncio", types.SimpleNamespace(Lock=asyncio.Lock, sleep=sleep))
    return fake


async def test_an_answer_takes_the_kept_slot_at_once_and_is_counted(clock: Clock) -> None:
    pacer = Pacer(per_second=29.0, clock=clock)
    for chat in range(1, 30):  # the broadcast filled its 29 of this second
        pacer.done(await pacer.acquire(chat))
    slept = clock.slept
    token = await pacer.acquire_answer(99)  # the 30th slot is the answers': no wait
    assert clock.slept == slept
    pacer.done(token)
    assert pacer.answers == 1
    # Counted: the window is full now (29 + 1), so the broadcast's next waits for it to pass.
    pacer.done(await pacer.acquire(31))
    assert clock.now >= 100.0 + 1.0  # not before the first of the window aged out


async def test_answers_alone_stay_within_the_limit(clock: Clock) -> None:
    pacer = Pacer(per_second=29.0, clock=clock)
    for chat in range(1, 31):  # 30 answers in one second: Telegram's limit, all at once
        pacer.done(await pacer.acquire_answer(chat))
    assert clock.slept == 0
    pacer.done(await pacer.acquire_answer(31))  # the 31st waits for the window
    assert clock.now >= 101.0


async def test_an_answer_keeps_the_second_per_chat_for_the_broadcast(clock: Clock) -> None:
    pacer = Pacer(per_second=29.0, clock=clock)
    start = clock.now
    pacer.done(await pacer.acquire_answer(7))
    pacer.done(await pacer.acquire(7))  # a broadcast message to the same chat
    assert clock.now - start >= 1.0


async def test_a_429_holds_answers_too(clock: Clock) -> None:
    pacer = Pacer(per_second=29.0, clock=clock)
    pacer.pause(5.0)
    start = clock.now
    pacer.done(await pacer.acquire_answer(1))
    assert clock.now - start >= 5.0
