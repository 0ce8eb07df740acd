"""The weekly post (a tick): next week's programme to the room's group and to subscribers,
each exactly once; and what happens when the group removes the bot or adds it back.

What is sent, and when, is decided in :mod:`bot.services.calendar_post` (claims and outbox rows
in one transaction; the outbox retries a short-lived failure and never posts twice). This
module renders the rows when they go out and passes the group's membership updates on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from html import escape

from telegram import ChatMemberRestricted, Update
from telegram.ext import ChatMemberHandler

from bot.context import BotContext, BuurtApplication
from bot.i18n import Translator, translator
from bot.messaging.message import OutMessage
from bot.services import calendar_post
from bot.services.calendar_post import (
    CHAT_BACK,
    CHAT_GONE,
    NO_CHAT,
    NOTICE_KIND,
    POST_KIND,
    SUBSCRIBER_KIND,
)
from bot.services.calendar_render import week_text
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)

# Runs before the group guard (-9), which stops every update from a group chat.
MEMBERSHIP_GROUP = -11


def _notice_text(t: Translator, variant: str, room_id: str, room_name: str) -> str | None:
    room = escape(room_name)
    if variant == NO_CHAT:
        return t._(
            "{room} has no group chat set up (rooms.{id}.chat_id in the settings). The "
            "weekly programme goes only to residents who asked for it.").format(
            room=room, id=room_id)
    if variant == CHAT_GONE:
        return t._(
            "I was removed from the group chat of {room}, or may no longer write there. Until "
            "you add me again, the weekly programme goes only to residents who asked for it. "
            "Nothing is lost: if you add me back before the week starts, I post it in the group "
            "then.").format(room=room)
    if variant == CHAT_BACK:
        return t._(
            "Thank you: I am back in the group chat of {room} and post the weekly programme "
            "there again.").format(room=room)
    return None


async def week_message(app: BuurtApplication, room_id: str, monday: date, t: Translator,
                       lang: str | None) -> OutMessage:
    room = app.services.config.rooms[room_id]
    entries = await app.services.calendar.week(room_id, monday)
    text = ("🗓 " + t._("Next week in {room}:").format(room=escape(room.name)) + "\n\n"
            + week_text(t, room, monday, entries) + "\n\n" + t._("Sign up and more: /agenda"))
    return OutMessage(text, lang=lang)


def _room_and_monday(app: BuurtApplication, row: OutboxRow) -> tuple[str, date] | None:
    params = row.params or {}
    room_id = params.get("room")
    if room_id not in app.services.config.rooms:
        return None  # the room left the settings meanwhile
    return room_id, date.fromisoformat(params["monday"])


async def render_group_post(app: BuurtApplication, row: OutboxRow, t: Translator
                            ) -> OutMessage | None:
    """``calendar.post``: the group reads Dutch (the rooms' shared language)."""
    found = _room_and_monday(app, row)
    if found is None:
        return None
    return await week_message(app, *found, translator("nl"), None)


async def render_subscriber_post(app: BuurtApplication, row: OutboxRow, t: Translator
                                 ) -> OutMessage | None:
    """``calendar.subscriber``: the same week, in the subscriber's language."""
    found = _room_and_monday(app, row)
    if found is None:
        return None
    return await week_message(app, *found, t, t.language)


async def render_notice(app: BuurtApplication, row: OutboxRow, t: Translator
                        ) -> OutMessage | None:
    """``calendar.notice``: to a coordinator about the room's group chat."""
    params = row.params or {}
    room = app.services.config.rooms.get(params.get("room", ""))
    if room is None:
        return None
    text = _notice_text(t, params.get("variant", ""), room.id, room.name)
    return OutMessage(text, lang=t.language) if text is not None else None


async def tick(app: BuurtApplication, now: datetime) -> None:
    services = app.services
    await services.calendar.generate_all()
    await calendar_post.settle_failed_posts(services, now)
    for room_id in services.config.rooms:
        monday = services.calendar.post_due(room_id, now)
        if monday is not None:
            await calendar_post.queue_week(services, room_id, monday)


async def group_membership(update: Update, context: BotContext) -> None:
    """The bot was removed from, or added back to, a room's group or channel."""
    change = update.my_chat_member
    app: BuurtApplication = context.application  # type: ignore[assignment]
    calendar = app.services.calendar
    room_id = calendar.room_of_chat(change.chat.id) if change is not None else None
    if change is None or room_id is None:
        return
    member = change.new_chat_member
    present = member.status in ("member", "administrator", "creator") or (
        isinstance(member, ChatMemberRestricted) and member.is_member
        and member.can_send_messages)
    if present:
        await calendar_post.chat_back(app.services, room_id)
    else:
        await calendar_post.chat_left(app.services, room_id)
    await app.services.outbox.deliver()


def register_membership(app: BuurtApplication) -> None:
    outbox = app.services.outbox
    outbox.renderer(POST_KIND)(render_group_post)
    outbox.renderer(SUBSCRIBER_KIND)(render_subscriber_post)
    outbox.renderer(NOTICE_KIND)(render_notice)
    app.add_handler(ChatMemberHandler(group_membership, ChatMemberHandler.MY_CHAT_MEMBER),
                    group=MEMBERSHIP_GROUP)
