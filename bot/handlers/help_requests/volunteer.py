"""The volunteer's side: the /vragen queue, taking on, the detail view, notes, giving
back, marking done, and the skills that decide which new requests they hear about.

Every button is checked again by the service: who may see or act on a request is decided
there, never by what the button says.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.actions import Action
from bot.actions import help as act
from bot.context import BotContext
from bot.handlers.common import (
    END,
    kb,
    one_per_row,
    reply,
    requires,
    safe_answer,
)
from bot.handlers.help_requests.notices import notices_after_answer
from bot.handlers.help_requests.render import (
    CONTACT_LABELS,
    OUTCOME_LABELS,
    allowed,
    due_text,
    kind_label,
    refuse,
    speaks,
    volunteer_status,
)
from bot.handlers.people_labels import badge, on_whatsapp
from bot.handlers.report_outcomes import newcomer_button, paid_work_button
from bot.handlers.routing import on
from bot.i18n import Translator
from bot.services.help_requests import HelpError, Refusal
from bot.services.help_requests_rules import OUTCOMES, SKILLS
from bot.services.outbox import ANSWER
from bot.services.users import VOLUNTEER
from bot.store.help_requests import RequestRow

log = logging.getLogger(__name__)

NOTE = "note"


# --- volunteers: queue, take, detail -----------------------------------------------------


def _line(t: Translator, request: RequestRow) -> str:
    return f"• {request.id}. {kind_label(t, request.kind)}{t.comma}{due_text(t, request)}"


@requires(VOLUNTEER)
async def show_queue(update: Update, context: BotContext) -> None:
    """The room's open requests and the ones I hold; the room's coordinator also sees every
    request another volunteer holds, with who holds it. A volunteer takes an open request on
    from the list; the coordinator opens every request (also an open one, without taking it
    on) and takes it on from its card."""
    t = context.t
    person = context.person
    assert person is not None
    queue = await context.services.help.queue(person)
    lines = []
    if queue.mine:
        lines.append("<b>" + t._("You are helping with") + "</b>")
        lines += [_line(t, r) for r in queue.mine]
        lines.append("")
    if queue.held_by_others:
        lines.append("<b>" + t._("Taken on by volunteers") + "</b>")
        lines += [_line(t, r) + " · " + volunteer_status(t, r, holder)
                  for r, holder in queue.held_by_others]
        lines.append("")
    lines.append("<b>" + t._("Open requests") + "</b>")
    if not queue.open:
        lines.append(t._("There are no open requests. Thank you for checking!"))
    lines += [_line(t, r) for r in queue.open]
    if queue.total > len(queue.open):
        more = queue.total - len(queue.open)
        lines.append(t.ngettext("…and {n} more.", "…and {n} more.", more).format(n=more))
    buttons: list[tuple[str, Action]] = [
        (t._("Open {n}").format(n=r.id), act.ViewRequest(r.id)) for r in queue.mine]
    buttons += [(t._("Open {n}").format(n=r.id), act.ViewRequest(r.id))
                for r, _holder in queue.held_by_others]
    if queue.coordinator:  # reads a request first; its card has "✋ Take on"
        buttons += [(t._("Open {n}").format(n=r.id), act.ViewRequest(r.id)) for r in queue.open]
    else:
        buttons += [(t._("✋ Take on {n}").format(n=r.id), act.TakeOn(r.id))
                    for r in queue.open]
    buttons.append((t._("🧰 What I help with"), act.Skills()))
    await reply(update, context, "\n".join(lines), one_per_row(buttons),
                edit=update.callback_query is not None)


async def take(update: Update, context: BotContext, pressed: act.TakeOn) -> None:
    person = context.person
    assert person is not None
    # The resident's notice and the attachments (after the card) were queued with the take.
    async with notices_after_answer(context):
        request = await allowed(update, context,
                                context.services.help.take(person, pressed.request_id))
        if request is None:
            return
        await show_detail(update, context, request)


async def _detail_text(context: BotContext, request: RequestRow) -> str:
    t = context.t
    services = context.services
    resident = await services.users.by_id(request.resident_id) if request.resident_id else None
    holder = (await services.users.by_id(request.volunteer_id)
              if request.volunteer_id and request.status == "taken" else None)
    lines = [
        "<b>" + t._("Request {n}").format(n=request.id) + "</b> · " + kind_label(t, request.kind),
        t._("Status: {status}").format(
            status=volunteer_status(t, request, holder, context.person)),
        t._("When: {due}").format(due=due_text(t, request)),
    ]
    if resident is not None and resident.row.erased_at is None:
        lines.append(t._("Resident: {name}").format(
            name=escape(resident.name) if resident.name else t._("(no name given)"))
            + badge(t, on_whatsapp(resident.addresses)))
        language = speaks(t, resident)
        if language:
            lines.append(language)
    contact = t._(CONTACT_LABELS.get(request.contact, request.contact))
    if request.phone:
        contact += f": {escape(request.phone)}"
    lines.append(t._("Contact: {how}").format(how=contact))
    if request.description:
        lines.append("")
        lines.append(t._("In their words: {text}").format(text=escape(request.description)))
    notes = await services.help.notes(request.id)
    if notes:
        lines.append("")
        lines.append("<b>" + t._("Notes") + "</b>")
        lines += [f"• {t.date(n.created_at, 'd MMM')}: {escape(n.text)}" for n in notes]
    for ref in await services.help.referrals(request.id):
        partner = services.config.partners.get(ref.partner)
        pname = escape(partner.name) if partner else ref.partner
        if ref.direction == "from_partner":
            lines.append(t._("Sent to us by {partner}.").format(partner=pname))
        else:
            lines.append(t._("Handed over to {partner}.").format(partner=pname))
    return "\n".join(lines)


def _detail_markup(t: Translator, request: RequestRow, has_media: bool) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, Action]]] = []
    if request.status == "open":
        rows.append([(t._("✋ Take on"), act.TakeOn(request.id))])
    if request.status == "taken":
        rows.append([(t._("✍️ Add a note"), act.AddNote(request.id)),
                     (t._("✅ Done"), act.AskOutcome(request.id))])
        rows.append([(t._("🤝 Hand over to a partner"), act.AskPartner(request.id))])
        rows.append([(t._("↩️ Give back to the queue"), act.HandBack(request.id))])
    if request.active:
        rows.append([(t._("📥 Came via a partner"), act.AskFromPartner(request.id))])
        if found := newcomer_button(t, request):  # the report's newcomers (with consent)
            rows.append(found)
    if has_media:
        rows.append([(t._("🖼 Show photos and messages again"), act.ResendMedia(request.id))])
    rows.append([(t._("📋 All open requests"), act.Queue())])
    return kb(rows)


async def show_detail(update: Update, context: BotContext, request: RequestRow) -> None:
    media = await context.services.help.media(request.id)
    await reply(update, context, await _detail_text(context, request),
                _detail_markup(context.t, request, bool(media)))


async def visible(update: Update, context: BotContext, request_id: int) -> RequestRow | None:
    """The request the button names, if this person may see it; else the refusal is said."""
    return await allowed(update, context, context.services.help.visible_request(
        context.person, request_id))  # type: ignore[arg-type]


async def view(update: Update, context: BotContext, pressed: act.ViewRequest) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is not None:
        await show_detail(update, context, request)


async def resend_media(update: Update, context: BotContext, pressed: act.ResendMedia) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    # Through the outbox (``help.media``), ahead of other notices: an attachment whose file
    # id expired is logged there and breaks nothing here.
    async with notices_after_answer(context):
        await context.services.help.resend_media(context.person, request.id,  # type: ignore[arg-type]
                                                 priority=ANSWER)


async def hand_back(update: Update, context: BotContext, pressed: act.HandBack) -> None:
    async with notices_after_answer(context):  # the resident and a displaced holder
        request = await allowed(update, context, context.services.help.hand_back(
            context.person, pressed.request_id))  # type: ignore[arg-type]
        if request is None:
            return
        await reply(update, context, context.t._(
            "Request {n} is back in the queue. Thank you for letting us know.").format(
                n=request.id), kb([[(context.t._("📋 All open requests"), act.Queue())]]))


async def ask_outcome(update: Update, context: BotContext, pressed: act.AskOutcome) -> None:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return
    t = context.t
    rows: list[list[tuple[str, Action]]] = [
        [(t._(OUTCOME_LABELS[o]), act.MarkDone(request.id, o))] for o in OUTCOMES]
    rows.append([(t._("⬅️ Back"), act.ViewRequest(request.id))])
    await reply(update, context, t._("How did it go with request {n}?").format(n=request.id),
                kb(rows))


async def mark_done(update: Update, context: BotContext, pressed: act.MarkDone) -> None:
    async with notices_after_answer(context):  # the resident and a displaced holder
        request = await allowed(update, context, context.services.help.done(
            context.person, pressed.request_id, pressed.outcome))  # type: ignore[arg-type]
        if request is None:
            return
        found_work = paid_work_button(context.t, request)  # the report's "found paid work"
        await reply(update, context, context.t._("Request {n} is done. Thank you for your "
                                                 "help!").format(n=request.id),
                    kb([*([found_work] if found_work else []),
                        [(context.t._("📋 All open requests"), act.Queue())]]))


# --- notes (a small persistent conversation: one text) ----------------------------------


async def ask_note(update: Update, context: BotContext, pressed: act.AddNote) -> str | int:
    request = await visible(update, context, pressed.request_id)
    if request is None:
        return END
    context.user_data["help_note"] = request.id  # type: ignore[index]
    t = context.t
    await reply(update, context, t._(
        "Type your note for request {n}. Only you and the coordinator can read it.").format(
            n=request.id), kb([[(t._("Stop"), act.StopNote())]]))
    return NOTE


async def note_text(update: Update, context: BotContext) -> str | int:
    assert update.message is not None and context.person is not None
    t = context.t
    request_id = context.user_data.get("help_note")  # type: ignore[union-attr]
    if request_id is None:
        return END
    try:
        request = await context.services.help.add_note(context.person, request_id,
                                                       update.message.text or "")
    except HelpError as error:
        await refuse(update, context, error)
        return NOTE if error.refusal is Refusal.TOO_LONG else END
    context.user_data.pop("help_note", None)  # type: ignore[union-attr]
    await reply(update, context, t._("Note saved."), kb([[(t._("Open request {n}").format(
        n=request.id), act.ViewRequest(request.id))]]))
    return END


async def note_stop(update: Update, context: BotContext, _act: act.StopNote) -> int:
    context.user_data.pop("help_note", None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("No note was saved."))
    return END


async def note_other(update: Update, context: BotContext) -> str:
    await reply(update, context, context.t._("Please type your note as text."))
    return NOTE


def build_note_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[on(act.AddNote, ask_note, role=VOLUNTEER)],
        states={NOTE: [MessageHandler(text, note_text),
                       MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED,
                                      note_other)]},
        fallbacks=[on(act.StopNote, note_stop)],
        name="help_note",
        persistent=True,
        allow_reentry=True,
    )


# --- skills and follow-up answers ------------------------------------------------------


@requires(VOLUNTEER)
async def show_skills(update: Update, context: BotContext) -> None:
    t = context.t
    own = await context.services.help.skills(context.person)  # type: ignore[arg-type]
    buttons: list[tuple[str, Action]] = [
        (("✅ " if skill in own else "▫️ ") + t._(label), act.ToggleSkill(skill))
        for skill, label in SKILLS.items()]
    buttons.append((t._("📋 All open requests"), act.Queue()))
    await reply(update, context, t._(
        "Which requests do you want to hear about? Tap to switch on or off. With nothing "
        "switched on, you hear about all of them."), one_per_row(buttons))


async def toggle_skill(update: Update, context: BotContext, pressed: act.ToggleSkill) -> None:
    await context.services.help.toggle_skill(context.person, pressed.skill)  # type: ignore[arg-type]
    await show_skills(update, context)
