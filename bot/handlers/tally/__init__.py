"""``/turf`` (volunteers register who came), ``/rapport`` (coordinators) and the weekly summary.

    /turf ──► today's activity (or another activity → category) ──► tap who came
                                    ├─ ➕ walk-in code ──► CODE (text) ──┐
                                    └─ 🔢 count only   ──► COUNT (text) ─┴─► back to the list
    /rapport ──► period buttons ──► room (or all) ──► summary + PDF (+ XLSX / CSV on request)
                  ├─ other period ──► PERIOD (text)
                  └─ ✏️ enter a value ──► room ──► indicator ──► period ──► VALUE (text)

Button data carries the activity (``occ.12`` or ``c.taal``) and the day, so an old list or a
forged button is checked again by the service (today's? this room's?) before anything changes.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.handlers.common import stale_button
from bot.handlers.tally import enter
from bot.handlers.tally.helpers import CODE, COUNT, PERIOD, not_text
from bot.handlers.tally.report import (
    ask_period,
    got_period,
    rapport,
    report_csv,
    report_period,
    report_room,
    report_xlsx_file,
)
from bot.handlers.tally.turf import (
    ask_code,
    ask_count,
    choose_activity,
    done,
    got_code,
    got_count,
    other_activity,
    page,
    remove_walkin,
    toggle,
    turf,
)
from bot.handlers.tally.weekly import tick, upcoming
from bot.jobs import add_tick


def _routes() -> list[BaseHandler]:
    """The commands and buttons of /turf and /rapport, in the order they are tried.

    The same routes serve twice: as the conversation's fallbacks (a tap or command while a
    code, count or period is awaited leaves that question) and on their own outside it.
    """
    return [
        CommandHandler("turf", turf),
        CommandHandler("rapport", rapport),
        CallbackQueryHandler(turf, pattern=r"^menu:turf$"),
        CallbackQueryHandler(rapport, pattern=r"^menu:report$"),
        CallbackQueryHandler(choose_activity, pattern=r"^tal:a:"),
        CallbackQueryHandler(other_activity, pattern=r"^tal:o:"),
        CallbackQueryHandler(page, pattern=r"^tal:p:"),
        CallbackQueryHandler(toggle, pattern=r"^tal:t:"),
        CallbackQueryHandler(remove_walkin, pattern=r"^tal:w:"),
        CallbackQueryHandler(done, pattern=r"^tal:done:"),
        CallbackQueryHandler(report_period, pattern=r"^tal:r:"),
        CallbackQueryHandler(report_room, pattern=r"^tal:rr:"),
        CallbackQueryHandler(report_xlsx_file, pattern=r"^tal:x:"),
        CallbackQueryHandler(report_csv, pattern=r"^tal:csv:"),
        CallbackQueryHandler(enter.start, pattern=r"^tal:e$"),
        CallbackQueryHandler(enter.choose_room, pattern=r"^tal:er:"),
        CallbackQueryHandler(enter.choose_indicator, pattern=r"^tal:ei:"),
        CallbackQueryHandler(stale_button, pattern=r"^tal:"),
    ]


def register(app: Application) -> None:
    text_input = filters.TEXT & ~filters.COMMAND
    other_input = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    conversation = ConversationHandler(
        name="tally",
        persistent=True,
        allow_reentry=True,
        entry_points=[
            CallbackQueryHandler(ask_code, pattern=r"^tal:code:"),
            CallbackQueryHandler(ask_count, pattern=r"^tal:cnt:"),
            CallbackQueryHandler(ask_period, pattern=r"^tal:rc$"),
            CallbackQueryHandler(enter.choose_period, pattern=r"^tal:ep:"),
        ],
        states={
            CODE: [MessageHandler(text_input, got_code), MessageHandler(other_input, not_text)],
            COUNT: [MessageHandler(text_input, got_count), MessageHandler(other_input, not_text)],
            PERIOD: [MessageHandler(text_input, got_period),
                     MessageHandler(other_input, not_text)],
            enter.VALUE: [MessageHandler(text_input, enter.got_value),
                          MessageHandler(other_input, not_text)],
        },
        fallbacks=_routes(),
    )
    app.add_handler(conversation)
    app.add_handlers(_routes())
    add_tick(app, "tally", tick, upcoming=upcoming)
