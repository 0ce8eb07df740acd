"""Meta's sending limits, so the bot's pacing is tested for real.

Throughput: a number may send ``throughput`` messages per second (80 by default) before
Meta answers 130429. Pair rate: to one person a short burst (45) is allowed, then about
one message per 6 seconds; past it Meta answers 131056. ``scale`` speeds both up (a bench
at 10x keeps the same shape in a tenth of the time).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.sandbox.limits import Bucket, expire


@dataclass
class WaLimits:
    """Configurable limits; ``enabled=False`` (``WaLimits.off()``) for functional tests."""

    enabled: bool = True
    throughput: int = 80
    pair_burst: int = 45
    pair_interval: float = 6.0
    scale: float = 1.0

    @classmethod
    def off(cls) -> WaLimits:
        return cls(enabled=False)


@dataclass
class RateControl:
    """Decides whether the next send is refused, and with which code."""

    limits: WaLimits
    clock: Callable[[], float]
    _window: deque[float] = field(default_factory=deque)
    _pairs: dict[str, Bucket] = field(default_factory=dict)

    def check(self, wa_id: str) -> int | None:
        """None when a send to ``wa_id`` may go now (and count it); else 130429 / 131056."""
        lim = self.limits
        if not lim.enabled:
            return None
        now = self.clock()
        scale = lim.scale if lim.scale > 0 else 1.0
        span = 1.0 / scale
        expire(self._window, now - span)
        if len(self._window) >= lim.throughput:
            return 130429
        rate = scale / lim.pair_interval
        bucket = self._pairs.setdefault(wa_id, Bucket(float(lim.pair_burst), now))
        if bucket.refill(now, float(lim.pair_burst), rate) < 1:
            return 131056
        bucket.tokens -= 1
        self._window.append(now)
        return None
