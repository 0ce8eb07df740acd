"""Announcements: a coordinator composes, picks an audience, previews and sends or schedules.

The sending itself is the service's background sender; this package gives it a Telegram
transport and renders progress and the report. Residents switch announcements on or off with
``/berichten`` or in the settings.

- ``compose.py``: the /omroep conversation (text, audience, preview, confirm, plan).
- ``coordinator.py``: who was not reached; cancelling a planned announcement.
- ``resident.py``: announcements on or off.
- ``render.py``: the announcement as recipients see it, the report.
- ``transport.py``: one outbox row -> one Telegram call.
- ``jobs.py``: starting and waking the sender, the tick, room for answers.
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

from bot.context import BuurtApplication
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
from bot.handlers.announcements.jobs import (
    _start_job,
    ensure_sender,
    keep_room_for_answers,
    tick,
)
from bot.handlers.announcements.render import render_announcement, render_report
from bot.handlers.announcements.resident import (
    set_subscription,
    settings_button,
    show_subscription,
)
from bot.handlers.announcements.transport import TelegramTransport
from bot.handlers.announcements.upcoming import upcoming
from bot.handlers.common import stale_button
from bot.jobs import add_tick

__all__ = ["ensure_sender", "register", "render_announcement", "render_report",
           "settings_button"]

def build_conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    text = private & filters.TEXT & ~filters.COMMAND
    cancel = CallbackQueryHandler(stop, pattern=r"^ann:stop$")
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
            AUDIENCE: [CallbackQueryHandler(choose_audience, pattern=r"^ann:aud:")],
            LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^ann:lang:")],
            PREVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^ann:go:"),
                CallbackQueryHandler(ask_when, pattern=r"^ann:later$"),
                CallbackQueryHandler(back_to_audience, pattern=r"^ann:back$"),
                CallbackQueryHandler(toggle_groups, pattern=r"^ann:grp$"),
            ],
            WHEN: [MessageHandler(text, got_when)],
        },
        fallbacks=[
            CommandHandler("omroep", start_compose),
            cancel,
            CallbackQueryHandler(unschedule, pattern=r"^ann:unsched:"),
            CallbackQueryHandler(confirm_outside, pattern=r"^ann:go:"),
            CallbackQueryHandler(stale_button, pattern=r"^ann:"),
            MessageHandler(private & ~filters.COMMAND, press_a_button),
        ],
        name="announcements",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers, its tick, and start the sender once the bot runs."""
    buurt: BuurtApplication = app  # type: ignore[assignment]
    buurt.services.announcements.transport = TelegramTransport(buurt)
    app.add_handler(TypeHandler(Update, keep_room_for_answers), group=-8)
    app.add_handler(build_conversation())
    app.add_handler(CallbackQueryHandler(who_not_reached, pattern=r"^ann:who:"))
    app.add_handler(CallbackQueryHandler(unschedule, pattern=r"^ann:unsched:"))
    app.add_handler(CallbackQueryHandler(confirm_outside, pattern=r"^ann:go:"))
    app.add_handler(CommandHandler("berichten", show_subscription,
                                   filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(show_subscription, pattern=r"^ann:prefs$"))
    app.add_handler(CallbackQueryHandler(set_subscription, pattern=r"^ann:sub:"))
    add_tick(buurt, "announcements", tick, upcoming=upcoming)
    if app.job_queue is not None:
        app.job_queue.run_once(_start_job, when=0, name="announcements-sender")
