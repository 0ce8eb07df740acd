"""/programma for coordinators: a room's series and one-offs; cancel or move one date, end a
series (people who signed up are told).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from telegram import Update

from bot.actions import Action
from bot.actions.calendar import (
    ONE_OFF,
    WEEKLY,
    CancelDate,
    CancelDateConfirmed,
    EndSeries,
    EndSeriesConfirmed,
    MoveDate,
    NewActivity,
    ProgrammeOccurrence,
    ProgrammeRoom,
    ProgrammeRooms,
    ProgrammeSeries,
)
from bot.actions.menu import MenuMain
from bot.actions.ops import FeedLink, QrSign
from bot.categories import CATEGORIES
from bot.clock import from_db
from bot.context import BotContext
from bot.handlers.common import (
    kb,
    one_per_row,
    reply,
    requires,
    stale_button,
    yes_no,
)
from bot.i18n import Translator, shorten
from bot.messaging.message import OutMessage
from bot.services.calendar import (
    CANCELLED,
    ENDED,
    MOVED,
    CalendarError,
    Change,
)
from bot.services.calendar_programme import MAX_LEADER, MAX_TITLE
from bot.services.calendar_render import entry_line, title_of
from bot.services.users import COORDINATOR
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)

# --- /programma (coordinators) ---------------------------------------------------------------


def _error_text(t: Translator, code: str) -> str:
    return {
        "title_empty": t._("Please type a title."),
        "title_long": t.ngettext("That title is too long. Please use at most {n} character.",
                                 "That title is too long. Please use at most {n} characters.",
                                 MAX_TITLE).format(n=MAX_TITLE),
        "leader_long": t.ngettext("That name is too long. Please use at most {n} character.",
                                  "That name is too long. Please use at most {n} characters.",
                                  MAX_LEADER).format(n=MAX_LEADER),
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
            return t.join(t.weekday(names.index(d), "abbreviated") for d in days)
    return t._("special rhythm")


#: Telegram cuts a button label at about this many characters on a small phone.
MAX_LABEL = 30
#: Room kept for the title even when the days are long (Arabic weekday names are).
MIN_TITLE = 10


def _programme_label(t: Translator, when: str, title: str) -> str:
    """"ma en do 09:30 · Koffie en…": when first (it tells two activities with the same
    title apart), then the title cut at a whole word."""
    room = max(MIN_TITLE, MAX_LABEL - len(when) - 3)
    return f"{when} · {shorten(t._(title), room)}"


async def _programme_room(update: Update, context: BotContext, room_id: str) -> None:
    t = context.t
    services = context.services
    room = services.config.rooms[room_id]
    series = await services.calendar.series_of(room_id)
    now = services.clock.now()
    upcoming = await services.calendar.occurrence_rows(
        room_id, now, now + timedelta(weeks=services.calendar.horizon_weeks))
    one_offs = [row for row in upcoming if row.series_id is None][:8]
    buttons = [(_programme_label(t, f"{_days_text(t, s.rrule)} {s.start_time:%H:%M}", s.title),
                ProgrammeSeries(s.id)) for s in series]
    buttons += [(_programme_label(t, f"{t.date(o.starts_at, 'EEE d MMM')} "
                                     f"{t.time(o.starts_at)}", o.title),
                 ProgrammeOccurrence(o.id)) for o in one_offs]
    buttons += [(t._("➕ New weekly activity"), NewActivity(WEEKLY, room_id)),
                (t._("➕ New one-off activity"), NewActivity(ONE_OFF, room_id)),
                (t._("🔗 Calendar link"), FeedLink(room_id)),
                (t._("🖨️ QR sign for the door"), QrSign(room_id)),
                (t._("🏠 Other room"), ProgrammeRooms()),
                (t._("⬅️ Back to the menu"), MenuMain())]
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


async def programme_rooms(update: Update, context: BotContext, act: ProgrammeRooms) -> None:
    rooms = context.services.config.rooms.values()
    await reply(update, context, context.t._("Which BuurtWerkKamer?"),
                one_per_row([(room.name, ProgrammeRoom(room.id)) for room in rooms]))


async def programme_room(update: Update, context: BotContext, act: ProgrammeRoom) -> None:
    if act.room not in context.services.config.rooms:
        await stale_button(update, context)
        return
    await _programme_room(update, context, act.room)


async def programme_series(update: Update, context: BotContext, act: ProgrammeSeries) -> None:
    calendar = context.services.calendar
    series = await calendar.get_series(act.series_id)
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
             *([t._("Led by: {name}").format(name=escape(series.leader))] if series.leader
               else []),
             "", t._("Next dates:")]
    lines += [f"{t.date(row.starts_at, 'EEE d MMM')} · " + entry_line(t, calendar.entry(row))
              for row in upcoming]
    buttons = [(f"{t.date(row.starts_at, 'EEE d MMM')} {t.time(row.starts_at)}",
                ProgrammeOccurrence(row.id)) for row in upcoming if not row.cancelled]
    buttons += [(t._("⛔ End this activity"), EndSeries(series.id)),
                (t._("⬅️ Back"), ProgrammeRoom(series.room))]
    await reply(update, context, "\n".join(lines), one_per_row(buttons))


async def programme_occurrence(update: Update, context: BotContext,
                               act: ProgrammeOccurrence) -> None:
    row = await context.services.calendar.get_occurrence(act.occurrence_id)
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    entry = context.services.calendar.entry(row)
    text = (f"<b>{title_of(t, entry)}</b>\n{t.capitalise(t.datetime(row.starts_at))}\n"
            + t.ngettext("{n} person signed up", "{n} people signed up", row.taken).format(
                n=row.taken))
    back = ProgrammeSeries(row.series_id) if row.series_id else ProgrammeRoom(row.room)
    buttons: list[tuple[str, Action]] = []
    if not row.cancelled and row.starts_at > context.services.clock.now():
        buttons += [(t._("❌ Cancel this date"), CancelDate(row.id)),
                    (t._("🕒 Move this date"), MoveDate(row.id))]
    buttons.append((t._("⬅️ Back"), back))
    await reply(update, context, text, one_per_row(buttons))


async def ask_cancel(update: Update, context: BotContext, act: CancelDate) -> None:
    row = await context.services.calendar.get_occurrence(act.occurrence_id)
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._("Cancel {title} on {when}? Everyone who signed up is "
                                     "told.").format(title=escape(t._(row.title)),
                                                     when=t.datetime(row.starts_at)),
                yes_no(t, t._("Yes, call it off"), CancelDateConfirmed(row.id),
                       ProgrammeOccurrence(row.id)))


async def _tell_signed_up(context: BotContext, change: Change) -> int:
    """Send the change's notices (queued with it) now; how many went out or wait for
    their recipient's turn (they go within seconds)."""
    outbox = context.services.outbox
    await outbox.deliver()
    return await outbox.told(list(change.notices))


def _changed_text(t: Translator, variant: str, title: str, when: datetime,
                  new: datetime | None) -> str | None:
    if variant == CANCELLED:
        return t._("❌ {title} on {when} is cancelled. We are sorry! See /agenda for the "
                   "programme.").format(title=escape(t._(title)), when=t.datetime(when))
    if variant == ENDED:
        return t._("❌ {title} on {when} will not take place: this activity has stopped. "
                   "See /agenda for the programme.").format(
            title=escape(t._(title)), when=t.datetime(when))
    if variant == MOVED and new is not None:
        return t._("🔁 {title} on {old} is moved to {new}. You stay signed up. If you cannot "
                   "come then, sign off in /agenda.").format(
            title=escape(t._(title)), old=t.datetime(when), new=t.datetime(new))
    return None


async def render_changed(app, row: OutboxRow, t: Translator) -> OutMessage | None:
    """``calendar.changed``: to someone signed up for a date that was called off or moved."""
    params = row.params or {}
    new = params.get("new_starts_at")
    text = _changed_text(t, params.get("variant", ""), params.get("title", ""),
                         from_db(params["starts_at"]), from_db(new) if new else None)
    return OutMessage(text, lang=t.language) if text is not None else None


async def do_cancel(update: Update, context: BotContext, act: CancelDateConfirmed) -> None:
    t = context.t
    try:
        change = await context.services.calendar.cancel(act.occurrence_id)
    except CalendarError as exc:
        if exc.code == "unknown":
            await stale_button(update, context)
        else:
            await reply(update, context, _error_text(t, exc.code))
        return

    told = await _tell_signed_up(context, change)
    row = change.occurrences[0]
    await reply(update, context, t._("Cancelled: {title} on {when}.").format(
        title=escape(t._(row.title)), when=t.datetime(row.starts_at)) + " " + t.ngettext(
        "{n} person was told.", "{n} people were told.", told).format(n=told),
        kb([[(t._("⬅️ Back"), ProgrammeRoom(row.room))]]))


async def ask_end(update: Update, context: BotContext, act: EndSeries) -> None:
    series = await context.services.calendar.get_series(act.series_id)
    if series is None:
        await stale_button(update, context)
        return
    t = context.t
    await reply(update, context, t._("End {title}? All its future dates are removed from the "
                                     "programme, and everyone who signed up is told.").format(
        title=escape(t._(series.title))),
        yes_no(t, t._("Yes, end it"), EndSeriesConfirmed(series.id),
               ProgrammeSeries(series.id)))


async def do_end(update: Update, context: BotContext, act: EndSeriesConfirmed) -> None:
    series = await context.services.calendar.get_series(act.series_id)
    if series is None:
        await stale_button(update, context)
        return
    t = context.t
    try:
        change = await context.services.calendar.end_series(series.id)
    except CalendarError as exc:
        await reply(update, context, _error_text(t, exc.code))
        return

    told = await _tell_signed_up(context, change)
    await reply(update, context, t._("Ended: {title}.").format(title=escape(t._(series.title)))
                + " " + t.ngettext("{n} person was told.", "{n} people were told.", told).format(
                    n=told), kb([[(t._("⬅️ Back"), ProgrammeRoom(series.room))]]))

