""""Found paid work": the outcome of a work/CV help request, for the offer's indicator.

The volunteer gets the button when they mark a work/CV request done (a small addition to the
help requests' done message); it counts once per request, whoever presses it and however
often. Only the request's volunteer or a coordinator may press it, and only on a closed
work/CV request: an old or forged button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.handlers.common import parse_data, reply, requires, safe_answer, stale_button
from bot.i18n import N_
from bot.services.users import COORDINATOR, VOLUNTEER

BUTTON = N_("💼 They found paid work")


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


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(paid_work, pattern=r"^rpt:pw:"))
