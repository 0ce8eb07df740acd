"""Running it for real, in the chat: the QR sign for the door (/qr), each room's live calendar
link (from /programma) and the coordinators' warnings (a tick).

    /qr ─► room ─► the A4 sign as a PDF (and the link it opens)
    /programma ─► room ─► 🔗 Calendar link ─► the address ─► 🔄 New address ─► sure? ─► new
    tick ─► the nightly backup; a failed backup or a nearly full disk is told to every
            coordinator once per incident (not every minute)
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import jobs
from bot.actions.calendar import ProgrammeRoom
from bot.actions.ops import FeedLink, FeedRenew, FeedRenewAsk, QrSign
from bot.clock import from_db, to_db
from bot.context import BotContext, BuurtApplication
from bot.handlers import routing
from bot.handlers.common import (
    kb,
    one_per_row,
    reply,
    reply_file,
    requires,
    safe_answer,
    stale_button,
    yes_no,
)
from bot.i18n import Translator
from bot.messaging.message import Attachment, OutMessage
from bot.services.ops import ALERT_BACKUP, ALERT_DISK, OPS_ALERT, WEBHOOK_PROBE
from bot.services.ops_door_sign import SignError, render, sign_links, undrawable
from bot.services.users import COORDINATOR
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)



# --- /qr -------------------------------------------------------------------------------------


@requires(COORDINATOR)
async def qr_command(update: Update, context: BotContext) -> None:
    rooms = context.services.config.rooms
    if len(rooms) == 1:
        await _send_sign(update, context, next(iter(rooms)))
        return
    await reply(update, context, context.t._("The QR sign for which BuurtWerkKamer?"),
                one_per_row([(room.name, QrSign(room.id)) for room in rooms.values()]),
                edit=update.callback_query is not None)


async def qr_room(update: Update, context: BotContext, act: QrSign) -> None:
    query = update.callback_query
    assert query is not None
    room_id = await _button_room(update, context, act.room)
    if room_id is None:
        return
    await safe_answer(query)
    await _send_sign(update, context, room_id)


async def _send_sign(update: Update, context: BotContext, room_id: str) -> None:
    assert update.effective_chat is not None
    t = context.t
    room = context.services.config.rooms[room_id]
    config = context.services.config
    username = (config.bot_username or context.bot.username) if config.telegram else None
    links = sign_links(config, room, username)
    try:
        pdf = render(room, links, "pdf")
        if missing := undrawable():
            log.warning("door sign: no font for %s on this server, that line is left off "
                        "(buurtbot qr says what to install)", ", ".join(missing))
    except SignError as exc:
        log.error("door sign: %s", exc)
        await reply(update, context, t._("Sorry, I cannot make the sign on this server. "
                                         "Ask the person who manages the bot."), edit=False)
        return
    if len(links) == 1:
        caption = t._("The sign for the door of {room}. Print it on A4. The QR code opens this "
                      "chat and chooses {room}: {link}").format(room=escape(room.name),
                                                                link=links[0].url)
    else:
        caption = t._("The sign for the door of {room}. Print it on A4. One QR code opens "
                      "WhatsApp, the other Telegram. Both choose {room}:\n{links}").format(
                          room=escape(room.name),
                          links="\n".join(f"{link.channel}: {link.url}" for link in links))
    await reply_file(update, context, Attachment("document", data=pdf,
                                                 filename=f"qr-{room_id}.pdf"), caption)


# --- the calendar link (from /programma) ---------------------------------------------------


def _feed_text(t: Translator, room_name: str, url: str | None) -> str:
    if url is None:
        return t._("A calendar link is not set up on this server. Ask the person who manages "
                   "the bot to set web.public_url. The calendar file in /agenda keeps working.")
    return t._("<b>Calendar link of {room}</b>\nPeople add this link to their phone's calendar "
               "once, and it stays up to date:\n{url}\n\nIf the link ends up in the wrong "
               "place, make a new one. The old link then stops working.").format(
                   room=escape(room_name), url=escape(url))


async def _button_room(update: Update, context: BotContext, room: str) -> str | None:
    """The configured room a QR or feed button names; None (after the stale-button answer)
    for stale or forged data."""
    if room in context.services.config.rooms:
        return room
    await stale_button(update, context)
    return None


async def _show_feed(update: Update, context: BotContext, room_id: str, url: str | None,
                     *, renewed: bool = False) -> None:
    """The room's calendar link with its buttons (a new link only where there is one)."""
    t = context.t
    text = _feed_text(t, context.services.config.rooms[room_id].name, url)
    if renewed:
        text = t._("Done: this is the new link. The old one no longer works.") + "\n\n" + text
    rows = [[(t._("🔄 Make a new link"), FeedRenewAsk(room_id))]] if url else []
    rows.append([(t._("⬅️ Back"), ProgrammeRoom(room_id))])
    await reply(update, context, text, kb(rows))


async def feed_link(update: Update, context: BotContext, act: FeedLink) -> None:
    room_id = await _button_room(update, context, act.room)
    if room_id is None:
        return
    await _show_feed(update, context, room_id, await context.services.ops.feed_url(room_id))


async def feed_renew_ask(update: Update, context: BotContext, act: FeedRenewAsk) -> None:
    room_id = await _button_room(update, context, act.room)
    if room_id is None:
        return
    t = context.t
    await reply(update, context, t._("Make a new link? Phones with the old link no longer get "
                                     "the programme until they add the new one."),
                yes_no(t, t._("Yes, make a new link"), FeedRenew(room_id), FeedLink(room_id)))


async def feed_renew(update: Update, context: BotContext, act: FeedRenew) -> None:
    room_id = await _button_room(update, context, act.room)
    if room_id is None:
        return
    ops = context.services.ops
    if await ops.feed_url(room_id) is None:
        await stale_button(update, context)
        return
    await ops.renew_feed_key(room_id)
    await _show_feed(update, context, room_id, await ops.feed_url(room_id), renewed=True)


# --- the tick: nightly backup, warnings ----------------------------------------------------


def render_alert(app: BuurtApplication, row: OutboxRow, t: Translator) -> OutMessage | None:
    """A coordinator's warning (``ops.alert``), in their language, at send time."""
    params = row.params or {}
    if params.get("what") == "backup":
        text = t._("⚠️ The bot could not make its backup ({when}). The older backups are still "
                   "there. Please ask the person who manages the bot to look at it "
                   "(buurtbot doctor).").format(when=t.datetime(from_db(params["when"])))
    elif params.get("what") == "whatsapp_token":
        text = t._("⚠️ WhatsApp does not accept the bot's access key any more, so no WhatsApp "
                   "messages go out. Please ask the person who manages the bot to renew it "
                   "(buurtbot doctor).")
    elif params.get("what") == "disk":
        text = t._("⚠️ The disk of the bot's server is almost full ({mb} MB free). Please ask "
                   "the person who manages the bot to make room.").format(
                       mb=t.number(params["free"]))
    else:
        return None
    return OutMessage(text, lang=t.language)


async def tick(app: BuurtApplication, now: datetime) -> None:
    ops = app.services.ops
    await ops.nightly_backup(now)
    failure = await ops.backup_failure()
    if failure is not None:
        _reason, when = failure
        await ops.alert(ALERT_BACKUP, when.isoformat(), {"what": "backup", "when": to_db(when)})
    low = ops.disk_low()
    if low is not None:
        await ops.alert(ALERT_DISK, "", {"what": "disk", "free": low[1]})
    else:
        await ops.disk_ok()
    if ops.webhook_mode and (ops.last_webhook_probe is None
                             or now - ops.last_webhook_probe >= WEBHOOK_PROBE):
        ops.last_webhook_probe = now
        info = await app.bot.get_webhook_info()
        recent = info.last_error_date is not None and (
            now - info.last_error_date < timedelta(minutes=15))
        ops.webhook_error = (info.last_error_message or "error") if recent else ""


def register(app: Application) -> None:
    app.add_handler(CommandHandler("qr", qr_command))
    app.add_handler(routing.on(QrSign, qr_room, role=COORDINATOR))
    app.add_handler(routing.on(FeedLink, feed_link, role=COORDINATOR))
    app.add_handler(routing.on(FeedRenewAsk, feed_renew_ask, role=COORDINATOR))
    app.add_handler(routing.on(FeedRenew, feed_renew, role=COORDINATOR))
    app.services.outbox.renderer(OPS_ALERT)(render_alert)  # type: ignore[attr-defined]
    jobs.add_tick(app, "ops", tick)  # type: ignore[arg-type]
