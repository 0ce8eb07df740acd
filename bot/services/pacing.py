"""Client-side pacing for broadcasts, shaped like Telegram's flood limits.

Why pace ourselves instead of sending as fast as possible and reacting to 429s: a 429 from
Telegram pauses *every* send for ``retry_after`` whole seconds, which costs far more than it
saves. The pacer keeps broadcast traffic just under the overall limit (evenly spaced, and never
more than ``per_second`` in any sliding window), one message per second per private chat and
20 per minute per group, and leaves a little room for the bot's answers to people chatting
with it at the same time (:meth:`reserve`).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """Waits until the next send is allowed; ``scale`` speeds every limit up (benchmarks).

    The overall window is counted conservatively: a send occupies it from the moment it is
    started until one window after its answer came back. Telegram counts it somewhere in
    between, so however the requests bunch up on the way, Telegram never sees more than
    ``per_second`` of ours in any window.
    """

    def __init__(
        self,
        per_second: float = 29.0,
        scale: float = 1.0,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        scale = scale if scale > 0 else 1.0
        self.per_second = per_second
        self.scale = scale
        self.window = 1.0 / scale
        self.capacity = max(1, math.ceil(per_second))
        self.interval = self.window / per_second
        self.private_gap = 1.0 / scale
        self.group_per_window = group_per_minute
        self.group_window = 60.0 / scale
        self.clock = clock
        self._done: deque[float] = deque()  # completion moments, ascending
        self._replies: deque[float] = deque()  # answers to people chatting, expected soon
        self._last_update = -1e9
        self._hold_until: float | None = None
        self.limit = self.capacity + 1  # Telegram's own limit: one slot is kept for answers
        self._in_flight: set[int] = set()
        self._tokens = itertools.count(1)
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_last: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()
        #: Answers counted so far (benchmarks, tests).
        self.answers = 0

    @property
    def rate(self) -> float:
        """Messages per second this pacer aims for."""
        return self.per_second * self.scale

    def _wait(self, now: float) -> float:
        """Seconds until the overall limits allow the next send (any chat)."""
        waits = [self._paused_until - now, self._next - now]
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()
        while self._replies and self._replies[0] <= now - self.window:
            self._replies.popleft()
        ours = len(self._done) + len(self._in_flight)
        if ours == 0:
            # Starting from quiet: the bot may just have sent a few answers we did not count
            # (a preview, a menu). Let those leave Telegram's window first (answers to later
            # messages are counted by reserve(), so this is decided once, not chased).
            if self._hold_until is None:
                self._hold_until = self._last_update + self.window * 1.1
            waits.append(self._hold_until - now)
        if ours >= self.capacity or ours + len(self._replies) >= self.limit:
            # Someone must finish or age out first; look again shortly.
            oldest = [q[0] + self.window - now for q in (self._done, self._replies) if q]
            waits.append(min(oldest) if oldest else self.interval)
        return max(waits)

    def turn_in(self, chat_id: int | None) -> float:
        """Seconds until ``chat_id``'s own turn (a private chat's gap since its last message,
        a group's per-minute count); 0 or less: now."""
        if chat_id is None:
            return 0.0
        now = self.clock()
        if chat_id > 0:
            last = self._chat_last.get(chat_id)
            return last + self.private_gap - now if last is not None else 0.0
        group = self._groups.setdefault(chat_id, deque())
        while group and group[0] <= now - self.group_window:
            group.popleft()
        if len(group) >= self.group_per_window:
            return group[0] + self.group_window - now
        return 0.0

    async def acquire(self, chat_id: int | None, *, wait_turn: bool = True) -> int | None:
        """Wait for a slot for ``chat_id``; returns a token for :meth:`done` or :meth:`refund`.

        A chat's own gap is waited out *outside* the lock: a message to one person that must
        wait for that person's turn holds nobody else's up. ``wait_turn=False``: None at once
        when it is not this chat's turn yet (the caller leaves the message to a sender that
        may wait; only the overall limits, a short wait, are waited for)."""
        while True:
            turn = self.turn_in(chat_id)
            if turn > 0:
                if not wait_turn:
                    return None
                await asyncio.sleep(max(turn, 0.0005))
                continue
            async with self._lock:
                while True:
                    now = self.clock()
                    if self.turn_in(chat_id) > 0:
                        break  # another message to this chat went meanwhile: look again
                    wait = self._wait(now)
                    if wait <= 0:
                        return self._take(chat_id, now)
                    await asyncio.sleep(max(wait, 0.0005))

    def _take(self, chat_id: int | None, now: float) -> int:
        token = next(self._tokens)
        self._hold_until = None
        self._in_flight.add(token)
        # Keep to the ideal schedule: a late wake-up (a busy event loop) is made up by the
        # next send instead of slowing everything down, never more than two at once.
        self._next = max(self._next, now - self.window / 4) + self.interval
        if chat_id is not None:
            if chat_id > 0:
                self._chat_last[chat_id] = now
                if len(self._chat_last) > 50_000:  # keep memory bounded on huge runs
                    cutoff = now - self.private_gap
                    self._chat_last = {c: t for c, t in self._chat_last.items() if t > cutoff}
            else:
                self._groups.setdefault(chat_id, deque()).append(now)
        return token

    async def acquire_answer(self, chat_id: int | None) -> int:
        """A slot for an answer to a person's own update: at once, ahead of every broadcast
        waiting in :meth:`acquire` (the slot kept free is theirs), yet counted like any send:
        only when the overall window is full (answers included) does it wait, and the
        broadcast's next message to this chat keeps its second's distance."""
        if self._replies:
            self._replies.popleft()  # the slot reserve() kept for this answer is taken now
        while True:
            now = self.clock()
            while self._done and self._done[0] <= now - self.window:
                self._done.popleft()
            if len(self._done) + len(self._in_flight) < self.limit \
                    and now >= self._paused_until:
                break
            if now < self._paused_until:
                wait = self._paused_until - now
            else:
                wait = self._done[0] + self.window - now if self._done else self.interval
            await asyncio.sleep(max(wait, 0.0005))
        token = next(self._tokens)
        self._in_flight.add(token)
        self._last_update = now
        if chat_id is not None and chat_id > 0:
            self._chat_last[chat_id] = now
        self.answers += 1
        return token

    def done(self, token: int) -> None:
        """The send came back (delivered or failed): it counts until a window from now."""
        if token in self._in_flight:
            self._in_flight.discard(token)
            self._done.append(self.clock())

    def refund(self, token: int) -> None:
        """A send Telegram refused before counting it (403, 429) gives its slot back."""
        if token in self._in_flight:
            self._in_flight.discard(token)
            self._next = max(self.clock(), self._next - self.interval)

    def reserve(self) -> None:
        """Someone wrote the bot: its answer goes out shortly and needs a slot too.

        One answer per window fits in the slot kept free; more slow the broadcast down.
        """
        now = self.clock()
        self._last_update = now
        self._replies.append(now + self.window / 10)

    def pause(self, seconds: float) -> None:
        """A 429: nothing goes out until ``retry_after`` has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
