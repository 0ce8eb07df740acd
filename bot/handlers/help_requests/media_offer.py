"""A photo, PDF or voice note sent out of the blue: offer to start a help request with it.

For many residents, sending a photo of the letter is the natural first step. Outside any
conversation the bot keeps what they sent by Telegram file id (as the intake does), asks
"Do you want help with this letter?" and, on *Yes*, starts the intake with it attached.
Volunteers and coordinators get a short explanation instead (a resident's letter belongs in
the resident's own request), with the same offer should they need help themselves.

Registered by ``bot/handlers/fallback.py`` just before its "I cannot do anything with this"
answer, so every conversation that takes photos itself (the intake, an announcement with a
picture) keeps them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.actions import help as act
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.common import kb, reply, safe_answer
from bot.services.help_requests_rules import (
    DOCUMENT_TYPES,
    MAX_FILE_BYTES,
    MAX_MEDIA,
    MAX_VOICE_SECONDS,
)
from bot.services.users import VOLUNTEER

OFFER = "help_offer"

#: What may start a help request: the media the intake accepts.
OFFER_MEDIA = (filters.PHOTO | filters.VOICE | filters.Document.ALL) & ~filters.UpdateType.EDITED


def _entry(update: Update) -> list[str] | str | None:
    """``[kind, file_id]`` for a usable attachment, "too_big"/"too_long" for one we cannot
    pass on, None for a kind of file the intake does not take."""
    message = update.message
    assert message is not None
    if message.photo:
        photo = message.photo[-1]
        return "too_big" if (photo.file_size or 0) > MAX_FILE_BYTES else ["photo", photo.file_id]
    if message.voice:
        voice = message.voice
        if voice.duration > MAX_VOICE_SECONDS:
            return "too_long"
        return "too_big" if (voice.file_size or 0) > MAX_FILE_BYTES else ["voice", voice.file_id]
    document = message.document
    if document is None or (document.mime_type or "") not in DOCUMENT_TYPES:
        return None
    if (document.file_size or 0) > MAX_FILE_BYTES:
        return "too_big"
    return ["document", document.file_id]


async def offer_help(update: Update, context: BotContext) -> None:
    message = update.message
    assert message is not None
    t = context.t
    person = context.person
    if person is None:
        await reply(update, context, t._(
            "Hello! Tap /start to begin. Then you can send me a photo of your letter."))
        return
    entry = _entry(update)
    if entry is None:
        await reply(update, context, t._(
            "I cannot pass on this kind of file. Please send a photo or a PDF."))
        return
    if entry == "too_big":
        await reply(update, context, t._(
            "This file is too big (more than 20 MB), so I cannot pass it on. Please take a "
            "photo of the letter instead, or bring it to the BuurtWerkKamer."))
        return
    if entry == "too_long":
        minutes = MAX_VOICE_SECONDS // 60
        await reply(update, context, t.ngettext(
            "This voice message is too long. Please keep it under {n} minute, or come by "
            "the BuurtWerkKamer to tell us.",
            "This voice message is too long. Please keep it under {n} minutes, or come by "
            "the BuurtWerkKamer to tell us.", minutes).format(n=minutes))
        return
    assert isinstance(entry, list)
    user_data = context.user_data
    assert user_data is not None
    offer = user_data.get(OFFER)
    group = message.media_group_id
    same_album = bool(offer and group and offer.get("group") == group)
    if not offer:
        offer = user_data[OFFER] = {"media": [], "caption": "", "group": group}
    offer["group"] = group
    # Handled again after a restart (killed between the answer and the written step): the
    # photo and its caption are kept already; the question is asked again, nothing added.
    if flows.first_handling(context, update):
        if len(offer["media"]) < MAX_MEDIA and entry not in offer["media"]:
            offer["media"].append(entry)
        caption = (message.caption or "").strip()
        if caption:
            offer["caption"] = (offer["caption"] + "\n" + caption).strip()
    if same_album:
        return  # one question for an album of photos, not one per photo
    if person.has_role(VOLUNTEER):
        text = t._("Is this for a resident's help request? Please ask the resident to send it "
                   "to me themselves with /hulp: then it stays with their request. Do you need "
                   "help with it yourself? Tap the button.")
        yes = t._("📝 I need help with this myself")
    elif entry[0] == "voice":
        text = t._("Thank you for your voice message. Do you want to ask for help? I will keep "
                   "your message with the request.")
        yes = t._("✅ Yes, ask for help")
    else:
        text = t._("Do you want help with this letter? I will keep it with your request.")
        yes = t._("✅ Yes, ask for help")
    await reply(update, context, text,
                kb([[(yes, act.OfferYes())], [(t._("No, thank you"), act.OfferNo())]]))


async def decline_offer(update: Update, context: BotContext, _act: act.OfferNo) -> None:
    """ "No": forget what they sent (we keep nobody's letter without a request)."""
    if context.user_data is not None:
        context.user_data.pop(OFFER, None)
    await reply(update, context, context.t._(
        "All right. I did not keep it. Tap /hulp whenever you need help."))


def take_offer(context: BotContext) -> dict | None:
    """The pending offer's media and words, removed from the person's data (for the intake)."""
    if context.user_data is None:
        return None
    return context.user_data.pop(OFFER, None)


async def no_offer(update: Update, context: BotContext) -> None:
    """ "Yes" on an offer that is gone (answered already, or a forged button)."""
    if update.callback_query is not None:
        await safe_answer(update.callback_query, context.t._(
            "This button no longer works. Tap /menu to start again."), alert=True)


def media_offer_handler() -> BaseHandler:
    """For ``fallback.register``: after every feature, before "I cannot do anything with
    this"."""
    return MessageHandler(OFFER_MEDIA, offer_help)
