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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import translator
from bot.messaging.message import Address, OutMessage, Receipt
from bot.messaging.port import Deferred, DeliveryError
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
#: On a clean stop, how long sends under way may take to come back (seconds).
STOP_GRACE = 2.0
#: The background sender looks at the outbox at least this often (seconds).
IDLE_WAKE = 30.0

Renderer = Callable[[Any, OutboxRow, Any], "Awaitable[OutMessage | None] | OutMessage | None"]
OnSent = Callable[[Any, OutboxRow, Receipt], Awaitable[None]]
OnFinal = Callable[[Any, OutboxRow, str], Awaitable[None]]
Progress = Callable[[Any, "str | None"], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """How often a kind is tried after a short-lived failure, and the pauses in between.

    A broadcast's coordinator waits for the report: a few quick tries, then "failed"."""

    max_attempts: int = MAX_ATTEMPTS
    backoff: tuple[timedelta, ...] = BACKOFF

#: Set while a tick runs (:meth:`OutboxService.hold`): notices wait until every tick of the
#: run has enqueued its messages, then go out together.
_held: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_held", default=False)


class Channel(Protocol):
    """What the sender needs of a channel adapter."""

    async def send(self, address: str, message: OutMessage) -> Receipt: ...

    async def pace(self, address: str) -> Any: ...

    # Optional: ``async def try_pace(address) -> token | None`` — a slot only if it is the
    # recipient's turn now (their own gap since their last message is over), else None.

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
        self._progress_hooks: dict[str, Progress] = {}
        #: kind -> retry policy (default: :data:`BACKOFF`, :data:`MAX_ATTEMPTS`).
        self.policies: dict[str, Policy] = {}
        #: Rows taken per look at the outbox, and chats sent to at once.
        self.batch = 50
        #: A broadcast's sends under way at once (a kill may repeat those, at most this many).
        self.broadcast_in_flight = 4
        self._slots = asyncio.Semaphore(self.broadcast_in_flight)
        self._channel_slots: dict[str, asyncio.Semaphore] = {}
        self._channel_slots_size: dict[str, int] = {}
        #: Sends under way: task -> (highest priority, waits for each person's turn).
        self._in_flight: dict[asyncio.Task[int], tuple[int, bool]] = {}
        #: Sends waiting for their recipient's turn (set when one starts to wait).
        self._turn_waits: set[asyncio.Task[Any]] = set()
        self._turn_wait_began = asyncio.Event()
        #: Rows taken for an attempt whose send has not begun (given back on a clean stop).
        self._unstarted: set[int] = set()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._holding = 0

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

    async def enqueue_many(self, conn: aiosqlite.Connection, rows: list[dict[str, Any]], *,
                           kind: str, ref: str | int, priority: int = BROADCAST,
                           not_before: datetime | None = None,
                           expires_at: datetime | None = None) -> int:
        """A broadcast's rows at once, inside the caller's transaction (see
        :func:`bot.store.outbox.enqueue_many`); rendered at send time by ``kind``'s renderer
        (each row's ``params``). Call :meth:`wake` after the commit."""
        now = self.services.clock.now()
        return await store.enqueue_many(conn, rows, kind=kind, ref=str(ref), priority=priority,
                                        next_at=not_before or now, expires_at=expires_at,
                                        now=now)

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

    def wake(self) -> None:
        """Something was queued outside :meth:`enqueue` (a broadcast's rows): look now."""
        if not _held.get():
            self._wake.set()

    def set_speed(self, per_second: float | None = None, scale: float = 1.0) -> None:
        """A fresh pacer for every channel (``scale`` speeds the limits up for benchmarks and
        tests against a scaled sandbox or stand-in).

        ``per_second`` None: each channel its own default (Telegram 29/s, WhatsApp its
        settings' ``messages_per_second``); a number: every channel exactly that (a bench or
        test that wants one rate for all)."""
        for channel in self.channels.values():
            setter = getattr(channel, "set_speed", None)
            if setter is not None:
                setter(per_second, scale)

    async def deliver(self, *, broadcasts: bool | None = None,
                      wait_turns: bool | None = None) -> None:
        """Send everything due now (paced), then return.

        Broadcast rows (thousands, minutes of sending) are the background sender's: a handler
        or a tick that calls this after its commit only waits for its own notices, which go
        ahead of a broadcast in progress. ``broadcasts=True`` sends those too (the sender task
        itself; or when no sender runs).

        A person's tap must never wait for someone else's pacing (WhatsApp's 6 s between two
        messages to one person, Telegram's second per chat): unless ``wait_turns`` (default:
        as ``broadcasts``), a notice whose recipient's turn has not come stays queued and the
        background sender sends it when it has; this call does not wait for it.
        """
        if broadcasts is None:
            broadcasts = self._task is None or self._task.done()
        patient = broadcasts if wait_turns is None else wait_turns
        floor = None if broadcasts else BROADCAST + 1
        left = 0
        while True:
            now = self.services.clock.now()
            async with self._lock, self.services.db.transaction() as conn:
                expired = await store.expire(conn, now)
                for row in expired:
                    log.warning("%s %s %s before it could be sent", row.kind, row.ref,
                                "expired" if row.state == store.EXPIRED else "unreachable")
                await store.requeue_stale_leases(conn, now)
                rows = await store.claim_due(conn, now, now + LEASE, self.batch,
                                             min_priority=floor)
            for row in expired:
                await self._after_final(row, row.state)
            if not rows:
                break
            self._unstarted.update(r.id for r in rows)
            if self._stopping:
                break
            left = await self._send_batch(rows, patient)
            await self._progress({(r.kind, r.ref) for r in rows})
            if left:
                break  # what is still due is the sender's (it would be taken again here)
        if left:
            self._wake.set()  # the background sender waits for their turn
        await self._in_flight_done(broadcasts, patient)

    async def _in_flight_done(self, broadcasts: bool, patient: bool) -> None:
        """Rows another deliver() took meanwhile (the sender task woke first): wait for them,
        so that "deliver() returned" still means "what was due has gone" — except, for a
        caller that must not wait for people's turns, a send that waits for one."""
        while True:
            began = self._turn_wait_began
            busy = [t for t, (p, _waits) in self._in_flight.items()
                    if (p > BROADCAST or broadcasts) and (patient or t not in self._turn_waits)]
            if not busy:
                return
            if patient:
                await asyncio.gather(*(asyncio.shield(t) for t in busy),
                                     return_exceptions=True)
                return
            waiter = asyncio.ensure_future(began.wait())
            try:
                await asyncio.wait([*busy, waiter], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()

    async def _send_batch(self, rows: list[OutboxRow], patient: bool = True) -> int:
        """Notices one at a time, in order (so a kill repeats at most the one in flight).
        A broadcast's rows to several chats at once (:attr:`broadcast_in_flight`: a round
        trip to Telegram takes a while, one at a time would stay well under its limit), each
        chat's rows in order; all through the channel's one pacer. Returns how many rows
        were left queued because their recipient's turn had not come (not ``patient``)."""
        notices = [r for r in rows if r.priority > BROADCAST]
        tasks = []
        if notices:
            tasks.append(self._spawn(notices, None, patient))
        by_address: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in rows:
            if row.priority <= BROADCAST:
                by_address.setdefault((row.channel, row.address), []).append(row)
        for (channel, _address), chat_rows in by_address.items():
            slots = self._slots_of(channel)
            await slots.acquire()
            tasks.append(self._spawn(chat_rows, slots, patient))
        return sum(await asyncio.gather(*tasks))

    def _slots_of(self, channel: str) -> asyncio.Semaphore:
        """A broadcast's sends under way at once on ``channel``: the channel's own
        ``in_flight`` when it says (WhatsApp: Meta answers slower than Telegram, and allows
        more per second), else :attr:`broadcast_in_flight`."""
        wanted = getattr(self.channels.get(channel), "in_flight", None)
        if not isinstance(wanted, int) or wanted <= 0:
            return self._slots
        slots = self._channel_slots.get(channel)
        if slots is None or self._channel_slots_size.get(channel) != wanted:
            slots = self._channel_slots[channel] = asyncio.Semaphore(wanted)
            self._channel_slots_size[channel] = wanted
        return slots

    def _spawn(self, rows: list[OutboxRow], slots: asyncio.Semaphore | None,
               patient: bool = True) -> asyncio.Task[int]:
        task = asyncio.get_running_loop().create_task(self._send_in_order(rows, patient),
                                                      name="outbox")
        self._in_flight[task] = (max(r.priority for r in rows), patient)
        task.add_done_callback(lambda done: self._finished(done, slots))
        return task

    def _finished(self, task: asyncio.Task[int], slots: asyncio.Semaphore | None) -> None:
        self._in_flight.pop(task, None)
        if slots is not None:
            slots.release()

    async def _send_in_order(self, rows: list[OutboxRow], patient: bool = True) -> int:
        """Each row in order; not ``patient``: a row whose recipient's turn has not come
        stays queued, and so does every later row to them (their order is kept). Returns
        how many stayed."""
        waiting: set[tuple[str, str]] = set()
        left: list[int] = []
        for row in rows:
            if self._stopping:
                break  # given back by stop_sender (with those left here)
            if (row.channel, row.address) in waiting:
                left.append(row.id)
                continue
            try:
                if not await self._send(row, patient):
                    waiting.add((row.channel, row.address))
                    left.append(row.id)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop the others; the lease sends it again
                log.exception("sending %s %s failed", row.kind, row.ref)
        if left and not self._stopping:
            await self._not_yet(left)
        return len(left)

    async def _not_yet(self, row_ids: list[int]) -> None:
        """Rows whose recipient's turn had not come: queued again as they were (due now,
        no attempt lost) for the background sender."""
        self._unstarted.difference_update(row_ids)
        async with self.services.db.transaction() as conn:
            await store.give_back(conn, row_ids)

    async def _send(self, row: OutboxRow, patient: bool = True) -> bool:
        """One attempt at ``row``; False when it was not sent because its recipient's turn
        has not come (not ``patient``; the row is the caller's to give back)."""
        try:
            message = await self._render(row)
        except Exception:
            log.exception("rendering %s %s failed", row.kind, row.ref)
            await self._final(row, store.FAILED, "render failed")
            return True
        if message is None:
            await self._final(row, store.SKIPPED)
            return True
        channel = self.channels.get(row.channel)
        if channel is None:
            if not self._configured(row.channel):
                # WhatsApp alone and a Telegram group's weekly post (or the other way): it
                # can never go, so it ends now instead of waiting in the queue until expiry.
                log.info("%s %s skipped: %s is not set up", row.kind, row.ref, row.channel)
                await self._final(row, store.SKIPPED, f"no {row.channel} channel: not set up")
                return True
            await self._later(row, f"no {row.channel} channel")
            return True
        token = await self._pace(channel, row.address, patient)
        if token is None:
            return False  # not their turn yet: the background sender waits for it
        if self._stopping:
            channel.paced(token, counted=False)
            return True  # stopping while it waited for its turn: given back untouched
        self._unstarted.discard(row.id)
        # A channel with rules of its own for messages the bot starts (WhatsApp's 24-hour
        # window, templates, daily limit) takes the whole row.
        send_row = getattr(channel, "send_row", None)
        try:
            if send_row is not None:
                receipt = await send_row(row, message)
            else:
                receipt = await channel.send(row.address, message)
        except Deferred as wait:
            channel.paced(token, counted=wait.template is not None)
            async with self.services.db.transaction() as conn:
                await store.defer(conn, row.id, wait.until, wait.reason, wait.held,
                                  wait.template)
            return True
        except DeliveryError as exc:
            channel.paced(token, counted=exc.verdict not in ("gone", "retry"),
                          retry_after=exc.retry_after)
            await self._failed(row, exc)
            return True
        except BaseException:
            channel.paced(token, counted=True)
            raise
        channel.paced(token, counted=True)
        await self._sent(row, receipt)
        return True

    async def _pace(self, channel: Channel, address: str, patient: bool) -> Any | None:
        """The channel's slot for a row to ``address``; None (not ``patient``) when it is
        not their turn yet. A patient send that must wait for the turn says so, so that a
        caller who must not wait for it (a person's tap) stops waiting for this send."""
        try_pace = getattr(channel, "try_pace", None)
        if try_pace is None:
            return await channel.pace(address)
        token = await try_pace(address)
        if token is not None or not patient:
            return token
        task = asyncio.current_task()
        if task is None:
            return await channel.pace(address)
        self._turn_waits.add(task)
        began, self._turn_wait_began = self._turn_wait_began, asyncio.Event()
        began.set()
        try:
            return await channel.pace(address)
        finally:
            self._turn_waits.discard(task)

    # --- progress of a broadcast ---------------------------------------------------------

    def on_progress(self, kind: str) -> Callable[[Progress], Progress]:
        """``@outbox.on_progress(kind)``: ``fn(app, ref)`` after rows of ``kind`` were sent
        (``ref`` None: at start, look at every one still under way). A broadcast's header
        edits its progress message and, once no row is left, writes its report."""
        def register(fn: Progress) -> Progress:
            self._progress_hooks[kind] = fn
            return fn
        return register

    async def _progress(self, touched: set[tuple[str, str]] | None) -> None:
        for kind, hook in list(self._progress_hooks.items()):
            refs: list[str | None] = ([None] if touched is None
                                      else sorted({r for k, r in touched if k == kind}))
            for ref in refs:
                try:
                    await hook(self.app, ref)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("progress of %s %s failed", kind, ref)

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
        elif exc.verdict == "retry" and exc.retry_after and row.priority <= BROADCAST:
            # A broadcast ran into Telegram's flood limit: the pacer waits it out for every
            # row (real time); this one goes again right after and loses no attempt.
            async with self.services.db.transaction() as conn:
                await store.later(conn, row.id, self.services.clock.now(),
                                  f"429: retry after {exc.retry_after:g} s", attempt=False)
        elif exc.verdict == "retry":
            await self._later(row, exc.detail or "retry", exc.retry_after)
        elif exc.verdict == "gone":
            if row.channel == "telegram":
                await self.services.users.mark_unreachable(Address(row.channel, row.address))
            await self._final(row, store.UNREACHABLE, exc.detail or "gone")
        else:
            log.warning("%s %s refused: %s", row.kind, row.ref, exc.detail)
            await self._final(row, store.FAILED, exc.detail or "failed")

    def _configured(self, channel: str) -> bool:
        """Is ``channel`` in the settings (it may not be registered yet at start)? Channels
        other than the two of the settings are registered by tests and count as set up."""
        config = self.services.config
        if channel == "telegram":
            return config.telegram
        if channel == "whatsapp":
            return config.whatsapp is not None
        return True

    async def _later(self, row: OutboxRow, error: str, retry_after: float | None = None) -> None:
        self._unstarted.discard(row.id)
        policy = self.policies.get(row.kind) or Policy()
        if row.attempts + 1 >= policy.max_attempts:
            log.warning("%s %s given up after %d attempts", row.kind, row.ref, row.attempts + 1)
            await self._final(row, store.FAILED, error)
            return
        pause = policy.backoff[min(row.attempts, len(policy.backoff) - 1)]
        if retry_after:
            pause = max(pause, timedelta(seconds=retry_after))
        log.warning("%s %s not sent (%s); will retry", row.kind, row.ref, error)
        async with self.services.db.transaction() as conn:
            await store.later(conn, row.id, self.services.clock.now() + pause, error)

    async def _final(self, row: OutboxRow, state: str, error: str | None = None) -> None:
        self._unstarted.discard(row.id)
        async with self.services.db.transaction() as conn:
            await store.mark_final(conn, row.id, state, error)
        await self._after_final(row, state)

    async def ended_after_sending(self, row: OutboxRow, state: str) -> None:
        """A channel learned after the send that the row did not arrive (a WhatsApp failed
        status: undeliverable): the row is ``state`` now (committed by the caller) and the
        kind's ``on_final`` hook runs, as for a row that ended so at once."""
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
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop_sender(self) -> None:
        """A clean stop: nothing new is begun; sends under way get :data:`STOP_GRACE` to come
        back (one that hangs stays 'sending' and goes again at the next start); rows taken but
        not yet begun go back to 'queued' untouched."""
        self._stopping = True
        try:
            task, self._task = self._task, None
            if self._in_flight:
                _done, hanging = await asyncio.wait(set(self._in_flight), timeout=STOP_GRACE)
                for running in hanging:
                    running.cancel()
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            if self._unstarted:
                unstarted, self._unstarted = sorted(self._unstarted), set()
                async with self.services.db.transaction() as conn:
                    await store.give_back(conn, unstarted)
        finally:
            self._stopping = False

    @property
    def sender_task(self) -> asyncio.Task[None] | None:
        return self._task

    async def _run(self) -> None:
        await self._progress(None)  # a broadcast finished just before a stop gets its report
        while True:
            self._wake.clear()
            try:
                if not self._holding:
                    await self.deliver(broadcasts=True)
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
        return await self.services.db.run(store.last_id)

    async def skip_queued_after(self, after_id: int) -> int:
        """Rows queued after the mark are not sent (marked skipped): the demo's seeded past."""
        return await self.services.db.run(store.skip_queued_after, after_id)

    async def counts(self, kind: str | None = None, ref: str | int | None = None
                     ) -> dict[str, int]:
        """Rows per state (queued, sending, sent, unreachable, failed, skipped, expired)."""
        return await self.services.db.run(store.counts, kind, None if ref is None else str(ref))

    async def rows(self, kind: str, ref: str | int | None = None) -> list[OutboxRow]:
        return await self.services.db.run(store.for_kind, kind, None if ref is None else str(ref))

    async def receipt(self, row_id: int) -> Receipt | None:
        """The receipt of a row once it is sent (None while queued, or never sent)."""
        async with self.services.db.transaction() as conn:
            row = await store.get(conn, row_id)
        if row is None or row.state != store.SENT:
            return None
        return Receipt(row.channel, row.address, row.provider_ref or "")

    async def told(self, row_ids: list[int]) -> int:
        """How many of these rows reached their person or are on their way: sent, or still
        queued for the recipient's turn (a notice waits in the outbox for a person who just
        got a message — WhatsApp's 6 s, Telegram's second — and goes then); not the ones
        that ended unreachable, failed, skipped or expired."""
        async with self.services.db.transaction() as conn:
            rows = [await store.get(conn, row_id) for row_id in row_ids]
        return sum(1 for row in rows if row is not None
                   and row.state in (store.SENT, store.QUEUED, store.SENDING))

    async def template_counts(self, kind: str, ref: str | int) -> dict[str, int]:
        """Sent rows of one broadcast per WhatsApp template (paid messages)."""
        return await self.services.db.run(store.template_counts, kind, str(ref))

    async def waiting(self, kind: str | None = None) -> int:
        """Messages kept back by a short-lived failure, waiting for another attempt."""
        return await self.services.db.run(store.waiting_retry, kind)

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.erase_person(conn, user_id)
