"""Coordinator announcements (and the survey rounds and hours questions sent the same way):
a broadcast header plus one row per recipient in the one outbox.

How a broadcast survives a crash: the header and one outbox row per recipient (``kind`` =
'announcement' | 'survey' | 'hours', ``ref`` = the broadcast id, priority BROADCAST) are written
in one transaction before anything is sent; the one sender (:mod:`bot.services.outbox`) sends
them, paced, and a crash resends at most the row in flight. When no row is left under way the
header is marked done and the coordinator's report is queued in that same transaction, so it
goes out exactly once, also after a kill.

This module knows no Telegram: the handler layer renders each row (``outbox.renderer``), the
progress line and the report (:class:`Views`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.messaging.message import Address, OutMessage
from bot.services.announcements_rules import (
    AUDIENCES,
    MAX_AHEAD,
    MAX_CAPTION,
    MAX_TEXT,
    parse_moment,
    text_length,
)
from bot.services.outbox import BROADCAST, NOTICE, Policy
from bot.services.users import COORDINATOR, Person
from bot.store import addresses as address_store
from bot.store import audiences as audience_store
from bot.store import broadcasts as store
from bot.store.broadcasts import BroadcastRow

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

__all__ = ["AUDIENCES", "KINDS", "MAX_AHEAD", "MAX_CAPTION", "MAX_TEXT",
           "AnnouncementService", "Audience", "Views", "parse_moment", "text_length"]

#: The outbox kinds a broadcast header stands for.
KINDS = ("announcement", "survey", "hours")
#: A broadcast's report to its coordinator: its own outbox kind (one per broadcast).
REPORT = "broadcast.report"


@dataclass(frozen=True)
class Audience:
    kind: str
    room: str | None = None
    language: str | None = None

    @property
    def volunteers_only(self) -> bool:
        return self.kind in ("vol_room", "vol_all")


@dataclass
class Views:
    """What the handler layer shows the coordinator of a broadcast of one kind.

    ``progress(broadcast, counts, final)``: edit the progress line (idempotent, not queued).
    ``report(broadcast, counts, groups) -> OutMessage | None``: the report, queued once when
    the broadcast is done."""

    progress: Callable[[BroadcastRow, dict[str, int], bool], Awaitable[None]] | None = None
    report: Callable[[BroadcastRow, dict[str, int], list[Any]], OutMessage | None] | None = None


class AnnouncementError(Exception):
    """A rule was broken; ``code`` says which (the handler words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class AnnouncementService:
    #: Attempts for a short-lived failure (no connection, a 5xx), and the pauses between them:
    #: the coordinator waits for the report, so a few quick tries, then "failed".
    policy = Policy(max_attempts=4, backoff=(timedelta(seconds=2), timedelta(seconds=10),
                                             timedelta(seconds=30)))
    #: Edit the progress message at most this often (seconds).
    progress_every = 3.0

    def __init__(self, services: Services) -> None:
        self.services = services
        #: kind -> what the coordinator sees (registered by the handler layer).
        self.views: dict[str, Views] = {}
        self._last_progress: dict[int, float] = {}

    async def start(self) -> None:
        """Called once the database is connected."""
        self.services.privacy.register("announcements", self._export, self._erase)
        outbox = self.services.outbox
        for kind in KINDS:
            outbox.policies[kind] = self.policy
            outbox.on_progress(kind)(self._on_progress)

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
        members = await self._resolve(audience, author)
        reachable = sum(1 for m in members if m.reachable)
        return reachable, len(members) - reachable

    async def paid_templates(self, audience: Audience, author: Person) -> int | None:
        """How many of the recipients would get it as a paid WhatsApp template if it went
        now: their preferred address is WhatsApp and they have not written in the last 24
        hours. None when WhatsApp is off (the preview says nothing about it)."""
        counts = await self.whatsapp_outside_window(audience, author)
        return None if counts is None else counts[0]

    async def whatsapp_outside_window(self, audience: Audience, author: Person
                                      ) -> tuple[int, int] | None:
        """(paid, waiting) among the recipients whose WhatsApp window is closed: *paid* get
        a template now (the announcement's, or the general "new message" one, approved in
        their language or a fallback); *waiting* have no approved template yet, so their
        message waits in the outbox (and, past its use-by time, they are on the "to call"
        list). A coordinator must not read "they get a template" for people who get nothing.
        None when WhatsApp is off."""
        if getattr(self.services.config, "whatsapp", None) is None:
            return None
        from bot.channels.whatsapp import templates
        from bot.channels.whatsapp.window import until_of, window_open

        members = await self._resolve(audience, author)
        now = self.services.clock.now()
        candidates = [d for d in (templates.for_kind("announcement"),
                                  templates.by_name(templates.GENERIC)) if d is not None]
        async with self.services.db.reading() as conn:
            found = await address_store.of_people(conn, [m.user_id for m in members
                                                         if m.reachable])
        closed = []
        for user_id, rows in found.items():
            best = next((row for row in rows if row.reachable), None)
            if best is not None and best.channel == "whatsapp" \
                    and not window_open(until_of(best), now):
                person = await self.services.users.by_id(user_id)
                closed.append(person.language if person is not None else None)
        paid = waiting = 0
        async with self.services.db.reading() as conn:
            for language in closed:
                for defn in candidates:
                    if await templates.choose(conn, defn, language) is not None:
                        paid += 1
                        break
                else:
                    waiting += 1
        return paid, waiting

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
                       ) -> list[audience_store.Member]:
        if audience.kind not in AUDIENCES:
            raise AnnouncementError("audience")
        async with self.services.db.reading() as conn:
            members = await audience_store.announcement(
                conn, author_id=author.id, coordinators=sorted(self.services.config.coordinators),
                volunteers_only=audience.volunteers_only,
                # "" matches nobody: a room audience without a room reaches no one
                room=(audience.room or "") if audience.kind in ("room", "vol_room") else None,
                language=(audience.language or "") if audience.kind == "lang" else None)
        return members

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
        recipients = ([m.user_id for m in await self._resolve(audience, author)]
                      if send_at is None else [])
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

    async def _fill(self, conn: Any, broadcast: BroadcastRow, recipients: list[int],
                    now: datetime) -> None:
        """Write every outbox row (people, and the groups if asked) in the caller's transaction.

        Someone with no reachable address gets a row too, 'unreachable' from the start: never
        sent, counted and named in the report. A scheduled broadcast takes the groups
        configured when it goes out.
        """
        found = await address_store.of_people(conn, recipients)
        rows: list[dict[str, Any]] = []
        for person_id in recipients:
            addresses = found.get(person_id) or []
            best = addresses[0] if addresses else None
            rows.append({
                "person_id": person_id,
                "channel": best.channel if best is not None else "none",
                "address": best.address if best is not None else str(person_id),
                "state": "queued" if best is not None and best.reachable else "unreachable",
            })
        if broadcast.post_groups:
            audience = Audience(broadcast.audience, broadcast.room, broadcast.language)
            rows += [{"person_id": None, "channel": "telegram", "address": str(chat),
                      "dedupe": f"group:{room}", "params": {"room": room}}
                     for room, chat in self.groups(audience)]
        await self.services.outbox.enqueue_many(
            conn, rows, kind=broadcast.kind, ref=broadcast.id, priority=BROADCAST)
        await store.set_total(conn, broadcast.id, len(recipients))
        await store.set_status(conn, broadcast.id, "sending", expect="sending", now=now)

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
        recipients: list[int],
        text: str,
        send_at: datetime | None = None,
    ) -> BroadcastRow | None:
        """Another feature's broadcast (a header plus its rows in the one outbox), in the
        caller's transaction.

        Why: a survey round or the weekly hours question must be as durable and as well paced
        as an announcement, so it is a broadcast of its own ``kind`` (its outbox rows are
        rendered by that feature's ``outbox.renderer(kind)``; ``recipients`` are person ids).
        None if ``draft_key`` was used before (sent once).
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

    async def release(self, conn: Any, broadcast_id: int, recipients: list[int]) -> bool:
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
        return await self.services.db.run(store.with_status, "scheduled", kind)

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
            recipients = [m.user_id for m in await self._resolve(audience, author)]
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
        return await self.services.db.run(store.with_status, "scheduled", "announcement")

    async def cancel(self, coordinator: Person, broadcast_id: int) -> BroadcastRow | None:
        """Cancel one that has not gone out; None if it is unknown or already sending/sent."""
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators cancel announcements")
        async with self.services.db.transaction() as conn:
            if not await store.set_status(conn, broadcast_id, "cancelled", expect="scheduled"):
                return None
            return await store.get(conn, broadcast_id)

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        return await self.services.db.run(store.get, broadcast_id)

    async def by_draft_key(self, draft_key: str) -> BroadcastRow | None:
        return await self.services.db.run(store.by_draft_key, draft_key)

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """Rows per state; ``paid``: how many went as a (paid) WhatsApp template."""
        counts = await self.services.db.run(store.counts, broadcast_id)
        broadcast = await self.get(broadcast_id)
        if broadcast is not None:
            templates = await self.services.outbox.template_counts(broadcast.kind, broadcast_id)
            if templates:
                counts["paid"] = sum(templates.values())
        return counts

    async def group_posts(self, broadcast_id: int) -> list[Any]:
        """Each group post of a broadcast (room, state, error), for the report."""
        return await self.services.db.run(store.group_posts, broadcast_id)

    async def not_reached(self, coordinator: Person, broadcast_id: int) -> list[Any]:
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators see who was not reached")
        return await self.services.db.run(store.not_reached, broadcast_id)

    async def set_progress_message(self, broadcast_id: int, message_id: int | None) -> None:
        async with self.services.db.transaction() as conn:
            await store.set_progress_message(conn, broadcast_id, message_id)

    # --- opt-out ---------------------------------------------------------------------------

    async def set_subscribed(self, person: Person, subscribed: bool) -> Person:
        return await self.services.users.update(person, announcements=1 if subscribed else 0)

    # --- progress and the report -------------------------------------------------------------

    def kick(self) -> None:
        """Rows were queued: wake the one sender."""
        self.services.outbox.wake()

    async def finish_stalled(self) -> None:
        """Every broadcast still 'sending': report the ones with nothing left (one whose last
        row went out just before a stop, or that had nobody to send to)."""
        await self._on_progress(None, None)

    async def _on_progress(self, app: Any, ref: str | None) -> None:
        """After the sender sent rows of a broadcast (``ref`` None: every running one)."""
        async with self.services.db.transaction() as conn:
            kinds = KINDS
            running = [b for kind in kinds
                       for b in await store.running(conn, kind, int(ref) if ref else None)]
        for broadcast in running:
            await self.progress(broadcast)

    async def progress(self, broadcast: BroadcastRow) -> None:
        """Edit the progress line now and then; once nothing is left, finish (report)."""
        counts = await self.counts(broadcast.id)
        busy = counts["pending"] + counts["sending"] + counts["groups_busy"]
        views = self.views.get(broadcast.kind) or Views()
        if busy:
            now = time.monotonic()
            last = self._last_progress.get(broadcast.id)
            if last is not None and now - last < self.progress_every:
                return
            self._last_progress[broadcast.id] = now
            if views.progress is not None:
                await views.progress(broadcast, counts, False)
            return
        # The final line first (an edit: repeating it after a crash is harmless), then done
        # and the report in one transaction: the report is queued exactly once.
        if views.progress is not None:
            await views.progress(broadcast, counts, True)
        groups = await self.group_posts(broadcast.id)
        report = views.report(broadcast, counts, groups) if views.report is not None else None
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            if not await store.set_status(conn, broadcast.id, "done", expect="sending", now=now):
                return  # finished meanwhile (another pass)
            await store.set_throttled(conn, broadcast.id, await store.throttled(conn, broadcast.id))
            if report is not None and broadcast.coordinator_chat:
                await self._to_coordinator(conn, broadcast, report)
        self._last_progress.pop(broadcast.id, None)
        self.kick()

    async def _to_coordinator(self, conn: Any, broadcast: BroadcastRow,
                              message: OutMessage) -> None:
        """The report goes to the chat the broadcast was made in (where its progress is)."""
        await self.services.outbox.enqueue(
            conn, address=Address("telegram", str(broadcast.coordinator_chat)), kind=REPORT,
            ref=broadcast.id, message=message, priority=NOTICE)

    # --- privacy ---------------------------------------------------------------------------

    async def _export(self, conn: Any, user_id: int) -> list[dict[str, Any]]:
        rows = await store.received_by(conn, user_id)
        return [{"announcement": r["broadcast_id"], "state": r["state"], "at": r["done_at"]}
                for r in rows]

    async def _erase(self, conn: Any, user_id: int) -> None:
        # Their outbox rows go with the outbox's own erasure; what they sent stays anonymous.
        await store.forget_author(conn, user_id)
