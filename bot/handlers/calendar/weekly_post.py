"""The weekly post (a tick): next week's programme to the room's group and to subscribers,
each exactly once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from html import escape

from telegram.error import BadRequest, Forbidden

from bot.context import BuurtApplication
from bot.handlers.common import notify
from bot.i18n import Translator, translator
from bot.services.calendar_render import week_text

log = logging.getLogger(__name__)

# --- the weekly post ------------------------------------------------------------------------


async def _tell_coordinators(app: BuurtApplication, room_id: str, render) -> None:
    services = app.services
    people = [p for p in [await services.users.get(tid) for tid in
                          sorted(services.config.coordinators)] if p is not None]
    own = [p for p in people if p.room == room_id] or people
    for person in own:
        await notify(app, person, render)


async def post_week(app: BuurtApplication, room_id: str, monday: date) -> None:
    """Post ``monday``'s week of ``room_id`` to its chat and subscribers, each exactly once."""
    services = app.services
    calendar = services.calendar
    room = services.config.rooms[room_id]
    period = calendar.post_period(room_id, monday)
    entries = await calendar.week(room_id, monday)

    def render(t: Translator) -> str:
        return "🗓 " + t._("Next week in {room}:").format(room=escape(room.name)) + "\n\n" + \
            week_text(t, room, monday, entries) + "\n\n" + t._("Sign up and more: /agenda")

    if room.chat_id is None:
        if await calendar.claim("calendar_nochat", room_id):
            await _tell_coordinators(app, room_id, lambda t: t._(
                "{room} has no group chat set up (rooms.{id}.chat_id in the settings). The "
                "weekly programme goes only to residents who asked for it.").format(
                room=escape(room.name), id=room_id))
    elif await calendar.claim("calendar_post_chat", period):
        t = translator("nl")
        try:
            await app.bot.send_message(room.chat_id, render(t))
        except (Forbidden, BadRequest) as exc:
            log.warning("weekly post to the chat of %s failed: %s", room_id, exc)
            if await calendar.claim("calendar_chat_lost", period):
                await _tell_coordinators(app, room_id, lambda t: t._(
                    "I could not post the weekly programme in the group chat of {room}: I was "
                    "removed from it or may not write there. Please add me again. Residents "
                    "who asked for it still got the programme.").format(room=escape(room.name)))
    for user_id in await calendar.subscribers(room_id):
        if await calendar.claim("calendar_post_to", f"{period}:{user_id}"):
            await notify(app, await services.users.by_id(user_id), render)
    await calendar.mark_post_done(room_id, monday)


async def tick(app: BuurtApplication, now: datetime) -> None:
    calendar = app.services.calendar
    await calendar.generate_all()
    for room_id in app.services.config.rooms:
        monday = calendar.post_due(room_id, now)
        if monday is None or await calendar.post_done(room_id, monday):
            continue
        await post_week(app, room_id, monday)

