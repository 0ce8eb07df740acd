"""WhatsApp's window in the handler layer: the "Show" tap under the "you have a new message"
template, and the tick that keeps the templates' approval status fresh.

Thin: the rules (release, deliver, whose row it is; when the templates are re-read) are
:func:`bot.channels.whatsapp.window.show` and :func:`bot.channels.whatsapp.templates.sync_due`.
A tap on a message that is gone (expired, erased) or not theirs gets a short friendly line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.actions.whatsapp import WhatsAppShow
from bot.channels.whatsapp import ids, limits, templates, window
from bot.handlers import routing
from bot.handlers.common import reply
from bot.jobs import add_tick

#: The tick's job name in ``job_runs`` (kept here for callers that name it).
SYNC_JOB = templates.SYNC_JOB


async def show(update: Any, context: Any, act: WhatsAppShow) -> None:
    chat = update.effective_chat.id if update.effective_chat else None
    if not ids.is_whatsapp(chat):
        return None
    if not await window.show(context.services, context.application, ids.wa_id(chat), act.row):
        t = context.t
        await reply(update, context, t._("This message is no longer available. Type menu "
                                         "to see what you can do."))
    return None


async def tick(app: Any, now: datetime) -> None:
    """Each tick: the templates' status when it is due (see ``templates.sync_due``)."""
    await templates.sync_due(app, now)


def register(app: Any) -> None:
    app.add_handler(routing.on(WhatsAppShow, show))
    app.services.privacy.register("whatsapp_conversations", None, limits.erase)
    add_tick(app, "whatsapp", tick)
