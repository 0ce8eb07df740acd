"""The main menu: big buttons per role; each feature routes its own entry's action
(:mod:`bot.actions.menu`)."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.actions import Action, menu
from bot.context import BotContext
from bot.handlers.common import kb, reply, requires
from bot.handlers.routing import on
from bot.i18n import N_, Translator
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person

#: (label msgid, action, lowest role). Features route their own entry's action.
MENU: list[tuple[str, Action, str]] = [
    (N_("📅 This week"), menu.MenuAgenda(), RESIDENT),
    (N_("🍲 Shared dinner"), menu.MenuMeals(), RESIDENT),
    (N_("📝 Ask for help"), menu.MenuHelp(), RESIDENT),
    (N_("☎️ Weekly check-in"), menu.MenuCheckins(), RESIDENT),
    (N_("⚙️ Settings and privacy"), menu.MenuSettings(), RESIDENT),
    (N_("🍽 Dinner list"), menu.MenuTable(), VOLUNTEER),
    (N_("📋 Help requests"), menu.MenuQueue(), VOLUNTEER),
    (N_("✅ Who came today"), menu.MenuTurf(), VOLUNTEER),
    (N_("📞 Check-in follow-ups"), menu.MenuFollowups(), VOLUNTEER),
    (N_("🕒 My hours and groups"), menu.MenuHours(), VOLUNTEER),
    (N_("🗳 Surveys"), menu.MenuSurveys(), VOLUNTEER),
    (N_("📣 Announcement"), menu.MenuBroadcast(), COORDINATOR),
    (N_("🗓 Edit programme"), menu.MenuProgramme(), COORDINATOR),
    (N_("📊 Report"), menu.MenuReport(), COORDINATOR),
    (N_("👥 Volunteers"), menu.MenuVolunteers(), COORDINATOR),
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


async def menu_button(update: Update, context: BotContext, act: menu.MenuMain) -> None:
    await show_menu(update, context)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("menu", menu_command))
    app.add_handler(on(menu.MenuMain, menu_button, role=RESIDENT))
