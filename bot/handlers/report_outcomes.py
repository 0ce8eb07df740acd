"""""Found paid work" (the outcome of a work/CV help request) and "new in the Netherlands"
(marked by the volunteer with the resident's consent), for the offer's indicators.

The volunteer gets the button when they mark a work/CV request done (a small addition to the
help requests' done message); it counts once per request, whoever presses it and however
often. Only the request's volunteer or a coordinator may press it, and only on a closed
work/CV request: an old or forged button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.handlers.common import (
    kb,
    notify,
    parse_data,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import N_
from bot.services.users import COORDINATOR, VOLUNTEER

BUTTON = N_("💼 They found paid work")
NEWCOMER_BUTTON = N_("🌍 New in the Netherlands (they agree)")


def paid_work_button(t, request) -> list[tuple[str, str]]:
    """The button row for a done work/CV request (empty for other requests)."""
    return [(t._(BUTTON), f"rpt:pw:{request.id}")] if request.category == "werk" else []


@requires(VOLUNTEER)
async def paid_work(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "rpt:pw", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    person = context.person
    assert person is not None
    request = await context.services.help.get(parsed[0])
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


def newcomer_button(t, request) -> list[tuple[str, str]]:
    """For the holder of an active request with a resident: mark them as a newcomer."""
    if request.resident_id is None or request.status != "taken":
        return []
    return [(t._(NEWCOMER_BUTTON), f"rpt:nc:{request.id}")]


async def _holders_request(update: Update, context: BotContext, prefix: str):
    parsed = parse_data(update.callback_query.data, prefix, int)  # type: ignore[union-attr]
    if not parsed:
        return None
    request = await context.services.help.get(parsed[0])
    if request is None or request.resident_id is None:
        return None
    if not await context.services.help.can_see_details(context.person, request):  # type: ignore[arg-type]
        return None
    return request


@requires(VOLUNTEER)
async def ask_newcomer(update: Update, context: BotContext) -> None:
    request = await _holders_request(update, context, "rpt:nc")
    if request is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._(
        "Ask the resident first: may the BuurtWerkKamer count them as new in the Netherlands "
        "(for example a status holder)? It is counted without a name, and they can change it "
        "under Settings."), kb([
            [(t._("Yes, they agree"), f"rpt:ncy:{request.id}")],
            [(t._("⬅️ Back to the request"), f"help:view:{request.id}")],
        ]))


@requires(VOLUNTEER)
async def mark_newcomer(update: Update, context: BotContext) -> None:
    request = await _holders_request(update, context, "rpt:ncy")
    if request is None:
        await stale_button(update, context)
        return
    t = context.t
    new = await context.services.indicators.set_mark(request.resident_id, "newcomer",
                                                     "volunteer")
    await reply(update, context, t._("Noted, without a name. Thank you.") if new
                else t._("That was already noted."),
                kb([[(t._("⬅️ Back to the request"), f"help:view:{request.id}")]]))
    if new:
        resident = await context.services.users.by_id(request.resident_id)
        await notify(context, resident, lambda rt: rt._(
            "As you agreed, a volunteer noted that you are new in the Netherlands. It is only "
            "counted, without your name. You can change it under Settings."))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(paid_work, pattern=r"^rpt:pw:"))
    app.add_handler(CallbackQueryHandler(ask_newcomer, pattern=r"^rpt:nc:"))
    app.add_handler(CallbackQueryHandler(mark_newcomer, pattern=r"^rpt:ncy:"))
