"""After sending: who was not reached, and cancelling a planned announcement."""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.actions.announcements import AnnouncementNotReached, AnnouncementUnschedule
from bot.context import BotContext
from bot.handlers.announcements.compose import DRAFT
from bot.handlers.common import (
    END,
    reply,
    safe_answer,
    stale_button,
)

log = logging.getLogger(__name__)


# --- after sending ---------------------------------------------------------------------------


async def who_not_reached(update: Update, context: BotContext,
                          act: AnnouncementNotReached) -> None:
    services = context.services
    person = context.person
    assert person is not None
    if await services.announcements.get(act.broadcast_id) is None:
        await stale_button(update, context)
        return
    t = context.t
    rows = await services.announcements.not_reached(person, act.broadcast_id)
    if not rows:
        await safe_answer(update.callback_query, t._("Everyone was reached."), alert=True)  # type: ignore[arg-type]
        return
    why = {"blocked": t._("blocked the bot"), "unreachable": t._("not on Telegram"),
           "failed": t._("sending failed")}
    lines = ["<b>" + t._("Not reached ({n}):").format(n=t.number(len(rows))) + "</b>"]
    for row in rows:
        name = (html.escape(row["display_name"]) if row["display_name"]
                else t._("anonymous {id}").format(id=row["id"]))
        room = services.config.room(row["room"])
        where = f" · {html.escape(room.name)}" if room else ""
        lines.append(f"• {name}{where} — {why[row['state']]}")
    text = "\n".join(lines)
    if len(text) > 4000:
        text = text[:3990].rsplit("\n", 1)[0] + "\n…"
    await reply(update, context, text, edit=False)


async def unschedule(update: Update, context: BotContext, act: AnnouncementUnschedule) -> int:
    t = context.t
    person = context.person
    assert person is not None
    cancelled = await context.services.announcements.cancel(person, act.broadcast_id)
    if cancelled is None:
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("This announcement cannot be cancelled: it was already sent or "
                              "cancelled."), alert=True)
        return END
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, t._("Cancelled: the announcement of {when} will not be sent.")
                .format(when=t.datetime(cancelled.send_at)))
    return END
