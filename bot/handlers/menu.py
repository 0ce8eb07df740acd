"""The main menu: big buttons per role; each feature answers its own ``menu:<x>`` button."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import kb, reply, requires
from bot.i18n import N_, Translator
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person

#: (label msgid, callback data, lowest role). Features answer their own ``menu:<x>`` data.
MENU: list[tuple[str, str, str]] = [
    (N_("📅 This week"), "menu:agenda", RESIDENT),
    (N_("🍲 Shared dinner"), "menu:meals", RESIDENT),
    (N_("📝 Ask for help"), "menu:help", RESIDENT),
    (N_("☎️ Weekly check-in"), "menu:checkins", RESIDENT),
    (N_("⚙️ Settings and privacy"), "menu:settings", RESIDENT),
    (N_("🍽 Dinner list"), "menu:table", VOLUNTEER),
    (N_("📋 Help requests"), "menu:queue", VOLUNTEER),
    (N_("✅ Who came today"), "menu:turf", VOLUNTEER),
    (N_("📞 Check-in follow-ups"), "menu:followups", VOLUNTEER),
    (N_("🕒 My hours and groups"), "menu:hours", VOLUNTEER),
    (N_("🗳 Surveys"), "menu:surveys", VOLUNTEER),
    (N_("📣 Announcement"), "menu:broadcast", COORDINATOR),
    (N_("🗓 Edit programme"), "menu:programme", COORDINATOR),
    (N_("📊 Report"), "menu:report", COORDINATOR),
    (N_("👥 Volunteers"), "menu:volunteers", COORDINATOR),
]


def menu_markup(t: Translator, person: Person) -> InlineKeyboardMarkup:
    buttons = [(t._(label), data) for label, data, role in MENU if person.has_role(role)]
    # Two big buttons per row reads well on a small phone.
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return kb(rows)


def menu_text(t: Translator, person: Person) -> str:
    question = t._("What would you like to do?")
    if person.name:
        return t._("Hello {name}!").format(name=escape(person.name)) + " " + question
    return question


async def show_menu(update: Update, context: BotContext, *, edit: bool = True) -> None:
    person = context.person
    assert person is not None
    await reply(update, context, menu_text(context.t, person), menu_markup(context.t, person),
                edit=edit)


@requires(RESIDENT)
async def menu_command(update: Update, context: BotContext) -> None:
    await show_menu(update, context, edit=False)


@requires(RESIDENT)
async def menu_button(update: Update, context: BotContext) -> None:
    await show_menu(update, context)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("menu", menu_command))
    app.add_handler(CallbackQueryHandler(menu_button, pattern=r"^menu:main$"))
