"""Belronde for people: ``/belronde``, the weekly message, answers, follow-ups, and the tick.

Residents opt in, choose a day and a day part (or keep the room's moment), pause until a date
or stop. Volunteers see the open follow-ups of their room, take one (only one volunteer can)
and mark it done with a short note. The tick sends the weekly check-ins exactly once per
resident per week and escalates what nobody picked up.
"""


from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot import jobs as tick_jobs
from bot.actions import checkins as act
from bot.actions.menu import MenuCheckins, MenuFollowups
from bot.handlers import routing
from bot.handlers.checkins import answers, notices, phone, resident, volunteer
from bot.handlers.checkins.jobs import tick
from bot.handlers.checkins.resident import offer_after_onboarding
from bot.services.users import RESIDENT, VOLUNTEER

__all__ = ["offer_after_onboarding", "register", "tick"]


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(phone.build_phone_conversation())
    app.add_handler(volunteer.build_note_conversation())
    app.add_handler(CommandHandler("belronde", volunteer.belronde_command))
    app.add_handler(routing.on(MenuCheckins, routing.same_as(resident.resident_menu)))
    app.add_handler(routing.on(MenuFollowups, routing.same_as(volunteer.followups_menu)))
    for kind, callback, role in (
        (act.CheckinOptIn, resident.opt_in, RESIDENT),
        (act.CheckinNoThanks, resident.no_thanks, RESIDENT),
        (act.CheckinStop, resident.stop, RESIDENT),
        (act.CheckinAskDay, resident.ask_day, RESIDENT),
        (act.CheckinSetDay, resident.set_day, RESIDENT),
        (act.CheckinAskPart, resident.ask_part, RESIDENT),
        (act.CheckinSetPart, resident.set_part, RESIDENT),
        (act.CheckinAskPause, resident.ask_pause, RESIDENT),
        (act.CheckinPause, resident.set_pause, RESIDENT),
        (act.CheckinResume, resident.resume, RESIDENT),
        (act.CheckinAnswer, answers.answer, RESIDENT),
        (act.FollowupTake, volunteer.take, VOLUNTEER),
        (act.ExtraAttentionList, volunteer.people, VOLUNTEER),
        (act.ExtraAttentionToggle, volunteer.toggle_attention, VOLUNTEER),
        (act.OwnCheckin, volunteer.own_checkin, VOLUNTEER),
    ):
        app.add_handler(routing.on(kind, callback, role=role))  # type: ignore[arg-type]
    notices.install(app)  # type: ignore[arg-type]
    tick_jobs.add_tick(app, "checkins", tick, upcoming=upcoming)  # type: ignore[arg-type]


async def upcoming(app, after) -> list[tick_jobs.DueMoment]:
    """The belronde's coming moments, for the practice chat's "next scheduled moment"."""
    return [tick_jobs.DueMoment(at, kind, room)
            for at, kind, room in await app.services.checkins.upcoming(after)]
