"""Belronde for people: ``/belronde``, the weekly message, answers, follow-ups, and the tick.

Residents opt in, choose a day and a day part (or keep the room's moment), pause until a date
or stop. Volunteers see the open follow-ups of their room, take one (only one volunteer can)
and mark it done with a short note. The tick sends the weekly check-ins exactly once per
resident per week and escalates what nobody picked up.
"""


from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import jobs as tick_jobs
from bot.handlers.checkins import answers, phone, resident, volunteer
from bot.handlers.checkins.jobs import tick
from bot.handlers.checkins.resident import offer_after_onboarding

__all__ = ["offer_after_onboarding", "register", "tick"]


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(phone.build_phone_conversation())
    app.add_handler(volunteer.build_note_conversation())
    app.add_handler(CommandHandler("belronde", volunteer.belronde_command))
    app.add_handler(CallbackQueryHandler(resident.resident_menu, pattern=r"^menu:checkins$"))
    app.add_handler(CallbackQueryHandler(volunteer.followups_menu, pattern=r"^menu:followups$"))
    for pattern, callback in (
        (r"^chk:on$", resident.opt_in),
        (r"^chk:no$", resident.no_thanks),
        (r"^chk:stop$", resident.stop),
        (r"^chk:days$", resident.ask_day),
        (r"^chk:day:", resident.set_day),
        (r"^chk:parts$", resident.ask_part),
        (r"^chk:part:", resident.set_part),
        (r"^chk:pauses$", resident.ask_pause),
        (r"^chk:pause:", resident.set_pause),
        (r"^chk:resume$", resident.resume),
        (r"^chk:a:", answers.answer),
        (r"^chk:take:", volunteer.take),
        (r"^chk:people$", volunteer.people),
        (r"^chk:xa:", volunteer.toggle_attention),
        (r"^chk:me$", volunteer.own_checkin),
        (r"^chk:", volunteer.unknown_chk),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    tick_jobs.add_tick(app, "checkins", tick, upcoming=upcoming)  # type: ignore[arg-type]


async def upcoming(app, after) -> list[tick_jobs.DueMoment]:
    """The belronde's coming moments, for the practice chat's "next scheduled moment"."""
    return [tick_jobs.DueMoment(at, kind, room)
            for at, kind, room in await app.services.checkins.upcoming(after)]
