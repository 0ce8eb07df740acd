"""The weekly programme in the chat: /agenda for everyone, /programma for coordinators, and the
weekly post (a tick).

    /agenda ─► one week of the person's room ─► next week / this week, other room, sign up,
               .ics file, weekly post on/off                              (resident.py)
    /programma ─► room ─► series ─► occurrence ─► cancel / move (told to who signed up)
                      └─► ➕ weekly or one-off ─► ... ─► save    (coordinator.py, flow.py)
    tick ─► the weekly post to the group and subscribers                     (weekly_post.py)
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot import jobs
from bot.actions import calendar as act
from bot.actions.menu import MenuAgenda, MenuProgramme
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
    render_changed,
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
from bot.handlers.routing import on, same_as
from bot.services.calendar import CHANGED_KIND
from bot.services.users import COORDINATOR, RESIDENT


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("agenda", agenda_command))
    app.add_handler(on(MenuAgenda, same_as(agenda_command)))  # agenda_command checks the role
    app.add_handlers([
        on(act.AgendaWeek, agenda_week, role=RESIDENT),
        on(act.AgendaRooms, agenda_rooms, role=RESIDENT),
        on(act.ActivitySignUp, sign_up, role=RESIDENT),
        on(act.ActivitySignOff, sign_off, role=RESIDENT),
        on(act.AgendaSubscribe, subscribe, role=RESIDENT),
        on(act.AgendaIcs, send_ics, role=RESIDENT),
    ])
    app.add_handler(CommandHandler("programma", programme_command))
    app.add_handler(on(MenuProgramme, same_as(programme_command)))  # programme_command checks it
    app.add_handlers([
        on(act.ProgrammeRooms, programme_rooms, role=COORDINATOR),
        on(act.ProgrammeRoom, programme_room, role=COORDINATOR),
        on(act.ProgrammeSeries, programme_series, role=COORDINATOR),
        on(act.ProgrammeOccurrence, programme_occurrence, role=COORDINATOR),
        on(act.CancelDate, ask_cancel, role=COORDINATOR),
        on(act.CancelDateConfirmed, do_cancel, role=COORDINATOR),
        on(act.EndSeries, ask_end, role=COORDINATOR),
        on(act.EndSeriesConfirmed, do_end, role=COORDINATOR),
    ])
    register_membership(app)  # type: ignore[arg-type]
    app.services.outbox.renderer(CHANGED_KIND)(render_changed)  # type: ignore[attr-defined]
    jobs.add_tick(app, "calendar", tick, upcoming=upcoming)  # type: ignore[arg-type]


async def upcoming(app, after) -> list[jobs.DueMoment]:
    """Each room's next weekly programme post (its ``weekly_post`` moment)."""
    return [jobs.DueMoment(jobs.next_weekly(room.weekly_post.weekday, room.weekly_post.at, after),
                           "weekly_post", room.id)
            for room in app.services.config.rooms.values()]


