"""``/turf`` (volunteers register who came), ``/rapport`` (coordinators) and the weekly summary.

    /turf ──► today's activity (or another activity → category) ──► tap who came
                                    ├─ ➕ walk-in code ──► CODE (text) ──┐
                                    └─ 🔢 count only   ──► COUNT (text) ─┴─► back to the list
    /rapport ──► period buttons ──► summary + XLSX (+ CSV on request)
                  └─ other period ──► PERIOD (text)

Button data carries the activity (``occ.12`` or ``c.taal``) and the day, so an old list or a
forged button is checked again by the service (today's? this room's?) before anything changes.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date, timedelta
from html import escape

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.categories import CATEGORIES
from bot.context import BotContext
from bot.handlers.common import (
    END,
    MAX_TEXT,
    kb,
    reply,
    requires,
    safe_answer,
    send_safely,
    stale_button,
)
from bot.i18n import Translator, translator
from bot.jobs import add_tick
from bot.services.tally import (
    MAX_COUNT,
    Activity,
    Attendance,
    Period,
    Report,
    ReportError,
    TurfError,
    WeeklySummary,
    parse_day,
)
from bot.services.tally_chart import chart_png
from bot.services.tally_export import rows, to_csv, to_xlsx
from bot.services.users import COORDINATOR, VOLUNTEER

log = logging.getLogger(__name__)

CODE, COUNT, PERIOD = "tal_code", "tal_count", "tal_period"
PAGE_SIZE = 8
_DAY = "%Y%m%d"


# --- small helpers ---------------------------------------------------------------------------


def _day_str(day: date) -> str:
    return day.strftime(_DAY)


def _parse_day(text: str) -> date | None:
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _split(data: str | None, prefix: str, parts: int) -> list[str] | None:
    if not data or not data.startswith(prefix + ":"):
        return None
    values = data[len(prefix) + 1 :].split(":")
    return values if len(values) == parts else None


def _activity_title(t: Translator, activity: Activity) -> str:
    if activity.ref and activity.title:
        title = escape(t._(activity.title))
        if activity.starts_at is not None:
            title = f"{t.time(activity.starts_at)} {title}"
        return title
    return t._(CATEGORIES[activity.category])


def _turf_error_text(t: Translator, error: TurfError) -> str:
    return {
        TurfError.NOT_TODAY: t._("This list is from another day. Tap /turf for today."),
        TurfError.NOT_HERE: t._("This activity is not on today's programme of your room."),
        TurfError.UNKNOWN_PERSON: t._("This person is not (or no longer) on your room's list."),
        TurfError.BAD_CODE: t._(
            "Please type a short code of 3 to 6 letters and numbers, with at least one number, "
            "for example AB12. Not a name."
        ),
        TurfError.BAD_COUNT: t._("Please type a number from 0 to {max}.").format(max=MAX_COUNT),
    }[error.reason]


async def _no_room(update: Update, context: BotContext) -> bool:
    person = context.person
    assert person is not None
    if person.room in context.services.config.rooms:
        return False
    await reply(update, context, context.t._(
        "You have no BuurtWerkKamer yet. Choose one with /kamer first."))
    return True


# --- /turf: choose the activity --------------------------------------------------------------


@requires(VOLUNTEER)
async def turf(update: Update, context: BotContext) -> object:
    if await _no_room(update, context):
        return END
    t = context.t
    person = context.person
    assert person is not None and person.room is not None
    activities = await context.services.tally.todays_activities(person.room)
    today = context.services.clock.now().date()
    buttons = [[(_activity_title(t, a), f"tal:a:{a.token}:{_day_str(today)}")]
               for a in activities]
    buttons.append([(t._("➕ Another activity"), f"tal:o:{_day_str(today)}")])
    if activities:
        text = t._("Who came today? First choose the activity ({date}).")
    else:
        text = t._("There is no activity on today's programme ({date}). Choose what kind of "
                   "activity it was.")
    await reply(update, context, text.format(date=t.date(today)), kb(buttons),
                edit=update.callback_query is not None)
    return END


@requires(VOLUNTEER)
async def other_activity(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:o", 1)  # type: ignore[union-attr]
    day = _parse_day(parts[0]) if parts else None
    if day is None:
        return await stale_button(update, context)
    t = context.t
    buttons = [[(t._(label), f"tal:a:c.{cat}:{_day_str(day)}")]
               for cat, label in CATEGORIES.items()]
    buttons.append([(t._("⬅️ Back"), "menu:turf")])
    await reply(update, context, t._("What kind of activity was it?"), kb(buttons))
    return END


async def _resolve(update: Update, context: BotContext, token: str, day_text: str
                   ) -> Activity | None:
    """The activity behind button data, or None after telling the volunteer why not."""
    day = _parse_day(day_text)
    person = context.person
    assert person is not None
    if day is None or person.room not in context.services.config.rooms:
        await stale_button(update, context)
        return None
    try:
        return await context.services.tally.resolve(person.room, token, day)
    except TurfError as exc:
        await _tell(update, context, _turf_error_text(context.t, exc))
        return None


async def _tell(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    else:
        await reply(update, context, text)


def _attendance_view(t: Translator, att: Attendance, page: int):
    activity = att.activity
    token, day = activity.token, _day_str(activity.day)
    pages = max(1, -(-len(att.regulars) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    lines = [
        f"<b>{_activity_title(t, activity)}</b> · {t.date(activity.day)}",
        t._("Tap the people who came. ✅ means: registered."),
        t.ngettext("{n} person registered", "{n} people registered",
                   len(att.present)).format(n=len(att.present)),
    ]
    if att.anonymous:
        lines.append(t.ngettext("plus {n} person counted without a name",
                                "plus {n} people counted without a name",
                                att.anonymous).format(n=att.anonymous))
    if not att.regulars:
        lines.append(t._("Nobody from your room is registered in the bot yet. Use a walk-in "
                         "code or a count."))
    buttons: list[list[tuple[str, str]]] = []
    shown = att.regulars[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for regular in shown:
        name = regular.display_name or t._("anonymous {n}").format(n=regular.user_id)
        mark = "✅ " if regular.anon_key in att.present else ""
        buttons.append([(mark + name, f"tal:t:{token}:{day}:{page}:{regular.user_id}")])
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(("◀️", f"tal:p:{token}:{day}:{page - 1}"))
        nav.append((f"{page + 1}/{pages}", f"tal:p:{token}:{day}:{page}"))
        if page < pages - 1:
            nav.append(("▶️", f"tal:p:{token}:{day}:{page + 1}"))
        buttons.append(nav)
    walkins = [("✅ " + code, f"tal:w:{token}:{day}:{code}") for code in att.walkins]
    for i in range(0, len(walkins), 3):
        buttons.append(walkins[i : i + 3])
    buttons.append([(t._("➕ Walk-in code"), f"tal:code:{token}:{day}"),
                    (t._("🔢 Count only"), f"tal:cnt:{token}:{day}")])
    buttons.append([(t._("✔️ Done"), f"tal:done:{token}:{day}")])
    return "\n".join(lines), kb(buttons)


async def _show(update: Update, context: BotContext, activity: Activity, page: int = 0,
                edit: bool = True) -> None:
    att = await context.services.tally.attendance(activity)
    text, markup = _attendance_view(context.t, att, page)
    await reply(update, context, text, markup, edit=edit)


@requires(VOLUNTEER)
async def choose_activity(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:a", 2)  # type: ignore[union-attr]
    if parts is None:
        return await stale_button(update, context)
    activity = await _resolve(update, context, *parts)
    if activity is not None:
        await _show(update, context, activity)
    return END


@requires(VOLUNTEER)
async def page(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:p", 3)  # type: ignore[union-attr]
    if parts is None or not parts[2].isdigit():
        return await stale_button(update, context)
    activity = await _resolve(update, context, parts[0], parts[1])
    if activity is not None:
        await _show(update, context, activity, int(parts[2]))
    return END


@requires(VOLUNTEER)
async def toggle(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:t", 4)  # type: ignore[union-attr]
    if parts is None or not parts[2].isdigit() or not parts[3].isdigit():
        return await stale_button(update, context)
    activity = await _resolve(update, context, parts[0], parts[1])
    if activity is None:
        return END
    try:
        await context.services.tally.toggle(activity, int(parts[3]), context.person)
    except TurfError as exc:
        await _tell(update, context, _turf_error_text(context.t, exc))
        return END
    await _show(update, context, activity, int(parts[2]))
    return END


@requires(VOLUNTEER)
async def remove_walkin(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:w", 3)  # type: ignore[union-attr]
    if parts is None:
        return await stale_button(update, context)
    activity = await _resolve(update, context, parts[0], parts[1])
    if activity is None:
        return END
    try:
        await context.services.tally.remove_walkin(activity, parts[2])
    except TurfError:
        return await stale_button(update, context)
    await _show(update, context, activity)
    return END


@requires(VOLUNTEER)
async def done(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:done", 2)  # type: ignore[union-attr]
    if parts is None:
        return await stale_button(update, context)
    activity = await _resolve(update, context, *parts)
    if activity is None:
        return END
    t = context.t
    att = await context.services.tally.attendance(activity)
    text = t._("Saved: {activity}, {date}. {people}.").format(
        activity=_activity_title(t, activity), date=t.date(activity.day),
        people=t.ngettext("{n} person in total", "{n} people in total", att.total).format(
            n=att.total))
    await reply(update, context, text + "\n" + t._("Thank you! Tap /turf for another activity."))
    return END


@requires(VOLUNTEER)
async def ask_code(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:code", 2)  # type: ignore[union-attr]
    if parts is None:
        return await stale_button(update, context)
    activity = await _resolve(update, context, *parts)
    if activity is None:
        return END
    context.user_data["tal"] = {"act": activity.token, "day": _day_str(activity.day)}
    await reply(update, context, context.t._(
        "Type the walk-in's short code, for example AB12. Use the same code each time they "
        "come. Never a name or phone number."))
    return CODE


@requires(VOLUNTEER)
async def ask_count(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:cnt", 2)  # type: ignore[union-attr]
    if parts is None:
        return await stale_button(update, context)
    activity = await _resolve(update, context, *parts)
    if activity is None:
        return END
    context.user_data["tal"] = {"act": activity.token, "day": _day_str(activity.day)}
    att = await context.services.tally.attendance(activity)
    await reply(update, context, context.t._(
        "How many people came who did not want to be registered? Type a number. It replaces "
        "the number counted before ({n}).").format(n=att.anonymous))
    return COUNT


async def _draft_activity(update: Update, context: BotContext) -> Activity | None:
    draft = context.user_data.get("tal") or {}
    if not draft.get("act") or not draft.get("day"):
        await reply(update, context, context.t._("Tap /turf to start again."))
        return None
    return await _resolve(update, context, draft["act"], draft["day"])


@requires(VOLUNTEER)
async def got_code(update: Update, context: BotContext) -> object:
    activity = await _draft_activity(update, context)
    if activity is None:
        return END
    text = update.message.text or ""  # type: ignore[union-attr]
    try:
        await context.services.tally.add_walkin(activity, text[:MAX_TEXT], context.person)
    except TurfError as exc:
        await reply(update, context, _turf_error_text(context.t, exc))
        return CODE
    context.user_data.pop("tal", None)
    await _show(update, context, activity, edit=False)
    return END


@requires(VOLUNTEER)
async def got_count(update: Update, context: BotContext) -> object:
    activity = await _draft_activity(update, context)
    if activity is None:
        return END
    text = update.message.text or ""  # type: ignore[union-attr]
    try:
        await context.services.tally.set_count(activity, text[:MAX_TEXT], context.person)
    except TurfError as exc:
        await reply(update, context, _turf_error_text(context.t, exc))
        return COUNT
    context.user_data.pop("tal", None)
    await _show(update, context, activity, edit=False)
    return END


async def not_text(update: Update, context: BotContext) -> object:
    """A photo or sticker while we wait for a code, number or period: ask again."""
    await reply(update, context, context.t._("Please type it as text, or tap /turf or /rapport "
                                             "to start again."))
    return None


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
        lines += ["", t._("All rooms together: {n} unique participants.").format(
            n=t.number(report.overall.total_unique))]
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
    parts = _split(update.callback_query.data, "tal:r", 1)  # type: ignore[union-attr]
    period = _period_from_key(parts[0]) if parts else None
    if period is None:
        return await stale_button(update, context)
    await _send_report(update, context, period)
    return END


@requires(COORDINATOR)
async def report_csv(update: Update, context: BotContext) -> object:
    parts = _split(update.callback_query.data, "tal:csv", 1)  # type: ignore[union-attr]
    period = _period_from_key(parts[0]) if parts else None
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


# --- the weekly summary ----------------------------------------------------------------------


def summary_text(t: Translator, summary: WeeklySummary, room_name: str) -> str:
    week, ytd = summary.this_week, summary.ytd
    lines = [
        "<b>" + t._("Weekly tally: {room}").format(room=escape(room_name)) + "</b>",
        t.ngettext("This week ({start} to {end}): {n} resident took part, {new} of them new.",
                   "This week ({start} to {end}): {n} residents took part, {new} of them new.",
                   week.total_unique).format(
            start=t.date(summary.week.start, "d MMMM"), end=t.date(summary.week.end, "d MMMM"),
            n=t.number(week.total_unique), new=t.number(week.new_residents)),
        "",
        t._("Since 1 January, against the targets for the year:"),
    ]
    for this, year in zip(rows(t, week), rows(t, ytd), strict=True):
        if this.key in ("contact", "referral", "volunteer", "new_residents"):
            continue
        value = t.number(year.measured)
        if year.target:
            value = t._("{value} of {target} ({percent}%)").format(
                value=value, target=t.number(year.target), percent=year.percent)
        lines.append(t._("• {label}: {value} (this week {week})").format(
            label=escape(year.label), value=value, week=t.number(this.measured)))
    lines += ["", t._("Check-in calls this week: {calls}. Active volunteers: {volunteers}.")
              .format(calls=t.number(week.contacts_count), volunteers=t.number(week.volunteers))]
    return "\n".join(lines)


async def tick(app, now) -> None:
    """Sunday evening: each room's coordinators get the week and the year so far, once."""
    services = app.services
    for summary in await services.tally.claim_weekly(now):
        room = services.config.rooms[summary.room]
        for person in await services.users.coordinators(summary.room):
            if person.telegram_id is None or not person.row.reachable:
                continue
            t = translator(person.language)
            sent = await send_safely(app, person.telegram_id,
                                     t.bidi(summary_text(t, summary, room.name)))
            if sent is None:
                continue
            png = chart_png(t, t._("{room}: so far this year").format(room=room.name),
                            summary.ytd, summary.year_fraction)
            try:
                await app.bot.send_photo(person.telegram_id, photo=io.BytesIO(png),
                                         caption=t.bidi(t._("Green: on track. Orange: behind "
                                                            "the pace for the target.")))
            except (Forbidden, BadRequest) as exc:
                log.info("could not send the tally chart: %s", exc)


# --- wiring ----------------------------------------------------------------------------------


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
        ],
        states={
            CODE: [MessageHandler(text_input, got_code), MessageHandler(other_input, not_text)],
            COUNT: [MessageHandler(text_input, got_count), MessageHandler(other_input, not_text)],
            PERIOD: [MessageHandler(text_input, got_period),
                     MessageHandler(other_input, not_text)],
        },
        fallbacks=[
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
            CallbackQueryHandler(report_csv, pattern=r"^tal:csv:"),
            CallbackQueryHandler(stale_button, pattern=r"^tal:"),
        ],
    )
    app.add_handler(conversation)
    app.add_handler(CommandHandler("turf", turf))
    app.add_handler(CommandHandler("rapport", rapport))
    app.add_handler(CallbackQueryHandler(turf, pattern=r"^menu:turf$"))
    app.add_handler(CallbackQueryHandler(rapport, pattern=r"^menu:report$"))
    app.add_handler(CallbackQueryHandler(choose_activity, pattern=r"^tal:a:"))
    app.add_handler(CallbackQueryHandler(other_activity, pattern=r"^tal:o:"))
    app.add_handler(CallbackQueryHandler(page, pattern=r"^tal:p:"))
    app.add_handler(CallbackQueryHandler(toggle, pattern=r"^tal:t:"))
    app.add_handler(CallbackQueryHandler(remove_walkin, pattern=r"^tal:w:"))
    app.add_handler(CallbackQueryHandler(done, pattern=r"^tal:done:"))
    app.add_handler(CallbackQueryHandler(report_period, pattern=r"^tal:r:"))
    app.add_handler(CallbackQueryHandler(report_csv, pattern=r"^tal:csv:"))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^tal:"))
    add_tick(app, "tally", tick)
