"""The sender's way to Telegram: one outbox row becomes one API call and an Outcome.

It has its own Bot without PTB's rate limiter: the sender paces itself and waits out a 429
without stalling everyone else's answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    ExtBot,
)
from telegram.request import HTTPXRequest

from bot.context import BuurtApplication
from bot.handlers import ptb_compat
from bot.handlers.announcements.render import render_announcement, render_report
from bot.handlers.delivery import classify
from bot.i18n import translator
from bot.services.announcements import (
    Outcome,
)
from bot.store.broadcasts import BroadcastRow, OutboxRow

log = logging.getLogger(__name__)


#: Renders one outbox row of another feature's kind: (text, markup), or None if that message
#: is no longer needed (a survey closed before it went out).
KindRenderer = Callable[[BroadcastRow, OutboxRow], Awaitable[tuple[str, Any] | None]]
#: Tells the sender of that kind how far it got (or nothing): (broadcast, counts, final).
KindProgress = Callable[[BroadcastRow, dict[str, int], bool], Awaitable[None]]


class TelegramTransport:
    """Turns an outbox row into one API call; maps Telegram's answers to an :class:`Outcome`."""

    def __init__(self, app: BuurtApplication) -> None:
        self.app = app
        #: kind → (renderer, progress) for messages other features send through this outbox.
        self.kinds: dict[str, tuple[KindRenderer, KindProgress | None]] = {}
        config = app.services.config
        self.bot = ExtBot(
            token=config.token,
            base_url=config.api_url,
            base_file_url=config.file_url,
            defaults=app.bot.defaults,
            request=HTTPXRequest(connection_pool_size=16),
        )

    async def deliver(self, broadcast: BroadcastRow, row: OutboxRow) -> Outcome:
        if row.chat_id is None:
            return Outcome("blocked", error="no chat")
        markup = None
        if broadcast.kind != "announcement":
            rendered = await self.kinds[broadcast.kind][0](broadcast, row)
            if rendered is None:
                return Outcome("failed", error="no longer needed", permanent=True)
            text, markup = rendered
        else:
            t = translator(row.language)
            # In a group there is nobody to opt out: no /berichten footer there.
            text = render_announcement(t, broadcast, self.app.services.config.rooms,
                                       footer=not row.is_group)
        try:
            if markup is not None:
                await self.bot.send_message(row.chat_id, text, reply_markup=markup)
            elif broadcast.photo_file_id:
                await self.bot.send_photo(row.chat_id, broadcast.photo_file_id, caption=text)
            else:
                await self.bot.send_message(row.chat_id, text)
        except Forbidden as exc:
            return Outcome("blocked", error=exc.message[:200])
        except RetryAfter as exc:
            return Outcome("retry_after", retry_after=ptb_compat.retry_after_seconds(exc))
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return Outcome("blocked", error=exc.message[:200])
            return Outcome("failed", error=exc.message[:200], permanent=True)
        except (NetworkError, TelegramError) as exc:
            if classify(exc).counts_as_sent:
                # The request left and no answer came (a slow answer, a dropped connection):
                # it most likely arrived. Sending it again gave residents the message twice.
                log.warning("announcement %s: no answer after sending; counted as sent",
                            broadcast.id)
                return Outcome("sent")
            return Outcome("failed", error=str(exc)[:200])  # never left: sent again later
        return Outcome("sent")

    async def progress(self, broadcast: BroadcastRow, counts: dict[str, int],
                       final: bool) -> None:
        if broadcast.kind != "announcement":
            progress = self.kinds[broadcast.kind][1]
            if progress is not None:
                await progress(broadcast, counts, final)
            return
        t = translator(broadcast.coordinator_language)
        done = counts["sent"] + counts["blocked"] + counts["unreachable"] + counts["failed"]
        total = broadcast.total
        if final:
            text = t._("📣 Your announcement is done: {done} of {total} handled.").format(
                done=t.number(done), total=t.number(total))
        else:
            text = t._("📣 Sending your announcement… sent {done} of {total}.").format(
                done=t.number(done), total=t.number(total))
        await self._edit_or_send(broadcast, t.bidi(text))
        if final:
            groups = await self.app.services.announcements.group_posts(broadcast.id)
            report, markup = render_report(t, broadcast, counts, groups,
                                           self.app.services.config.rooms)
            await self.bot.send_message(broadcast.coordinator_chat, t.bidi(report),
                                        reply_markup=markup)

    async def _edit_or_send(self, broadcast: BroadcastRow, text: str) -> None:
        services = self.app.services
        if broadcast.progress_message_id is not None:
            try:
                await self.bot.edit_message_text(
                    text, chat_id=broadcast.coordinator_chat,
                    message_id=broadcast.progress_message_id)
                return
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return
                log.info("progress message gone, sending a new one: %s", exc.message)
        message = await self.bot.send_message(broadcast.coordinator_chat, text)
        await services.announcements.set_progress_message(broadcast.id, message.message_id)
