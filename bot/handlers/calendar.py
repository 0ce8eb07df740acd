"""The weekly programme in the chat: /agenda for everyone, /programma for coordinators, and the
weekly post (a tick).

    /agenda ─► two weeks of the person's room ─► earlier/later, other room, sign up,
               .ics file, weekly post on/off
    /programma ─► room ─► series ─► occurrence ─► cancel / move (told to who signed up)
                      └─► ➕ weekly or one-off ─► title, category, day(s)/date, time,
                          duration, sign-up ─► summary (overlaps shown) ─► save
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, time, timedelta
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

from bot import jobs
from bot.categories import CATEGORIES
from bot.clock import TZ
from bot.context import BotContext, BuurtApplication
from bot.handlers.common import (
    END,
    kb,
    notify,
    one_per_row,
    parse_data,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import Translator, translator
from bot.services.calendar import (
    CalendarError,
    Change,
    SignupResult,
    local_moment,
    week_start,
)
from bot.services.calendar_programme import MAX_TITLE, parse_time_text
from bot.services.calendar_render import entry_line, ics, title_of, week_text
from bot.services.users import COORDINATOR, RESIDENT
from bot.store.activities import OccurrenceRow

log = logging.getLogger(__name__)

MAX_SIGNUP_BUTTONS = 6
TITLE, CATEGORY, DAYS, DATE, TIME, DURATION, SIGNUP, CONFIRM, MOVE = (
    "title", "category", "days", "date", "time", "duration", "signup", "confirm", "move")
DRAFT = "cal_draft"
DURATIONS = (60, 90, 120, 180)
CAPACITIES = (4, 6, 8, 10, 12, 15, 20)


# --- /agenda ---------------------------------------------------------------------------------


def _occ_id(ref: str) -> int | None:
    return int(ref.split(":", 1)[1]) if ref.startswith("occ:") else None


async def _agenda(update: Update, context: BotContext, room_id: str, offset: int,
                  edit: bool = True) -> None:
    services = context.services
    person, t = context.person, context.t
    assert person is not None
    room = services.config.rooms[room_id]
    calendar = services.calendar
    this_monday = week_start(services.clock.today())
    mine_ids = await calendar.signed_up(person, room_id)
    mine = {f"occ:{i}" for i in mine_ids}
    parts: list[str] = []
    shown = []
    for week in (offset, offset + 1):
        monday = this_monday + timedelta(weeks=week)
        entries = await calendar.week(room_id, monday)
        shown.extend(entries)
        parts.append(week_text(t, room, monday, entries, mine))
    text = "\n\n".join(parts)
    if len(text) > 3900:  # a very full programme: one week per message
        text = parts[0][:3900]
    now = services.clock.now()
    rows: list[list[tuple[str, str]]] = []
    buttons = 0
    for entry in shown:
        if buttons >= MAX_SIGNUP_BUTTONS or entry.starts_at <= now or entry.cancelled:
            continue
        when = f"{t.date(entry.starts_at, 'EEE d MMM')} {t.time(entry.starts_at)}"
        occ = _occ_id(entry.ref)
        if entry.ref in mine and occ is not None:
            label = t._("↩️ Sign off: {title}, {when}")
            data = f"cal:so:{occ}"
        elif entry.signup_data:
            label = t._("✍️ Sign up: {title}, {when}")
            data = entry.signup_data
        else:
            continue
        rows.append([(label.format(title=t._(entry.title)[:30], when=when), data)])
        buttons += 1
    nav = []
    if offset > 0:
        nav.append((t._("◀️ Earlier"), f"cal:w:{room_id}:{offset - 1}"))
    if offset + 2 < calendar.horizon_weeks:
        nav.append((t._("Later ▶️"), f"cal:w:{room_id}:{offset + 1}"))
    if nav:
        rows.append(nav)
    rows.append([(t._("🏠 Other room"), f"cal:rooms:{offset}"),
                 (t._("📲 In my phone's calendar"), f"cal:ics:{room_id}")])
    if await calendar.is_subscribed(person, room_id):
        rows.append([(t._("🔕 Stop the weekly programme"), f"cal:sub:{room_id}:0")])
    else:
        rows.append([(t._("🔔 Send me this every week"), f"cal:sub:{room_id}:1")])
    rows.append([(t._("⬅️ Back to the menu"), "menu:main")])
    await reply(update, context, text, kb(rows), edit=edit)


@requires(RESIDENT)
async def agenda_command(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    room = person.room if person.room in context.services.config.rooms else next(
        iter(context.services.config.rooms))
    await _agenda(update, context, room, 0, edit=update.callback_query is not None)


@requires(RESIDENT)
async def agenda_week(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:w", str, int)  # type: ignore[union-attr]
    calendar = context.services.calendar
    if (not parsed or parsed[0] not in context.services.config.rooms
            or not 0 <= parsed[1] <= calendar.horizon_weeks - 2):
        await stale_button(update, context)
        return
    await _agenda(update, context, parsed[0], parsed[1])


@requires(RESIDENT)
async def agenda_rooms(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:rooms", int)  # type: ignore[union-attr]
    if not parsed or parsed[0] < 0:
        await stale_button(update, context)
        return
    offset = min(parsed[0], max(0, context.services.calendar.horizon_weeks - 2))
    rooms = context.services.config.rooms.values()
    await reply(update, context, context.t._("Which BuurtWerkKamer?"),
                one_per_row([(room.name, f"cal:w:{room.id}:{offset}") for room in rooms]))


def _offset_of(context: BotContext, moment: datetime) -> int:
    this_monday = week_start(context.services.clock.today())
    weeks = (week_start(moment.astimezone(TZ).date()) - this_monday).days // 7
    return max(0, min(weeks, context.services.calendar.horizon_weeks - 2))


@requires(RESIDENT)
async def sign_up(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_data(query.data, "cal:su", int)
    if not parsed:
        await stale_button(update, context)
        return
    t = context.t
    result, row = await context.services.calendar.sign_up(context.person, parsed[0])  # type: ignore[arg-type]
    if row is None:
        await stale_button(update, context)
        return
    when = t.datetime(row.starts_at)
    title = t._(row.title)
    text = {
        SignupResult.OK: t._("You are signed up for {title} on {when}. See you then!"),
        SignupResult.ALREADY: t._("You were already signed up for {title} on {when}."),
        SignupResult.FULL: t._("Sorry, {title} on {when} is full."),
        SignupResult.CLOSED: t._("You cannot sign up for {title} on {when} (any more)."),
    }.get(result, "")
    await safe_answer(query, text.format(title=title, when=when), alert=True)
    await _agenda(update, context, row.room, _offset_of(context, row.starts_at))


@requires(RESIDENT)
async def sign_off(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_data(query.data, "cal:so", int)
    row = await context.services.calendar.sign_off(context.person, parsed[0]) if parsed else None  # type: ignore[arg-type]
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    await safe_answer(query, t._("You are no longer signed up for {title} on {when}.").format(
        title=t._(row.title), when=t.datetime(row.starts_at)), alert=True)
    await _agenda(update, context, row.room, _offset_of(context, row.starts_at))


@requires(RESIDENT)
async def subscribe(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_data(query.data, "cal:sub", str, int)
    rooms = context.services.config.rooms
    if not parsed or parsed[0] not in rooms or parsed[1] not in (0, 1):
        await stale_button(update, context)
        return
    room_id, on = parsed[0], bool(parsed[1])
    await context.services.calendar.set_subscribed(context.person, room_id, on)  # type: ignore[arg-type]
    t = context.t
    text = (t._("Done. Every week I will send you the programme of {room}.") if on
            else t._("Done. I will no longer send you the programme of {room}."))
    await safe_answer(query, text.format(room=rooms[room_id].name), alert=True)
    await _agenda(update, context, room_id, 0)


@requires(RESIDENT)
async def send_ics(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    parsed = parse_data(query.data, "cal:ics", str)
    rooms = context.services.config.rooms
    if not parsed or parsed[0] not in rooms:
        await stale_button(update, context)
        return
    await safe_answer(query)
    room = rooms[parsed[0]]
    services = context.services
    t = context.t
    start = local_moment(week_start(services.clock.today()), time(0))
    entries = await services.calendar.entries(
        room.id, start, start + timedelta(weeks=services.calendar.horizon_weeks))
    payload = ics(t, room, entries, services.clock.now())
    await context.bot.send_document(
        update.effective_chat.id, document=io.BytesIO(payload),
        filename=f"programma-{room.id}.ics",
        caption=t.bidi(t._("The programme of {room}. Open this file to add it to your phone's "
                           "calendar.").format(room=escape(room.name))),
    )


# --- /programma (coordinators) ---------------------------------------------------------------


def _error_text(t: Translator, code: str) -> str:
    return {
        "title_empty": t._("Please type a title."),
        "title_long": t._("That title is too long. Please use at most {n} characters.").format(
            n=MAX_TITLE),
        "past": t._("That moment has already passed. Please choose a moment in the future."),
        "already_cancelled": t._("This activity was already cancelled."),
        "started": t._("This activity has already started; it cannot be changed any more."),
        "ended": t._("This series has already ended."),
    }.get(code, t._("This did not work. Tap /programma to start again."))


def _days_text(t: Translator, rrule: str) -> str:
    names = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    if rrule.startswith("FREQ=WEEKLY;BYDAY="):
        days = rrule.split("=", 2)[2].split(",")
        if all(d in names for d in days):
            return ", ".join(t.weekday(names.index(d), "abbreviated") for d in days)
    return t._("special rhythm")


async def _programme_room(update: Update, context: BotContext, room_id: str) -> None:
    t = context.t
    services = context.services
    room = services.config.rooms[room_id]
    series = await services.calendar.series_of(room_id)
    now = services.clock.now()
    upcoming = await services.calendar.occurrence_rows(
        room_id, now, now + timedelta(weeks=services.calendar.horizon_weeks))
    one_offs = [row for row in upcoming if row.series_id is None][:8]
    buttons = [(f"{t._(s.title)[:28]} · {_days_text(t, s.rrule)} {s.start_time:%H:%M}",
                f"cal:ps:{s.id}") for s in series]
    buttons += [(f"{t._(o.title)[:28]} · {t.date(o.starts_at, 'd MMM')} {t.time(o.starts_at)}",
                 f"cal:po:{o.id}") for o in one_offs]
    buttons += [(t._("➕ New weekly activity"), f"cal:new:w:{room_id}"),
                (t._("➕ New one-off activity"), f"cal:new:o:{room_id}"),
                (t._("🏠 Other room"), "cal:prooms"),
                (t._("⬅️ Back to the menu"), "menu:main")]
    text = t._("<b>Programme of {room}</b>\nTap an activity to cancel or move one date, or to "
               "end it.").format(room=escape(room.name))
    await reply(update, context, text, one_per_row(buttons),
                edit=update.callback_query is not None)


@requires(COORDINATOR)
async def programme_command(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    rooms = context.services.config.rooms
    await _programme_room(update, context, person.room if person.room in rooms else next(
        iter(rooms)))


@requires(COORDINATOR)
async def programme_rooms(update: Update, context: BotContext) -> None:
    rooms = context.services.config.rooms.values()
    await reply(update, context, context.t._("Which BuurtWerkKamer?"),
                one_per_row([(room.name, f"cal:p:{room.id}") for room in rooms]))


@requires(COORDINATOR)
async def programme_room(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:p", str)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in context.services.config.rooms:
        await stale_button(update, context)
        return
    await _programme_room(update, context, parsed[0])


@requires(COORDINATOR)
async def programme_series(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:ps", int)  # type: ignore[union-attr]
    calendar = context.services.calendar
    series = await calendar.get_series(parsed[0]) if parsed else None
    if series is None:
        await stale_button(update, context)
        return
    t = context.t
    upcoming = await calendar.upcoming_of_series(series.id)
    lines = [f"<b>{escape(t._(series.title))}</b>",
             f"{_days_text(t, series.rrule)} {series.start_time:%H:%M}, "
             + t.ngettext("{n} minute", "{n} minutes", series.duration_min).format(
                 n=series.duration_min),
             t._(CATEGORIES[series.category]) if series.category in CATEGORIES else "",
             "", t._("Next dates:")]
    lines += [f"{t.date(row.starts_at, 'EEE d MMM')} · " + entry_line(t, calendar.entry(row))
              for row in upcoming]
    buttons = [(f"{t.date(row.starts_at, 'EEE d MMM')} {t.time(row.starts_at)}",
                f"cal:po:{row.id}") for row in upcoming if not row.cancelled]
    buttons += [(t._("⛔ End this activity"), f"cal:pe:{series.id}"),
                (t._("⬅️ Back"), f"cal:p:{series.room}")]
    await reply(update, context, "\n".join(lines), one_per_row(buttons))


@requires(COORDINATOR)
async def programme_occurrence(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:po", int)  # type: ignore[union-attr]
    row = await context.services.calendar.get_occurrence(parsed[0]) if parsed else None
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    entry = context.services.calendar.entry(row)
    text = (f"<b>{title_of(t, entry)}</b>\n{t.datetime(row.starts_at).capitalize()}\n"
            + t.ngettext("{n} person signed up", "{n} people signed up", row.taken).format(
                n=row.taken))
    back = f"cal:ps:{row.series_id}" if row.series_id else f"cal:p:{row.room}"
    buttons = []
    if not row.cancelled and row.starts_at > context.services.clock.now():
        buttons += [(t._("❌ Cancel this date"), f"cal:pc:{row.id}"),
                    (t._("🕒 Move this date"), f"cal:pm:{row.id}")]
    buttons.append((t._("⬅️ Back"), back))
    await reply(update, context, text, one_per_row(buttons))


@requires(COORDINATOR)
async def ask_cancel(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:pc", int)  # type: ignore[union-attr]
    row = await context.services.calendar.get_occurrence(parsed[0]) if parsed else None
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._("Cancel {title} on {when}? Everyone who signed up is "
                                     "told.").format(title=escape(t._(row.title)),
                                                     when=t.datetime(row.starts_at)),
                kb([[(t._("Yes, call it off"), f"cal:pcy:{row.id}"),
                     (t._("No"), f"cal:po:{row.id}")]]))


async def _tell_signed_up(context: BotContext, change: Change, render) -> int:
    told = 0
    for user_id, rows in change.notify_user_ids.items():
        person = await context.services.users.by_id(user_id)
        for row in rows:
            if await notify(context, person, lambda t, row=row: render(t, row)) is not None:
                told += 1
    return told


@requires(COORDINATOR)
async def do_cancel(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:pcy", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    t = context.t
    try:
        change = await context.services.calendar.cancel(parsed[0])
    except CalendarError as exc:
        if exc.code == "unknown":
            await stale_button(update, context)
        else:
            await reply(update, context, _error_text(t, exc.code))
        return

    def render(rt: Translator, row: OccurrenceRow) -> str:
        return rt._("❌ {title} on {when} is cancelled. We are sorry! See /agenda for the "
                    "programme.").format(title=escape(rt._(row.title)),
                                         when=rt.datetime(row.starts_at))

    told = await _tell_signed_up(context, change, render)
    row = change.occurrences[0]
    await reply(update, context, t._("Cancelled: {title} on {when}.").format(
        title=escape(t._(row.title)), when=t.datetime(row.starts_at)) + " " + t.ngettext(
        "{n} person was told.", "{n} people were told.", told).format(n=told),
        kb([[(t._("⬅️ Back"), f"cal:p:{row.room}")]]))


@requires(COORDINATOR)
async def ask_end(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:pe", int)  # type: ignore[union-attr]
    series = await context.services.calendar.get_series(parsed[0]) if parsed else None
    if series is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._("End {title}? All its future dates are removed from the "
                                     "programme, and everyone who signed up is told.").format(
        title=escape(t._(series.title))),
        kb([[(t._("Yes, end it"), f"cal:pey:{series.id}"), (t._("No"), f"cal:ps:{series.id}")]]))


@requires(COORDINATOR)
async def do_end(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "cal:pey", int)  # type: ignore[union-attr]
    series = await context.services.calendar.get_series(parsed[0]) if parsed else None
    if series is None:
        await stale_button(update, context)
        return
    t = context.t
    try:
        change = await context.services.calendar.end_series(series.id)
    except CalendarError as exc:
        await reply(update, context, _error_text(t, exc.code))
        return

    def render(rt: Translator, row: OccurrenceRow) -> str:
        return rt._("❌ {title} on {when} will not take place: this activity has stopped. "
                    "See /agenda for the programme.").format(
            title=escape(rt._(row.title)), when=rt.datetime(row.starts_at))

    told = await _tell_signed_up(context, change, render)
    await reply(update, context, t._("Ended: {title}.").format(title=escape(t._(series.title)))
                + " " + t.ngettext("{n} person was told.", "{n} people were told.", told).format(
                    n=told), kb([[(t._("⬅️ Back"), f"cal:p:{series.room}")]]))


# --- adding and moving: a conversation ---------------------------------------------------


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault(DRAFT, {})  # type: ignore[union-attr]


def _stop_row(t: Translator) -> list[tuple[str, str]]:
    return [(t._("✖️ Stop"), "cal:f:stop")]


@requires(COORDINATOR)
async def new_start(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:new", str, str)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in ("w", "o") or parsed[1] not in context.services.config.rooms:
        await stale_button(update, context)
        return END
    context.user_data[DRAFT] = {"kind": parsed[0], "room": parsed[1], "days": []}  # type: ignore[index]
    t = context.t
    await reply(update, context, t._("What is the activity called? Type the title (at most {n} "
                                     "characters).").format(n=MAX_TITLE), kb([_stop_row(t)]))
    return TITLE


async def got_title(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    title = " ".join((update.message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await update.message.reply_text(t.bidi(_error_text(
            t, "title_long" if title else "title_empty")), reply_markup=kb([_stop_row(t)]))
        return TITLE
    _draft(context)["title"] = title
    buttons = [(t._(label), f"cal:f:cat:{cid}") for cid, label in CATEGORIES.items()]
    await update.message.reply_text(t.bidi(t._("Which kind of activity is it?")),
                                    reply_markup=kb([*[[b] for b in buttons], _stop_row(t)]))
    return CATEGORY


def _days_markup(t: Translator, chosen: list[int]):
    rows = [[(("✅ " if d in chosen else "") + t.weekday(d), f"cal:f:day:{d}")] for d in range(7)]
    if chosen:
        rows.append([(t._("Next ▶️"), "cal:f:days")])
    rows.append(_stop_row(t))
    return kb(rows)


async def got_category(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:f:cat", str)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in CATEGORIES or "title" not in draft:
        return await stale_button(update, context)
    draft["category"] = parsed[0]
    t = context.t
    if draft["kind"] == "w":
        await reply(update, context, t._("On which day(s) of the week? Tap one or more."),
                    _days_markup(t, draft["days"]))
        return DAYS
    await reply(update, context, t._("On which date? Type it like this: 24-12-2026"),
                kb([_stop_row(t)]))
    return DATE


async def toggle_day(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:f:day", int)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or not 0 <= parsed[0] <= 6 or "category" not in draft:
        return await stale_button(update, context)
    days = set(draft.get("days", []))
    days ^= {parsed[0]}
    draft["days"] = sorted(days)
    await reply(update, context, context.t._("On which day(s) of the week? Tap one or more."),
                _days_markup(context.t, draft["days"]))
    return DAYS


async def days_done(update: Update, context: BotContext) -> str | int:
    draft = _draft(context)
    if not draft.get("days"):
        return await stale_button(update, context)
    await reply(update, context, context.t._("At what time does it start? Type it like this: "
                                             "17:30"), kb([_stop_row(context.t)]))
    return TIME


def parse_date_text(text: str, today: date) -> date | None:
    """"24-12-2026", "24/12/2026" or "24-12" (the next 24 December) → a date."""
    parts = text.strip().replace("/", "-").replace(".", "-").split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    day, month = int(parts[0]), int(parts[1])
    try:
        if len(parts) == 3:
            year = int(parts[2])
            return date(year if year > 99 else 2000 + year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


async def got_date(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    today = context.services.clock.today()
    day = parse_date_text(update.message.text or "", today)
    if day is None or day < today:
        text = (_error_text(t, "past") if day is not None
                else t._("I do not understand that date. Type it like this: 24-12-2026"))
        await update.message.reply_text(t.bidi(text), reply_markup=kb([_stop_row(t)]))
        return DATE
    _draft(context)["date"] = day.isoformat()
    await update.message.reply_text(
        t.bidi(t._("At what time does it start? Type it like this: 17:30")),
        reply_markup=kb([_stop_row(t)]))
    return TIME


async def got_time(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    at = parse_time_text(update.message.text or "")
    draft = _draft(context)
    if at is None:
        await update.message.reply_text(t.bidi(t._(
            "\"{text}\" is not a time of day. Type it like this: 17:30").format(
            text=escape((update.message.text or "")[:20]))), reply_markup=kb([_stop_row(t)]))
        return TIME
    if draft.get("date") and local_moment(date.fromisoformat(draft["date"]), at) <= \
            context.services.clock.now():
        await update.message.reply_text(t.bidi(_error_text(t, "past")),
                                        reply_markup=kb([_stop_row(t)]))
        return TIME
    draft["time"] = at.strftime("%H:%M")
    rows = [[(t.ngettext("{n} minute", "{n} minutes", m).format(n=m), f"cal:f:dur:{m}")
             for m in DURATIONS[:2]],
            [(t.ngettext("{n} minute", "{n} minutes", m).format(n=m), f"cal:f:dur:{m}")
             for m in DURATIONS[2:]], _stop_row(t)]
    await update.message.reply_text(t.bidi(t._("How long does it take?")), reply_markup=kb(rows))
    return DURATION


async def got_duration(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:f:dur", int)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in DURATIONS or "time" not in draft:
        return await stale_button(update, context)
    draft["duration"] = parsed[0]
    t = context.t
    rows = [[(t._("No sign-up needed"), "cal:f:cap:-1")],
            [(t._("Sign-up, no maximum"), "cal:f:cap:0")]]
    caps = [(t._("Sign-up, max {n}").format(n=n), f"cal:f:cap:{n}") for n in CAPACITIES]
    rows += [caps[i:i + 2] for i in range(0, len(caps), 2)]
    rows.append(_stop_row(t))
    await reply(update, context, t._("Can people sign up? And how many at most?"), kb(rows))
    return SIGNUP


async def got_signup(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:f:cap", int)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or (parsed[0] not in (-1, 0) and parsed[0] not in CAPACITIES) \
            or "duration" not in draft:
        return await stale_button(update, context)
    draft["signup"] = parsed[0] >= 0
    draft["capacity"] = parsed[0] if parsed[0] > 0 else None
    t = context.t
    services = context.services
    at = time.fromisoformat(draft["time"])
    if draft["kind"] == "w":
        starts_on = services.clock.today()
        if local_moment(starts_on, at) <= services.clock.now():
            starts_on += timedelta(days=1)
        draft["starts_on"] = starts_on.isoformat()
        overlaps = await services.calendar.overlapping_series(
            draft["room"], draft["days"], at, draft["duration"], starts_on)
        when = ", ".join(t.weekday(d) for d in draft["days"]) + f" {draft['time']}"
    else:
        start = local_moment(date.fromisoformat(draft["date"]), at)
        overlaps = await services.calendar.overlapping(draft["room"], start, draft["duration"])
        when = t.datetime(start)
    lines = [
        "<b>" + t._("Please check:") + "</b>",
        t._("Title: {title}").format(title=escape(draft["title"])),
        t._("Kind: {category}").format(category=t._(CATEGORIES[draft["category"]])),
        t._("When: {when}").format(when=when) + ", " + t.ngettext(
            "{n} minute", "{n} minutes", draft["duration"]).format(n=draft["duration"]),
        t._("Room: {room}").format(room=escape(services.config.rooms[draft["room"]].name)),
    ]
    if not draft["signup"]:
        lines.append(t._("No sign-up needed"))
    elif draft["capacity"]:
        lines.append(t._("Sign-up, max {n}").format(n=draft["capacity"]))
    else:
        lines.append(t._("Sign-up, no maximum"))
    if overlaps:
        lines.append("")
        lines.append("⚠️ " + t._("At the same time (that is allowed):"))
        seen = set()
        for entry in overlaps:
            if entry.ref not in seen:
                seen.add(entry.ref)
                lines.append(f"• {t.date(entry.starts_at, 'EEE')} " + entry_line(t, entry))
    await reply(update, context, "\n".join(lines),
                kb([[(t._("💾 Save"), "cal:f:save")], _stop_row(t)]))
    return CONFIRM


@requires(COORDINATOR)
async def save(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    t = context.t
    if "signup" not in draft:
        return await stale_button(update, context)
    calendar = context.services.calendar
    at = time.fromisoformat(draft["time"])
    try:
        if draft["kind"] == "w":
            await calendar.add_series(
                room=draft["room"], title=draft["title"], category=draft["category"],
                days=draft["days"], start_time=at, duration_min=draft["duration"],
                signup=draft["signup"], capacity=draft["capacity"],
                starts_on=date.fromisoformat(draft["starts_on"]))
        else:
            await calendar.add_one_off(
                room=draft["room"], title=draft["title"], category=draft["category"],
                starts_at=local_moment(date.fromisoformat(draft["date"]), at),
                duration_min=draft["duration"], signup=draft["signup"],
                capacity=draft["capacity"])
    except CalendarError as exc:
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await reply(update, context, _error_text(t, exc.code))
        return END
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await reply(update, context, t._("Saved: {title} is on the programme.").format(
        title=escape(draft["title"])), kb([[(t._("⬅️ Back"), f"cal:p:{draft['room']}")]]))
    return END


@requires(COORDINATOR)
async def move_start(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "cal:pm", int)  # type: ignore[union-attr]
    row = await context.services.calendar.get_occurrence(parsed[0]) if parsed else None
    if row is None or row.cancelled:
        await stale_button(update, context)
        return END
    context.user_data[DRAFT] = {"move": row.id}  # type: ignore[index]
    t = context.t
    await reply(update, context, t._("{title} is now on {when}. To when do you want to move it? "
                                     "Type the date and time like this: 24-12-2026 17:30").format(
        title=escape(t._(row.title)), when=t.datetime(row.starts_at)), kb([_stop_row(t)]))
    return MOVE


@requires(COORDINATOR)
async def got_move(update: Update, context: BotContext) -> str | int:
    assert update.message is not None
    t = context.t
    draft = _draft(context)
    text = (update.message.text or "").strip()
    parts = text.split()
    day = parse_date_text(parts[0], context.services.clock.today()) if len(parts) == 2 else None
    at = parse_time_text(parts[1]) if len(parts) == 2 else None
    if day is None or at is None or "move" not in draft:
        await update.message.reply_text(t.bidi(t._(
            "I do not understand that. Type the date and time like this: 24-12-2026 17:30")),
            reply_markup=kb([_stop_row(t)]))
        return MOVE
    try:
        change, moved = await context.services.calendar.move(draft["move"],
                                                             local_moment(day, at))
    except CalendarError as exc:
        if exc.code == "past":
            await update.message.reply_text(t.bidi(_error_text(t, "past")),
                                            reply_markup=kb([_stop_row(t)]))
            return MOVE
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await update.message.reply_text(t.bidi(_error_text(t, exc.code)))
        return END
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]

    def render(rt: Translator, row: OccurrenceRow) -> str:
        return rt._("🔁 {title} on {old} is moved to {new}. You stay signed up. If you cannot "
                    "come then, sign off in /agenda.").format(
            title=escape(rt._(row.title)), old=rt.datetime(row.starts_at),
            new=rt.datetime(moved.starts_at))

    told = await _tell_signed_up(context, change, render)
    await update.message.reply_text(t.bidi(t._("Moved: {title} is now on {when}.").format(
        title=escape(t._(moved.title)), when=t.datetime(moved.starts_at)) + " " + t.ngettext(
        "{n} person was told.", "{n} people were told.", told).format(n=told)),
        reply_markup=kb([[(t._("⬅️ Back"), f"cal:p:{moved.room}")]]))
    return END


async def stop(update: Update, context: BotContext) -> int:
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("Stopped. Nothing was changed."),
                kb([[(context.t._("⬅️ Back to the menu"), "menu:main")]]))
    return END


async def use_buttons(update: Update, context: BotContext) -> None:
    assert update.message is not None
    await update.message.reply_text(context.t.bidi(context.t._(
        "Please tap one of the buttons above, or ✖️ Stop.")))


async def other_command(update: Update, context: BotContext) -> int:
    """A command in the middle of adding: stop adding, and say so."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    assert update.message is not None
    await update.message.reply_text(context.t.bidi(context.t._(
        "I stopped adding the activity; nothing was changed. Please tap your command again.")))
    return END


def build_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    not_text = ~filters.COMMAND & ~filters.UpdateType.EDITED
    button_states = {
        CATEGORY: [CallbackQueryHandler(got_category, pattern=r"^cal:f:cat:")],
        DAYS: [CallbackQueryHandler(toggle_day, pattern=r"^cal:f:day:"),
               CallbackQueryHandler(days_done, pattern=r"^cal:f:days$")],
        DURATION: [CallbackQueryHandler(got_duration, pattern=r"^cal:f:dur:")],
        SIGNUP: [CallbackQueryHandler(got_signup, pattern=r"^cal:f:cap:")],
        CONFIRM: [CallbackQueryHandler(save, pattern=r"^cal:f:save$")],
    }
    states = {name: [*handlers, MessageHandler(not_text, use_buttons)]
              for name, handlers in button_states.items()}
    states[TITLE] = [MessageHandler(text, got_title), MessageHandler(not_text, use_buttons)]
    states[DATE] = [MessageHandler(text, got_date), MessageHandler(not_text, use_buttons)]
    states[TIME] = [MessageHandler(text, got_time), MessageHandler(not_text, use_buttons)]
    states[MOVE] = [MessageHandler(text, got_move), MessageHandler(not_text, use_buttons)]
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(new_start, pattern=r"^cal:new:"),
                      CallbackQueryHandler(move_start, pattern=r"^cal:pm:")],
        states=states,  # type: ignore[arg-type]
        fallbacks=[CallbackQueryHandler(stop, pattern=r"^cal:f:stop$"),
                   CallbackQueryHandler(stale_button, pattern=r"^cal:f:"),
                   MessageHandler(filters.COMMAND, other_command)],
        name="cal_programme",
        persistent=True,
        allow_reentry=True,
    )


# --- the weekly post ------------------------------------------------------------------------


async def _tell_coordinators(app: BuurtApplication, room_id: str, render) -> None:
    services = app.services
    people = [p for p in [await services.users.get(tid) for tid in
                          sorted(services.config.coordinators)] if p is not None]
    own = [p for p in people if p.room == room_id] or people
    for person in own:
        await notify(app, person, render)


async def post_week(app: BuurtApplication, room_id: str, monday: date) -> None:
    """Post ``monday``'s week of ``room_id`` to its chat and subscribers, each exactly once."""
    services = app.services
    calendar = services.calendar
    room = services.config.rooms[room_id]
    period = calendar.post_period(room_id, monday)
    entries = await calendar.week(room_id, monday)

    def render(t: Translator) -> str:
        return "🗓 " + t._("Next week in {room}:").format(room=escape(room.name)) + "\n\n" + \
            week_text(t, room, monday, entries) + "\n\n" + t._("Sign up and more: /agenda")

    if room.chat_id is None:
        if await calendar.claim("calendar_nochat", room_id):
            await _tell_coordinators(app, room_id, lambda t: t._(
                "{room} has no group chat set up (rooms.{id}.chat_id in the settings). The "
                "weekly programme goes only to residents who asked for it.").format(
                room=escape(room.name), id=room_id))
    elif await calendar.claim("calendar_post_chat", period):
        t = translator("nl")
        try:
            await app.bot.send_message(room.chat_id, render(t))
        except (Forbidden, BadRequest) as exc:
            log.warning("weekly post to the chat of %s failed: %s", room_id, exc)
            if await calendar.claim("calendar_chat_lost", period):
                await _tell_coordinators(app, room_id, lambda t: t._(
                    "I could not post the weekly programme in the group chat of {room}: I was "
                    "removed from it or may not write there. Please add me again. Residents "
                    "who asked for it still got the programme.").format(room=escape(room.name)))
    for user_id in await calendar.subscribers(room_id):
        if await calendar.claim("calendar_post_to", f"{period}:{user_id}"):
            await notify(app, await services.users.by_id(user_id), render)
    await calendar.mark_post_done(room_id, monday)


async def tick(app: BuurtApplication, now: datetime) -> None:
    calendar = app.services.calendar
    await calendar.generate_all()
    for room_id in app.services.config.rooms:
        monday = calendar.post_due(room_id, now)
        if monday is None or await calendar.post_done(room_id, monday):
            continue
        await post_week(app, room_id, monday)


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("agenda", agenda_command))
    app.add_handler(CallbackQueryHandler(agenda_command, pattern=r"^menu:agenda$"))
    app.add_handler(CallbackQueryHandler(agenda_week, pattern=r"^cal:w:"))
    app.add_handler(CallbackQueryHandler(agenda_rooms, pattern=r"^cal:rooms:"))
    app.add_handler(CallbackQueryHandler(sign_up, pattern=r"^cal:su:"))
    app.add_handler(CallbackQueryHandler(sign_off, pattern=r"^cal:so:"))
    app.add_handler(CallbackQueryHandler(subscribe, pattern=r"^cal:sub:"))
    app.add_handler(CallbackQueryHandler(send_ics, pattern=r"^cal:ics:"))
    app.add_handler(CommandHandler("programma", programme_command))
    app.add_handler(CallbackQueryHandler(programme_command, pattern=r"^menu:programme$"))
    app.add_handler(CallbackQueryHandler(programme_rooms, pattern=r"^cal:prooms$"))
    app.add_handler(CallbackQueryHandler(programme_room, pattern=r"^cal:p:"))
    app.add_handler(CallbackQueryHandler(programme_series, pattern=r"^cal:ps:"))
    app.add_handler(CallbackQueryHandler(programme_occurrence, pattern=r"^cal:po:"))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=r"^cal:pc:"))
    app.add_handler(CallbackQueryHandler(do_cancel, pattern=r"^cal:pcy:"))
    app.add_handler(CallbackQueryHandler(ask_end, pattern=r"^cal:pe:"))
    app.add_handler(CallbackQueryHandler(do_end, pattern=r"^cal:pey:"))
    jobs.add_tick(app, "calendar", tick)  # type: ignore[arg-type]


