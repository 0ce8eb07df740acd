"""How an announcement goes out through the one outbox: its renderer (one row -> the message in
the recipient's language, with the photo), the coordinator's progress line and the report.

The sending itself is the one sender's (:mod:`bot.services.outbox`); nothing here calls the
Bot API but through the port (``app.port``): the progress line is an edit in place.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.context import BuurtApplication
from bot.handlers.announcements.render import render_announcement, render_report
from bot.i18n import Translator, translator
from bot.messaging.message import Attachment, OutMessage, Receipt, keyboard
from bot.services.announcements import Views
from bot.store.broadcasts import BroadcastRow
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)

#: A room's group has no person, hence no language of its own: the rooms' shared one.
GROUP_LANGUAGE = "nl"


def install(app: BuurtApplication) -> None:
    """Register the announcement kind with the outbox and its views with the service."""
    services = app.services
    outbox = services.outbox

    @outbox.renderer("announcement")
    async def render(app_: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
        broadcast = await services.announcements.get(int(row.ref))
        if broadcast is None:
            return None
        group = row.person_id is None
        if group:
            t = translator(GROUP_LANGUAGE)
        # In a group there is nobody to opt out: no /berichten footer there.
        text = render_announcement(t, broadcast, services.config.rooms, footer=not group)
        photo = (Attachment("photo", media_id=broadcast.photo_file_id)
                 if broadcast.photo_file_id else None)
        return OutMessage(text, attachment=photo)  # text final: render_announcement did bidi

    async def progress(broadcast: BroadcastRow, counts: dict[str, int], final: bool) -> None:
        t = translator(broadcast.coordinator_language)
        done = sum(counts[s] for s in ("sent", "blocked", "unreachable", "failed", "skipped"))
        total = broadcast.total
        if final:
            text = t._("📣 Your announcement is done: {done} of {total} handled.").format(
                done=t.number(done), total=t.number(total))
        else:
            text = t._("📣 Sending your announcement… sent {done} of {total}.").format(
                done=t.number(done), total=t.number(total))
        await edit_or_send(app, broadcast, t.bidi(text))

    def report(broadcast: BroadcastRow, counts: dict[str, int], groups: list[Any]
               ) -> OutMessage | None:
        t = translator(broadcast.coordinator_language)
        text, markup = render_report(t, broadcast, counts, groups, services.config.rooms,
                                     getattr(services.config, "whatsapp", None))
        return OutMessage(t.bidi(text), _buttons(markup))

    services.announcements.views["announcement"] = Views(progress, report)


def _buttons(markup: Any) -> Any:
    from bot.channels.telegram import from_markup

    return from_markup(markup) if markup is not None else keyboard([])


async def edit_or_send(app: BuurtApplication, broadcast: BroadcastRow, text: str) -> None:
    """The coordinator's progress line: edited in place; sent anew (and remembered) when it is
    gone. Not an outbox row: an edit repeated after a crash shows the same."""
    port = app.port  # type: ignore[attr-defined]
    chat = str(broadcast.coordinator_chat)
    if broadcast.progress_message_id is not None:
        receipt = Receipt("telegram", chat, str(broadcast.progress_message_id))
        if await port.edit(receipt, OutMessage(text)):
            return
    try:
        sent = await port.send(chat, OutMessage(text))
    except Exception as exc:  # the coordinator left; the report is queued all the same
        log.info("progress message could not be sent: %s", type(exc).__name__)
        return
    if sent.message_ref:
        await app.services.announcements.set_progress_message(broadcast.id,
                                                              int(sent.message_ref))
