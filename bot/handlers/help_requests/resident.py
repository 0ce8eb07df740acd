"""The resident's side: the /hulp intake and "My requests" (list, cancel).

The intake is a persistent ConversationHandler, so a restart between steps resumes:

    /hulp ──► KIND ──► DETAILS (text, photo, voice, file; "Next") ──► WHEN ──► [DATE]
          ──► CONTACT ──► [PHONE] ──► CONFIRM ──► request stored, volunteers told
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import Action
from bot.actions import help as act
from bot.actions.menu import MenuHelp
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.common import (
    END,
    kb,
    one_per_row,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.handlers.help_requests.media_offer import no_offer, take_offer
from bot.handlers.help_requests.notices import notices_after_answer
from bot.handlers.help_requests.render import (
    CONTACT_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    allowed,
    kind_label,
    refuse,
)
from bot.handlers.routing import on
from bot.i18n import Translator
from bot.services.help_requests import HelpError
from bot.services.help_requests_rules import (
    DOCUMENT_TYPES,
    KINDS,
    MAX_DESCRIPTION,
    MAX_FILE_BYTES,
    MAX_MEDIA,
    MAX_VOICE_SECONDS,
    DateProblem,
    clean_phone,
    parse_due_date,
)
from bot.services.users import RESIDENT

KIND, DETAILS, WHEN, DATE, CONTACT, PHONE, CONFIRM = (
    "kind", "details", "when", "date", "contact", "phone", "confirm")


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault("help", {})  # type: ignore[union-attr]


def _next_markup(t: Translator) -> InlineKeyboardMarkup:
    return kb([[(t._("Next ➡️"), act.DetailsNext())], [(t._("Stop"), act.StopIntake())]])


# --- resident intake ---------------------------------------------------------------------


def _kinds_markup(t: Translator) -> InlineKeyboardMarkup:
    buttons = [(t._(kind.label), act.ChooseKind(kind.id)) for kind in KINDS.values()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t._("📋 My requests"), act.MyRequests())])
    return kb(rows)


@requires(RESIDENT)
async def intake_start(update: Update, context: BotContext) -> str:
    t = context.t
    _draft(context).clear()
    await reply(update, context, t._("What do you need help with?"), _kinds_markup(t),
                edit=update.callback_query is not None)
    return KIND


@requires(RESIDENT)
async def offer_start(update: Update, context: BotContext) -> str | None:
    """ "Yes, ask for help" under a photo sent out of the blue: the intake starts with it."""
    offer = take_offer(context)
    if not offer or not offer.get("media"):
        await no_offer(update, context)
        return None  # an intake under way stays where it is
    draft = _draft(context)
    draft.clear()
    draft.update(offered=True, media=offer["media"][:MAX_MEDIA],
                 description=(offer.get("caption") or "")[:MAX_DESCRIPTION])
    t = context.t
    await reply(update, context, t._("What do you need help with?"), _kinds_markup(t))
    return KIND


async def choose_kind(update: Update, context: BotContext, chosen: act.ChooseKind) -> str:
    draft = _draft(context)
    # What came with the offer for a photo sent out of the blue stays; else a fresh draft.
    media = list(draft.get("media", [])) if draft.get("offered") else []
    description = draft.get("description", "") if draft.get("offered") else ""
    draft.clear()
    draft.update(kind=chosen.kind, description=description, media=media, key=_new_key())
    t = context.t
    text = _details_prompt(t, chosen.kind)
    if media:
        text = t._("I keep what you sent me with the request.") + "\n\n" + text
    await reply(update, context, text + "\n\n" + t._("Tap Next when you are ready."),
                _next_markup(t))
    return DETAILS


def _new_key() -> str:
    """The draft's own key: it travels in the "Send" button and is stored with the request,
    so that pressing "Send" twice (or again after a restart) makes one request."""
    return secrets.token_urlsafe(9)


#: Kinds about a paper letter: only there do we speak of "the letter" and its date.
LETTER_KINDS = ("letter", "debts")


def _details_prompt(t: Translator, kind: str) -> str:
    """What to tell us, in the words of this kind: no "photo of the letter" for a computer
    question or an odd job."""
    if kind in LETTER_KINDS:
        return t._("Tell us briefly what it is about. You can type a few words, send a photo "
                   "of the letter, or record a voice message. This is not needed.")
    if kind == "computer":
        return t._("Tell us briefly what you want to do, and on which device (phone, tablet or "
                   "laptop). You can type a few words, send a photo of the screen, or record "
                   "a voice message. This is not needed.")
    if kind == "odd_job":
        return t._("Tell us briefly what needs to be done at home. You can type a few words, "
                   "send a photo, or record a voice message. This is not needed.")
    return t._("Tell us briefly what it is about. You can type a few words, send a photo, or "
               "record a voice message. This is not needed.")


async def _ack(update: Update, context: BotContext, text: str) -> str:
    await reply(update, context, text, _next_markup(context.t))
    return DETAILS


async def details_text(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    draft = _draft(context)
    text = (update.message.text or "").strip()
    if not flows.first_handling(context, update):  # handled again after a restart: kept already
        return await _ack(update, context, t._("Thank you, I wrote that down. Anything else? "
                                               "Or tap Next."))
    combined = (draft.get("description", "") + "\n" + text).strip()
    if len(combined) > MAX_DESCRIPTION:
        return await _ack(update, context, t.ngettext(
            "That is too long, so I did not keep it. Please write at most {n} character, or "
            "send a photo or a voice message instead.",
            "That is too long, so I did not keep it. Please write at most {n} characters, or "
            "send a photo or a voice message instead.", MAX_DESCRIPTION).format(n=MAX_DESCRIPTION))
    draft["description"] = combined
    return await _ack(update, context, t._("Thank you, I wrote that down. Anything else? "
                                           "Or tap Next."))


async def details_media(update: Update, context: BotContext) -> str:
    message = update.message
    assert message is not None
    t = context.t
    draft = _draft(context)
    media: list = draft.setdefault("media", [])
    if not flows.first_handling(context, update):  # handled again after a restart: kept already
        return await _ack(update, context, t._("Anything else? Or tap Next."))
    if len(media) >= MAX_MEDIA:
        return await _ack(update, context, t.ngettext(
            "That is enough photos and messages, thank you ({n} at most). Tap Next.",
            "That is enough photos and messages, thank you ({n} at most). Tap Next.",
            MAX_MEDIA).format(n=MAX_MEDIA))
    too_big = (t._("This file is too big (more than 20 MB), so I cannot pass it on. Please "
                   "take a photo of the letter instead, or bring it to the BuurtWerkKamer.")
               if draft.get("kind") in LETTER_KINDS else
               t._("This file is too big (more than 20 MB), so I cannot pass it on. Please "
                   "send a smaller photo instead."))
    if message.photo:
        photo = message.photo[-1]
        if (photo.file_size or 0) > MAX_FILE_BYTES:
            return await _ack(update, context, too_big)
        entry = ["photo", photo.file_id]
        said = t._("Thank you, I received the photo.")
    elif message.voice:
        voice = message.voice
        if voice.duration > MAX_VOICE_SECONDS:
            return await _ack(update, context, t.ngettext(
                "This voice message is too long. Please keep it under {n} minute, or come by "
                "the BuurtWerkKamer to tell us.",
                "This voice message is too long. Please keep it under {n} minutes, or come by "
                "the BuurtWerkKamer to tell us.", MAX_VOICE_SECONDS // 60).format(
                    n=MAX_VOICE_SECONDS // 60))
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
        else:  # never drop someone's words without saying so
            said += " " + t.ngettext(
                "The words with it were too long, so I did not keep them. "
                "Please write at most {n} character.",
                "The words with it were too long, so I did not keep them. "
                "Please write at most {n} characters.", MAX_DESCRIPTION).format(n=MAX_DESCRIPTION)
    return await _ack(update, context, said + " " + t._("Anything else? Or tap Next."))


async def details_next(update: Update, context: BotContext, _act: act.DetailsNext
                       ) -> str | int | None:
    if "kind" not in _draft(context):
        return await stale_button(update, context)
    t = context.t
    await reply(
        update,
        context,
        t._("When does it need to be done?"),
        one_per_row([(t._(label), act.ChooseWhen(key)) for key, label in URGENCY_LABELS.items()]),
    )
    return WHEN


async def choose_when(update: Update, context: BotContext, chosen: act.ChooseWhen
                      ) -> str | int | None:
    draft = _draft(context)
    if "kind" not in draft:
        return await stale_button(update, context)
    draft["urgency"] = chosen.urgency
    draft.pop("date", None)
    if chosen.urgency == "date":
        await reply(update, context, _date_question(context, draft["kind"]))
        return DATE
    return await _ask_contact(update, context)


def _example_date(context: BotContext) -> str:
    """A week from today as day and month name in the person's language ("7 december",
    "٧ ديسمبر"): an example the parser accepts (never in the past)."""
    example = context.services.clock.now().date() + timedelta(days=7)
    return context.t.date(example, "d MMMM")


def _date_question(context: BotContext, kind: str) -> str:
    """Ask for the date by which it must be done (not the date the letter was written);
    only for a letter do we say where to find it."""
    t = context.t
    example = _example_date(context)
    if kind in LETTER_KINDS:
        return t._("By which date must it be done? Often the letter says by when you must "
                   "answer or pay. Type that date, like this: {example}").format(
                       example=example)
    return t._("By which date must it be done? Type the date like this: {example}").format(
        example=example)


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
    await reply(update, context, text)
    return DATE


async def _ask_contact(update: Update, context: BotContext) -> str:
    t = context.t
    await reply(
        update,
        context,
        t._("How can we reach you?"),
        one_per_row([(t._(label), act.ChooseContact(key))
                     for key, label in CONTACT_LABELS.items()]),
        edit=update.callback_query is not None,
    )
    return CONTACT


async def choose_contact(update: Update, context: BotContext, chosen: act.ChooseContact
                         ) -> str | int | None:
    draft = _draft(context)
    if "urgency" not in draft:
        return await stale_button(update, context)
    draft["contact"] = chosen.contact
    draft.pop("phone", None)
    draft.pop("save_phone", None)
    if chosen.contact == "call":
        t = context.t
        person = context.person
        if person is not None and person.row.phone:
            # A number we know may be old: show it and let them type another one.
            await reply(update, context, t._(
                "Shall we call you on <b>{phone}</b>? Tap the button, or type another "
                "number.").format(phone=escape(person.row.phone)),
                kb([[(t._("✅ Yes, on this number"), act.KeepPhone())],
                    [(t._("Stop"), act.StopIntake())]]))
        else:
            await reply(update, context, t._(
                "On which phone number can we call you? Type it, for example 06 12345678."))
        return PHONE
    return await _confirm(update, context)


async def keep_phone(update: Update, context: BotContext, _act: act.KeepPhone
                     ) -> str | int | None:
    """The resident confirmed the number on their profile."""
    draft = _draft(context)
    person = context.person
    if draft.get("contact") != "call" or person is None or not person.row.phone:
        return await stale_button(update, context)
    draft["phone"] = person.row.phone
    return await _confirm(update, context)


async def phone_text(update: Update, context: BotContext) -> str:
    assert update.message is not None
    phone = clean_phone(update.message.text or "")
    if phone is None:
        await reply(update, context, context.t._(
            "That does not look like a phone number. Please type only the number, for "
            "example 06 12345678."))
        return PHONE
    draft = _draft(context)
    draft["phone"] = phone
    person = context.person
    draft["save_phone"] = person is None or person.row.phone != phone
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
        # Isolated: inside an Arabic line "06 12345678" would read "12345678 06".
        contact += f" ({t.isolate(escape(draft['phone']))})"
    lines.append(t._("Contact: {how}").format(how=contact))
    return "\n".join(lines)


async def _confirm(update: Update, context: BotContext) -> str:
    t = context.t
    _draft(context).setdefault("key", _new_key())  # a draft from before keys existed
    await reply(
        update,
        context,
        _summary(t, _draft(context)) + "\n\n" + t._("Shall I send this to the volunteers?"),
        kb([[(t._("✅ Send"), act.SendRequest(_draft(context).get("key", "")))],
            [(t._("Stop"), act.StopIntake())]]),
        edit=update.callback_query is not None,
    )
    return CONFIRM


async def send_request(update: Update, context: BotContext, pressed: act.SendRequest
                       ) -> int | str | None:
    """Store the request once. The key in the button is the draft's: a second press (a
    double tap, three at once, the old button after a restart) finds the request the first
    press made and gets a friendly "already sent"; nothing is stored or told twice."""
    key = pressed.key
    draft = _draft(context)
    person = context.person
    if (person is None or not key or draft.get("key") != key
            or not {"kind", "urgency", "contact"} <= set(draft)):
        return await sent_before(update, context, pressed)
    t = context.t
    chosen = date.fromisoformat(draft["date"]) if draft.get("date") else None
    if draft["urgency"] == "date" and (chosen is None
                                       or chosen < context.services.clock.now().date()):
        draft.pop("date", None)
        await reply(update, context, t._("That date has already passed. Please type a date "
                                         "from today on."))
        return DATE
    saved_phone = bool(draft.get("save_phone") and draft["contact"] == "call"
                       and draft.get("phone"))
    # The matched helpers' ``help.new`` rows are written with the request; they go out
    # after the resident's "Thank you" (as before).
    async with notices_after_answer(context):
        return await _submit(update, context, draft, key, chosen, saved_phone)


async def _submit(update: Update, context: BotContext, draft: dict, key: str,
                  chosen: date | None, saved_phone: bool) -> int:
    t = context.t
    person = context.person
    assert person is not None
    try:
        submitted = await context.services.help.create(
            person,
            kind=draft["kind"],
            description=draft.get("description") or None,
            media=[(m[0], m[1]) for m in draft.get("media", [])],
            urgency=draft["urgency"],
            chosen_date=chosen,
            contact=draft["contact"],
            phone=draft.get("phone"),
            save_phone=saved_phone,
            submit_key=key,
        )
    except HelpError as error:
        return await refuse(update, context, error)
    if draft.get("key") == key:
        draft.clear()
    request = submitted.request
    if not submitted.created:
        await _already_sent(update, context, request.id)
        return END
    text = (t._("Thank you! Your request has number <b>{n}</b>.").format(n=request.id) + "\n"
            + t._("I will let you know as soon as a volunteer takes it on. See it under "
                  "📋 My requests in /hulp."))
    if saved_phone:
        text += "\n\n" + t._(
            "I keep your phone number with your details, so you do not have to type it next "
            "time. You can see it with /mijngegevens; /vergeetmij erases it.")
    await reply(update, context, text)
    return END


async def _already_sent(update: Update, context: BotContext, request_id: int) -> None:
    query = update.callback_query
    if query is not None:
        await safe_answer(query, context.t._(
            "This request was already sent. It has number {n}. See it under 📋 My requests "
            "in /hulp.").format(n=request_id), alert=True)


async def sent_before(update: Update, context: BotContext, pressed: act.SendRequest) -> None:
    """An old "Send" button, pressed outside its step: if that draft was sent, say so with
    its number; otherwise it is a stale button. Either way the current step stays."""
    key = pressed.key
    person = context.person
    request = (await context.services.help.submitted(person, key)
               if key and person is not None else None)
    if request is None:
        await stale_button(update, context)
    else:
        await _already_sent(update, context, request.id)
    return None


async def stop_intake(update: Update, context: BotContext, _act: act.StopIntake) -> int:
    _draft(context).clear()
    await reply(update, context, context.t._("Stopped. Nothing was sent. Tap /hulp to start "
                                             "again."))
    return END


async def press_a_button(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t._(
        "Please tap one of the buttons above. Or tap /hulp to start again."))


async def old_button(update: Update, context: BotContext, _act: Action) -> None:
    """A button of an earlier step: say it no longer works, but keep the intake where it is,
    so a stray tap never throws away what the resident already told us."""
    await stale_button(update, context)


def build_intake() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    media = (filters.PHOTO | filters.VOICE | filters.Document.ALL | filters.AUDIO
             | filters.VIDEO | filters.VIDEO_NOTE | filters.Sticker.ALL | filters.ANIMATION
             | filters.LOCATION | filters.CONTACT) & ~filters.UpdateType.EDITED
    not_command = ~filters.COMMAND & ~filters.UpdateType.EDITED
    start = [
        CommandHandler("hulp", intake_start),
        on(MenuHelp, lambda u, c, _a: intake_start(u, c)),  # the main menu's button
        on(act.NewRequest, lambda u, c, _a: intake_start(u, c)),
        on(act.OfferYes, lambda u, c, _a: offer_start(u, c)),
    ]
    return ConversationHandler(
        entry_points=start,
        states={
            KIND: [on(act.ChooseKind, choose_kind)],
            DETAILS: [
                MessageHandler(text, details_text),
                MessageHandler(media, details_media),
                on(act.DetailsNext, details_next),
            ],
            WHEN: [on(act.ChooseWhen, choose_when)],
            DATE: [MessageHandler(text, date_text)],
            CONTACT: [on(act.ChooseContact, choose_contact)],
            PHONE: [MessageHandler(text, phone_text), on(act.KeepPhone, keep_phone)],
            CONFIRM: [on(act.SendRequest, send_request)],
        },
        fallbacks=[
            *start,
            on(act.StopIntake, stop_intake),
            on(act.MyRequests, lambda u, c, _a: my_requests_end(u, c)),
            on(act.SendRequest, sent_before),
            # A button of an earlier step: the intake stays where it is.
            on((act.ChooseKind, act.ChooseWhen, act.ChooseContact, act.KeepPhone,
                act.DetailsNext), old_button),
            MessageHandler(not_command, press_a_button),
        ],
        name="help_intake",
        persistent=True,
        allow_reentry=True,
    )


# --- resident: my requests ---------------------------------------------------------------


async def my_requests(update: Update, context: BotContext, _act: Action | None = None) -> int:
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
    buttons: list[tuple[str, Action]] = [
        (t._("❌ Cancel request {n}").format(n=r.id), act.AskCancel(r.id))
        for r in requests if r.active]
    buttons.append((t._("📝 New request"), act.NewRequest()))
    await reply(update, context, text, one_per_row(buttons),
                edit=update.callback_query is not None)
    return END


@requires(RESIDENT)
async def my_requests_end(update: Update, context: BotContext) -> int:
    _draft(context).clear()
    return await my_requests(update, context)


async def confirm_cancel(update: Update, context: BotContext, pressed: act.AskCancel) -> None:
    request = await allowed(update, context, context.services.help.own_request(
        context.person, pressed.request_id))  # type: ignore[arg-type]
    if request is None:
        return
    t = context.t
    await reply(update, context, t._("Do you want to cancel request {n} ({kind})?").format(
        n=request.id, kind=kind_label(t, request.kind)),
        kb([[(t._("Yes, cancel it"), act.ConfirmCancel(request.id))],
            [(t._("No, keep my request"), act.MyRequests())]]))


async def cancel_request(update: Update, context: BotContext, pressed: act.ConfirmCancel
                         ) -> None:
    async with notices_after_answer(context):  # the volunteer holding it, if any
        request = await allowed(update, context, context.services.help.cancel(
            context.person, pressed.request_id))  # type: ignore[arg-type]
        if request is None:
            return
        await reply(update, context, context.t._("Request {n} is cancelled.").format(
            n=request.id))
