"""Telegram having a bad moment, on demand: error answers for a while, slow answers, and a
connection dropped after the message was delivered.

Why: the bot must lose nothing on a short outage (a scheduled message is sent again later) and
send nothing twice when Telegram delivered but the answer never came back. Tests and testers
switch these on from Python (``sandbox.faults.error(...)``) or over HTTP
(``POST /sandbox/faults``, see README).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: Methods a fault leaves alone unless named: the bot must still be able to hear people.
UNTOUCHED = frozenset({"getUpdates", "getMe", "deleteWebhook", "setMyCommands"})
MODES = ("error", "drop", "slow")


@dataclass
class Fault:
    """``error``: answer ``code`` without doing anything. ``drop``: do the call, then close the
    connection without an answer. ``slow``: do the call, answer after ``delay`` seconds."""

    mode: str
    methods: frozenset[str] | None = None  # None: every method except UNTOUCHED
    code: int = 500
    description: str = "Internal Server Error"
    delay: float = 0.0
    until: float | None = None  # on the sandbox clock; None: until cleared or used up
    times: int | None = None  # how many calls it hits; None: no limit
    hits: int = 0

    def applies(self, method: str, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if self.methods is None:
            return method not in UNTOUCHED
        return method in self.methods


@dataclass
class Kill:
    """The moment the bot process dies: the ``n``-th call of one of ``methods`` from now on.
    With ``delivered`` the call is carried out first (the message arrives), then it and every
    later call of the bot hang unanswered until :meth:`Faults.release` (a dead process sends
    nothing and hears nothing). ``on_kill`` runs at that moment (the test harness drops
    every task of the bot there)."""

    methods: frozenset[str]
    n: int
    delivered: bool = True
    on_kill: Callable[[], None] | None = None
    seen: int = 0


@dataclass
class Faults:
    clock: Callable[[], float] = time.time
    active: list[Fault] = field(default_factory=list)
    kill: Kill | None = None
    #: True from the kill moment until release(): every call hangs.
    dead: bool = False
    _released: asyncio.Event | None = None

    def kill_at(self, method: str | Iterable[str] = "sendMessage", n: int = 1, *,
                delivered: bool = True, on_kill: Callable[[], None] | None = None) -> Kill:
        methods = frozenset([method] if isinstance(method, str) else method)
        self.kill = Kill(methods, max(1, n), delivered, on_kill)
        return self.kill

    def kill_moment(self, method: str) -> Kill | None:
        """The kill, when this call is its moment (counted), else None."""
        kill = self.kill
        if kill is None or self.dead or method not in kill.methods:
            return None
        kill.seen += 1
        return kill if kill.seen == kill.n else None

    def die(self) -> None:
        self.dead = True
        if self._released is None or self._released.is_set():
            self._released = asyncio.Event()
        kill, self.kill = self.kill, None
        if kill is not None and kill.on_kill is not None:
            kill.on_kill()

    async def hang(self) -> None:
        """A call made to (or by) a dead process: never answered until release()."""
        if self._released is None:
            self._released = asyncio.Event()
        await self._released.wait()

    def release(self) -> None:
        """The old process is gone: calls may be answered again (a fresh start)."""
        self.dead = False
        self.kill = None
        if self._released is not None:
            self._released.set()

    def add(self, mode: str, *, methods: Iterable[str] | None = None, code: int = 500,
            description: str | None = None, seconds: float | None = None,
            times: int | None = None, delay: float = 0.0) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r} (one of {', '.join(MODES)})")
        fault = Fault(
            mode=mode, methods=frozenset(methods) if methods is not None else None, code=code,
            description=description or _phrase(code), delay=delay,
            until=self.clock() + seconds if seconds is not None else None, times=times)
        self.active.append(fault)
        return fault

    def error(self, code: int = 500, **kwargs) -> Fault:  # type: ignore[no-untyped-def]
        """Answer ``code`` (500, 502, 429...) for ``seconds`` or ``times`` calls."""
        return self.add("error", code=code, **kwargs)

    def drop_after_delivery(self, **kwargs) -> Fault:  # type: ignore[no-untyped-def]
        return self.add("drop", **kwargs)

    def slow(self, delay: float, **kwargs) -> Fault:  # type: ignore[no-untyped-def]
        return self.add("slow", delay=delay, **kwargs)

    def clear(self) -> None:
        self.active.clear()
        self.release()

    def hit(self, method: str) -> Fault | None:
        """The fault this call meets (counted), or None."""
        now = self.clock()
        self.active = [f for f in self.active
                       if not ((f.until is not None and now >= f.until)
                               or (f.times is not None and f.hits >= f.times))]
        for fault in self.active:
            if fault.applies(method, now):
                fault.hits += 1
                return fault
        return None


def _phrase(code: int) -> str:
    return {429: "Too Many Requests: retry after 1", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(
                code, "Internal Server Error")
