"""First contact: language → home room → privacy statement → optional name → menu.

A ConversationHandler (persistent, so a restart midway resumes where the person was). Deep
links: ``/start <room>`` preselects the room (QR code on the room's door); ``/start inv_<code>``
is a volunteer invite.

    /start ──► LANGUAGE ──► ROOM ──► PRIVACY ──► NAME ──► menu
                  (room preset by deep link skips ROOM)
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import report_newcomer
from bot.handlers.checkins import offer_after_onboarding as offer_checkin
from bot.handlers.commands import set_person_commands
from bot.handlers.common import END, kb, one_per_row, reply, stale_button
from bot.handlers.menu import show_menu
from bot.i18n import LANGUAGES, translator
from bot.services.users import MAX_NAME, InviteResult

LANGUAGE, ROOM, PRIVACY, NAME = "language", "room", "privacy", "name"
INVITE_PREFIX = "inv_"


def language_markup():
    return one_per_row([(label, f"onb:lang:{code}") for code, label in LANGUAGES.items()])


def language_prompt() -> str:
    """The one text shown before we know the language: in every shipped language."""
    return "\n".join(translator(code)._("Choose your language.") for code in LANGUAGES)


def room_markup(context: BotContext):
    rooms = context.services.config.rooms.values()
    return one_per_row(
        [(f"{room.name} ({room.area})" if room.area else room.name, f"onb:room:{room.id}")
         for room in rooms]
    )


def privacy_text(t) -> str:
    return "\n\n".join(
        [
            "<b>" + t._("Your privacy") + "</b>",
            t._("What we keep: your language, your BuurtWerkKamer and what you ask us for. "
                "A name is not needed."),
            t._("Who sees it: only the volunteers and the coordinator of your room, and only "
                "what they need to help you."),
            t._("Your messages about help and how you are doing are deleted after some time."),
            t._("See your data with /mijngegevens. Erase everything with /vergeetmij."),
        ]
    )


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault("onboarding", {})  # type: ignore[union-attr]


async def start(update: Update, context: BotContext) -> str | int:
    assert update.effective_user is not None
    payload = context.args[0] if context.args else ""
    person = context.person
    users = context.services.users
    if payload.startswith(INVITE_PREFIX) and person is not None:
        return await _redeem(update, context, payload[len(INVITE_PREFIX) :])
    if person is not None:
        await show_menu(update, context, edit=False)
        return END
    draft = _draft(context)
    draft.clear()
    if payload.startswith(INVITE_PREFIX):
        draft["invite"] = payload[len(INVITE_PREFIX) :]
    elif payload in context.services.config.rooms:
        draft["room"] = payload
    if users.is_coordinator_id(update.effective_user.id):
        draft["coordinator"] = True
    await reply(update, context, language_prompt(), language_markup(), edit=False)
    return LANGUAGE


async def choose_language(update: Update, context: BotContext) -> str | int:
    code = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    if code not in LANGUAGES:
        return await stale_button(update, context)
    draft = _draft(context)
    draft["language"] = code
    context.t = t = translator(code)
    if draft.get("room") or draft.get("invite"):
        await reply(update, context, privacy_text(t), _privacy_markup(t))
        return PRIVACY
    await reply(update, context, t._("Which BuurtWerkKamer is yours?"), room_markup(context))
    return ROOM


def _privacy_markup(t):
    return kb([[(t._("✅ I agree"), "onb:privacy:yes")],
               [(t._("No, thank you"), "onb:privacy:no")]])


async def choose_room(update: Update, context: BotContext) -> str | int:
    room = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    if room not in context.services.config.rooms:
        return await stale_button(update, context)
    draft = _draft(context)
    draft["room"] = room
    t = context.t = translator(draft.get("language"))
    await reply(update, context, privacy_text(t), _privacy_markup(t))
    return PRIVACY


async def privacy_answer(update: Update, context: BotContext) -> str | int:
    answer = (update.callback_query.data or "").rsplit(":", 1)[-1]  # type: ignore[union-attr]
    draft = _draft(context)
    t = context.t = translator(draft.get("language"))
    if answer == "no":
        draft.clear()
        await reply(
            update,
            context,
            t._("That is fine. Without your agreement I cannot keep anything, so I cannot help "
                "you here. Tap /start if you change your mind. You are always welcome in the "
                "BuurtWerkKamer itself."),
        )
        return END
    if answer != "yes" or "language" not in draft:
        return await stale_button(update, context)
    assert update.effective_user is not None
    users = context.services.users
    invite = draft.get("invite")
    room = draft.get("room") or next(iter(context.services.config.rooms))
    person = await users.register(update.effective_user.id, draft["language"], room)
    context.person = person
    if invite:
        await _redeem(update, context, invite)
        context.person = await users.get(update.effective_user.id)
    await set_person_commands(context.application, context.person)  # type: ignore[arg-type]
    await reply(
        update,
        context,
        t._("Thank you! What may we call you? Type your first name, or tap Skip. "
            "This is not needed."),
        kb([[(t._("Skip"), "onb:name:skip")]]),
    )
    return NAME


async def name_text(update: Update, context: BotContext) -> str | int:
    assert update.message is not None and context.person is not None
    t = context.t
    text = (update.message.text or "").strip()
    if len(text) > MAX_NAME or "\n" in text:
        await update.message.reply_text(
            t.bidi(t._("Please keep it short: one name of at most {n} letters.").format(n=MAX_NAME))
        )
        return NAME
    context.person = await context.services.users.set_name(context.person, text)
    return await _finish(update, context)


async def name_skip(update: Update, context: BotContext) -> int:
    return await _finish(update, context)


async def name_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t.bidi(t._("Please type a name with letters, or tap Skip."))
    )
    return NAME


async def _finish(update: Update, context: BotContext) -> int:
    _draft(context).clear()
    t = context.t
    assert context.person is not None
    room = context.services.config.room(context.person.room)
    await reply(
        update,
        context,
        t._("Welcome! Your BuurtWerkKamer is {room}.").format(room=room.name if room else "-"),
        edit=False,
    )
    await show_menu(update, context, edit=False)
    await report_newcomer.offer(update, context)  # optional, skippable (issue 15)
    await offer_checkin(update, context)
    return END


async def press_a_button(update: Update, context: BotContext) -> None:
    """Typing (or a sticker, photo...) where a button is expected."""
    assert update.effective_message is not None
    t = translator(_draft(context).get("language") or context.t.language)
    await update.effective_message.reply_text(
        t.bidi(t._("Please tap one of the buttons above. Or send /start to begin again."))
    )


async def _redeem(update: Update, context: BotContext, code: str) -> int:
    assert update.effective_user is not None
    t = context.t
    result, person = await context.services.users.redeem_invite(
        update.effective_user.id, code, t.language
    )
    messages = {
        InviteResult.UNKNOWN: t._("This invitation link is not valid. Ask your coordinator "
                                  "for a new one."),
        InviteResult.USED: t._("This invitation link was already used. Ask your coordinator "
                               "for a new one."),
        InviteResult.EXPIRED: t._("This invitation link has expired. Ask your coordinator for "
                                  "a new one."),
        InviteResult.IS_COORDINATOR: t._("You are a coordinator already."),
    }
    if result is InviteResult.OK and person is not None:
        context.person = person
        room = context.services.config.room(person.room)
        await set_person_commands(context.application, person)
        await reply(
            update,
            context,
            t._("You are now a volunteer of {room}. Thank you for helping!").format(
                room=room.name if room else "-"
            ),
            edit=False,
        )
        await show_menu(update, context, edit=False)
    else:
        await reply(update, context, messages[result], edit=False)
    return END


def build_conversation() -> ConversationHandler:
    not_button = ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^onb:lang:")],
            ROOM: [CallbackQueryHandler(choose_room, pattern=r"^onb:room:")],
            PRIVACY: [CallbackQueryHandler(privacy_answer, pattern=r"^onb:privacy:")],
            NAME: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               name_text),
                CallbackQueryHandler(name_skip, pattern=r"^onb:name:skip$"),
                MessageHandler(not_button, name_other),
            ],
        },
        fallbacks=[
            CommandHandler("start", start),
            CallbackQueryHandler(stale_button, pattern=r"^onb:"),
            MessageHandler(not_button, press_a_button),
        ],
        name="onboarding",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    app.add_handler(build_conversation())
