"""Announcements: a coordinator composes, picks an audience, previews and sends or schedules.

The sending itself is the one outbox sender's; this package renders each message, the
progress line and the report. Residents switch announcements on or off with
``/berichten`` or in the settings.

- ``compose.py``: the /omroep conversation (text, audience, preview, confirm, plan).
- ``coordinator.py``: who was not reached; cancelling a planned announcement.
- ``resident.py``: announcements on or off.
- ``render.py``: the announcement as recipients see it, the report.
- ``transport.py``: the outbox renderer of an announcement, its progress line and report.
- ``jobs.py``: the tick (due and stalled broadcasts), room for answers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.actions.announcements import (
    ANNOUNCEMENT_ACTIONS,
    AnnouncementAudience,
    AnnouncementBack,
    AnnouncementGroups,
    AnnouncementLanguage,
    AnnouncementLater,
    AnnouncementNotReached,
    AnnouncementPrefs,
    AnnouncementSend,
    AnnouncementStop,
    AnnouncementSubscribe,
    AnnouncementUnschedule,
)
from bot.context import BotContext, BuurtApplication
from bot.handlers import routing
from bot.handlers.announcements import transport
from bot.handlers.announcements.compose import (
    AUDIENCE,
    LANGUAGE,
    PREVIEW,
    TEXT,
    WHEN,
    ask_when,
    back_to_audience,
    choose_audience,
    choose_language,
    confirm,
    confirm_outside,
    got_document,
    got_other,
    got_photo,
    got_text,
    got_when,
    press_a_button,
    start_compose,
    stop,
    toggle_groups,
)
from bot.handlers.announcements.coordinator import unschedule, who_not_reached
from bot.handlers.announcements.jobs import ensure_sender, keep_room_for_answers, tick
from bot.handlers.announcements.render import render_announcement, render_report
from bot.handlers.announcements.resident import (
    prefs_button,
    set_subscription,
    settings_button,
    show_subscription,
)
from bot.handlers.announcements.upcoming import upcoming
from bot.handlers.common import stale_button
from bot.jobs import add_tick
from bot.services.users import COORDINATOR, RESIDENT

__all__ = ["ensure_sender", "register", "render_announcement", "render_report",
           "settings_button"]


async def _keep_step(update: Update, context: BotContext, act: object) -> None:
    """Another announcement button (an old report, an old preview) while composing: refused,
    the step stays as it is."""
    await stale_button(update, context)


def build_conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    text = private & filters.TEXT & ~filters.COMMAND
    cancel = routing.on(AnnouncementStop, stop)
    return ConversationHandler(
        entry_points=[
            CommandHandler("omroep", start_compose),
            CallbackQueryHandler(start_compose, pattern=r"^menu:broadcast$"),
        ],
        states={
            TEXT: [
                MessageHandler(text, got_text),
                MessageHandler(private & filters.PHOTO, got_photo),
                MessageHandler(private & filters.Document.ALL, got_document),
                MessageHandler(private & ~filters.COMMAND, got_other),
            ],
            AUDIENCE: [routing.on(AnnouncementAudience, choose_audience, role=COORDINATOR)],
            LANGUAGE: [routing.on(AnnouncementLanguage, choose_language, role=COORDINATOR)],
            PREVIEW: [
                routing.on(AnnouncementSend, confirm, role=COORDINATOR),
                routing.on(AnnouncementLater, ask_when, role=COORDINATOR),
                routing.on(AnnouncementBack, back_to_audience, role=COORDINATOR),
                routing.on(AnnouncementGroups, toggle_groups, role=COORDINATOR),
            ],
            WHEN: [MessageHandler(text, got_when)],
        },
        fallbacks=[
            CommandHandler("omroep", start_compose),
            cancel,
            routing.on(AnnouncementUnschedule, unschedule, role=COORDINATOR),
            routing.on(AnnouncementSend, confirm_outside, role=COORDINATOR),
            routing.on(ANNOUNCEMENT_ACTIONS, _keep_step),
            MessageHandler(private & ~filters.COMMAND, press_a_button),
        ],
        name="announcements",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers, its tick, and start the sender once the bot runs."""
    buurt: BuurtApplication = app  # type: ignore[assignment]
    transport.install(buurt)
    app.add_handler(TypeHandler(Update, keep_room_for_answers), group=-8)
    app.add_handler(build_conversation())
    app.add_handler(routing.on(AnnouncementNotReached, who_not_reached, role=COORDINATOR))
    app.add_handler(routing.on(AnnouncementUnschedule, unschedule, role=COORDINATOR))
    app.add_handler(routing.on(AnnouncementSend, confirm_outside, role=COORDINATOR))
    app.add_handler(CommandHandler("berichten", show_subscription,
                                   filters=filters.ChatType.PRIVATE))
    app.add_handler(routing.on(AnnouncementPrefs, prefs_button, role=RESIDENT))
    app.add_handler(routing.on(AnnouncementSubscribe, set_subscription, role=RESIDENT))
    add_tick(buurt, "announcements", tick, upcoming=upcoming)
