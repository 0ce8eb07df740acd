"""The inbox: every incoming update is kept before the channel is told it arrived.

Why: Telegram forgets an update once the bot confirms it (the next ``getUpdates`` offset, or a
webhook's 200), and WhatsApp stops retrying a webhook that was answered. A tap confirmed but
not yet handled when the bot is killed was lost for good (a coordinator's "Nu versturen" with
its draft). So each channel's intake writes the update here first, then confirms it, then
hands it to the application; the row is marked handled only after the handlers ran and the
conversation step was written (``BuurtApplication.process_update``). At start the rows still
``received`` are handled again (:meth:`Inbox.replay`): every handler is safe to receive an
update twice, and this relies on it.

Channel-neutral: a row is (channel, the channel's update id, the raw payload). A channel
registers how to hand a kept payload to the application again (:meth:`Inbox.on_replay`); the
Telegram side is :mod:`bot.inbox.telegram`, the WhatsApp webhook (issue 14) adds its own.

Privacy: the payload holds what a person wrote. It is cleared the moment the update is handled
(the key stays, so a redelivery is still recognised) and every row is deleted after
:data:`KEEP` (24 hours, as long as Telegram keeps an unconfirmed update).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.store import inbox as store
from bot.store.db import Database
from bot.store.inbox import InboxRow

log = logging.getLogger(__name__)

#: (channel, update id)
Key = tuple[str, str]
Replay = Callable[[InboxRow], Awaitable[None]]

#: How long a row is kept: Telegram keeps unconfirmed updates 24 hours, so a redelivery can
#: come that late; what is older is dropped, handled or not.
KEEP = timedelta(hours=24)
#: An update handed on this often without being finished (the bot died each time) gives up.
MAX_ATTEMPTS = 3


class InboxClosed(RuntimeError):
    """The process is going away (tests: it was "killed"): nothing more is taken in."""


class Inbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._replay: dict[str, Replay] = {}
        #: taken in or replayed by this process and not yet finished
        self._open: set[Key] = set()
        #: of those, the ones whose handling raised (the error handler answered the person)
        self._failed: set[Key] = set()
        #: of those, the ones kept by the last run and handled again now
        self._replayed: set[Key] = set()
        self._dead = False
        self._kill: asyncio.Event | None = None

    def on_replay(self, channel: str, replay: Replay) -> None:
        """How ``channel`` hands a kept update to the application again after a restart."""
        self._replay[channel] = replay

    # --- taking in ------------------------------------------------------------------------
    async def take(self, channel: str, items: Iterable[tuple[str, dict[str, Any]]]
                   ) -> list[str]:
        """Keep these updates (update id, raw payload), in one transaction; returns the ids
        that are new, in order. Only those may be handed on; the rest were here already (a
        redelivery: handled, or being handled). Confirm the updates to the channel only after
        this returned. Raises :class:`InboxClosed` once the process is going away.
        """
        if self._dead:
            raise InboxClosed("the inbox takes nothing in any more")
        now = self.clock.now()
        fresh: list[str] = []
        async with self.db.transaction() as conn:
            for update_id, payload in items:
                if await store.accept(conn, channel, update_id, payload, now):
                    fresh.append(update_id)
        if self._kill is not None:  # tests: the process dies right here
            self._dead = True
            self._kill.set()
            return []
        self._open.update((channel, update_id) for update_id in fresh)
        return fresh

    @property
    def closed(self) -> bool:
        return self._dead

    # --- finishing ------------------------------------------------------------------------
    def is_open(self, key: Key | None) -> bool:
        return key is not None and key in self._open

    def is_replay(self, key: Key | None) -> bool:
        """Is this update being handled again after a restart (see :meth:`replay`)?"""
        return key is not None and key in self._replayed

    def note_failure(self, key: Key | None) -> None:
        """Handling this update raised (the error handler answered); it is not replayed."""
        if self.is_open(key):
            self._failed.add(key)  # type: ignore[arg-type]

    async def finish(self, key: Key | None) -> None:
        """The update's handlers ran and its conversation step is written: done for good."""
        if key is None or key not in self._open or self._dead:
            return
        failed = key in self._failed
        async with self.db.transaction() as conn:
            await store.finish(conn, key[0], key[1], self.clock.now(), failed=failed)
        self._open.discard(key)
        self._failed.discard(key)
        self._replayed.discard(key)

    # --- after a restart --------------------------------------------------------------------
    async def replay(self) -> int:
        """Hand every update kept but not finished by the last run to the application again,
        oldest first, each once; returns how many. Rows older than :data:`KEEP` are dropped
        first (the person's moment has passed; Telegram would have dropped them too)."""
        await self.prune()
        async with self.db.transaction() as conn:
            rows, given_up = await store.claim_unhandled(conn, skip=self._open,
                                                         max_attempts=MAX_ATTEMPTS)
        if given_up:
            log.error("inbox: %d update(s) gave up after %d handlings", given_up, MAX_ATTEMPTS)
        handed = 0
        for row in rows:
            replay = self._replay.get(row.channel)
            if replay is None:
                log.warning("inbox: no way to replay %s updates yet; kept", row.channel)
                continue
            key = (row.channel, row.update_id)
            self._open.add(key)
            self._replayed.add(key)
            try:
                await replay(row)
            except Exception:
                log.exception("inbox: replaying a %s update failed", row.channel)
                self._open.discard(key)
                self._replayed.discard(key)
                continue
            handed += 1
        if handed:
            log.info("inbox: handled %d update(s) kept from before the restart", handed)
        return handed

    async def prune(self) -> int:
        """Delete rows older than :data:`KEEP` (their payload is gone once handled anyway)."""
        if self._dead:
            return 0
        async with self.db.transaction() as conn:
            dropped = await store.prune(conn, self.clock.now() - KEEP)
        if dropped:
            log.info("inbox: %d old row(s) deleted", dropped)
        return dropped

    # --- tests ------------------------------------------------------------------------------
    def kill_after_accept(self) -> asyncio.Event:
        """Tests: the process "dies" right after the next updates are written here, before
        they are confirmed to the channel or handled. The event is set at that moment."""
        self._kill = asyncio.Event()
        return self._kill

    def freeze(self) -> None:
        """Tests (``kill -9``): from now on nothing is written or taken in."""
        self._dead = True
