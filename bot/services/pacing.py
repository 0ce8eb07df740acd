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
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """Waits until the next send is allowed; ``scale`` speeds every limit up (benchmarks)."""

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
        self.capacity = max(1, int(per_second))
        self.interval = self.window / per_second
        self.private_gap = 1.0 / scale
        self.group_per_window = group_per_minute
        self.group_window = 60.0 / scale
        self.clock = clock
        self._sent: deque[float] = deque()
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_last: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()

    @property
    def rate(self) -> float:
        """Messages per second this pacer aims for."""
        return self.per_second * self.scale

    def _wait(self, chat_id: int | None, now: float) -> float:
        waits = [self._paused_until - now, self._next - now]
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        if len(self._sent) >= self.capacity:
            waits.append(self._sent[0] + self.window - now)
        if chat_id is not None:
            if chat_id > 0:
                last = self._chat_last.get(chat_id)
                if last is not None:
                    waits.append(last + self.private_gap - now)
            else:
                group = self._groups.setdefault(chat_id, deque())
                while group and group[0] <= now - self.group_window:
                    group.popleft()
                if len(group) >= self.group_per_window:
                    waits.append(group[0] + self.group_window - now)
        return max(waits)

    async def acquire(self, chat_id: int | None) -> float:
        """Wait for a slot for ``chat_id``; returns a stamp that :meth:`refund` accepts."""
        async with self._lock:
            while True:
                now = self.clock()
                wait = self._wait(chat_id, now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._sent.append(now)
            self._next = now + self.interval
            if chat_id is not None:
                if chat_id > 0:
                    self._chat_last[chat_id] = now
                    if len(self._chat_last) > 50_000:  # keep memory bounded on huge runs
                        cutoff = now - self.private_gap
                        self._chat_last = {c: t for c, t in self._chat_last.items() if t > cutoff}
                else:
                    self._groups[chat_id].append(now)
            return now

    def reserve(self) -> None:
        """Someone wrote the bot: keep a slot free for its answer."""
        now = self.clock()
        self._sent.append(now)
        self._next = max(self._next, now) + self.interval

    def refund(self, stamp: float) -> None:
        """A send that Telegram refused before counting it (403) gives its slot back."""
        try:
            self._sent.remove(stamp)
        except ValueError:
            pass

    def pause(self, seconds: float) -> None:
        """A 429: nothing goes out until ``retry_after`` has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
