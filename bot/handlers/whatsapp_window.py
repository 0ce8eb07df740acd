"""WhatsApp's window in the handler layer: the "Show" tap under the "you have a new message"
template, and the daily tick that re-reads the templates' approval status.

The tap is a message from the person, so the inbound webhook has opened their window and
released the held rows already (:func:`bot.channels.whatsapp.window.opened`); here the
released message is sent at once, as the answer to the tap. A tap on a message that is gone
(expired, erased) gets a short friendly line.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.actions.whatsapp import WhatsAppShow
from bot.channels.whatsapp import CHANNEL as ids_channel
from bot.channels.whatsapp import ids, limits, templates, window
from bot.clock import TZ
from bot.handlers import routing
from bot.handlers.common import reply
from bot.jobs import add_tick
from bot.store import job_runs
from bot.store import outbox as outbox_store
from bot.store import whatsapp_templates as template_store

log = logging.getLogger(__name__)

#: The tick's job name in ``job_runs`` (one template sync per local day).
SYNC_JOB = "whatsapp.templates"


async def show(update: Any, context: Any, act: WhatsAppShow) -> None:
    services = context.services
    chat = update.effective_chat.id if update.effective_chat else None
    if not ids.is_whatsapp(chat):
        return None
    wa_id = ids.wa_id(chat)
    await window.opened(context.application, wa_id)
    await services.outbox.deliver()
    row = await services.db.run(outbox_store.get, act.row)
    mine = row is not None and row.channel == ids_channel and row.address == wa_id
    if not mine or row.state not in (outbox_store.QUEUED, outbox_store.SENDING,
                                     outbox_store.SENT):
        # Gone (expired, erased), or not theirs: nothing about it is shown.
        t = context.t
        await reply(update, context, t._("This message is no longer available. Type menu "
                                         "to see what you can do."))
    return None


async def tick(app: Any, now: datetime) -> None:
    """Once a day (every hour while a template is in review): Meta's view of our templates
    (approved, paused, rejected), and a prune of old conversation counts. Without
    ``[whatsapp]`` nothing happens."""
    settings = getattr(app.services.config, "whatsapp", None)
    if settings is None or not settings.business_account_id:
        return
    async with app.services.db.reading() as conn:
        # Daily once Meta has answered for every template; hourly while one is in review.
        daily = templates.settled(await template_store.all_statuses(conn))
        local = now.astimezone(TZ)
        period = local.date().isoformat() if daily else local.strftime("%Y-%m-%dT%H")
        if await job_runs.done(conn, SYNC_JOB, period):
            return
    try:
        await templates.sync(app)
    except Exception as exc:  # Meta unreachable: try again at the next tick
        log.warning("could not read the WhatsApp templates' status: %s", type(exc).__name__)
        return
    await limits.prune(app.services)
    async with app.services.db.transaction() as conn:
        await job_runs.claim(conn, SYNC_JOB, period, now)


def register(app: Any) -> None:
    app.add_handler(routing.on(WhatsAppShow, show))
    app.services.privacy.register("whatsapp_conversations", None, limits.erase)
    add_tick(app, "whatsapp", tick)
