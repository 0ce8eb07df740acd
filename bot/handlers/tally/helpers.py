"""Small helpers shared by /turf and /rapport: days, states, texts."""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Update

from bot.actions.tally import day_text
from bot.categories import CATEGORIES
from bot.context import BotContext
from bot.handlers.common import reply
from bot.i18n import Translator
from bot.services.tally import MAX_COUNT, Activity, TurfError

CODE, COUNT, PERIOD = "tal_code", "tal_count", "tal_period"


# --- small helpers ---------------------------------------------------------------------------


def day_str(day: date) -> str:
    """A day as /turf buttons carry it (``YYYYMMDD``)."""
    return day_text(day)


def activity_title(t: Translator, activity: Activity) -> str:
    if activity.ref and activity.title:
        title = escape(t._(activity.title))
        if activity.starts_at is not None:
            title = f"{t.time(activity.starts_at)} {title}"
        return title
    return t._(CATEGORIES[activity.category])


def turf_error_text(t: Translator, error: TurfError) -> str:
    return {
        TurfError.NOT_TODAY: t._("This list is from another day. Tap /turf for today."),
        TurfError.NOT_HERE: t._("This activity is not on today's programme of your room."),
        TurfError.UNKNOWN_PERSON: t._("This person is not (or no longer) on your room's list."),
        TurfError.BAD_CODE: t._(
            "Please type a short code of 3 to 6 letters and numbers, with at least one number, "
            "for example AB12. Not a name."
        ),
        TurfError.BAD_COUNT: t._("Please type a number from 0 to {max}.").format(max=MAX_COUNT),
    }[error.reason]


async def no_room(update: Update, context: BotContext) -> bool:
    person = context.person
    assert person is not None
    if person.room in context.services.config.rooms:
        return False
    await reply(update, context, context.t._(
        "You have no BuurtWerkKamer yet. Choose one with /kamer first."))
    return True



async def not_text(update: Update, context: BotContext) -> object:
    """A photo or sticker while we wait for a code, number or period: ask again."""
    await reply(update, context, context.t._("Please type it as text, or tap /turf or /rapport "
                                             "to start again."))
    return None


