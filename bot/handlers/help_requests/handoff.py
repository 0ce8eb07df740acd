"""Warm handoff: hand a request over to a partner organisation (with consent, maybe
together, with a follow-up question later), record a referral from a partner, and the
resident's answer to the follow-up, which goes back to the volunteer.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.actions import Action
from bot.actions import help as act
from bot.context import BotContext
from bot.handlers.common import kb, one_per_row, reply
from bot.handlers.help_requests.notices import notices_after_answer
from bot.handlers.help_requests.render import allowed, refusal_text, refuse
from bot.handlers.help_requests.volunteer import show_detail, visible
from bot.services.help_requests import HelpError, Refusal
from bot.store.help_requests import RequestRow

# --- warm handoff ------------------------------------------------------------------------


def _partner_markup(context: BotContext, request: RequestRow,
                    kind: type[act.ChoosePartner] | type[act.FromPartner]
                    ) -> InlineKeyboardMarkup:
    """The room's partner organisations, one a row, and back to the request."""
    rows: list[list[tuple[str, Action]]] = [
        [(p.name, kind(request.id, p.id))]
        for p in context.services.help.partners_for(request.room)]
    rows.append([(context.t._("⬅️ Back"), act.ViewRequest(request.id))])
    return kb(rows)


async def ask_partner(update: Update, context: BotContext, pressed: act.AskPartner) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    t = context.t
    await reply(update, context, t._("To which organisation do you hand over request {n}?")
                .format(n=request.id), _partner_markup(context, request, act.ChoosePartner))


def _partner_of(context: BotContext, request: RequestRow, partner_id: str):
    return next((p for p in context.services.help.partners_for(request.room)
                 if p.id == partner_id), None)


async def ask_consent(update: Update, context: BotContext, pressed: act.ChoosePartner) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    partner = _partner_of(context, request, pressed.partner)
    if partner is None:
        await refuse(update, context, HelpError(Refusal.UNKNOWN_PARTNER))
        return
    t = context.t
    await reply(update, context, t._(
        "Does the resident agree that we pass their question on to {partner}?").format(
            partner=escape(partner.name)),
        kb([[(t._("Yes, and I go along"), act.ChooseTogether(request.id, partner.id, True))],
            [(t._("Yes, they go themselves"),
              act.ChooseTogether(request.id, partner.id, False))],
            [(t._("No, they do not agree"), act.NoConsent(request.id))]]))


async def no_consent(update: Update, context: BotContext, pressed: act.NoConsent) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    t = context.t
    await reply(update, context, refusal_text(t, Refusal.NO_CONSENT) + " " + t._(
        "The request stays with you."), kb([[(t._("⬅️ Back"), act.ViewRequest(request.id))]]))


async def ask_followup(update: Update, context: BotContext, pressed: act.ChooseTogether
                       ) -> None:
    t = context.t
    labels = {7: t._("After 1 week"), 14: t._("After 2 weeks"), 0: t._("No follow-up")}
    await reply(update, context, t._(
        "Shall I ask the resident later whether the organisation helped them? Their answer "
        "comes to you."),
        one_per_row([(labels[d], act.Refer(pressed.request_id, pressed.partner,
                                           pressed.together, str(d))) for d in (7, 14, 0)]))


async def refer(update: Update, context: BotContext, pressed: act.Refer) -> None:
    pid = pressed.partner
    async with notices_after_answer(context):  # the resident and a displaced holder
        found = await allowed(update, context, context.services.help.refer(
            context.person, pressed.request_id, pid, consent=True,  # type: ignore[arg-type]
            together=pressed.together, followup_days=pressed.after))
        if found is None:
            return
        request, _referral = found
        partner = context.services.config.partners[pid]
        t = context.t
        await reply(update, context, t._("Request {n} is handed over to {partner}. Thank you!")
                    .format(n=request.id, partner=escape(partner.name)),
                    kb([[(t._("📋 All open requests"), act.Queue())]]))


async def ask_from_partner(update: Update, context: BotContext, pressed: act.AskFromPartner
                           ) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    t = context.t
    await reply(update, context, t._("Which organisation sent this resident to us?"),
                _partner_markup(context, request, act.FromPartner))


async def from_partner(update: Update, context: BotContext, pressed: act.FromPartner) -> None:
    request = await allowed(update, context, context.services.help.referred_by_partner(
        context.person, pressed.request_id, pressed.partner))  # type: ignore[arg-type]
    if request is None:
        return
    await show_detail(update, context, request)  # now shows "Sent to us by ..."


async def followup_answer(update: Update, context: BotContext, pressed: act.FollowupAnswer
                          ) -> None:
    async with notices_after_answer(context):  # the volunteer who handed it over
        try:
            await context.services.help.answer_followup(
                context.person, pressed.referral_id, pressed.answer)  # type: ignore[arg-type]
        except HelpError as error:
            await refuse(update, context, error)
            return
        await reply(update, context, context.t._("Thank you for letting us know!"))
