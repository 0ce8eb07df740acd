"""Help requests: the resident's intake (/hulp), the volunteers' queue (/vragen), handoffs.

The intake is a persistent ConversationHandler, so a restart between steps resumes:

    /hulp ──► KIND ──► DETAILS (text, photo, voice, file; "Next") ──► WHEN ──► [DATE]
          ──► CONTACT ──► [PHONE] ──► CONFIRM ──► request stored, volunteers told

Everything else is a plain button (``help:*``) handled statelessly, checked again on the server:
the service decides who may see or do what; these handlers only render and send.
"""

from __future__ import annotations

import logging
from datetime import date
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers.common import (
    END,
    kb,
    notify,
    one_per_row,
    parse_data,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import N_, Translator
from bot.jobs import add_tick
from bot.services.help_requests import (
    DOCUMENT_TYPES,
    FOLLOWUP_DAYS,
    KINDS,
    MAX_DESCRIPTION,
    MAX_FILE_BYTES,
    MAX_MEDIA,
    MAX_NOTE,
    MAX_VOICE_SECONDS,
    OUTCOMES,
    SKILLS,
    DateProblem,
    HelpError,
    Refusal,
    clean_phone,
    parse_due_date,
)
from bot.services.users import RESIDENT, VOLUNTEER, Person
from bot.store.help_requests import RequestRow

log = logging.getLogger(__name__)

KIND, DETAILS, WHEN, DATE, CONTACT, PHONE, CONFIRM = (
    "kind", "details", "when", "date", "contact", "phone", "confirm")
NOTE = "note"

URGENCY_LABELS = {
    "today": N_("Today"),
    "week": N_("This week"),
    "date": N_("A date on the letter"),
    "none": N_("No hurry"),
}
CONTACT_LABELS = {
    "visit": N_("I come by during opening hours"),
    "call": N_("Call me"),
    "message": N_("Send me a message here"),
}
STATUS_LABELS = {
    "open": N_("waiting for a volunteer"),
    "taken": N_("a volunteer is helping you"),
    "done": N_("done"),
    "referred": N_("handed over to a partner organisation"),
    "cancelled": N_("cancelled"),
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
    return t._("before {date}").format(date=t.date(request.due_on))


def first_name(t: Translator, person: Person | None) -> str:
    if person is not None and person.name:
        return escape(person.name.split()[0])
    return t._("a volunteer")


def _refusal_text(t: Translator, refusal: Refusal) -> str:
    return {
        Refusal.NOT_FOUND: t._("I cannot find that request, or it is not yours to open."),
        Refusal.TAKEN: t._("Another volunteer has just taken this request on. Thank you anyway!"),
        Refusal.NOT_OPEN: t._("This request is no longer open, so nothing was changed."),
        Refusal.NOT_HOLDER: t._("Only the volunteer who took this request on can do that."),
        Refusal.TOO_LONG: t._("That is too long, so nothing was saved. "
                              "Please keep it under {n} characters.").format(n=MAX_NOTE),
        Refusal.NO_CONSENT: t._("Without the resident's agreement we do not hand over."),
        Refusal.UNKNOWN_PARTNER: t._("I do not know that partner organisation."),
        Refusal.ALREADY: t._("That was already done."),
    }[refusal]


async def _refuse(update: Update, context: BotContext, error: HelpError) -> int:
    text = _refusal_text(context.t, error.refusal)
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t.bidi(text))
    return END


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault("help", {})  # type: ignore[union-attr]


def _next_markup(t: Translator) -> InlineKeyboardMarkup:
    return kb([[(t._("Next ➡️"), "help:next")], [(t._("Stop"), "help:stop")]])


# --- resident intake ---------------------------------------------------------------------


@requires(RESIDENT)
async def intake_start(update: Update, context: BotContext) -> str:
    t = context.t
    _draft(context).clear()
    buttons = [(t._(kind.label), f"help:k:{kind.id}") for kind in KINDS.values()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t._("📋 My requests"), "help:mine")])
    await reply(update, context, t._("What do you need help with?"), kb(rows),
                edit=update.callback_query is not None)
    return KIND


async def choose_kind(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "help:k", str)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in KINDS:
        return await stale_button(update, context)
    draft = _draft(context)
    draft.clear()
    draft.update(kind=parsed[0], description="", media=[])
    t = context.t
    await reply(
        update,
        context,
        t._("Tell us briefly what it is about. You can type a few words, send a photo of the "
            "letter, or record a voice message. This is not needed.")
        + "\n\n" + t._("Tap Next when you are ready."),
        _next_markup(t),
    )
    return DETAILS


async def _ack(update: Update, context: BotContext, text: str) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(t.bidi(text), reply_markup=_next_markup(t))
    return DETAILS


async def details_text(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    draft = _draft(context)
    text = (update.message.text or "").strip()
    combined = (draft.get("description", "") + "\n" + text).strip()
    if len(combined) > MAX_DESCRIPTION:
        return await _ack(update, context, t._(
            "That is too long, so I did not keep it. Please write at most {n} characters, or "
            "send a photo or a voice message instead.").format(n=MAX_DESCRIPTION))
    draft["description"] = combined
    return await _ack(update, context, t._("Thank you, I wrote that down. Anything else? "
                                           "Or tap Next."))


async def details_media(update: Update, context: BotContext) -> str:
    message = update.message
    assert message is not None
    t = context.t
    draft = _draft(context)
    media: list = draft.setdefault("media", [])
    if len(media) >= MAX_MEDIA:
        return await _ack(update, context, t._(
            "That is enough photos and messages, thank you ({n} at most). Tap Next.").format(
                n=MAX_MEDIA))
    too_big = t._("This file is too big (more than 20 MB), so I cannot pass it on. Please "
                  "take a photo of the letter instead, or bring it to the BuurtWerkKamer.")
    if message.photo:
        photo = message.photo[-1]
        if (photo.file_size or 0) > MAX_FILE_BYTES:
            return await _ack(update, context, too_big)
        entry = ["photo", photo.file_id]
        said = t._("Thank you, I received the photo.")
    elif message.voice:
        voice = message.voice
        if voice.duration > MAX_VOICE_SECONDS:
            return await _ack(update, context, t._(
                "This voice message is too long. Please keep it under {n} minutes, or come by "
                "the BuurtWerkKamer to tell us.").format(n=MAX_VOICE_SECONDS // 60))
        if (voice.file_size or 0) > MAX_FILE_BYTES:
            return await _ack(update, context, too_big)
        entry = ["voice", voice.file_id]
        said = t._("Thank you, I received your voice message.")
    elif message.document:
        document = message.document
        if (document.mime_type or "") not in DOCUMENT_TYPES:
            return await _ack(update, context, t._(
                "I cannot pass on this kind of file. Please send a photo or a PDF."))
        if (document.file_size or 0) > MAX_FILE_BYTES:
            return await _ack(update, context, too_big)
        entry = ["document", document.file_id]
        said = t._("Thank you, I received the file.")
    else:
        return await _ack(update, context, t._(
            "I cannot pass this on. Please type a few words, or send a photo or a voice "
            "message."))
    media.append(entry)
    caption = (message.caption or "").strip()
    if caption:
        combined = (draft.get("description", "") + "\n" + caption).strip()
        if len(combined) <= MAX_DESCRIPTION:
            draft["description"] = combined
    return await _ack(update, context, said + " " + t._("Anything else? Or tap Next."))


async def details_next(update: Update, context: BotContext) -> str | int:
    if "kind" not in _draft(context):
        return await stale_button(update, context)
    t = context.t
    await reply(
        update,
        context,
        t._("When does it need to be done?"),
        one_per_row([(t._(label), f"help:w:{key}") for key, label in URGENCY_LABELS.items()]),
    )
    return WHEN


async def choose_when(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "help:w", str)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in URGENCY_LABELS or "kind" not in draft:
        return await stale_button(update, context)
    draft["urgency"] = parsed[0]
    draft.pop("date", None)
    t = context.t
    if parsed[0] == "date":
        await reply(update, context, t._(
            "Which date is on the letter? Type it like this: {example}").format(
                example=_example_date(context)))
        return DATE
    return await _ask_contact(update, context)


def _example_date(context: BotContext) -> str:
    today = context.services.clock.now().date()
    return f"{today.day + 1 if today.day < 28 else 1}-{today.month}"


async def date_text(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    today = context.services.clock.now().date()
    value = parse_due_date(update.message.text or "", today)
    if value is DateProblem.PAST:
        text = t._("That date has already passed. Please type a date from today on, or tap "
                   "/hulp to start again.")
    elif value is DateProblem.TOO_FAR:
        text = t._("That date is more than a year away. Please check it and type it again.")
    elif isinstance(value, DateProblem):
        text = t._("I did not understand that date. Please type it like this: {example}").format(
            example=_example_date(context))
    else:
        _draft(context)["date"] = value.isoformat()
        return await _ask_contact(update, context)
    await update.message.reply_text(t.bidi(text))
    return DATE


async def _ask_contact(update: Update, context: BotContext) -> str:
    t = context.t
    await reply(
        update,
        context,
        t._("How can we reach you?"),
        one_per_row([(t._(label), f"help:c:{key}") for key, label in CONTACT_LABELS.items()]),
        edit=update.callback_query is not None,
    )
    return CONTACT


async def choose_contact(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "help:c", str)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in CONTACT_LABELS or "urgency" not in draft:
        return await stale_button(update, context)
    draft["contact"] = parsed[0]
    draft.pop("phone", None)
    if parsed[0] == "call":
        person = context.person
        if person is not None and person.row.phone:
            draft["phone"] = person.row.phone
        else:
            await reply(update, context, context.t._(
                "On which phone number can we call you? Type it, for example 06 12345678."))
            return PHONE
    return await _confirm(update, context)


async def phone_text(update: Update, context: BotContext) -> str:
    assert update.message is not None
    phone = clean_phone(update.message.text or "")
    if phone is None:
        t = context.t
        await update.message.reply_text(t.bidi(t._(
            "That does not look like a phone number. Please type only the number, for "
            "example 06 12345678.")))
        return PHONE
    _draft(context)["phone"] = phone
    return await _confirm(update, context)


def _summary(t: Translator, draft: dict) -> str:
    lines = ["<b>" + t._("Your request") + "</b>",
             t._("About: {kind}").format(kind=kind_label(t, draft["kind"]))]
    if draft.get("description"):
        lines.append(t._("Your words: {text}").format(text=escape(draft["description"])))
    if draft.get("media"):
        lines.append(t.ngettext("{n} photo or message attached", "{n} photos or messages attached",
                                len(draft["media"])).format(n=len(draft["media"])))
    when = t._(URGENCY_LABELS[draft["urgency"]])
    if draft.get("date"):
        when = t.date(date.fromisoformat(draft["date"]))
    lines.append(t._("When: {when}").format(when=when))
    contact = t._(CONTACT_LABELS[draft["contact"]])
    if draft.get("phone"):
        contact += f" ({escape(draft['phone'])})"
    lines.append(t._("Contact: {how}").format(how=contact))
    return "\n".join(lines)


async def _confirm(update: Update, context: BotContext) -> str:
    t = context.t
    await reply(
        update,
        context,
        _summary(t, _draft(context)) + "\n\n" + t._("Shall I send this to the volunteers?"),
        kb([[(t._("✅ Send"), "help:send")], [(t._("Stop"), "help:stop")]]),
        edit=update.callback_query is not None,
    )
    return CONFIRM


async def send_request(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    person = context.person
    if person is None or not {"kind", "urgency", "contact"} <= set(draft):
        return await stale_button(update, context)
    t = context.t
    chosen = date.fromisoformat(draft["date"]) if draft.get("date") else None
    if draft["urgency"] == "date" and (chosen is None
                                       or chosen < context.services.clock.now().date()):
        draft.pop("date", None)
        await reply(update, context, t._("That date has already passed. Please type a date "
                                         "from today on."))
        return DATE
    if draft.get("phone") and draft["contact"] == "call" and not person.row.phone:
        context.person = await context.services.users.update(person, phone=draft["phone"])
    request, helpers = await context.services.help.create(
        person,
        kind=draft["kind"],
        description=draft.get("description") or None,
        media=[(m[0], m[1]) for m in draft.get("media", [])],
        urgency=draft["urgency"],
        chosen_date=chosen,
        contact=draft["contact"],
        phone=draft.get("phone"),
    )
    draft.clear()
    await reply(
        update,
        context,
        t._("Thank you! Your request has number <b>{n}</b>.").format(n=request.id) + "\n"
        + t._("I will let you know as soon as a volunteer takes it on. See it under "
              "📋 My requests in /hulp."),
    )
    for helper in helpers:
        await notify(context, helper, lambda ht, r=request: (
            ht._("New help request <b>{n}</b>: {kind}, {due}.").format(
                n=r.id, kind=kind_label(ht, r.kind), due=due_text(ht, r)),
            kb([[(ht._("✋ I will take it"), f"help:take:{r.id}")],
                [(ht._("📋 All open requests"), "help:queue")]]),
        ))
    return END


async def stop_intake(update: Update, context: BotContext) -> int:
    _draft(context).clear()
    await reply(update, context, context.t._("Stopped. Nothing was sent. Tap /hulp to start "
                                             "again."))
    return END


async def press_a_button(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t.bidi(t._("Please tap one of the buttons above. Or tap /hulp to start again.")))


def build_intake() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    media = (filters.PHOTO | filters.VOICE | filters.Document.ALL | filters.AUDIO
             | filters.VIDEO | filters.VIDEO_NOTE | filters.Sticker.ALL | filters.ANIMATION
             | filters.LOCATION | filters.CONTACT) & ~filters.UpdateType.EDITED
    not_command = ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[
            CommandHandler("hulp", intake_start),
            CallbackQueryHandler(intake_start, pattern=r"^(menu:help|help:new)$"),
        ],
        states={
            KIND: [CallbackQueryHandler(choose_kind, pattern=r"^help:k:")],
            DETAILS: [
                MessageHandler(text, details_text),
                MessageHandler(media, details_media),
                CallbackQueryHandler(details_next, pattern=r"^help:next$"),
            ],
            WHEN: [CallbackQueryHandler(choose_when, pattern=r"^help:w:")],
            DATE: [MessageHandler(text, date_text)],
            CONTACT: [CallbackQueryHandler(choose_contact, pattern=r"^help:c:")],
            PHONE: [MessageHandler(text, phone_text)],
            CONFIRM: [CallbackQueryHandler(send_request, pattern=r"^help:send$")],
        },
        fallbacks=[
            CommandHandler("hulp", intake_start),
            CallbackQueryHandler(intake_start, pattern=r"^(menu:help|help:new)$"),
            CallbackQueryHandler(stop_intake, pattern=r"^help:stop$"),
            CallbackQueryHandler(my_requests_end, pattern=r"^help:mine$"),
            CallbackQueryHandler(stale_button, pattern=r"^help:(k:|w:|c:|next$|send$)"),
            MessageHandler(not_command, press_a_button),
        ],
        name="help_intake",
        persistent=True,
        allow_reentry=True,
    )


# --- resident: my requests ---------------------------------------------------------------


@requires(RESIDENT)
async def my_requests(update: Update, context: BotContext) -> int:
    t = context.t
    person = context.person
    assert person is not None
    requests = await context.services.help.mine(person)
    if not requests:
        text = t._("You have no help requests yet.")
    else:
        lines = ["<b>" + t._("Your help requests") + "</b>"]
        for r in requests:
            lines.append(t._("{n}. {kind}: {status}").format(
                n=r.id, kind=kind_label(t, r.kind), status=t._(STATUS_LABELS[r.status])))
        text = "\n".join(lines)
    buttons = [(t._("❌ Cancel request {n}").format(n=r.id), f"help:cx:{r.id}")
               for r in requests if r.active]
    buttons.append((t._("📝 New request"), "help:new"))
    await reply(update, context, text, one_per_row(buttons),
                edit=update.callback_query is not None)
    return END


async def my_requests_end(update: Update, context: BotContext) -> int:
    _draft(context).clear()
    return await my_requests(update, context)


@requires(RESIDENT)
async def confirm_cancel(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:cx", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request = await context.services.help.own_request(context.person, parsed[0])  # type: ignore[arg-type]
    except HelpError as error:
        await _refuse(update, context, error)
        return
    t = context.t
    await reply(update, context, t._("Do you want to cancel request {n} ({kind})?").format(
        n=request.id, kind=kind_label(t, request.kind)),
        kb([[(t._("Yes, cancel it"), f"help:cxok:{request.id}")],
            [(t._("No, keep my request"), "help:mine")]]))


@requires(RESIDENT)
async def cancel_request(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:cxok", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request, holder = await context.services.help.cancel(context.person, parsed[0])  # type: ignore[arg-type]
    except HelpError as error:
        await _refuse(update, context, error)
        return
    await reply(update, context, context.t._("Request {n} is cancelled.").format(n=request.id))
    await notify(context, holder, lambda t: t._(
        "The resident has cancelled request {n}. You do not need to do anything more.").format(
            n=request.id))


# --- volunteers: queue, take, detail -----------------------------------------------------


@requires(VOLUNTEER)
async def show_queue(update: Update, context: BotContext) -> None:
    t = context.t
    person = context.person
    assert person is not None
    open_rows, total, held = await context.services.help.queue(person)
    lines = []
    if held:
        lines.append("<b>" + t._("You are helping with") + "</b>")
        lines += [f"• {r.id}. {kind_label(t, r.kind)}, {due_text(t, r)}" for r in held]
        lines.append("")
    lines.append("<b>" + t._("Open requests") + "</b>")
    if not open_rows:
        lines.append(t._("There are no open requests. Thank you for checking!"))
    lines += [f"• {r.id}. {kind_label(t, r.kind)}, {due_text(t, r)}" for r in open_rows]
    if total > len(open_rows):
        lines.append(t._("…and {n} more.").format(n=total - len(open_rows)))
    buttons = [(t._("Open {n}").format(n=r.id), f"help:view:{r.id}") for r in held]
    buttons += [(t._("✋ Take on {n}").format(n=r.id), f"help:take:{r.id}") for r in open_rows]
    buttons.append((t._("🧰 What I help with"), "help:skills"))
    await reply(update, context, "\n".join(lines), one_per_row(buttons),
                edit=update.callback_query is not None)


@requires(VOLUNTEER)
async def take(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:take", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    person = context.person
    assert person is not None
    try:
        request, resident = await context.services.help.take(person, parsed[0])
    except HelpError as error:
        await _refuse(update, context, error)
        return
    name = person.name.split()[0] if person.name else None
    await notify(context, resident, lambda t: t._(
        "Good news: {name} has taken on your request {n}. They will contact you soon.").format(
            name=escape(name) if name else t._("a volunteer"), n=request.id))
    await _show_detail(update, context, request, send_media=True)


async def _detail_text(context: BotContext, request: RequestRow) -> str:
    t = context.t
    services = context.services
    resident = await services.users.by_id(request.resident_id) if request.resident_id else None
    lines = [
        "<b>" + t._("Request {n}").format(n=request.id) + "</b> · " + kind_label(t, request.kind),
        t._("Status: {status}").format(status=t._(STATUS_LABELS[request.status])),
        t._("When: {due}").format(due=due_text(t, request)),
    ]
    if resident is not None and resident.row.erased_at is None:
        lines.append(t._("Resident: {name}").format(
            name=escape(resident.name) if resident.name else t._("(no name given)")))
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
    rows: list[list[tuple[str, str]]] = []
    if request.status == "open":
        rows.append([(t._("✋ Take on"), f"help:take:{request.id}")])
    if request.status == "taken":
        rows.append([(t._("✍️ Add a note"), f"help:note:{request.id}"),
                     (t._("✅ Done"), f"help:done:{request.id}")])
        rows.append([(t._("🤝 Hand over to a partner"), f"help:ref:{request.id}")])
        rows.append([(t._("↩️ Give back to the queue"), f"help:hb:{request.id}")])
    if request.active:
        rows.append([(t._("📥 Came via a partner"), f"help:fp:{request.id}")])
    if has_media:
        rows.append([(t._("🖼 Show photos and messages again"), f"help:media:{request.id}")])
    rows.append([(t._("📋 All open requests"), "help:queue")])
    return kb(rows)


async def _show_detail(update: Update, context: BotContext, request: RequestRow, *,
                       send_media: bool = False) -> None:
    media = await context.services.help.media(request.id)
    await reply(update, context, await _detail_text(context, request),
                _detail_markup(context.t, request, bool(media)))
    if send_media:
        await _send_media(update, context, media)


async def _send_media(update: Update, context: BotContext, media: list) -> None:
    chat = update.effective_chat
    assert chat is not None
    for item in media:
        try:
            if item.kind == "photo":
                await context.bot.send_photo(chat.id, photo=item.file_id)
            elif item.kind == "voice":
                await context.bot.send_voice(chat.id, voice=item.file_id)
            else:
                await context.bot.send_document(chat.id, document=item.file_id)
        except TelegramError as exc:  # an expired file id must not break the detail view
            log.info("could not pass on a help request attachment: %s", exc)


async def _visible(update: Update, context: BotContext, prefix: str) -> RequestRow | None:
    parsed = parse_data(update.callback_query.data, prefix, int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return None
    try:
        return await context.services.help.visible_request(context.person, parsed[0])  # type: ignore[arg-type]
    except HelpError as error:
        await _refuse(update, context, error)
        return None


@requires(VOLUNTEER)
async def view(update: Update, context: BotContext) -> None:
    request = await _visible(update, context, "help:view")
    if request is not None:
        await _show_detail(update, context, request)


@requires(VOLUNTEER)
async def resend_media(update: Update, context: BotContext) -> None:
    request = await _visible(update, context, "help:media")
    if request is None:
        return
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    await _send_media(update, context, await context.services.help.media(request.id))


@requires(VOLUNTEER)
async def hand_back(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:hb", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request, resident = await context.services.help.hand_back(context.person, parsed[0])  # type: ignore[arg-type]
    except HelpError as error:
        await _refuse(update, context, error)
        return
    await reply(update, context, context.t._(
        "Request {n} is back in the queue. Thank you for letting us know.").format(n=request.id),
        kb([[(context.t._("📋 All open requests"), "help:queue")]]))
    await notify(context, resident, lambda t: t._(
        "Your request {n} is waiting for another volunteer. We have not forgotten you.").format(
            n=request.id))


@requires(VOLUNTEER)
async def ask_outcome(update: Update, context: BotContext) -> None:
    request = await _visible(update, context, "help:done")
    if request is None:
        return
    t = context.t
    rows = [[(t._(OUTCOME_LABELS[o]), f"help:dn:{request.id}:{o}")] for o in OUTCOMES]
    rows.append([(t._("⬅️ Back"), f"help:view:{request.id}")])
    await reply(update, context, t._("How did it go with request {n}?").format(n=request.id),
                kb(rows))


@requires(VOLUNTEER)
async def mark_done(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:dn", int, str)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    try:
        request, resident = await context.services.help.done(context.person, *parsed)  # type: ignore[arg-type]
    except HelpError as error:
        await _refuse(update, context, error)
        return
    await reply(update, context, context.t._("Request {n} is done. Thank you for your help!")
                .format(n=request.id), kb([[(context.t._("📋 All open requests"), "help:queue")]]))
    await notify(context, resident, lambda t: t._(
        "Your request {n} is done. We hope it went well! Tap /hulp whenever you need help "
        "again.").format(n=request.id))


# --- warm handoff ------------------------------------------------------------------------


def _partner_rows(context: BotContext, request: RequestRow, prefix: str):
    return [[(p.name, f"{prefix}:{request.id}:{p.id}")]
            for p in context.services.help.partners_for(request.room)]


@requires(VOLUNTEER)
async def ask_partner(update: Update, context: BotContext) -> None:
    request = await _visible(update, context, "help:ref")
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
        await _refuse(update, context, error)
        return
    partner = _partner_of(context, request, parsed[1])
    if partner is None:
        await _refuse(update, context, HelpError(Refusal.UNKNOWN_PARTNER))
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
    request = await _visible(update, context, "help:rnc")
    if request is None:
        return
    t = context.t
    await reply(update, context, _refusal_text(t, Refusal.NO_CONSENT) + " " + t._(
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
        request, referral, resident = await context.services.help.refer(
            context.person, rid, pid, consent=True, together=bool(together),  # type: ignore[arg-type]
            followup_days=days)
    except HelpError as error:
        await _refuse(update, context, error)
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


@requires(VOLUNTEER)
async def ask_from_partner(update: Update, context: BotContext) -> None:
    request = await _visible(update, context, "help:fp")
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
        await _refuse(update, context, error)
        return
    await _show_detail(update, context, request)  # now shows "Sent to us by ..."


# --- notes (a small persistent conversation: one text) ----------------------------------


@requires(VOLUNTEER)
async def ask_note(update: Update, context: BotContext) -> str | int:
    request = await _visible(update, context, "help:note")
    if request is None:
        return END
    context.user_data["help_note"] = request.id  # type: ignore[index]
    t = context.t
    await reply(update, context, t._(
        "Type your note for request {n}. Only you and the coordinator can read it.").format(
            n=request.id), kb([[(t._("Stop"), "help:nostop")]]))
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
        await _refuse(update, context, error)
        return NOTE if error.refusal is Refusal.TOO_LONG else END
    context.user_data.pop("help_note", None)  # type: ignore[union-attr]
    await update.message.reply_text(t.bidi(t._("Note saved.")),
                                    reply_markup=kb([[(t._("Open request {n}").format(
                                        n=request.id), f"help:view:{request.id}")]]))
    return END


async def note_stop(update: Update, context: BotContext) -> int:
    context.user_data.pop("help_note", None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("No note was saved."))
    return END


async def note_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(t.bidi(t._("Please type your note as text.")))
    return NOTE


def build_note_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_note, pattern=r"^help:note:")],
        states={NOTE: [MessageHandler(text, note_text),
                       MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED,
                                      note_other)]},
        fallbacks=[CallbackQueryHandler(note_stop, pattern=r"^help:nostop$")],
        name="help_note",
        persistent=True,
        allow_reentry=True,
    )


# --- skills and follow-up answers ------------------------------------------------------


@requires(VOLUNTEER)
async def show_skills(update: Update, context: BotContext) -> None:
    t = context.t
    own = await context.services.help.skills(context.person)  # type: ignore[arg-type]
    buttons = [(("✅ " if skill in own else "▫️ ") + t._(label), f"help:sk:{skill}")
               for skill, label in SKILLS.items()]
    buttons.append((t._("📋 All open requests"), "help:queue"))
    await reply(update, context, t._(
        "Which requests do you want to hear about? Tap to switch on or off. With nothing "
        "switched on, you hear about all of them."), one_per_row(buttons))


@requires(VOLUNTEER)
async def toggle_skill(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "help:sk", str)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in SKILLS:
        await stale_button(update, context)
        return
    await context.services.help.toggle_skill(context.person, parsed[0])  # type: ignore[arg-type]
    await show_skills(update, context)


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
        await _refuse(update, context, error)
        return
    await reply(update, context, context.t._("Thank you for letting us know!"))
    partner = context.services.config.partners.get(referral.partner)
    pname = escape(partner.name) if partner else referral.partner
    answer = referral.followup_answer or ""
    await notify(context, volunteer, lambda t: (
        t._("Follow-up on request {n} ({partner}): the resident answered “{answer}”.").format(
            n=referral.request_id, partner=pname, answer=t._(FOLLOWUP_LABELS[answer])),
        kb([[(t._("📋 All open requests"), "help:queue")]])))


# --- scheduled work ----------------------------------------------------------------------


async def tick(app: Application, now) -> None:
    """Escalate, release, follow up and erase; each alert is claimed once in the database."""
    service = app.services.help  # type: ignore[attr-defined]
    for alert in await service.escalations(now):
        request = alert.request
        for person in alert.to:
            await notify(app, person, lambda t, a=alert, r=request: (
                (t._("Request {n} ({kind}) has waited 48 hours and nobody has taken it on.")
                 if a.reason == "unclaimed" else
                 t._("Request {n} ({kind}) must be done {due} and is not done yet.")).format(
                    n=r.id, kind=kind_label(t, r.kind), due=due_text(t, r)),
                kb([[(t._("Open request {n}").format(n=r.id), f"help:view:{r.id}")]])))
    for alert in await service.release_stale(now):
        for person in alert.to:
            await notify(app, person, lambda t, r=alert.request: (
                t._("Request {n} was untouched for 7 days, so it went back to the queue. If you "
                    "are still helping, take it on again.").format(n=r.id),
                kb([[(t._("✋ Take on {n}").format(n=r.id), f"help:take:{r.id}")]])))
    for followup in await service.due_followups(now):
        partner = app.services.config.partners.get(followup.referral.partner)  # type: ignore[attr-defined]
        pname = escape(partner.name) if partner else followup.referral.partner
        ref_id = followup.referral.id
        await notify(app, followup.resident, lambda t, p=pname, i=ref_id: (
            t._("Some time ago we put you in touch with {partner}. Did they help you?").format(
                partner=p),
            one_per_row([(t._(label), f"help:fu:{i}:{key}")
                         for key, label in FOLLOWUP_LABELS.items()])))
    await service.erase_expired_text(now)


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_intake())
    app.add_handler(build_note_conversation())
    routes = [
        (r"^help:mine$", my_requests),
        (r"^help:cx:", confirm_cancel),
        (r"^help:cxok:", cancel_request),
        (r"^(menu:queue|help:queue)$", show_queue),
        (r"^help:take:", take),
        (r"^help:view:", view),
        (r"^help:media:", resend_media),
        (r"^help:hb:", hand_back),
        (r"^help:done:", ask_outcome),
        (r"^help:dn:", mark_done),
        (r"^help:ref:", ask_partner),
        (r"^help:rp:", ask_consent),
        (r"^help:rnc:", no_consent),
        (r"^help:rt:", ask_followup),
        (r"^help:rf:", refer),
        (r"^help:fp:", ask_from_partner),
        (r"^help:fpp:", from_partner),
        (r"^help:skills$", show_skills),
        (r"^help:sk:", toggle_skill),
        (r"^help:fu:", followup_answer),
    ]
    for pattern, callback in routes:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(CommandHandler("vragen", show_queue))
    add_tick(app, "help", tick)  # type: ignore[arg-type]

