"""The weekly programme in the chat: /agenda for everyone, /programma for coordinators, and the
weekly post (a tick).

    /agenda ─► one week of the person's room ─► next week / this week, other room, sign up,
               .ics file, weekly post on/off                              (resident.py)
    /programma ─► room ─► series ─► occurrence ─► cancel / move (told to who signed up)
                      └─► ➕ weekly or one-off ─► ... ─► save    (coordinator.py, flow.py)
    tick ─► the weekly post to the group and subscribers                     (weekly_post.py)
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import jobs
from bot.handlers.calendar.coordinator import (
    ask_cancel,
    ask_end,
    do_cancel,
    do_end,
    programme_command,
    programme_occurrence,
    programme_room,
    programme_rooms,
    programme_series,
)
from bot.handlers.calendar.flow import build_conversation
from bot.handlers.calendar.resident import (
    agenda_command,
    agenda_rooms,
    agenda_week,
    send_ics,
    sign_off,
    sign_up,
    subscribe,
)
from bot.handlers.calendar.weekly_post import register_membership, tick


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("agenda", agenda_command))
    app.add_handler(CallbackQueryHandler(agenda_command, pattern=r"^menu:agenda$"))
    app.add_handler(CallbackQueryHandler(agenda_week, pattern=r"^cal:w:"))
    app.add_handler(CallbackQueryHandler(agenda_rooms, pattern=r"^cal:rooms:"))
    app.add_handler(CallbackQueryHandler(sign_up, pattern=r"^cal:su:"))
    app.add_handler(CallbackQueryHandler(sign_off, pattern=r"^cal:so:"))
    app.add_handler(CallbackQueryHandler(subscribe, pattern=r"^cal:sub:"))
    app.add_handler(CallbackQueryHandler(send_ics, pattern=r"^cal:ics:"))
    app.add_handler(CommandHandler("programma", programme_command))
    app.add_handler(CallbackQueryHandler(programme_command, pattern=r"^menu:programme$"))
    app.add_handler(CallbackQueryHandler(programme_rooms, pattern=r"^cal:prooms$"))
    app.add_handler(CallbackQueryHandler(programme_room, pattern=r"^cal:p:"))
    app.add_handler(CallbackQueryHandler(programme_series, pattern=r"^cal:ps:"))
    app.add_handler(CallbackQueryHandler(programme_occurrence, pattern=r"^cal:po:"))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=r"^cal:pc:"))
    app.add_handler(CallbackQueryHandler(do_cancel, pattern=r"^cal:pcy:"))
    app.add_handler(CallbackQueryHandler(ask_end, pattern=r"^cal:pe:"))
    app.add_handler(CallbackQueryHandler(do_end, pattern=r"^cal:pey:"))
    register_membership(app)  # type: ignore[arg-type]
    jobs.add_tick(app, "calendar", tick, upcoming=upcoming)  # type: ignore[arg-type]


async def upcoming(app, after) -> list[jobs.DueMoment]:
    """Each room's next weekly programme post (its ``weekly_post`` moment)."""
    return [jobs.DueMoment(jobs.next_weekly(room.weekly_post.weekday, room.weekly_post.at, after),
                           "weekly_post", room.id)
            for room in app.services.config.rooms.values()]


