"""Warm handoff: hand a request over to a partner organisation (with consent, maybe
together, with a follow-up question later), record a referral from a partner, and the
resident's answer to the follow-up, which goes back to the volunteer.
"""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import kb, notify, one_per_row, parse_data, reply, requires, stale_button
from bot.handlers.help_requests.render import FOLLOWUP_LABELS, first_name, refusal_text, refuse
from bot.handlers.help_requests.volunteer import show_detail, visible
from bot.i18n import Translator
from bot.services.help_requests import HelpError, Refusal
from bot.services.help_requests_rules import FOLLOWUP_DAYS
from bot.services.users import RESIDENT, VOLUNTEER
from bot.store.help_requests import RequestRow

# --- warm handoff ------------------------------------------------------------------------


def _partner_rows(context: BotContext, request: RequestRow, prefix: str):
    return [[(p.name, f"{prefix}:{request.id}:{p.id}")]
            for p in context.services.help.partners_for(request.room)]


@requires(VOLUNTEER)
async def ask_partner(update: Update, context: BotContext) -> None:
    request = await visible(update, context, "help:ref")
    if request is None:
        return
    t = context.t
    rows = _partner_rows(context, request, "help:rp")
    rows.append([(t._("⬅️ Back"), f"help:view:{request.id}")])
    await reply(update, context, t._("To which organisation do you hand over request {n}?")
                .format(n=request.id), kb(rows))


def _partner_of(context: BotContext, request: RequestRow, partner_id: str):
    return next((p for p in context.services.help.partners_for(request.room)
                 if p.id == partner_id), None)


@requires(VOLUNTEER)
async def ask_consent(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:rp", int, str)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request = await context.services.help.visible_request(context.person, parsed[0])  # type: ignore[arg-type]
    except HelpError as error:
        await refuse(update, context, error)
        return
    partner = _partner_of(context, request, parsed[1])
    if partner is None:
        await refuse(update, context, HelpError(Refusal.UNKNOWN_PARTNER))
        return
    t = context.t
    await reply(update, context, t._(
        "Does the resident agree that we pass their question on to {partner}?").format(
            partner=escape(partner.name)),
        kb([[(t._("Yes, and I go along"), f"help:rt:{request.id}:{partner.id}:1")],
            [(t._("Yes, they go themselves"), f"help:rt:{request.id}:{partner.id}:0")],
            [(t._("No, they do not agree"), f"help:rnc:{request.id}")]]))


@requires(VOLUNTEER)
async def no_consent(update: Update, context: BotContext) -> None:
    request = await visible(update, context, "help:rnc")
    if request is None:
        return
    t = context.t
    await reply(update, context, refusal_text(t, Refusal.NO_CONSENT) + " " + t._(
        "The request stays with you."), kb([[(t._("⬅️ Back"), f"help:view:{request.id}")]]))


@requires(VOLUNTEER)
async def ask_followup(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:rt", int, str, int)  # type: ignore[union-attr]
    if not parsed or parsed[2] not in (0, 1):
        await stale_button(update, context)
        return
    t = context.t
    rid, pid, together = parsed
    labels = {7: t._("After 1 week"), 14: t._("After 2 weeks"), 0: t._("No follow-up")}
    await reply(update, context, t._(
        "Shall I ask the resident later whether the organisation helped them? Their answer "
        "comes to you."),
        one_per_row([(labels[d], f"help:rf:{rid}:{pid}:{together}:{d}") for d in (7, 14, 0)]))


@requires(VOLUNTEER)
async def refer(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:rf", int, str, int, int)  # type: ignore[union-attr]
    if not parsed or parsed[2] not in (0, 1) or parsed[3] not in FOLLOWUP_DAYS:
        await stale_button(update, context)
        return
    rid, pid, together, days = parsed
    try:
        request, referral, resident, holder = await context.services.help.refer(
            context.person, rid, pid, consent=True, together=bool(together),  # type: ignore[arg-type]
            followup_days=days)
    except HelpError as error:
        await refuse(update, context, error)
        return
    partner = context.services.config.partners[pid]
    t = context.t
    await reply(update, context, t._("Request {n} is handed over to {partner}. Thank you!")
                .format(n=request.id, partner=escape(partner.name)),
                kb([[(t._("📋 All open requests"), "help:queue")]]))
    volunteer_name = first_name(t, context.person)

    def render(rt: Translator) -> str:
        text = rt._("Your request {n} is handed over to {partner}, who can help you further."
                    ).format(n=request.id, partner=escape(partner.name))
        if partner.contact:
            text += " " + rt._("Their phone number: {phone}.").format(
                phone=escape(partner.contact))
        if referral.together:
            text += " " + rt._("{name} will go there with you.").format(name=volunteer_name)
        return text

    await notify(context, resident, render)
    await notify(context, holder, lambda rt: rt._(
        "The coordinator handed request {n} over to {partner}. You do not need to do anything "
        "more for it.").format(n=request.id, partner=escape(partner.name)))


@requires(VOLUNTEER)
async def ask_from_partner(update: Update, context: BotContext) -> None:
    request = await visible(update, context, "help:fp")
    if request is None:
        return
    t = context.t
    rows = _partner_rows(context, request, "help:fpp")
    rows.append([(t._("⬅️ Back"), f"help:view:{request.id}")])
    await reply(update, context, t._("Which organisation sent this resident to us?"), kb(rows))


@requires(VOLUNTEER)
async def from_partner(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:fpp", int, str)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request = await context.services.help.referred_by_partner(context.person, *parsed)  # type: ignore[arg-type]
    except HelpError as error:
        await refuse(update, context, error)
        return
    await show_detail(update, context, request)  # now shows "Sent to us by ..."



@requires(RESIDENT)
async def followup_answer(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:fu", int, str)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        referral, volunteer = await context.services.help.answer_followup(
            context.person, *parsed)  # type: ignore[arg-type]
    except HelpError as error:
        await refuse(update, context, error)
        return
    await reply(update, context, context.t._("Thank you for letting us know!"))
    partner = context.services.config.partners.get(referral.partner)
    pname = escape(partner.name) if partner else referral.partner
    answer = referral.followup_answer or ""
    await notify(context, volunteer, lambda t: (
        t._("Follow-up on request {n} ({partner}): the resident answered “{answer}”.").format(
            n=referral.request_id, partner=pname, answer=t._(FOLLOWUP_LABELS[answer])),
        kb([[(t._("📋 All open requests"), "help:queue")]])))
