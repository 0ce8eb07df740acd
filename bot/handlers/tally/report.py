"""``/rapport``: the funder report for coordinators, in the chat and as XLSX/CSV."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html import escape

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import END, MAX_TEXT, kb, reply, requires, safe_answer, stale_button
from bot.handlers.tally.helpers import PERIOD, split_data
from bot.i18n import Translator
from bot.services.tally import Period, Report, ReportError, parse_day
from bot.services.tally_export import rows, to_csv, to_xlsx
from bot.services.users import COORDINATOR

# --- /rapport --------------------------------------------------------------------------------


def _period_buttons(t: Translator, today: date):
    this_month = Period.month(today.year, today.month)
    last = this_month.start - timedelta(days=1)
    last_month = Period.month(last.year, last.month)
    quarter = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    return kb([
        [(t._("This month"), f"tal:r:{this_month.key}"),
         (t._("Last month"), f"tal:r:{last_month.key}")],
        [(t._("This quarter"), f"tal:r:{quarter.key}"),
         (t._("This year"), f"tal:r:{today.year}")],
        [(t._("Last year"), f"tal:r:{today.year - 1}"),
         (t._("Other period…"), "tal:rc")],
    ])


@requires(COORDINATOR)
async def rapport(update: Update, context: BotContext) -> object:
    t = context.t
    today = context.services.clock.now().date()
    await reply(update, context,
                t._("Participation report: unique residents per room and category, against "
                    "the targets. Which period?"),
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


def _button_period(update: Update, prefix: str) -> Period | None:
    """The period of a ``prefix:<key>`` button; None for malformed or forged data."""
    parts = split_data(update.callback_query.data, prefix, 1)  # type: ignore[union-attr]
    return _period_from_key(parts[0]) if parts else None


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


def _report_text(t: Translator, report: Report) -> str:
    lines = ["<b>" + t._("Participation report: {period}").format(
        period=report.period.label(t)) + "</b>"]
    for room in report.rooms:
        lines += ["", "<b>" + escape(room.name) + "</b>"]
        for row in rows(t, room):
            value = t.number(row.measured)
            if row.target:
                value = t._("{value} of {target} ({percent}%)").format(
                    value=value, target=t.number(row.target), percent=row.percent)
            lines.append(f"• {escape(row.label)}: {value}")
    if len(report.rooms) > 1:
        unique = report.overall.total_unique
        lines += ["", t.ngettext("All rooms together: {n} unique participant.",
                                 "All rooms together: {n} unique participants.",
                                 unique).format(n=t.number(unique))]
    lines += ["", t._("Numbers are unique residents; for odd jobs, the number of jobs. "
                      "The spreadsheet has all columns.")]
    return "\n".join(lines)


async def _send_report(update: Update, context: BotContext, period: Period) -> None:
    t = context.t
    try:
        report = await context.services.tally.report(period)
    except ReportError as exc:
        await reply(update, context, _report_error_text(t, exc),
                    _period_buttons(t, context.services.clock.now().date()))
        return
    await reply(update, context, _report_text(t, report),
                kb([[(t._("📄 Also as CSV"), f"tal:csv:{report.period.key}")]]))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id, document=io.BytesIO(to_xlsx(t, report)),
        filename=f"buurtbot-rapport-{report.period.key}.xlsx",
        caption=t._("The report as a spreadsheet: a summary sheet and one sheet per room."),
    )


@requires(COORDINATOR)
async def report_period(update: Update, context: BotContext) -> object:
    period = _button_period(update, "tal:r")
    if period is None:
        return await stale_button(update, context)
    await _send_report(update, context, period)
    return END


@requires(COORDINATOR)
async def report_csv(update: Update, context: BotContext) -> object:
    period = _button_period(update, "tal:csv")
    if period is None:
        return await stale_button(update, context)
    t = context.t
    try:
        report = await context.services.tally.report(period)
    except ReportError as exc:
        await safe_answer(update.callback_query, _report_error_text(t, exc), alert=True)  # type: ignore[arg-type]
        return END
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    assert update.effective_chat is not None
    await context.bot.send_document(
        update.effective_chat.id, document=io.BytesIO(to_csv(t, report).encode("utf-8")),
        filename=f"buurtbot-rapport-{report.period.key}.csv",
        caption=t._("The report as CSV, for other programs."))
    return END


@requires(COORDINATOR)
async def ask_period(update: Update, context: BotContext) -> object:
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
    await _send_report(update, context, period)
    return END


