"""Residents switch announcements on or off (/berichten, or the settings)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.actions.announcements import AnnouncementPrefs, AnnouncementSubscribe
from bot.actions.menu import MenuMain
from bot.context import BotContext
from bot.handlers.common import (
    kb,
    reply,
    requires,
)
from bot.i18n import Translator
from bot.services.users import RESIDENT, Person

log = logging.getLogger(__name__)


# --- residents: on or off ----------------------------------------------------------------------


def settings_button(t: Translator, person: Person | None) -> tuple[str, AnnouncementPrefs]:
    """The row for the settings keyboard in ``account.py``."""
    on = person is None or person.row.announcements
    label = t._("📣 Announcements: on") if on else t._("📣 Announcements: off")
    return label, AnnouncementPrefs()


@requires(RESIDENT)
async def show_subscription(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    t = context.t
    if person.row.announcements:
        text = t._("You receive announcements from the BuurtWerkKamer, such as a changed "
                   "opening time. Do you want to stop them? Answers to your own questions "
                   "still reach you.")
        button = (t._("🔕 Stop announcements"), AnnouncementSubscribe(False))
    else:
        text = t._("You do not receive announcements now. Answers to your own questions still "
                   "reach you. Do you want announcements again?")
        button = (t._("🔔 Receive announcements"), AnnouncementSubscribe(True))
    await reply(update, context, text, kb([[button], [(t._("⬅️ Back to the menu"),
                                                       MenuMain())]]))


async def prefs_button(update: Update, context: BotContext, act: AnnouncementPrefs) -> None:
    await show_subscription(update, context)


async def set_subscription(update: Update, context: BotContext,
                           act: AnnouncementSubscribe) -> None:
    person = context.person
    assert person is not None
    person = await context.services.announcements.set_subscribed(person, act.on)
    context.person = person
    t = context.t
    text = (t._("Done. You will receive announcements again.") if act.on
            else t._("Done. You will not receive announcements anymore. Tap /berichten to "
                     "switch them on again."))
    await reply(update, context, text, kb([[(t._("⬅️ Back to the menu"), MenuMain())]]))
