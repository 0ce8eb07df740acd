"""Labels and small renderers shared by the help-request handlers.

Everything here is presentation: msgids for the buttons and statuses, and the friendly
sentence for each refusal the service can give.
"""

from __future__ import annotations

from collections.abc import Awaitable
from html import escape
from typing import TypeVar

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import END, reply, safe_answer
from bot.i18n import N_, Translator
from bot.services.help_requests import HelpError, Refusal
from bot.services.help_requests_rules import KINDS, MAX_NOTE
from bot.services.users import Person
from bot.store.help_requests import RequestRow

T = TypeVar("T")

URGENCY_LABELS = {
    "today": N_("Today"),
    "week": N_("This week"),
    "date": N_("📅 By a certain date"),
    "none": N_("No hurry"),
}
CONTACT_LABELS = {
    "visit": N_("I come by during opening hours"),
    "call": N_("Call me"),
    "message": N_("Send me a message here"),
}
#: What the resident reads about their own request ("a volunteer is helping you").
STATUS_LABELS = {
    "open": N_("waiting for a volunteer"),
    "taken": N_("a volunteer is helping you"),
    "done": N_("done"),
    "referred": N_("handed over to a partner organisation"),
    "cancelled": N_("cancelled"),
}
#: What a volunteer or coordinator reads on a card; "taken" says who holds it and since when
#: (see ``volunteer_status``).
VOLUNTEER_STATUS_LABELS = {
    "open": N_("Open, nobody has taken it on yet"),
    "done": N_("Done"),
    "referred": N_("Handed over to a partner organisation"),
    "cancelled": N_("Cancelled by the resident"),
}
OUTCOME_LABELS = {
    "helped": N_("✅ Helped"),
    "partly": N_("🌓 Partly helped"),
    "not_helped": N_("❌ Could not help"),
}
FOLLOWUP_LABELS = {
    "yes": N_("Yes, they helped me"),
    "partly": N_("A little"),
    "no": N_("No, they did not"),
    "not_yet": N_("We have not spoken yet"),
}


# --- small renderers ---------------------------------------------------------------------


def kind_label(t: Translator, kind: str) -> str:
    return t._(KINDS[kind].label) if kind in KINDS else kind


def due_text(t: Translator, request: RequestRow) -> str:
    if request.due_on is None:
        return t._("no hurry")
    return t._("by {date}").format(date=t.date(request.due_on))


def volunteer_status(t: Translator, request: RequestRow, holder: Person | None,
                     reader: Person | None = None) -> str:
    """The status as a volunteer or coordinator reads it: "Held by Vera since 1 December",
    "You are helping with it since …", "Open, …"; never the resident's "helping you"."""
    if request.status == "taken":
        since = t.date(request.taken_at, "d MMMM") if request.taken_at else ""
        if reader is not None and holder is not None and holder.id == reader.id:
            return t._("You have taken it on, since {date}").format(date=since)
        return t._("Held by {name} since {date}").format(
            name=first_name(t, holder), date=since)
    return t._(VOLUNTEER_STATUS_LABELS.get(request.status, request.status))


def speaks(t: Translator, person: Person | None) -> str | None:
    """ "Speaks Arabic" for a card about a resident, in the reader's language."""
    if person is None or not person.language:
        return None
    return t._("Speaks {language}").format(language=t.language_name(person.language))


def first_name(t: Translator, person: Person | None) -> str:
    if person is not None and person.name:
        return escape(person.name.split()[0])
    return t._("a volunteer")


def refusal_text(t: Translator, refusal: Refusal) -> str:
    return {
        Refusal.NOT_FOUND: t._("I cannot find that request, or it is not yours to open."),
        Refusal.TAKEN: t._("Another volunteer has just taken this request on. Thank you anyway!"),
        Refusal.NOT_OPEN: t._("This request is no longer open, so nothing was changed."),
        Refusal.NOT_HOLDER: t._("Only the volunteer who took this request on can do that."),
        Refusal.TOO_LONG: t.ngettext(
            "That is too long, so nothing was saved. Please keep it under {n} character.",
            "That is too long, so nothing was saved. Please keep it under {n} characters.",
            MAX_NOTE).format(n=MAX_NOTE),
        Refusal.NO_CONSENT: t._("Without the resident's agreement we do not hand over."),
        Refusal.UNKNOWN_PARTNER: t._("I do not know that partner organisation."),
        Refusal.ALREADY: t._("Thank you, this was already noted. Nothing was changed."),
        Refusal.ALREADY_YOURS: t._("You have already taken this request on."),
        Refusal.ALREADY_QUEUED: t._("This request is already back in the queue."),
        Refusal.ALREADY_DONE: t._("This request is already done. Nothing was changed."),
        Refusal.ALREADY_REFERRED: t._("This request is already handed over to a partner "
                                      "organisation."),
        Refusal.ALREADY_CANCELLED: t._("This request is already cancelled."),
    }[refusal]


async def refuse(update: Update, context: BotContext, error: HelpError) -> int:
    text = refusal_text(context.t, error.refusal)
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    elif update.effective_message is not None:
        await reply(update, context, text)
    return END


async def allowed(update: Update, context: BotContext, call: Awaitable[T]) -> T | None:
    """What the help service's ``call`` gives, or None once the person has been told why the
    service refused it (:func:`refuse`)."""
    try:
        return await call
    except HelpError as error:
        await refuse(update, context, error)
        return None
