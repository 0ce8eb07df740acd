"""The one durable outbox and its paced sender: every message the bot sends on its own.

Why: a scheduled message used to be claimed, then sent; a crash in between lost it for good
(8 of 12 meal reminders after a ``kill -9`` at 09:00). Now the message is an outbox row,
written in the same transaction as the change or claim that causes it, and a row leaves the
outbox only in a final state. A row in flight is leased ('sending'); at start every such row
goes back to 'queued', so the one message in flight at a kill may arrive twice, never none.

This service knows no Telegram: a channel adapter (``channels[name]``, registered by the
handler layer, :mod:`bot.channels.telegram`) sends one neutral message and says what a
failure means (:class:`bot.messaging.port.DeliveryError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import translator
from bot.messaging.message import Address, OutMessage, Receipt
from bot.messaging.port import DeliveryError
from bot.store import addresses as address_store
from bot.store import outbox as store
from bot.store.outbox import OutboxRow

if TYPE_CHECKING:
    import aiosqlite

    from bot.services import Services

log = logging.getLogger(__name__)

#: Priorities: answers to a person's own tap > notices to others > broadcasts.
ANSWER, NOTICE, BROADCAST = 2, 1, 0
#: Pause before attempt 2, 3, ...; the last one repeats until the attempts run out.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=5),
           timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=1))
#: After this many short-lived failures a row is 'failed' (a day of hourly tries; a row's
#: ``expires_at`` usually ends it sooner).
MAX_ATTEMPTS = 30
#: How long a message is worth sending when its kind does not say.
DEFAULT_LIFETIME = timedelta(hours=24)
#: A row taken for an attempt is not taken again for this long (the attempt is under way).
LEASE = timedelta(minutes=5)
#: The background sender looks at the outbox at least this often (seconds).
IDLE_WAKE = 30.0
#: A graceful stop lets the message in flight finish for at most this long (seconds); one
#: that hangs longer is cut off and stays 'sending' (sent again on the next start).
STOP_GRACE = 10.0

Renderer = Callable[[Any, OutboxRow, Any], "Awaitable[OutMessage | None] | OutMessage | None"]
OnSent = Callable[[Any, OutboxRow, Receipt], Awaitable[None]]
OnFinal = Callable[[Any, OutboxRow, str], Awaitable[None]]

#: Set while a tick runs (:meth:`OutboxService.hold`): notices wait until every tick of the
#: run has enqueued its messages, then go out together.
_held: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_held", default=False)


class Channel(Protocol):
    """What the sender needs of a channel adapter."""

    async def send(self, address: str, message: OutMessage) -> Receipt: ...

    async def pace(self, address: str) -> Any: ...

    def paced(self, token: Any, *, counted: bool, retry_after: float | None = None) -> None: ...


async def person_address(conn: aiosqlite.Connection, person_id: int) -> Address | None:
    """The one place that resolves "this person" to where a message goes: their preferred
    reachable address. None: erased (no address) or unreachable on every channel."""
    row = await address_store.address_of(conn, person_id)
    return row.key if row is not None else None


class OutboxService:
    def __init__(self, services: Services) -> None:
        self.services = services
        #: channel name -> adapter (the handler layer registers Telegram at register(app)).
        self.channels: dict[str, Channel] = {}
        #: The application, for renderers (set by the handler layer).
        self.app: Any = None
        self._renderers: dict[str, Renderer] = {}
        self._on_sent: dict[str, OnSent] = {}
        self._on_final: dict[str, OnFinal] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._holding = 0
        #: Set by a graceful stop: the message in flight finishes, nothing more is sent.
        self._stopping = False

    async def start(self) -> None:
        """Called once the database is connected: what a crash left in flight goes again."""
        self.services.privacy.register("outbox", None, self._erase)
        async with self.services.db.transaction() as conn:
            again = await store.requeue_in_flight(conn)
        if again:
            log.warning("%d message(s) were in flight at the last stop; sending them again",
                        again)

    # --- registry ------------------------------------------------------------------------

    def renderer(self, kind: str) -> Callable[[Renderer], Renderer]:
        """``@outbox.renderer("meal.reminder")``: ``fn(app, row, t) -> OutMessage | None``
        renders a row enqueued with ``params`` at send time; None marks it 'skipped'."""
        def register(fn: Renderer) -> Renderer:
            self._renderers[kind] = fn
            return fn
        return register

    def on_sent(self, kind: str) -> Callable[[OnSent], OnSent]:
        """``@outbox.on_sent(kind)``: ``fn(app, row, receipt)`` after each send of ``kind``."""
        def register(fn: OnSent) -> OnSent:
            self._on_sent[kind] = fn
            return fn
        return register

    def on_final(self, kind: str) -> Callable[[OnFinal], OnFinal]:
        """``@outbox.on_final(kind)``: ``fn(app, row, state)`` once a row of ``kind`` ends
        without being sent (unreachable, failed, skipped, expired): e.g. the belronde puts a
        resident it cannot reach on the "to call" list. Runs after that state is committed; a
        kill in between skips it, so a feature also reads the states on its next tick."""
        def register(fn: OnFinal) -> OnFinal:
            self._on_final[kind] = fn
            return fn
        return register

    # --- enqueue -------------------------------------------------------------------------

    async def enqueue(
        self, conn: aiosqlite.Connection, *, to: int | None = None,
        address: Address | None = None, kind: str, ref: str | int, dedupe: str | int = "",
        params: dict[str, Any] | None = None, message: OutMessage | None = None,
        priority: int = NOTICE, not_before: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> int | None:
        """Queue one message inside the caller's transaction; the row id, or None when that
        (kind, ref, address, dedupe) is queued already or the person cannot be reached."""
        if (params is None) == (message is None):
            raise ValueError("enqueue takes exactly one of params / message")
        if (to is None) == (address is None):
            raise ValueError("enqueue takes exactly one of to / address")
        if to is not None:
            address = await person_address(conn, to)
            if address is None:
                return None
        assert address is not None
        now = self.services.clock.now()
        row_id = await store.enqueue(
            conn, person_id=to, channel=address.channel, address=address.address, kind=kind,
            ref=str(ref), dedupe=str(dedupe), params=params,
            message=message.to_json() if message is not None else None, priority=priority,
            next_at=not_before or now, expires_at=expires_at, now=now)
        if row_id is not None and not _held.get():
            self._wake.set()
        return row_id

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """While a run of ticks enqueues, nothing of it is sent; :meth:`deliver` after it."""
        token = _held.set(True)
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            _held.reset(token)
            self._wake.set()

    @staticmethod
    def held() -> bool:
        return _held.get()

    # --- sending -------------------------------------------------------------------------

    async def deliver(self) -> None:
        """Send everything due now (paced), then return."""
        async with self._lock:
            while not self._stopping:
                now = self.services.clock.now()
                async with self.services.db.transaction() as conn:
                    expired = await store.expire(conn, now)
                    for row in expired:
                        log.warning("%s %s expired before it could be sent", row.kind, row.ref)
                    await store.requeue_stale_leases(conn, now)
                    rows = await store.claim_due(conn, now, now + LEASE)
                for row in expired:
                    await self._after_final(row, store.EXPIRED)
                if not rows:
                    return
                for index, row in enumerate(rows):
                    if self._stopping:  # claimed but not begun: back to the queue, untouched
                        async with self.services.db.transaction() as conn:
                            await store.release(conn, [r.id for r in rows[index:]])
                        return
                    await self._send(row)

    async def _send(self, row: OutboxRow) -> None:
        try:
            message = await self._render(row)
        except Exception:
            log.exception("rendering %s %s failed", row.kind, row.ref)
            await self._final(row, store.FAILED, "render failed")
            return
        if message is None:
            await self._final(row, store.SKIPPED)
            return
        channel = self.channels.get(row.channel)
        if channel is None:
            await self._later(row, f"no {row.channel} channel")
            return
        token = await channel.pace(row.address)
        try:
            receipt = await channel.send(row.address, message)
        except DeliveryError as exc:
            channel.paced(token, counted=exc.verdict not in ("gone", "retry"),
                          retry_after=exc.retry_after)
            await self._failed(row, exc)
            return
        channel.paced(token, counted=True)
        await self._sent(row, receipt)

    async def _render(self, row: OutboxRow) -> OutMessage | None:
        if row.message is not None:
            return OutMessage.from_json(row.message)
        render = self._renderers.get(row.kind)
        if render is None:
            raise LookupError(f"no renderer for {row.kind}")
        language = None
        if row.person_id is not None:
            person = await self.services.users.by_id(row.person_id)
            language = person.language if person is not None else None
        result = render(self.app, row, translator(language))
        if asyncio.iscoroutine(result):
            result = await result
        return result  # type: ignore[return-value]

    async def _sent(self, row: OutboxRow, receipt: Receipt | None) -> None:
        async with self.services.db.transaction() as conn:
            await store.mark_sent(conn, row.id, self.services.clock.now(),
                                  receipt.message_ref if receipt else None)
        hook = self._on_sent.get(row.kind)
        if hook is not None and receipt is not None:
            try:
                await hook(self.app, row, receipt)
            except Exception:
                log.exception("after sending %s %s", row.kind, row.ref)

    async def _failed(self, row: OutboxRow, exc: DeliveryError) -> None:
        if exc.verdict == "uncertain":
            log.warning("%s %s timed out after it left; counted as sent, not resent",
                        row.kind, row.ref)
            await self._sent(row, None)
        elif exc.verdict == "retry":
            await self._later(row, exc.detail or "retry", exc.retry_after)
        elif exc.verdict == "gone":
            if row.channel == "telegram":
                await self.services.users.mark_unreachable(Address(row.channel, row.address))
            await self._final(row, store.UNREACHABLE, exc.detail or "gone")
        else:
            log.warning("%s %s refused: %s", row.kind, row.ref, exc.detail)
            await self._final(row, store.FAILED, exc.detail or "failed")

    async def _later(self, row: OutboxRow, error: str, retry_after: float | None = None) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("%s %s given up after %d attempts", row.kind, row.ref, row.attempts + 1)
            await self._final(row, store.FAILED, error)
            return
        pause = BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
        if retry_after:
            pause = max(pause, timedelta(seconds=retry_after))
        log.warning("%s %s not sent (%s); will retry", row.kind, row.ref, error)
        async with self.services.db.transaction() as conn:
            await store.later(conn, row.id, self.services.clock.now() + pause, error)

    async def _final(self, row: OutboxRow, state: str, error: str | None = None) -> None:
        async with self.services.db.transaction() as conn:
            await store.mark_final(conn, row.id, state, error)
        await self._after_final(row, state)

    async def _after_final(self, row: OutboxRow, state: str) -> None:
        hook = self._on_final.get(row.kind)
        if hook is None:
            return
        try:
            await hook(self.app, row, state)
        except Exception:
            log.exception("after %s %s ended %s", row.kind, row.ref, state)

    # --- the background sender -----------------------------------------------------------

    def start_sender(self) -> None:
        """Start the task that sends what is queued (woken by enqueue and by ``next_at``)."""
        self._stopping = False
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop_sender(self, grace: float = STOP_GRACE, *, closing: bool = False) -> None:
        """Stop the background sender gracefully: the message in flight finishes (so it is
        marked 'sent' and never sent again), rows claimed but not begun go back to 'queued'.
        Cancelling mid-request instead left the row 'sending' although Telegram had it, and
        the next start sent it a second time.

        ``closing`` (the application stopping): from now on :meth:`deliver` sends nothing (a
        tick or handler finishing during the stop returns at once; its rows go out on the
        next start). Without it, :meth:`deliver` works again once the sender has stopped."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        try:
            if task is None or task.done():
                return
            _done, hanging = await asyncio.wait({task}, timeout=grace)
            if hanging:
                log.warning("the outbox sender did not finish within %.0f s; stopping it",
                            grace)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._stopping = closing

    @property
    def sender_task(self) -> asyncio.Task[None] | None:
        return self._task

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                if not self._holding:
                    await self.deliver()
                wait = await self._until_next()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox sender failed; trying again shortly")
                wait = IDLE_WAKE
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _until_next(self) -> float:
        async with self.services.db.transaction() as conn:
            due = await store.next_due(conn)
        if due is None:
            return IDLE_WAKE
        seconds = (due - self.services.clock.now()).total_seconds()
        return min(max(seconds, 1.0), IDLE_WAKE)

    # --- reports and privacy -------------------------------------------------------------

    async def last_id(self) -> int:
        """The newest row's id (0 when empty): a mark to :meth:`skip_queued_after`."""
        async with self.services.db.transaction() as conn:
            return await store.last_id(conn)

    async def skip_queued_after(self, after_id: int) -> int:
        """Rows queued after the mark are not sent (marked skipped): the demo's seeded past."""
        async with self.services.db.transaction() as conn:
            return await store.skip_queued_after(conn, after_id)

    async def counts(self, kind: str | None = None, ref: str | int | None = None
                     ) -> dict[str, int]:
        """Rows per state (queued, sending, sent, unreachable, failed, skipped, expired)."""
        async with self.services.db.transaction() as conn:
            return await store.counts(conn, kind, None if ref is None else str(ref))

    async def rows(self, kind: str, ref: str | int | None = None) -> list[OutboxRow]:
        async with self.services.db.transaction() as conn:
            return await store.for_kind(conn, kind, None if ref is None else str(ref))

    async def receipt(self, row_id: int) -> Receipt | None:
        """The receipt of a row once it is sent (None while queued, or never sent)."""
        async with self.services.db.transaction() as conn:
            row = await store.get(conn, row_id)
        if row is None or row.state != store.SENT:
            return None
        return Receipt(row.channel, row.address, row.provider_ref or "")

    async def waiting(self, kind: str | None = None) -> int:
        """Messages kept back by a short-lived failure, waiting for another attempt."""
        async with self.services.db.transaction() as conn:
            return await store.waiting_retry(conn, kind)

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.erase_person(conn, user_id)
