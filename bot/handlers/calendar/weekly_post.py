"""The weekly post (a tick): next week's programme to the room's group and to subscribers,
each exactly once; and what happens when the group removes the bot or adds it back.

Why the group post is claimed, then given back on a short-lived failure: a network hiccup or
Telegram's flood limit must not cost the group its week (the next tick tries again), while a
post that went out is never repeated. When the group removed the bot the room's coordinator is
told at once (from the ``my_chat_member`` update, or from the failed post if that came first),
subscribers still get the programme, and adding the bot back before the week starts posts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from html import escape

from telegram import ChatMemberRestricted, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ChatMemberHandler

from bot.context import BotContext, BuurtApplication
from bot.handlers.common import notify
from bot.handlers.delivery import Retry, classify
from bot.i18n import Translator, translator
from bot.services.calendar import CHAT_POST_JOB
from bot.services.calendar_render import week_text

log = logging.getLogger(__name__)

Render = Callable[[Translator], str]
# Runs before the group guard (-9), which stops every update from a group chat.
MEMBERSHIP_GROUP = -11


async def _tell_coordinators(app: BuurtApplication, room_id: str, render: Render) -> None:
    services = app.services
    people = [p for p in [await services.users.get(tid) for tid in
                          sorted(services.config.coordinators)] if p is not None]
    own = [p for p in people if p.room == room_id] or people
    for person in own:
        await notify(app, person, render)


def _gone_text(room_name: str) -> Render:
    return lambda t: t._(
        "I was removed from the group chat of {room}, or may no longer write there. Until you "
        "add me again, the weekly programme goes only to residents who asked for it. Nothing "
        "is lost: if you add me back before the week starts, I post it in the group then."
    ).format(room=escape(room_name))


async def _week_render(app: BuurtApplication, room_id: str, monday: date) -> Render:
    room = app.services.config.rooms[room_id]
    entries = await app.services.calendar.week(room_id, monday)

    def render(t: Translator) -> str:
        return "🗓 " + t._("Next week in {room}:").format(room=escape(room.name)) + "\n\n" + \
            week_text(t, room, monday, entries) + "\n\n" + t._("Sign up and more: /agenda")

    return render


async def post_to_chat(app: BuurtApplication, room_id: str, monday: date,
                       render: Render) -> bool:
    """Post the week in the room's group once. False: a short-lived failure, try again later."""
    calendar = app.services.calendar
    room = app.services.config.rooms[room_id]
    if room.chat_id is None:
        if await calendar.claim("calendar_nochat", room_id):
            await _tell_coordinators(app, room_id, lambda t: t._(
                "{room} has no group chat set up (rooms.{id}.chat_id in the settings). The "
                "weekly programme goes only to residents who asked for it.").format(
                room=escape(room.name), id=room_id))
        return True
    if await calendar.chat_gone(room_id):
        return True  # the coordinator was told; adding the bot back posts it
    period = calendar.post_period(room_id, monday)
    if not await calendar.claim(CHAT_POST_JOB, period):
        return True
    try:
        await app.bot.send_message(room.chat_id, render(translator("nl")))
    except (Forbidden, BadRequest, ChatMigrated) as exc:
        log.warning("weekly post to the chat of %s failed: %s", room_id, exc)
        await calendar.release(CHAT_POST_JOB, period)
        if await calendar.set_chat_gone(room_id, True):
            await _tell_coordinators(app, room_id, _gone_text(room.name))
        return True
    except TelegramError as exc:  # network trouble, Telegram busy, flood limit
        if classify(exc).counts_as_sent:  # it left: most likely posted; never post twice
            log.warning("weekly post to the chat of %s timed out; counted as posted", room_id)
            return True
        log.warning("weekly post to the chat of %s failed for now, retrying: %s", room_id, exc)
        await calendar.release(CHAT_POST_JOB, period)
        return False
    return True


async def post_week(app: BuurtApplication, room_id: str, monday: date) -> None:
    """Post ``monday``'s week of ``room_id`` to its chat and subscribers, each exactly once."""
    services = app.services
    calendar = services.calendar
    period = calendar.post_period(room_id, monday)
    render = await _week_render(app, room_id, monday)
    settled = await post_to_chat(app, room_id, monday, render)
    for user_id in await calendar.subscribers(room_id):
        if await calendar.claim("calendar_post_to", f"{period}:{user_id}"):
            await notify(app, await services.users.by_id(user_id), render,
                         retry=Retry("calendar:week", period))
    if settled:
        await calendar.mark_post_done(room_id, monday)


async def tick(app: BuurtApplication, now: datetime) -> None:
    calendar = app.services.calendar
    await calendar.generate_all()
    for room_id in app.services.config.rooms:
        monday = calendar.post_due(room_id, now)
        if monday is None or await calendar.post_done(room_id, monday):
            continue
        await post_week(app, room_id, monday)


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
    room = app.services.config.rooms[room_id]
    if not present:
        if await calendar.set_chat_gone(room_id, True):
            await _tell_coordinators(app, room_id, _gone_text(room.name))
        return
    if await calendar.set_chat_gone(room_id, False):
        await _tell_coordinators(app, room_id, lambda t: t._(
            "Thank you: I am back in the group chat of {room} and post the weekly programme "
            "there again.").format(room=escape(room.name)))
    monday = calendar.post_due(room_id, app.services.clock.now())
    if monday is not None:  # this week's post is due and was not posted in the group yet
        await post_to_chat(app, room_id, monday, await _week_render(app, room_id, monday))


def register_membership(app: BuurtApplication) -> None:
    app.add_handler(ChatMemberHandler(group_membership, ChatMemberHandler.MY_CHAT_MEMBER),
                    group=MEMBERSHIP_GROUP)
