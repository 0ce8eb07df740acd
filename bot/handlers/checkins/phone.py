"""The phone number a volunteer may call: Telegram's contact button, typed, or removed."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.actions.checkins import CheckinPhone
from bot.context import BotContext
from bot.handlers import routing
from bot.handlers.common import END, reply, reply_message, safe_answer
from bot.messaging.message import Key, OutMessage
from bot.services.users import RESIDENT

PHONE = "phone"

# --- the phone number (Telegram contact button or typed) -------------------------------


async def ask_phone(update: Update, context: BotContext, act: CheckinPhone) -> str:
    t = context.t
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    keys = [(Key(t._("📞 Share my phone number"), asks_phone=True),)]
    if context.person and context.person.row.phone:
        keys.append((Key(t._("Remove my number")),))
    keys.append((Key(t._("Not now")),))
    await reply_message(update, context, OutMessage(
        t._("Tap the button below to share your phone number, or type it (for example "
            "06 12345678). Only the volunteers of the belronde and the coordinator see it."),
        keys=tuple(keys), lang=t.language))
    return PHONE


async def _phone_done(update: Update, context: BotContext, text: str) -> int:
    await reply_message(update, context, OutMessage(text, clear_keys=True,
                                                    lang=context.t.language))
    return END


async def phone_contact(update: Update, context: BotContext) -> int:
    t = context.t
    message = update.effective_message
    assert message is not None and message.contact is not None and context.person is not None
    sender = update.effective_user.id if update.effective_user else None
    if message.contact.user_id not in (None, sender):  # their own card, not someone else's
        return await _phone_done(update, context, t._(
            "Please share your own number, not someone else's. Nothing was saved."))
    phone = await context.services.checkins.set_phone(context.person, message.contact.phone_number)
    if phone is None:
        return await _phone_done(update, context, t._("I could not read that number. Nothing "
                                                      "was saved."))
    return await _phone_done(update, context, t._("Thank you. A volunteer can now call you on "
                                                  "{phone}.").format(phone=escape(phone)))


async def phone_text(update: Update, context: BotContext) -> int:
    t = context.t
    message = update.effective_message
    assert message is not None and context.person is not None
    text = (message.text or "").strip()
    if text == t._("Not now"):
        return await _phone_done(update, context, t._("Fine. Nothing was saved."))
    if text == t._("Remove my number"):
        await context.services.checkins.forget_phone(context.person)
        return await _phone_done(update, context, t._("Your phone number is removed."))
    phone = await context.services.checkins.set_phone(context.person, text[:40])
    if phone is None:
        return await _phone_done(update, context, t._(
            "That does not look like a phone number, so nothing was saved. Tap /belronde and "
            "then 📞 My phone number to try again."))
    return await _phone_done(update, context, t._("Thank you. A volunteer can now call you on "
                                                  "{phone}.").format(phone=escape(phone)))


async def phone_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await reply(update, context, t._(
        "Please type your phone number, tap the button below, or tap Not now."), edit=False)
    return PHONE


def build_phone_conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[routing.on(CheckinPhone, ask_phone, role=RESIDENT)],
        states={
            PHONE: [
                MessageHandler(filters.CONTACT, phone_contact),
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               phone_text),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, phone_other),
            ],
        },
        fallbacks=[routing.on(CheckinPhone, ask_phone, role=RESIDENT)],
        name="checkins_phone",
        persistent=True,
        allow_reentry=True,
    )


