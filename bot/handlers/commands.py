"""The command list Telegram shows in its menu, per language and per role.

Residents get the default list (per language); volunteers and coordinators get a list scoped to
their own chat, set when their role or language changes.
"""

from __future__ import annotations

import logging
from typing import Any

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
    ("koppel", N_("Link WhatsApp and Telegram"), RESIDENT),
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


def commands_for(language: str, role: str) -> list[tuple[str, str]]:
    """(command, description in ``language``) of what ``role`` may use."""
    t = translator(language)
    return [
        (name, t._(description))
        for name, description, needed in COMMANDS
        if _RANK[role] >= _RANK[needed]
    ]


def _port(app: Application) -> Any:
    return app.port  # type: ignore[attr-defined]


async def set_default_commands(app: Application) -> None:
    """One list per shipped language, plus the default (Dutch) for everyone else."""
    port = _port(app)
    await port.set_commands(commands_for(DEFAULT_LANGUAGE, RESIDENT))
    for language in LANGUAGES:
        await port.set_commands(commands_for(language, RESIDENT), language=language)


async def set_person_commands(app: Application, person: Person) -> None:
    """A chat-scoped list in the person's own language and role."""
    address = person.address("telegram")
    if address is None:
        return
    await _port(app).set_commands(commands_for(person.language, person.role),
                                  chat=address.address, quiet=True)


async def clear_person_commands(app: Application, chat_id: int) -> None:
    """After /vergeetmij: drop the chat-scoped list (of their private chat, ``chat_id``), so an
    erased volunteer sees the default."""
    await _port(app).set_commands([], chat=str(chat_id), quiet=True)
