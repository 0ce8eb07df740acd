"""Telegram's intake: long polling (and the webhook's part) through the inbox.

Why not PTB's ``Updater``: in PTB 22 (``telegram/ext/_updater.py``, ``_start_polling`` →
``polling_action_cb``) each batch from ``get_updates`` is put into ``update_queue`` and
``_last_update_id`` set to the last id + 1; the very next ``get_updates(offset=...)`` call,
made at once (``network_retry_loop`` with ``repeat_on_success``), confirms the batch to
Telegram, and ``Updater.stop()`` confirms once more (``_get_updates_cleanup``). The application
handles queued updates in tasks of their own, later. So Telegram forgets an update while it is
still waiting in the queue or half handled: a ``kill -9`` then loses it (a coordinator's "Nu
versturen" with its draft). PTB offers no hook between "fetched" and "confirmed".

:class:`Polling` is that loop on PTB's public API (``bot.get_updates``), with one change: a
batch is written to the inbox (:mod:`bot.inbox`, one transaction) *before* the offset that
confirms it is ever sent, and only then handed to the application (``update_queue``, so PTB's
concurrency, error handlers and ``update_queue.join()`` stay as they were). It keeps what the
Updater did: delete a webhook at start, long poll with ``timeout``/``allowed_updates``, retry
network errors with a growing pause (1 s, ×1.5, at most 30 s), wait out a 429's
``retry_after``, retry a time-out at once, stop on a refused token, confirm on a clean stop.
``bot/request.py`` still observes every ``getUpdates`` (``get_updates_request``).

An update that was here already (Telegram sent it again because the bot died before the next
offset, or a webhook retry) is not handed on again: the inbox row is the claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.inbox import InboxClosed, Key
from bot.store.inbox import InboxRow

if TYPE_CHECKING:
    from bot.context import BuurtApplication

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Pauses after a failed getUpdates: the first, the factor, the longest (as PTB's Updater).
FIRST_PAUSE, GROWTH, LONGEST_PAUSE = 1.0, 1.5, 30.0


def key_of(update: object) -> Key | None:
    """The inbox key of an update the application handles (None: not from the inbox).

    A WhatsApp message handed on as a synthetic Update (issue 14,
    :mod:`bot.channels.whatsapp.inbound`) carries ``api_kwargs["buurtbot"]``: its key is
    ``("whatsapp", wamid)``. Another channel's update object may carry its own ``inbox_key``."""
    if isinstance(update, Update):
        marker = (update.api_kwargs or {}).get("buurtbot")
        if isinstance(marker, dict) and isinstance(marker.get("key"), str):
            return (str(marker.get("channel") or "whatsapp"), marker["key"])
        return (CHANNEL, str(update.update_id))
    key = getattr(update, "inbox_key", None)
    return key if isinstance(key, tuple) else None


async def take_in(app: BuurtApplication, batch: Sequence[tuple[dict[str, Any], Update]]
                  ) -> list[Update]:
    """Keep (raw payload, update) pairs in the inbox; returns the updates to handle (new ones).

    Raises :class:`bot.inbox.InboxClosed` when the process is going away."""
    fresh = set(await app.services.inbox.take(
        CHANNEL, [(str(update.update_id), payload) for payload, update in batch]))
    return [update for _payload, update in batch if str(update.update_id) in fresh]


async def _replay(app: BuurtApplication, row: InboxRow) -> None:
    """A kept update, handled now (at start, before new ones are fetched)."""
    assert row.payload is not None
    update = Update.de_json(row.payload, app.bot)
    # A task of its own, as PTB handles every update: what handling sets for "this update"
    # (bot.request's record of its answers) must not stick to the caller.
    await asyncio.create_task(app.process_update(update), name="buurtbot:replay")


def register(app: BuurtApplication) -> None:
    from bot import jobs

    app.services.inbox.on_replay(CHANNEL, lambda row: _replay(app, row))
    jobs.add_tick(app, "inbox", _prune_tick)


async def _prune_tick(app: BuurtApplication, now: object) -> None:
    await app.services.inbox.prune()


def _reason(exc: Exception) -> str:
    """The error without a request URL (which would hold the token)."""
    text = str(exc)
    return text.split(" for url ", 1)[0][:160]


class Polling:
    """Long polling that confirms an update to Telegram only once the inbox holds it."""

    def __init__(self, app: BuurtApplication, *, timeout: float = 10,
                 allowed_updates: Sequence[str] | None = None, poll_interval: float = 0.0,
                 first_pause: float = FIRST_PAUSE) -> None:
        self.app = app
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.poll_interval = poll_interval
        self.first_pause = first_pause
        #: the next offset: every update below it is in the inbox (0: none yet, as PTB sends)
        self.offset = 0
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Make sure no webhook is set (Telegram refuses getUpdates otherwise), then poll."""
        if self.running:
            raise RuntimeError("already polling")
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name="buurtbot:polling")

    async def stop(self, *, confirm: bool = True) -> None:
        """Stop polling; then (``confirm``) tell Telegram once that everything up to the
        offset arrived: it is all in the inbox, handled now or replayed at the next start."""
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if confirm and self.offset > 0 and not self.app.services.inbox.closed:
            try:
                await self.app.bot.get_updates(offset=self.offset, timeout=0,
                                               allowed_updates=self.allowed_updates)
            except TelegramError as exc:  # they come again at the next start: handled once
                log.warning("could not confirm the last updates (%s)", _reason(exc))

    async def _until_stopped(self, coro: Any) -> Any:
        """Await ``coro`` unless stop() comes first (then it is cancelled; what it fetched
        was never confirmed, so Telegram sends it again)."""
        work = asyncio.ensure_future(coro)
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            done, _pending = await asyncio.wait({work, stopped},
                                                return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if work not in done:
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            raise asyncio.CancelledError
        return work.result()

    async def _loop(self) -> None:
        pause = 0.0
        while not self._stop.is_set():
            try:
                updates = await self._until_stopped(self.app.bot.get_updates(
                    offset=self.offset, timeout=self.timeout,
                    allowed_updates=self.allowed_updates))
                if updates:
                    await self._hand_on(updates)
                pause = self.poll_interval
            except asyncio.CancelledError:
                return
            except InboxClosed:
                return  # the process is going away: confirm nothing more
            except InvalidToken:
                log.error("Telegram refused the token while polling; no more updates")
                return
            except RetryAfter as exc:
                pause = exc.retry_after if isinstance(exc.retry_after, (int, float)) \
                    else exc.retry_after.total_seconds()
                pause += 0.5
                log.warning("getUpdates: flood control, waiting %.1f s", pause)
            except TimedOut:
                pause = 0.0  # a long poll that took too long: ask again at once
            except TelegramError as exc:
                pause = self.first_pause if pause == 0 else min(LONGEST_PAUSE, pause * GROWTH)
                log.warning("getUpdates failed (%s); again in %.1f s", _reason(exc), pause)
            except Exception as exc:  # the inbox could not be written (disk full?)
                pause = self.first_pause if pause == 0 else min(LONGEST_PAUSE, pause * GROWTH)
                log.error("could not keep fetched updates (%s: %s); nothing confirmed, "
                          "again in %.1f s", type(exc).__name__, _reason(exc), pause)
            if pause and not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)

    async def _hand_on(self, updates: Sequence[Update]) -> None:
        """Inbox first, then the offset, then the application."""
        fresh = await take_in(self.app, [(update.to_dict(), update) for update in updates])
        if self.app.services.inbox.closed:
            raise InboxClosed("killed after the inbox was written")  # tests: nothing confirmed
        self.offset = updates[-1].update_id + 1  # sent with the next getUpdates: confirmed
        for update in fresh:
            await self.app.update_queue.put(update)
