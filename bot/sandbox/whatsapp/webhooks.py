"""Webhook delivery from the stand-in to the bot, as Meta does it.

Every POST is signed ``X-Hub-Signature-256: sha256=<hmac-sha256(app_secret, raw body)>``.
Deliveries go one after the other, in order (``concurrency`` > 1: that many at a time, as
Meta does under load, so order is no longer kept). A non-200 answer (or no answer) is retried a
few times with a growing pause (Meta retries for days; here ``retries`` times, starting at
``retry_pause`` seconds). Every answer is kept (``Delivery.answers``), and ``settle()``
waits, on an event, until every delivery so far has had its final answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.sandbox.state import Signal
from bot.sandbox.whatsapp.state import Delivery

_LOG = logging.getLogger(__name__)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """Queues, signs and posts webhook payloads; keeps every delivery and its answers."""

    def __init__(self, secret: Callable[[], str], changed: Signal) -> None:
        self._secret = secret
        self.changed = changed
        self.url: str | None = None
        self.retries = 3
        self.retry_pause = 0.05
        self.timeout = 10.0
        self.deliver_twice = False
        self.concurrency = 1
        self.deliveries: list[Delivery] = []
        self._pending: deque[Delivery] = deque()
        self._held: list[Delivery] = []
        self._inflight = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False

    def post(self, kind: str, payload: dict[str, Any], *, hold: bool = False) -> Delivery:
        """Queue ``payload``; posted once ``url`` is set (twice with ``deliver_twice``).
        ``hold``: kept back until ``release()`` (statuses wait for the send's answer)."""
        delivery = self._queue(kind, payload, hold=hold)
        if self.deliver_twice:
            self._queue(kind, payload, body=delivery.body, hold=hold)
        return delivery

    def release(self, deliveries: list[Delivery]) -> None:
        """Post these held deliveries, in order."""
        held = [d for d in self._held if any(d is x for x in deliveries)]
        self._held = [d for d in self._held if not any(d is x for x in deliveries)]
        self._pending.extend(held)
        self._start()
        self.changed.notify()

    def repost(self, delivery: Delivery) -> Delivery:
        """The same body again: Meta's duplicate delivery."""
        return self._queue(delivery.kind, delivery.payload, body=delivery.body)

    def _queue(self, kind: str, payload: dict[str, Any], body: bytes | None = None,
               hold: bool = False) -> Delivery:
        raw = body if body is not None else json.dumps(
            payload, ensure_ascii=False, separators=(",", ":")).encode()
        delivery = Delivery(seq=len(self.deliveries) + 1, kind=kind, payload=payload, body=raw,
                            signature=sign(self._secret(), raw))
        self.deliveries.append(delivery)
        if hold:
            self._held.append(delivery)
            return delivery
        self._pending.append(delivery)
        self._start()
        self.changed.notify()
        return delivery

    def _start(self) -> None:
        self._tasks = [t for t in self._tasks if not t.done()]
        if self._stopping or len(self._tasks) >= max(1, self.concurrency):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # queued outside a loop: posted when one runs and url is set
            return
        while len(self._tasks) < max(1, self.concurrency):
            self._tasks.append(loop.create_task(self._run()))

    def set_url(self, url: str | None) -> None:
        self.url = url
        self._start()
        self.changed.notify()

    @property
    def idle(self) -> bool:
        """Every delivery so far had its final answer."""
        return not self._pending and not self._inflight and not self._held

    async def _run(self) -> None:
        while not self._stopping:
            await self.changed.wait_for(
                lambda: (self._pending and self.url) or self._stopping, None)
            if self._stopping:
                return
            if self._http is None or self._http.closed:
                self._http = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=self.timeout))
            delivery = self._pending.popleft()
            self._inflight += 1
            try:
                await self._deliver(self._http, delivery)
            except asyncio.CancelledError:  # stopped mid-way: it goes again first
                self._pending.appendleft(delivery)
                raise
            else:
                delivery.done = True
            finally:
                self._inflight -= 1
                self.changed.notify()

    async def _deliver(self, http: aiohttp.ClientSession, delivery: Delivery) -> None:
        pause = self.retry_pause
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": delivery.signature,
                   "User-Agent": "facebookexternalua"}
        for attempt in range(self.retries + 1):
            url = self.url
            if url is None:
                return
            try:
                async with http.post(url, data=delivery.body, headers=headers) as response:
                    answer = (response.status, await response.text())
            except (aiohttp.ClientError, TimeoutError) as exc:
                answer = (0, f"{type(exc).__name__}")
            delivery.answers.append(answer)
            self.changed.notify()
            if answer[0] == 200:
                return
            _LOG.debug("webhook %s answered %s (attempt %s)", delivery.seq, answer[0], attempt)
            if attempt < self.retries:
                await asyncio.sleep(pause)  # Meta's back-off, shortened
                pause *= 2

    def open(self) -> None:
        """Deliver (again): the sandbox started (again); what was queued meanwhile goes."""
        self._stopping = False
        self._start()
        self.changed.notify()

    @property
    def active(self) -> bool:
        """A posting task runs or an HTTP session is open."""
        return any(not t.done() for t in self._tasks) or (
            self._http is not None and not self._http.closed)

    @property
    def closed(self) -> bool:
        """Closed: nothing is posted until :meth:`open` (no task, no HTTP session)."""
        return self._stopping

    async def close(self) -> None:
        """Stop posting: the tasks end, the HTTP session is closed, and it stays closed
        until :meth:`open` (what is still queued waits for that: it must not reopen a
        session nobody closes any more)."""
        self._stopping = True
        self.changed.notify()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()
