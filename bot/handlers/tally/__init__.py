"""``/turf`` (volunteers register who came), ``/rapport`` (coordinators) and the weekly summary.

    /turf ──► today's activity (or another activity → category) ──► tap who came
                                    ├─ ➕ walk-in code ──► CODE (text) ──┐
                                    └─ 🔢 count only   ──► COUNT (text) ─┴─► back to the list
    /rapport ──► period buttons ──► room (or all) ──► summary + PDF (+ XLSX / CSV on request)
                  ├─ other period ──► PERIOD (text)
                  └─ ✏️ enter a value ──► room ──► indicator ──► period ──► VALUE (text)

Buttons (bot/actions/tally.py) carry the activity (``occ.12`` or ``c.taal``) and the day, so an
old list or a forged button is checked again by the service (today's? this room's?) before
anything changes.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import tally as act
from bot.actions.menu import MenuReport, MenuTurf
from bot.handlers.routing import on, same_as
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
from bot.handlers.tally.weekly import register_outbox, tick, upcoming
from bot.jobs import add_tick
from bot.services.users import COORDINATOR, VOLUNTEER


def _routes() -> list[BaseHandler]:
    """The commands and buttons of /turf and /rapport, in the order they are tried.

    The same routes serve twice: as the conversation's fallbacks (a tap or command while a
    code, count or period is awaited leaves that question) and on their own outside it.
    Data no route decodes (forged, or from a button kind that no longer exists) reaches the
    application's one fallback, ``stale_button``, and the question stays open.
    """
    return [
        CommandHandler("turf", turf),
        CommandHandler("rapport", rapport),
        on(MenuTurf, same_as(turf)),  # turf and rapport check the role themselves
        on(MenuReport, same_as(rapport)),
        on(act.TurfActivity, choose_activity, role=VOLUNTEER),
        on(act.TurfOtherActivity, other_activity, role=VOLUNTEER),
        on(act.TurfPage, page, role=VOLUNTEER),
        on(act.TurfToggle, toggle, role=VOLUNTEER),
        on(act.TurfRemoveWalkin, remove_walkin, role=VOLUNTEER),
        on(act.TurfDone, done, role=VOLUNTEER),
        on(act.ReportPeriod, report_period, role=COORDINATOR),
        on(act.ReportRoom, report_room, role=COORDINATOR),
        on(act.ReportXlsx, report_xlsx_file, role=COORDINATOR),
        on(act.ReportCsv, report_csv, role=COORDINATOR),
        on(act.EnterValue, enter.start, role=COORDINATOR),
        on(act.EnterRoom, enter.choose_room, role=COORDINATOR),
        on(act.EnterIndicator, enter.choose_indicator, role=COORDINATOR),
    ]


def register(app: Application) -> None:
    text_input = filters.TEXT & ~filters.COMMAND
    other_input = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    conversation = ConversationHandler(
        name="tally",
        persistent=True,
        allow_reentry=True,
        entry_points=[
            on(act.TurfAskCode, ask_code, role=VOLUNTEER),
            on(act.TurfAskCount, ask_count, role=VOLUNTEER),
            on(act.ReportOtherPeriod, ask_period, role=COORDINATOR),
            on(act.EnterPeriod, enter.choose_period, role=COORDINATOR),
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
    register_outbox(app)
