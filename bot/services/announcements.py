"""Coordinator announcements: a durable outbox sent within Telegram's limits.

How a broadcast survives a crash: the broadcast row and one outbox row per recipient are written
in one transaction before anything is sent. The sender marks a row 'sending' before the call and
'sent' (or 'blocked'/'failed') after it; on start, rows still 'sending' go back to 'pending'. So
nobody is skipped, and only a message that was in flight at the crash can arrive twice.

This module knows no Telegram: the handler layer gives it a :class:`Transport` that turns a row
into an API call and an :class:`Outcome`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.services.announcements_rules import (
    AUDIENCES,
    MAX_AHEAD,
    MAX_CAPTION,
    MAX_TEXT,
    parse_moment,
    text_length,
)
from bot.services.pacing import Pacer
from bot.services.users import COORDINATOR, Person
from bot.store import audiences as audience_store
from bot.store import broadcasts as store
from bot.store.broadcasts import BroadcastRow, OutboxRow

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["AUDIENCES", "MAX_AHEAD", "MAX_CAPTION", "MAX_TEXT", "AnnouncementService",
           "Audience", "Outcome", "parse_moment", "text_length"]


@dataclass(frozen=True)
class Audience:
    kind: str
    room: str | None = None
    language: str | None = None

    @property
    def volunteers_only(self) -> bool:
        return self.kind in ("vol_room", "vol_all")


@dataclass(frozen=True)
class Outcome:
    """What happened to one send."""

    kind: str  # sent | blocked | retry_after | failed
    retry_after: float = 0.0
    error: str | None = None
    permanent: bool = False


class Transport(Protocol):
    async def deliver(self, broadcast: BroadcastRow, row: OutboxRow) -> Outcome: ...

    async def progress(self, broadcast: BroadcastRow, counts: dict[str, int],
                       final: bool) -> None: ...


class AnnouncementError(Exception):
    """A rule was broken; ``code`` says which (the handler words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class AnnouncementService:
    #: Attempts for a failure other than 403/429, and the waits between them (seconds).
    max_attempts = 4
    backoff: tuple[float, ...] = (2.0, 10.0, 30.0)
    #: Edit the progress message at most this often (seconds).
    progress_every = 3.0
    #: Sends in flight at once (each to a different person).
    max_in_flight = 8
    #: On stop, how long sends already in flight may take to come back (seconds). Longer
    #: ones are abandoned: their rows stay 'sending' and go out again on the next start.
    stop_grace = 2.0

    def __init__(self, services: Services) -> None:
        self.services = services
        #: Broadcast messages per second, and a speed-up for benchmarks against a scaled sandbox.
        self.per_second = 29.0
        self.speed = 1.0
        self.pacer = Pacer(self.per_second, self.speed)
        self.transport: Transport | None = None
        self._task: asyncio.Task[None] | None = None
        self._kick = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._not_before: dict[int, float] = {}
        self._cache: dict[int, BroadcastRow] = {}
        self._last_progress: dict[int, float] = {}
        self._results: list[tuple[OutboxRow, Outcome]] = []
        self._flush_lock = asyncio.Lock()

    async def start(self) -> None:
        """Called once the database is connected."""
        self.services.privacy.register("announcements", self._export, self._erase)

    def set_speed(self, per_second: float = 29.0, scale: float = 1.0) -> None:
        self.per_second, self.speed = per_second, scale
        self.pacer = Pacer(per_second, scale)

    # --- composing -------------------------------------------------------------------------

    def check_text(self, text: str, *, caption: bool = False) -> str | None:
        """None if fine, else the problem: 'empty' or 'too_long' (counted as Telegram does)."""
        if not caption and not text.strip():
            return "empty"
        if text_length(text) > (MAX_CAPTION if caption else MAX_TEXT):
            return "too_long"
        return None

    async def recipients(self, audience: Audience, author: Person) -> tuple[int, int]:
        """(reachable by Telegram, not reachable) for the preview."""
        rows = await self._resolve(audience, author)
        reachable = sum(1 for _uid, chat, state in rows if state == "pending" and chat)
        return reachable, len(rows) - reachable

    def groups(self, audience: Audience) -> list[tuple[str, int]]:
        """(room id, group chat id) of the groups this audience may also be posted in.

        Only announcements for everyone in a room (or in all rooms) go to the groups: a group
        is public to its members, so what is meant for volunteers or for one language stays
        out. Rooms without a configured ``chat_id`` have no group.
        """
        rooms = self.services.config.rooms
        if audience.kind == "room":
            room = rooms.get(audience.room or "")
            chosen = [room] if room is not None else []
        elif audience.kind == "all":
            chosen = list(rooms.values())
        else:
            chosen = []
        return [(room.id, room.chat_id) for room in chosen if room.chat_id is not None]

    async def _resolve(self, audience: Audience, author: Person
                       ) -> list[tuple[int, int | None, str]]:
        if audience.kind not in AUDIENCES:
            raise AnnouncementError("audience")
        async with self.services.db.reading() as conn:
            members = await audience_store.announcement(
                conn, author_id=author.id, coordinators=sorted(self.services.config.coordinators),
                volunteers_only=audience.volunteers_only,
                # "" matches nobody: a room audience without a room reaches no one
                room=(audience.room or "") if audience.kind in ("room", "vol_room") else None,
                language=(audience.language or "") if audience.kind == "lang" else None)
        return [(m.user_id, m.telegram_id, m.state) for m in members]

    async def create(
        self,
        author: Person,
        *,
        draft_key: str,
        chat_id: int,
        audience: Audience,
        text: str,
        photo_file_id: str | None = None,
        send_at: datetime | None = None,
        post_groups: bool = False,
    ) -> tuple[BroadcastRow, bool]:
        """Confirm a draft: (broadcast, created). A second confirm of one draft returns the first.

        Sending now writes the broadcast and every recipient's outbox row in one transaction.
        A scheduled one gets its recipients when it becomes due, so an opt-out in between counts.
        """
        if not author.has_role(COORDINATOR):
            raise PermissionError("only coordinators make announcements")
        now = self.services.clock.now()
        if send_at is not None and send_at <= now:
            raise AnnouncementError("past")
        problem = self.check_text(text, caption=photo_file_id is not None)
        if problem:
            raise AnnouncementError(problem)
        recipients = await self._resolve(audience, author) if send_at is None else []
        post_groups = post_groups and bool(self.groups(audience))
        async with self.services.db.transaction() as conn:
            existing = await store.by_draft_key(conn, draft_key)
            if existing is not None:
                return existing, False
            row = await store.create(
                conn, draft_key=draft_key, created_by=author.id, coordinator_chat=chat_id,
                coordinator_language=author.language, audience=audience.kind,
                room=audience.room, language=audience.language, text=text,
                photo_file_id=photo_file_id,
                status="scheduled" if send_at is not None else "sending",
                send_at=send_at or now, now=now, post_groups=post_groups,
            )
            if send_at is None:
                await self._fill(conn, row, recipients, now)
            row = await store.get(conn, row.id)
        assert row is not None
        self.kick()
        return row, True

    async def _fill(self, conn: Any, broadcast: BroadcastRow,
                    recipients: list[tuple[int, int | None, str]], now: datetime) -> None:
        """Write every outbox row (people, and the groups if asked) in the caller's transaction.

        A scheduled broadcast takes the groups configured when it goes out.
        """
        broadcast_id = broadcast.id
        await store.add_recipients(conn, broadcast_id, recipients, now)
        if broadcast.post_groups:
            audience = Audience(broadcast.audience, broadcast.room, broadcast.language)
            await store.add_group_posts(conn, broadcast_id, self.groups(audience))
        await store.set_total(conn, broadcast_id, len(recipients))
        await store.set_status(conn, broadcast_id, "sending", expect="sending", now=now)

    async def enqueue(
        self,
        conn: Any,
        *,
        kind: str,
        ref: int | None,
        draft_key: str,
        created_by: int | None,
        coordinator_chat: int,
        coordinator_language: str,
        audience: str,
        room: str | None,
        recipients: list[tuple[int, int | None, str]],
        text: str,
        send_at: datetime | None = None,
    ) -> BroadcastRow | None:
        """Another feature's message through this outbox, in the caller's transaction.

        Why: a survey round or the weekly hours question must be as durable and as well paced
        as an announcement, so it is a broadcast of its own ``kind`` (the transport renders it
        with that feature's renderer). None if ``draft_key`` was used before (sent once).
        Call :meth:`kick` after the commit. With ``send_at`` (to keep residents' nights quiet)
        it waits as 'scheduled' until that feature calls :meth:`release` (announcements' own
        scheduling never picks it up: it has no audience to resolve).
        """
        if await store.by_draft_key(conn, draft_key) is not None:
            return None
        now = self.services.clock.now()
        row = await store.create(
            conn, draft_key=draft_key, created_by=created_by, coordinator_chat=coordinator_chat,
            coordinator_language=coordinator_language, audience=audience, room=room,
            language=None, text=text, photo_file_id=None,
            status="scheduled" if send_at is not None else "sending", send_at=send_at or now,
            now=now, kind=kind, ref=ref,
        )
        if send_at is None:
            await self._fill(conn, row, recipients, now)
        return await store.get(conn, row.id)

    async def release(self, conn: Any, broadcast_id: int,
                      recipients: list[tuple[int, int | None, str]]) -> bool:
        """Send a held (scheduled) broadcast of another kind now, once; False if not held."""
        now = self.services.clock.now()
        if not await store.set_status(conn, broadcast_id, "sending", expect="scheduled",
                                      now=now):
            return False
        row = await store.get(conn, broadcast_id)
        assert row is not None
        await self._fill(conn, row, recipients, now)
        return True

    async def held(self, kind: str) -> list[BroadcastRow]:
        """Broadcasts of ``kind`` waiting for :meth:`release`."""
        async with self.services.db.transaction() as conn:
            return await store.with_status(conn, "scheduled", kind)

    async def promote_due(self) -> list[BroadcastRow]:
        """Scheduled broadcasts whose time has come: fill their outbox, exactly once."""
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            due = await store.due(conn, now)
        started = []
        for broadcast in due:
            author = await self.services.users.by_id(broadcast.created_by or 0)
            if author is None:
                continue
            audience = Audience(broadcast.audience, broadcast.room, broadcast.language)
            recipients = await self._resolve(audience, author)
            async with self.services.db.transaction() as conn:
                if not await store.set_status(conn, broadcast.id, "sending", expect="scheduled",
                                              now=now):
                    continue  # cancelled or started meanwhile
                await self._fill(conn, broadcast, recipients, now)
                fresh = await store.get(conn, broadcast.id)
            if fresh is not None:
                started.append(fresh)
        return started

    async def scheduled(self) -> list[BroadcastRow]:
        async with self.services.db.transaction() as conn:
            return await store.with_status(conn, "scheduled", "announcement")

    async def cancel(self, coordinator: Person, broadcast_id: int) -> BroadcastRow | None:
        """Cancel one that has not gone out; None if it is unknown or already sending/sent."""
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators cancel announcements")
        async with self.services.db.transaction() as conn:
            if not await store.set_status(conn, broadcast_id, "cancelled", expect="scheduled"):
                return None
            return await store.get(conn, broadcast_id)

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        async with self.services.db.transaction() as conn:
            return await store.get(conn, broadcast_id)

    async def by_draft_key(self, draft_key: str) -> BroadcastRow | None:
        async with self.services.db.transaction() as conn:
            return await store.by_draft_key(conn, draft_key)

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        async with self.services.db.transaction() as conn:
            return await store.counts(conn, broadcast_id)

    async def group_posts(self, broadcast_id: int) -> list[Any]:
        """Each group post of a broadcast (room, state, error), for the report."""
        async with self.services.db.transaction() as conn:
            return await store.group_posts(conn, broadcast_id)

    async def not_reached(self, coordinator: Person, broadcast_id: int) -> list[Any]:
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators see who was not reached")
        async with self.services.db.transaction() as conn:
            return await store.not_reached(conn, broadcast_id)

    async def set_progress_message(self, broadcast_id: int, message_id: int | None) -> None:
        async with self.services.db.transaction() as conn:
            await store.set_progress_message(conn, broadcast_id, message_id)
        self._cache.pop(broadcast_id, None)

    # --- opt-out ---------------------------------------------------------------------------

    async def set_subscribed(self, person: Person, subscribed: bool) -> Person:
        return await self.services.users.update(person, announcements=1 if subscribed else 0)

    # --- the sender ------------------------------------------------------------------------

    def kick(self) -> None:
        """Something to send: wake the sender now instead of at its next look."""
        self._kick.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def ensure_sender(
        self,
        spawn: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]],
        should_run: Callable[[], bool],
    ) -> None:
        """Start the background sender once (it resumes whatever a crash left behind)."""
        if self.running or self.transport is None:
            self.kick()
            return
        self._stopping = False
        self._stopped = asyncio.Event()
        self._task = spawn(self._run(should_run))

    async def stop_sender(self) -> None:
        """Let in-flight sends finish, then stop (rows not yet begun stay 'pending')."""
        self._stopping = True
        self._stopped.set()
        self.kick()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, should_run: Callable[[], bool]) -> None:
        """Pace sends from a queue that a producer keeps filled with claimed outbox rows.

        Claiming (reading and marking rows 'sending') happens in its own task, so waiting for
        the database never costs a sending slot.
        """
        alive = lambda: should_run() and not self._stopping  # noqa: E731
        watcher = asyncio.create_task(self._watch(alive))
        async with self.services.db.transaction() as conn:
            requeued = await store.requeue_in_flight(conn)
        if requeued:
            log.warning("announcements: %d message(s) were in flight at a crash; resending",
                        requeued)
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: set[asyncio.Task[None]] = set()
        batch = max(4, min(50, int(self.pacer.rate / 5)))
        queue: asyncio.Queue[OutboxRow] = asyncio.Queue()
        room = asyncio.Event()
        producer = asyncio.create_task(self._produce(queue, room, alive, batch))
        try:
            while alive() and not producer.done():
                try:
                    row = await asyncio.wait_for(queue.get(), 0.2)
                    room.set()
                except TimeoutError:
                    await self._flush()
                    await self._progress_all(final_check=True)
                    continue
                # Waiting for a slot can take long (a 429 may ask for minutes): a stop ends it.
                stamp = await self._unless_stopped(self.pacer.acquire(row.chat_id))
                if stamp is None:
                    queue.put_nowait(row)
                    break
                if await self._unless_stopped(slots.acquire()) is None:
                    self.pacer.refund(stamp)
                    queue.put_nowait(row)
                    break
                task = asyncio.create_task(self._deliver(row, stamp, slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                await self._progress_all(final_check=False)
        finally:
            # The producer stops by itself once woken (alive() is false now); it never waits
            # long, so it finishes its database work instead of being cancelled mid-way.
            self._stopping = True
            self._stopped.set()
            room.set()
            self.kick()
            await asyncio.gather(producer, return_exceptions=True)
            watcher.cancel()
            leftover = []
            while not queue.empty():
                leftover.append(queue.get_nowait().id)
            if tasks:
                # Sends in flight get a short grace; one that hangs must not keep the bot
                # from stopping. Its row stays 'sending' and is sent again on the next start.
                _done, hanging = await asyncio.wait(set(tasks), timeout=self.stop_grace)
                for task in hanging:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            await self._flush()
            if leftover:  # claimed but never sent: give them back untouched
                async with self.services.db.transaction() as conn:
                    await store.mark_many(conn, leftover, "pending")

    async def _watch(self, alive: Callable[[], bool]) -> None:
        """Notice a stop (the application stopping) even while the sender is waiting."""
        while alive():
            try:
                await asyncio.wait_for(self._stopped.wait(), 0.1)
            except TimeoutError:
                continue
        self._stopping = True
        self._stopped.set()
        self.kick()

    async def _unless_stopped(self, waiting: Coroutine[Any, Any, _T]) -> _T | None:
        """Await ``waiting``, or give up (None) as soon as the sender is told to stop."""
        task = asyncio.ensure_future(waiting)
        stop = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if task.done():
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if task.cancelled() or task.exception() is not None:
            return None
        return task.result()  # it finished just as it was cancelled: keep what it got

    async def _produce(self, queue: asyncio.Queue[OutboxRow], room: asyncio.Event,
                       alive: Callable[[], bool], batch: int) -> None:
        # Rows are claimed and queued without an await in between, so stopping this task never
        # strands a claimed row outside the queue.
        while alive():
            if queue.qsize() >= batch:
                room.clear()
                if queue.qsize() >= batch:
                    await room.wait()
                continue
            self._kick.clear()
            await self.promote_due()
            now = time.monotonic()
            waiting = [i for i, t in self._not_before.items() if t > now]
            async with self.services.db.transaction() as conn:
                rows = await store.pending(conn, batch, waiting)
                await store.mark_many(conn, [r.id for r in rows], "sending")
            if not rows:
                try:
                    await asyncio.wait_for(self._kick.wait(), 0.2 if waiting else 1.0)
                except TimeoutError:
                    pass
                continue
            for row in rows:
                queue.put_nowait(row)

    async def _broadcast(self, broadcast_id: int) -> BroadcastRow:
        cached = self._cache.get(broadcast_id)
        if cached is None:
            fetched = await self.get(broadcast_id)
            assert fetched is not None
            self._cache[broadcast_id] = cached = fetched
        return cached

    async def _deliver(self, row: OutboxRow, stamp: int, slots: asyncio.Semaphore) -> None:
        try:
            assert self.transport is not None
            try:
                outcome = await self.transport.deliver(await self._broadcast(row.broadcast_id), row)
            except Exception as exc:  # a bug or network trouble: retry like any failure
                log.exception("announcement send failed")
                outcome = Outcome("failed", error=type(exc).__name__)
            if outcome.kind in ("blocked", "retry_after"):
                self.pacer.refund(stamp)
            else:
                self.pacer.done(stamp)
            if outcome.kind == "retry_after":
                self.pacer.pause(outcome.retry_after)
            self._results.append((row, outcome))
            await self._flush()
        finally:
            slots.release()
            self.kick()

    async def _flush(self) -> None:
        """Write every outcome collected so far in one transaction.

        Sends finishing together share one commit; a crash before it leaves those rows
        'sending', so they are sent again on start (the in-flight duplicates we accept).
        """
        async with self._flush_lock:
            batch, self._results = self._results, []
            if not batch:
                return
            now = self.services.clock.now()
            unreachable: list[int] = []
            async with self.services.db.transaction() as conn:
                for row, outcome in batch:
                    await self._record(conn, row, outcome, now)
                    # A group that removed the bot is reported; no person is unreachable.
                    if outcome.kind == "blocked" and row.chat_id is not None \
                            and not row.is_group:
                        unreachable.append(row.chat_id)
            for chat_id in unreachable:
                await self.services.users.mark_unreachable(chat_id)

    async def _record(self, conn: Any, row: OutboxRow, outcome: Outcome, now: datetime) -> None:
        if outcome.kind == "sent":
            await store.mark(conn, row.id, "sent", now=now, attempt=True)
            self._not_before.pop(row.id, None)
        elif outcome.kind == "blocked":
            await store.mark(conn, row.id, "blocked", now=now, error=outcome.error, attempt=True)
            self._not_before.pop(row.id, None)
        elif outcome.kind == "retry_after":
            await store.mark(conn, row.id, "pending")
            await store.add_throttled(conn, row.broadcast_id)
        else:
            attempts = row.attempts + 1
            final = outcome.permanent or attempts >= self.max_attempts
            await store.mark(conn, row.id, "failed" if final else "pending", now=now,
                             error=outcome.error, attempt=True)
            if final:
                self._not_before.pop(row.id, None)
            else:
                delay = self.backoff[min(attempts - 1, len(self.backoff) - 1)]
                self._not_before[row.id] = time.monotonic() + delay

    async def _progress_all(self, *, final_check: bool) -> None:
        """Edit each running broadcast's progress now and then; finish those that are done."""
        now = time.monotonic()
        if not final_check and all(now - last < self.progress_every
                                   for last in self._last_progress.values()) \
                and self._last_progress:
            return
        async with self.services.db.transaction() as conn:
            running = await store.with_status(conn, "sending")
        for broadcast in running:
            counts = await self.counts(broadcast.id)
            busy = counts["pending"] + counts["sending"] + counts["groups_busy"]
            if busy == 0:
                if not final_check:
                    continue
                await self._report(broadcast, counts)
                continue
            last = self._last_progress.get(broadcast.id)
            if last is not None and now - last < self.progress_every:
                continue
            self._last_progress[broadcast.id] = now
            await self._call_progress(await self._broadcast(broadcast.id), counts, final=False)

    async def _report(self, broadcast: BroadcastRow, counts: dict[str, int]) -> None:
        # Report first, then mark done: a crash in between repeats the report (an edit of the
        # same message), never loses it.
        if not await self._call_progress(await self._broadcast(broadcast.id), counts, final=True):
            return  # stopping: the report goes out on the next start
        async with self.services.db.transaction() as conn:
            await store.set_status(conn, broadcast.id, "done", expect="sending",
                                   now=self.services.clock.now())
        self._last_progress.pop(broadcast.id, None)
        self._cache.pop(broadcast.id, None)

    async def _call_progress(self, broadcast: BroadcastRow, counts: dict[str, int],
                             final: bool) -> bool:
        """False if the sender stopped before it could (the report then waits for a restart)."""
        assert self.transport is not None
        # The progress edit and the report are messages too: they take a slot like any other.
        token = await self._unless_stopped(self.pacer.acquire(broadcast.coordinator_chat))
        if token is None:
            return False
        try:
            await self.transport.progress(broadcast, counts, final)
        except Exception:
            log.exception("announcement progress update failed")
        finally:
            self.pacer.done(token)
        return True

    # --- privacy ---------------------------------------------------------------------------

    async def _export(self, conn: Any, user_id: int) -> list[dict[str, Any]]:
        rows = await store.received_by(conn, user_id)
        return [{"announcement": r["broadcast_id"], "state": r["state"], "at": r["done_at"]}
                for r in rows]

    async def _erase(self, conn: Any, user_id: int) -> None:
        await store.forget_user(conn, user_id)
        await store.forget_author(conn, user_id)
