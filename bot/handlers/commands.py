"""The command list Telegram shows in its menu, per language and per role.

Residents get the default list (per language); volunteers and coordinators get a list scoped to
their own chat, set when their role or language changes.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translator
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person

log = logging.getLogger(__name__)

#: (command, description msgid, lowest role that sees it)
COMMANDS: list[tuple[str, str, str]] = [
    ("menu", N_("Main menu"), RESIDENT),
    ("agenda", N_("What happens this week"), RESIDENT),
    ("eten", N_("Sign up for the shared dinner"), RESIDENT),
    ("hulp", N_("Ask for help with a letter, form or job"), RESIDENT),
    ("belronde", N_("Weekly check-in"), RESIDENT),
    ("taal", N_("Change language"), RESIDENT),
    ("kamer", N_("Change your BuurtWerkKamer"), RESIDENT),
    ("berichten", N_("Announcements on or off"), RESIDENT),
    ("privacy", N_("What we store about you"), RESIDENT),
    ("mijngegevens", N_("See all your data"), RESIDENT),
    ("vergeetmij", N_("Erase all your data"), RESIDENT),
    ("tafel", N_("Volunteers: the dinner list"), VOLUNTEER),
    ("vragen", N_("Volunteers: open help requests"), VOLUNTEER),
    ("turf", N_("Volunteers: register who came"), VOLUNTEER),
    ("uren", N_("Volunteers: your hours and groups"), VOLUNTEER),
    ("enquete", N_("Volunteers: surveys"), VOLUNTEER),
    ("omroep", N_("Coordinators: send an announcement"), COORDINATOR),
    ("programma", N_("Coordinators: edit the programme"), COORDINATOR),
    ("rapport", N_("Coordinators: participation report"), COORDINATOR),
    ("uitnodigen", N_("Coordinators: invite a volunteer"), COORDINATOR),
    ("vrijwilligers", N_("Coordinators: list volunteers"), COORDINATOR),
]
_RANK = {RESIDENT: 0, VOLUNTEER: 1, COORDINATOR: 2}


def commands_for(language: str, role: str) -> list[BotCommand]:
    t = translator(language)
    return [
        BotCommand(name, t._(description))
        for name, description, needed in COMMANDS
        if _RANK[role] >= _RANK[needed]
    ]


async def set_default_commands(app: Application) -> None:
    """One list per shipped language, plus the default (Dutch) for everyone else."""
    await app.bot.set_my_commands(
        commands_for(DEFAULT_LANGUAGE, RESIDENT), scope=BotCommandScopeDefault()
    )
    for language in LANGUAGES:
        await app.bot.set_my_commands(
            commands_for(language, RESIDENT),
            scope=BotCommandScopeDefault(),
            language_code=language,
        )


async def set_person_commands(app: Application, person: Person) -> None:
    """A chat-scoped list in the person's own language and role."""
    if person.telegram_id is None:
        return
    try:
        await app.bot.set_my_commands(
            commands_for(person.language, person.role),
            scope=BotCommandScopeChat(person.telegram_id),
        )
    except TelegramError as exc:  # a command menu is nice to have, never worth a failure
        log.info("could not set commands for a chat: %s", exc)


async def clear_person_commands(app: Application, telegram_id: int) -> None:
    """After /vergeetmij: drop the chat-scoped list, so an erased volunteer sees the default."""
    try:
        await app.bot.delete_my_commands(scope=BotCommandScopeChat(telegram_id))
    except TelegramError as exc:
        log.info("could not clear commands for a chat: %s", exc)
