"""Flood control like Telegram's, so the bot's rate limiting is tested for real.

Telegram allows about 30 messages per second overall, 20 messages per minute in
one group, and in a private chat short bursts followed by ~1 message per second.
Past a limit it answers 429 with ``retry_after`` (whole seconds).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Limits:
    """Configurable flood limits. ``scale`` multiplies all rates (2.0 = twice as fast)."""

    enabled: bool = True
    global_per_second: int = 30
    group_per_minute: int = 20
    private_burst: int = 10
    private_refill_per_second: float = 1.0
    scale: float = 1.0

    @classmethod
    def off(cls) -> Limits:
        """No flood control at all (most functional tests)."""
        return cls(enabled=False)


@dataclass
class Bucket:
    """A token bucket (a burst, then a steady rate); shared with the WhatsApp stand-in."""

    tokens: float
    updated: float

    def refill(self, now: float, capacity: float, rate: float) -> float:
        """Add what ``rate`` (tokens a second) gave since the last look, up to ``capacity``."""
        self.tokens = min(capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now
        return self.tokens


@dataclass
class FloodControl:
    """Tracks sends and decides whether the next one gets a 429."""

    limits: Limits
    clock: Callable[[], float] = time.monotonic
    _global: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _private: dict[int, Bucket] = field(default_factory=dict)

    def check(self, chat_id: int, is_private: bool) -> int | None:
        """Register a send to ``chat_id``; return None if allowed, else retry_after seconds."""
        lim = self.limits
        if not lim.enabled:
            return None
        now = self.clock()
        scale = lim.scale if lim.scale > 0 else 1.0
        waits: list[float] = []

        gwin = 1.0 / scale
        expire(self._global, now - gwin)
        if len(self._global) >= lim.global_per_second:
            waits.append(self._global[0] + gwin - now)

        group_q: deque[float] | None = None
        if is_private:
            bucket = self._private.setdefault(chat_id, Bucket(lim.private_burst, now))
            rate = lim.private_refill_per_second * scale
            if bucket.refill(now, lim.private_burst, rate) < 1:
                waits.append((1 - bucket.tokens) / rate)
        else:
            cwin = 60.0 / scale
            group_q = self._groups.setdefault(chat_id, deque())
            expire(group_q, now - cwin)
            if len(group_q) >= lim.group_per_minute:
                waits.append(group_q[0] + cwin - now)

        if waits:
            return max(1, math.ceil(max(waits)))
        self._global.append(now)
        if is_private:
            self._private[chat_id].tokens -= 1
        elif group_q is not None:
            group_q.append(now)
        return None


def expire(q: deque[float], before: float) -> None:
    """Drop the times at or before ``before`` from the front of ``q`` (a sliding window)."""
    while q and q[0] <= before:
        q.popleft()
