"""A person's own settings and data: language, room, name, privacy, see and erase my data."""

from __future__ import annotations

import json

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.actions import account as act
from bot.actions.menu import MenuMain, MenuSettings
from bot.channels.whatsapp import ids
from bot.context import BotContext
from bot.handlers.announcements import settings_button as announcements_button
from bot.handlers.commands import clear_person_commands, set_person_commands
from bot.handlers.common import (
    kb,
    one_per_row,
    reply,
    reply_file,
    requires,
    stale_button,
)
from bot.handlers.linking import settings_row as link_row
from bot.handlers.menu import show_menu
from bot.handlers.my_data import summary
from bot.handlers.onboarding import privacy_for
from bot.handlers.report_newcomer import SETTINGS_BUTTON as NEWCOMER_BUTTON
from bot.handlers.routing import on
from bot.i18n import LANGUAGES, translator
from bot.messaging.message import Attachment
from bot.services.privacy import chats_of
from bot.services.users import RESIDENT


def _back(t):
    return (t._("⬅️ Back to the menu"), MenuMain())


@requires(RESIDENT)
async def settings(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(
        update,
        context,
        t._("Settings and privacy. What would you like to change or see?"),
        kb(
            [
                [(t._("🌐 Language"), act.AskLanguage()), (t._("🏠 My room"), act.AskRoom())],
                [(t._("🔒 Privacy"), act.ShowPrivacy()), (t._("📄 My data"), act.MyData())],
                [(t._("🗑 Erase my data"), act.AskErase())],
                *link_row(t, context),
                [(t._(NEWCOMER_BUTTON), act.NewcomerSettings())],
                [announcements_button(t, context.person)],
                [_back(t)],
            ]
        ),
    )


@requires(RESIDENT)
async def ask_language(update: Update, context: BotContext) -> None:
    await reply(
        update,
        context,
        context.t._("Choose your language."),
        one_per_row([(label, act.SetLanguage(code)) for code, label in LANGUAGES.items()]),
    )


async def set_language(update: Update, context: BotContext, chosen: act.SetLanguage) -> None:
    person = await context.services.users.update(context.person, language=chosen.language)
    context.person, context.t = person, translator(person.language)
    await set_person_commands(context.application, person)
    await reply(update, context, context.t._("Done. I will now speak {language}.").format(
        language=LANGUAGES[person.language]))
    await show_menu(update, context, edit=False)


@requires(RESIDENT)
async def ask_room(update: Update, context: BotContext) -> None:
    t = context.t
    rooms = context.services.config.rooms.values()
    current = context.services.config.room(context.person.room)  # type: ignore[union-attr]
    await reply(
        update,
        context,
        t._("Your BuurtWerkKamer is {room}. Which one do you want?").format(
            room=current.name if current else "-"
        ),
        one_per_row([(room.name, act.SetRoom(room.id)) for room in rooms]),
    )


async def set_room(update: Update, context: BotContext, chosen: act.SetRoom) -> None:
    config = context.services.config
    if chosen.room not in config.rooms:  # a room no longer in the config
        await stale_button(update, context)
        return
    person = context.person
    assert person is not None
    if person.role == "volunteer" and person.room != chosen.room:
        await reply(update, context, context.t._(
            "You are a volunteer of your room. Ask your coordinator to change your room."))
        return
    person = await context.services.users.update(person, room=chosen.room)
    context.person = person
    await reply(update, context, context.t._("Done. Your BuurtWerkKamer is now {room}.").format(
        room=config.rooms[chosen.room].name))
    await show_menu(update, context, edit=False)


async def keep_room(update: Update, context: BotContext, _act: act.KeepRoom) -> None:
    person = context.person
    assert person is not None
    room = context.services.config.room(person.room)
    await reply(update, context, context.t._(
        "Fine. Nothing has changed. Your BuurtWerkKamer is still {room}.").format(
            room=room.name if room else "-"))
    await show_menu(update, context, edit=False)


@requires(RESIDENT)
async def show_privacy(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(update, context, privacy_for(update, context), kb([[_back(t)]]))


@requires(RESIDENT)
async def my_data(update: Update, context: BotContext) -> None:
    """Everything stored about me: a readable summary plus the full file."""
    person = context.person
    assert person is not None
    t = context.t
    data = await context.services.privacy.export(person)
    text = summary(t, context.services.config, person, data)
    await reply(update, context, text, edit=False)
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    # On WhatsApp a text file: a phone opens .txt anywhere, and Meta accepts no JSON type.
    chat = update.effective_chat
    on_whatsapp = chat is not None and ids.is_whatsapp(chat.id)
    filename = "mijn-gegevens.txt" if on_whatsapp else "mijn-gegevens.json"
    await reply_file(update, context, Attachment("document", data=payload, filename=filename),
                     t._("All your data, as a file."))


@requires(RESIDENT)
async def ask_erase(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(
        update,
        context,
        t._("Do you want me to erase all your data? Your sign-ups, requests and answers are "
            "removed. Only anonymous counts stay. This cannot be undone."),
        kb([[(t._("Yes, erase everything"), act.EraseYes())],
            [(t._("No, keep it"), act.EraseNo())]]),
        edit=update.callback_query is not None,
    )


async def keep_data(update: Update, context: BotContext, _act: act.EraseNo) -> None:
    await reply(update, context, context.t._("Good, nothing was erased."))


async def erase(update: Update, context: BotContext, _act: act.EraseYes) -> None:
    t = context.t
    person = context.person
    assert person is not None and update.effective_user is not None
    # Help requests' notices to the volunteer holding one of theirs are outbox rows of the
    # erasure's own transaction; they go out after the goodbye below.
    # Every chat the person has with the bot (Telegram, WhatsApp when linked): the erasure
    # leaves no draft of theirs in memory either.
    chats = {update.effective_user.id, *chats_of(person)}
    await context.services.privacy.erase(person)
    for chat in chats:
        context.application.drop_user_data(chat)
        context.application.drop_chat_data(chat)  # the private chat
    for address in person.addresses:
        if address.channel == "telegram":
            await clear_person_commands(context.application, int(address.address))
    context.person = None
    await reply(
        update,
        context,
        t._("All your data is erased. Goodbye! Tap /start if you ever want to come back."),
    )
    await context.services.outbox.deliver()


def register(app: Application) -> None:
    app.add_handler(on(MenuSettings, lambda u, c, _a: settings(u, c)))  # the main menu's
    app.add_handler(CommandHandler("taal", ask_language))
    app.add_handler(on(act.AskLanguage, lambda u, c, _a: ask_language(u, c)))
    app.add_handler(on(act.SetLanguage, set_language, role=RESIDENT))
    app.add_handler(CommandHandler("kamer", ask_room))
    app.add_handler(on(act.AskRoom, lambda u, c, _a: ask_room(u, c)))
    app.add_handler(on(act.SetRoom, set_room, role=RESIDENT))
    app.add_handler(on(act.KeepRoom, keep_room, role=RESIDENT))
    app.add_handler(CommandHandler("privacy", show_privacy))
    app.add_handler(on(act.ShowPrivacy, lambda u, c, _a: show_privacy(u, c)))
    app.add_handler(CommandHandler("mijngegevens", my_data))
    app.add_handler(on(act.MyData, lambda u, c, _a: my_data(u, c)))
    app.add_handler(CommandHandler("vergeetmij", ask_erase))
    app.add_handler(on(act.AskErase, lambda u, c, _a: ask_erase(u, c)))
    app.add_handler(on(act.EraseYes, erase, role=RESIDENT))
    app.add_handler(on(act.EraseNo, keep_data, role=RESIDENT))
