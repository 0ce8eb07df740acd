""""New in the Netherlands?": a kind, optional question for the offer's newcomers indicator.

Asked once at the end of onboarding and always changeable under Settings. Skipping is as easy
as answering; the answer is only counted (as "x of y newcomers take part"), shown in
/mijngegevens and erased by /vergeetmij.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bot.actions import reports as act
from bot.actions.account import NewcomerSettings
from bot.context import BotContext
from bot.handlers.common import kb, reply
from bot.handlers.routing import on
from bot.i18n import N_
from bot.services.users import RESIDENT

MARK = "newcomer"
#: /mijngegevens: what the report counts a person as (bot/handlers/my_data.py shows it).
MY_DATA_LINE = N_("Counted in the report (without your name) as: {what}")
MARK_LABELS = {"newcomer": N_("new in the Netherlands"), "referred": N_("came via an agency")}


def my_data_line(t, value) -> str:
    marks = [m.get("mark") for m in value] if isinstance(value, list) else []
    return t._(MY_DATA_LINE).format(what=t.join(t._(MARK_LABELS[m]) for m in marks
                                                if m in MARK_LABELS))


#: The Settings button (shown by bot/handlers/account.py).
SETTINGS_BUTTON = N_("🌍 New in the Netherlands?")


def _buttons(t):
    return kb([
        [(t._("Yes, I am new in the Netherlands"), act.NewcomerAnswer("yes"))],
        [(t._("No"), act.NewcomerAnswer("no"))],
        [(t._("I would rather not say"), act.NewcomerAnswer("skip"))],
    ])


def _question(t) -> str:
    return t._(
        "One optional question: are you new in the Netherlands (for example a status "
        "holder)? The BuurtWerkKamer counts how many newcomers take part, without names. "
        "You may skip this, and change it any time under Settings.")


async def offer(update: Update, context: BotContext) -> None:
    """At the end of onboarding (a new message, so the welcome stays readable)."""
    await reply(update, context, _question(context.t), _buttons(context.t), edit=False)


async def from_settings(update: Update, context: BotContext, _act: NewcomerSettings) -> None:
    t = context.t
    assert context.person is not None
    marked = await context.services.indicators.has_mark(context.person.id, MARK)
    state = (t._("Now: you said you are new in the Netherlands.") if marked
             else t._("Now: not marked as new in the Netherlands."))
    await reply(update, context, _question(t) + "\n\n" + state, _buttons(t))


async def answer(update: Update, context: BotContext, pressed: act.NewcomerAnswer) -> None:
    choice = pressed.choice
    t = context.t
    assert context.person is not None
    indicators = context.services.indicators
    if choice == "yes":
        await indicators.set_mark(context.person.id, MARK, "self")
        text = t._("Thank you. Welcome! You can change this any time under Settings.")
    elif choice == "no":
        await indicators.clear_mark(context.person.id, MARK)
        text = t._("Thank you. You can change this any time under Settings.")
    else:
        text = t._("That is fine. You can answer later under Settings.")
    await reply(update, context, text)


def register(app: Application) -> None:
    app.add_handler(on(NewcomerSettings, from_settings, role=RESIDENT))
    app.add_handler(on(act.NewcomerAnswer, answer, role=RESIDENT))
