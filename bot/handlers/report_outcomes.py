"""""Found paid work" (the outcome of a work/CV help request) and "new in the Netherlands"
(marked by the volunteer with the resident's consent), for the offer's indicators.

The volunteer gets the button when they mark a work/CV request done (a small addition to the
help requests' done message); it counts once per request, whoever presses it and however
often. Only the request's volunteer or a coordinator may press it, and only on a closed
work/CV request: an old or forged button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bot.actions import Action
from bot.actions import reports as act
from bot.actions.help import ViewRequest
from bot.context import BotContext
from bot.handlers.common import kb, reply, safe_answer, stale_button
from bot.handlers.routing import on
from bot.i18n import N_
from bot.messaging.message import OutMessage
from bot.services.users import COORDINATOR, VOLUNTEER

BUTTON = N_("💼 They found paid work")
NEWCOMER_BUTTON = N_("🌍 New in the Netherlands (they agree)")


def paid_work_button(t, request) -> list[tuple[str, Action]]:
    """The button row for a done work/CV request (empty for other requests)."""
    return [(t._(BUTTON), act.PaidWork(request.id))] if request.category == "werk" else []


async def paid_work(update: Update, context: BotContext, pressed: act.PaidWork) -> None:
    person = context.person
    assert person is not None
    request = await context.services.help.get(pressed.request_id)
    allowed = request is not None and (
        request.volunteer_id == person.id or person.has_role(COORDINATOR))
    if (request is None or not allowed or request.category != "werk"
            or request.closed_at is None):
        await stale_button(update, context)
        return
    t = context.t
    new = await context.services.indicators.record_paid_work(request.id, request.room)
    if not new:
        await safe_answer(update.callback_query, t._("That was already noted."))  # type: ignore[arg-type]
        return
    await reply(update, context, t._(
        "Noted: the resident of request {n} found paid work. It counts in the report, "
        "without a name. Congratulations to them!").format(n=request.id))


def newcomer_button(t, request) -> list[tuple[str, Action]]:
    """For the holder of an active request with a resident: mark them as a newcomer."""
    if request.resident_id is None or request.status != "taken":
        return []
    return [(t._(NEWCOMER_BUTTON), act.AskNewcomer(request.id))]


async def _holders_request(context: BotContext, request_id: int):
    request = await context.services.help.get(request_id)
    if request is None or request.resident_id is None:
        return None
    if not await context.services.help.can_see_details(context.person, request):  # type: ignore[arg-type]
        return None
    return request


async def ask_newcomer(update: Update, context: BotContext, pressed: act.AskNewcomer) -> None:
    request = await _holders_request(context, pressed.request_id)
    if request is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._(
        "Ask the resident first: may the BuurtWerkKamer count them as new in the Netherlands "
        "(for example a status holder)? It is counted without a name, and they can change it "
        "under Settings."), kb([
            [(t._("Yes, they agree"), act.MarkNewcomer(request.id))],
            [(t._("⬅️ Back to the request"), ViewRequest(request.id))],
        ]))


async def mark_newcomer(update: Update, context: BotContext, pressed: act.MarkNewcomer
                        ) -> None:
    request = await _holders_request(context, pressed.request_id)
    if request is None:
        await stale_button(update, context)
        return
    t = context.t
    new = await context.services.indicators.set_mark(request.resident_id, "newcomer",
                                                     "volunteer", tell=MARKED)
    await reply(update, context, t._("Noted, without a name. Thank you.") if new
                else t._("That was already noted."),
                kb([[(t._("⬅️ Back to the request"), ViewRequest(request.id))]]))
    await context.services.outbox.deliver()  # the resident's notice, after this answer


#: The outbox kind telling the resident a volunteer marked them (written with the mark).
MARKED = "report.newcomer_marked"


def render_marked(app, row, t) -> OutMessage:
    return OutMessage(t._(
        "As you agreed, a volunteer noted that you are new in the Netherlands. It is only "
        "counted, without your name. You can change it under Settings."), lang=t.language)


def register(app: Application) -> None:
    app.services.outbox.renderer(MARKED)(render_marked)  # type: ignore[attr-defined]
    app.add_handler(on(act.PaidWork, paid_work, role=VOLUNTEER))
    app.add_handler(on(act.AskNewcomer, ask_newcomer, role=VOLUNTEER))
    app.add_handler(on(act.MarkNewcomer, mark_newcomer, role=VOLUNTEER))
