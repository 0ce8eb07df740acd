"""``/rapport``: the funder report for coordinators, in the chat and as XLSX/CSV."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import escape

from telegram import Update

from bot.actions.tally import (
    EnterValue,
    ReportCsv,
    ReportOtherPeriod,
    ReportPeriod,
    ReportRoom,
    ReportXlsx,
)
from bot.context import BotContext
from bot.handlers.common import (
    END,
    MAX_TEXT,
    kb,
    reply,
    reply_file,
    requires,
    safe_answer,
    stale_button,
)
from bot.handlers.tally.helpers import PERIOD
from bot.i18n import Translator
from bot.messaging.message import Attachment
from bot.services import report_pdf, report_render, report_xlsx
from bot.services.indicators import ALL, BEHIND, ON_TRACK, REACHED, ReportTable
from bot.services.report_render import period_label, room_title
from bot.services.tally import Period, ReportError, parse_day
from bot.services.users import COORDINATOR

# --- /rapport --------------------------------------------------------------------------------


def _period_buttons(t: Translator, today: date):
    this_month = Period.month(today.year, today.month)
    last = this_month.start - timedelta(days=1)
    last_month = Period.month(last.year, last.month)
    quarter = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    return kb([
        [(t._("This month"), ReportPeriod(this_month.key)),
         (t._("Last month"), ReportPeriod(last_month.key))],
        [(t._("This quarter"), ReportPeriod(quarter.key)),
         (t._("This year"), ReportPeriod(str(today.year)))],
        [(t._("Last year"), ReportPeriod(str(today.year - 1))),
         (t._("Other period…"), ReportOtherPeriod())],
        [(t._("✏️ Enter a value"), EnterValue())],
    ])


@requires(COORDINATOR)
async def rapport(update: Update, context: BotContext) -> object:
    t = context.t
    today = context.services.clock.now().date()
    await reply(update, context,
                t._("Performance table: the offer's indicators per room, against the "
                    "targets. Which period?"),
                _period_buttons(t, today), edit=update.callback_query is not None)
    return END


def _period_from_key(key: str) -> Period | None:
    try:
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})", key):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            return Period(start, end)
        return Period.parse(key)
    except (ReportError, ValueError):
        return None


def _report_error_text(t: Translator, error: ReportError) -> str:
    return {
        ReportError.FUTURE: t._("That period has not started yet, so there is nothing to "
                                "count."),
        ReportError.EMPTY: t._("Nothing was recorded in that period."),
        ReportError.ORDER: t._("The end date is before the start date."),
        ReportError.TOO_EARLY: t._("That period is before the bot kept any records."),
        ReportError.UNKNOWN_ROOM: t._("I do not know that room."),
        ReportError.INVALID: t._("I did not understand that period."),
    }[error.reason]


def _rooms_buttons(t: Translator, context: BotContext, period: Period):
    rooms = context.services.config.rooms
    rows = [[(room.name, ReportRoom(period.key, room_id))] for room_id, room in rooms.items()]
    rows.append([(t._("All BuurtWerkKamers (one page each, and a summary)"),
                  ReportRoom(period.key, ALL))])
    return kb(rows)


def _room_of(context: BotContext, room: str) -> str | None:
    """The room of button data, checked: a configured id, or ``all``."""
    return room if room == ALL or room in context.services.config.rooms else None


def _table_text(t: Translator, table: ReportTable) -> str:
    """A short chat summary; the PDF holds the whole table."""
    lines = ["<b>" + escape(t._("Performance table: {period}").format(
        period=period_label(t, table))) + "</b>"]
    for room in table.tables:
        counts = {REACHED: 0, ON_TRACK: 0, BEHIND: 0}
        missing = 0
        for row in room.rows:
            if row.status in counts:
                counts[row.status] += 1
            elif row.shown_value is None:
                missing += 1
        lines.append("• " + escape(room_title(t, room)) + ": " + t._(
            "{reached} reached, {on_track} on track, {behind} behind, {missing} without "
            "data").format(reached=counts[REACHED], on_track=counts[ON_TRACK],
                           behind=counts[BEHIND], missing=missing))
    if not any(row.shown_value for room in table.tables for row in room.rows
               if row.value.source == "counted"):
        lines += ["", t._("Nothing was recorded in that period.")]
    lines += ["", t._("The PDF has the whole table, one page per room. Values the bot cannot "
                      "count: tap ✏️ Enter a value under /rapport.")]
    return "\n".join(lines)


async def _table(context: BotContext, period: Period, room: str) -> ReportTable:
    return await context.services.indicators.report(None if room == ALL else room, period)


def _file_name(table: ReportTable, room: str, ext: str) -> str:
    return f"buurtbot-rapport-{table.period_key}-{room}.{ext}"


async def _send_report(update: Update, context: BotContext, period: Period, room: str) -> None:
    t = context.t
    try:
        table = await _table(context, period, room)
    except ReportError as exc:
        await reply(update, context, _report_error_text(t, exc),
                    _period_buttons(t, context.services.clock.now().date()))
        return
    await reply(update, context, _table_text(t, table), kb([
        [(t._("📊 Also as spreadsheet (XLSX)"), ReportXlsx(period.key, room))],
        [(t._("📄 Also as CSV"), ReportCsv(period.key, room))],
    ]))
    await reply_file(update, context, Attachment(
        "document", data=report_pdf.to_pdf(t, table), filename=_file_name(table, room, "pdf")),
        t._("The performance table as PDF, to send to a funder as it is."))


async def report_period(update: Update, context: BotContext, act: ReportPeriod) -> object:
    """A period was chosen: which room? (:class:`ReportRoom` makes the report)."""
    period = _period_from_key(act.period)
    if period is None:
        return await stale_button(update, context)
    await _ask_room(update, context, period)
    return END


async def _ask_room(update: Update, context: BotContext, period: Period) -> bool:
    """Which room? Only for a period that can be reported on; else say why (False)."""
    t = context.t
    try:
        period.checked(context.services.clock.now().date())
    except ReportError as exc:
        await reply(update, context, _report_error_text(t, exc),
                    _period_buttons(t, context.services.clock.now().date()))
        return False
    await reply(update, context, t._("Which room?"),
                _rooms_buttons(t, context, period))
    return True


def _period_and_room(context: BotContext, act: ReportRoom | ReportXlsx | ReportCsv
                     ) -> tuple[Period, str] | None:
    period, room = _period_from_key(act.period), _room_of(context, act.room)
    return (period, room) if period and room else None


async def report_room(update: Update, context: BotContext, act: ReportRoom) -> object:
    chosen = _period_and_room(context, act)
    if chosen is None:
        return await stale_button(update, context)
    await _send_report(update, context, *chosen)
    return END


async def _send_file(update: Update, context: BotContext, act: ReportXlsx | ReportCsv,
                     ext: str) -> object:
    chosen = _period_and_room(context, act)
    if chosen is None:
        return await stale_button(update, context)
    t = context.t
    try:
        table = await _table(context, *chosen)
    except ReportError as exc:
        await safe_answer(update.callback_query, _report_error_text(t, exc), alert=True)  # type: ignore[arg-type]
        return END
    if ext == "xlsx":
        data, caption = report_xlsx.to_xlsx(t, table), t._(
            "The table as a spreadsheet: a summary sheet and one sheet per room; it prints "
            "on A4.")
    else:
        data, caption = report_render.to_csv(t, table), t._(
            "The table as CSV, for other programs.")
    # reply_file answers the button press too
    await reply_file(update, context, Attachment(
        "document", data=data, filename=_file_name(table, chosen[1], ext)), caption)
    return END


async def report_xlsx_file(update: Update, context: BotContext, act: ReportXlsx) -> object:
    return await _send_file(update, context, act, "xlsx")


async def report_csv(update: Update, context: BotContext, act: ReportCsv) -> object:
    return await _send_file(update, context, act, "csv")


async def ask_period(update: Update, context: BotContext, act: ReportOtherPeriod) -> object:
    await reply(update, context, context.t._(
        "Type the period: a year (2025), a month (2025-03), a quarter (2025-Q1), or two dates "
        "(1-3-2025 31-3-2025)."))
    return PERIOD


_DATE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def parse_period_text(text: str) -> Period | None:
    text = text.strip()
    dates = _DATE.findall(text)
    if len(dates) == 2:
        start, end = parse_day(dates[0]), parse_day(dates[1])
        return Period(start, end) if start and end else None
    try:
        return Period.parse(text)
    except ReportError:
        return None


@requires(COORDINATOR)
async def got_period(update: Update, context: BotContext) -> object:
    text = (update.message.text or "")[:MAX_TEXT]  # type: ignore[union-attr]
    period = parse_period_text(text)
    if period is None:
        await reply(update, context, context.t._(
            "I did not understand that period. Type for example 2025, 2025-03, 2025-Q1 or "
            "1-3-2025 31-3-2025."))
        return PERIOD
    if period.end < period.start:
        await reply(update, context, _report_error_text(context.t,
                                                        ReportError(ReportError.ORDER)))
        return PERIOD
    await _ask_room(update, context, period)
    return END


