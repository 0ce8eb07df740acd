"""/koppel: link Telegram and WhatsApp, so a person on both is one person (issue 14).

``/koppel`` (or "🔗 Link WhatsApp and Telegram" in Settings and privacy) shows a short code;
``koppel <code>`` (with or without the slash) typed in the other app links it. The rules are
in :mod:`bot.services.linking`; here only the parsing and the answers.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.actions.linking import ShowLinkCode
from bot.actions.menu import MenuMain, MenuSettings
from bot.context import BotContext
from bot.handlers import ptb_compat
from bot.handlers.commands import set_person_commands
from bot.handlers.common import address_of_chat, kb, reply, requires
from bot.handlers.routing import on
from bot.i18n import N_, Translator
from bot.messaging.message import Address, OutMessage
from bot.services.linking import LINKED_KIND, VALID, LinkResult, Redeemed, channel_name
from bot.services.users import RESIDENT

#: The Settings and privacy button (bot/handlers/account.py shows it).
SETTINGS_BUTTON = N_("🔗 Link your other app")
#: "koppel AB3K9X" (or "koppel AB3 K9X", or "koppel" alone) typed without the slash: WhatsApp
#: has no command menu, people type. Only a code-shaped rest: a sentence that starts with
#: "koppel" (a help request's words) is no link attempt.
TYPED = re.compile(r"^\s*koppel(?:\s+(?P<code>[A-Za-z0-9]{3}[\s-]?[A-Za-z0-9]{3}))?\s*$",
                   re.IGNORECASE)
VALID_MINUTES = int(VALID.total_seconds() // 60)
#: Longer than any code with spaces: anything longer is not a code (and not stored).
MAX_TYPED = 40


def address_of_update(update: Update) -> Address | None:
    """The address this update came from: a WhatsApp number or a Telegram chat."""
    chat = update.effective_chat
    return address_of_chat(chat.id) if chat is not None else None


def _other_app(address: Address) -> str:
    return "Telegram" if address.channel == "whatsapp" else "WhatsApp"


def _where(t: Translator, context: BotContext, address: Address) -> str:
    """Where to find the bot in the other app, when we know it."""
    config = context.services.config
    if address.channel == "telegram":
        number = config.whatsapp.display_number if config.whatsapp else ""
        if number:
            return t._("Our WhatsApp number: {number}").format(number=t.isolate(escape(number)))
        return ""
    username = context.application.bot.username if config.telegram else None
    if username:
        return t._("On Telegram the bot is {name}.").format(name=t.isolate("@" + username))
    return ""


def _settings_back(t: Translator) -> list[tuple[str, Any]]:
    return [(t._("⬅️ Back"), MenuSettings()), (t._("⬅️ Back to the menu"), MenuMain())]


def settings_row(t: Translator, context: BotContext) -> list[list[tuple[str, Any]]]:
    """The Settings and privacy row, when the bot runs on both apps (else nothing to link)."""
    config = context.services.config
    if not (config.telegram and config.whatsapp):
        return []
    return [[(t._(SETTINGS_BUTTON), ShowLinkCode())]]


@requires(RESIDENT)
async def show_code(update: Update, context: BotContext) -> None:
    t = context.t
    person = context.person
    address = address_of_update(update)
    assert person is not None and address is not None
    config = context.services.config
    if not (config.telegram and config.whatsapp):
        await reply(update, context, t._(
            "This bot works in one app only, so there is nothing to link."),
            kb([_settings_back(t)]))
        return
    code, until = await context.services.linking.create_code(person, address)
    other = _other_app(address)
    lines = [
        t._("Do you also use {app}? Then link it to this chat. You stay one person: the same "
            "sign-ups, requests and role in both apps.").format(app=other),
        "",
        t._("Open {app} and send this message to the bot there:").format(app=other),
        "",
        f"<b>{t.isolate('koppel ' + code)}</b>",
        "",
        t.ngettext("The code works once, for {n} minute (until {time}). Do not give it to "
                   "anyone else.",
                   "The code works once, for {n} minutes (until {time}). Do not give it to "
                   "anyone else.", VALID_MINUTES).format(n=t.number(VALID_MINUTES),
                                                         time=t.time(until)),
    ]
    where = _where(t, context, address)
    if where:
        lines += ["", where]
    await reply(update, context, "\n".join(lines), kb([_settings_back(t)]),
                edit=update.callback_query is not None)


async def koppel_command(update: Update, context: BotContext) -> None:
    """/koppel alone shows a code; /koppel CODE links this app."""
    if context.args:
        await _redeem(update, context, " ".join(context.args))
    elif context.person is None:
        await reply(update, context, context.t._(
            "To link this app, type koppel and the code from your other app, for example: "
            "koppel AB3K9X. New here? Tap /start."), edit=False)
    else:
        await show_code(update, context)


async def koppel_text(update: Update, context: BotContext) -> None:
    """"koppel AB3K9X" typed as text (WhatsApp, or Telegram without the slash)."""
    message = update.effective_message
    match = TYPED.match(message.text or "") if message is not None else None
    if match is None:
        return
    typed = (match.group("code") or "").strip()
    if not typed:
        await koppel_command(update, context)
        return
    await _redeem(update, context, typed)


async def _redeem(update: Update, context: BotContext, typed: str) -> None:
    address = address_of_update(update)
    assert address is not None
    if len(typed) > MAX_TYPED:
        typed = ""  # no code is that long: a wrong try, nothing of it kept
    result = await context.services.linking.redeem(address, typed)
    if result.person is not None and result.result in (LinkResult.LINKED, LinkResult.MERGED):
        _end_onboarding(update, context)
        context.person = result.person
        from bot.i18n import translator

        context.t = translator(result.person.language)
        await set_person_commands(context.application, result.person)
    await reply(update, context, answer_text(context.t, result), _answer_markup(context, result),
                edit=False)


def _end_onboarding(update: Update, context: BotContext) -> None:
    """A stranger half-way through onboarding who linked is registered now: the language
    question they may still have open is over (an old button there must not register them
    twice)."""
    for handler in context.application.handlers.get(0, []):
        if getattr(handler, "name", None) != "onboarding":
            continue
        key = ptb_compat.conversation_key(handler, update)
        if key is not None and ptb_compat.has_open_step(handler, key):
            ptb_compat.end_step(handler, key)


def _answer_markup(context: BotContext, result: Redeemed):
    if result.person is None:
        return None
    from bot.handlers.menu import menu_markup

    return menu_markup(context.t, result.person)


def answer_text(t: Translator, result: Redeemed) -> str:
    other = channel_name(result.other_channel or "")
    if result.result in (LinkResult.LINKED, LinkResult.MERGED):
        return t._("Done: this app is linked to your {app}. You are one person for the bot, "
                   "with the same sign-ups, requests and role. What would you like to do?"
                   ).format(app=other)
    if result.result is LinkResult.ALREADY:
        return t._("This app is linked already. Nothing has changed.")
    if result.result is LinkResult.EXPIRED:
        return t._("This code has expired. Type /koppel in your other app for a new code.")
    if result.result is LinkResult.USED:
        return t._("This code was used already. Type /koppel in your other app for a new "
                   "code.")
    if result.result is LinkResult.PAUSED:
        until = result.paused_until
        return t._("Too many wrong codes. Please wait until {time} and try again.").format(
            time=t.time(until) if until else "-")
    if result.result is LinkResult.SAME_CHANNEL:
        return t._("That code is from an account that has this app already. You can link "
                   "one Telegram and one WhatsApp. Type the code in your other app.")
    if result.result is LinkResult.BOTH_HAVE_DATA:
        return t._("You have two accounts with their own data: one in each app. I do not "
                   "join them, so nothing gets mixed up. Erase the account you no longer "
                   "need with /vergeetmij, then link again with /koppel. Nothing has changed.")
    return t._("I do not know this code. Check the code in your other app and type it again, "
               "for example: koppel AB3K9X")


async def render_linked(app: Any, row: Any, t: Translator) -> OutMessage | None:
    """To the app that showed the code: the other app is linked now (or skip if erased)."""
    person = await app.services.users.by_id(int(row.params.get("person", 0)))
    if person is None or person.row.erased_at is not None:
        return None
    from bot.i18n import translator

    t = translator(person.language)
    return OutMessage(
        t._("Your {app} is now linked to this chat. You are one person for the bot. Did you "
            "not do this yourself? Tell a volunteer or the coordinator.").format(
            app=channel_name(row.params.get("channel", ""))), lang=t.language)


def register(app: Application) -> None:
    app.services.outbox.renderer(LINKED_KIND)(render_linked)  # type: ignore[attr-defined]
    app.add_handler(CommandHandler("koppel", koppel_command))
    app.add_handler(MessageHandler(
        filters.Regex(TYPED) & ~filters.COMMAND & ~filters.UpdateType.EDITED, koppel_text))
    app.add_handler(on(ShowLinkCode, lambda u, c, _a: show_code(u, c)))
