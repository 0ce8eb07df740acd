"""/agenda for everyone: a room's programme one week at a time (a phone screen, not a scroll
of two weeks), sign-up, the .ics file, the weekly post on/off.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from html import escape

from telegram import Update

from bot.actions import Action, button_int
from bot.actions.calendar import (
    ActivitySignOff,
    ActivitySignUp,
    AgendaIcs,
    AgendaRooms,
    AgendaSubscribe,
    AgendaWeek,
)
from bot.actions.meals import MealMySignup
from bot.actions.menu import MenuMain
from bot.clock import TZ
from bot.context import BotContext
from bot.handlers.common import (
    kb,
    one_per_row,
    reply,
    reply_file,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import N_, Translator
from bot.messaging.message import Attachment
from bot.schedule import CalendarEntry, meal_ref
from bot.services.calendar import (
    SignupResult,
    local_moment,
    week_start,
)
from bot.services.calendar_render import ics, keycap, week_text
from bot.services.users import RESIDENT

log = logging.getLogger(__name__)

MAX_SIGNUP_BUTTONS = 6
#: What a button under /agenda does; its emoji starts the label, the legend explains it.
SIGN_UP, SIGN_OFF, MY_MEAL = "su", "so", "meal"
ACTION_ORDER = (SIGN_UP, SIGN_OFF, MY_MEAL)
ACTION_EMOJI = {SIGN_UP: "✍️", SIGN_OFF: "↩️", MY_MEAL: "🍲"}
LEGEND = {
    SIGN_UP: N_("✍️ = sign up"),
    SIGN_OFF: N_("↩️ = sign off"),
    MY_MEAL: N_("🍲 = your meal sign-up"),
}


def action_label(t: Translator, kind: str, number: int, entry: CalendarEntry) -> str:
    """"✍️ 1️⃣ di 13:30": what the button does, its number in the text, the day and time.

    No title: Telegram cuts a label at about 24 characters on a small phone ("✍️ 4️⃣ do 10:00
    Samen…"), and the number ties the button to its line in the message, where the whole
    title is. Day and time still tell two "Nederlandse taalles" apart at a glance.
    """
    return (f"{ACTION_EMOJI[kind]} {keycap(number)} "
            f"{t.date(entry.starts_at, 'EEE')} {t.time(entry.starts_at)}")


# --- /agenda ---------------------------------------------------------------------------------


def _occ_id(ref: str) -> int | None:
    """The occurrence id of a calendar entry's ref (``occ:12``); None for a meal's."""
    if not ref.startswith("occ:"):
        return None
    try:
        return button_int(ref.split(":", 1)[1])
    except ValueError:
        return None


MAX_TEXT_LEN = 3900
ACTIVE_MEAL = ("pending", "confirmed", "offered")


def _fit(parts: list[str]) -> str:
    """The week(s) if they fit in one message, else the first week cut at a whole line (a cut
    inside an HTML tag would make Telegram refuse the message)."""
    text = "\n\n".join(parts)
    if len(text) <= MAX_TEXT_LEN:
        return text
    kept: list[str] = []
    for line in parts[0].split("\n"):
        if sum(len(k) + 1 for k in kept) + len(line) > MAX_TEXT_LEN - 2:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


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
    # The eettafel's own sign-ups: shown as "signed up" / "waiting list", with a button to the
    # person's sign-up card instead of a second "sign up".
    my_meals = {meal_ref(meal_id): row.status
                for meal_id, row in (await services.meals.my_signups(person)).items()
                if row.status in (*ACTIVE_MEAL, "waiting")}
    mine |= {ref for ref, status in my_meals.items() if status in ACTIVE_MEAL}
    waiting = {ref for ref, status in my_meals.items() if status == "waiting"}
    # One week per message: two weeks were about 2,300 px on a phone.
    monday = this_monday + timedelta(weeks=offset)
    weeks = [(monday, await calendar.week(room_id, monday))]
    # Decide the buttons first: each gets a number, shown on its line of the text too.
    now = services.clock.now()
    actions: list[tuple[CalendarEntry, str, Action | str]] = []
    for entry in (entry for _, entries in weeks for entry in entries):
        if len(actions) >= MAX_SIGNUP_BUTTONS or entry.starts_at <= now or entry.cancelled:
            continue
        occ = _occ_id(entry.ref)
        if entry.ref in mine and occ is not None:
            actions.append((entry, SIGN_OFF, ActivitySignOff(occ)))
        elif entry.ref in my_meals:
            actions.append((entry, MY_MEAL, MealMySignup(int(entry.ref.split(":", 1)[1]))))
        elif entry.ref.startswith("meal:") and room_id != person.room:
            continue  # the eettafel is for the room's own residents
        elif entry.signup_data:
            actions.append((entry, SIGN_UP, entry.signup_data))
    numbers = {entry.ref: i for i, (entry, _, _) in enumerate(actions, start=1)}
    text = _fit([week_text(t, room, monday, entries, mine, waiting, numbers)
                 for monday, entries in weeks])
    if actions:
        kinds = {kind for _, kind, _ in actions}
        text += "\n\n" + " · ".join(t._(LEGEND[kind]) for kind in ACTION_ORDER if kind in kinds)
    rows: list[list[tuple[str, Action | str]]] = [
        [(action_label(t, kind, numbers[entry.ref], entry), data)]
        for entry, kind, data in actions]
    nav = []
    if offset > 0:
        nav.append((t._("⬅️ This week"), AgendaWeek(room_id, 0)))
    if offset + 1 < calendar.horizon_weeks:
        nav.append((t._("Next week ➡️") if offset == 0 else t._("Week after ➡️"),
                    AgendaWeek(room_id, offset + 1)))
    if nav:
        rows.append(nav)
    rows.append([(t._("🏠 Other room"), AgendaRooms(offset)),
                 (t._("📲 In my phone's calendar"), AgendaIcs(room_id))])
    if await calendar.is_subscribed(person, room_id):
        rows.append([(t._("🔕 Stop the weekly programme"), AgendaSubscribe(room_id, False))])
    else:
        rows.append([(t._("🔔 Send me this every week"), AgendaSubscribe(room_id, True))])
    rows.append([(t._("⬅️ Back to the menu"), MenuMain())])
    await reply(update, context, text, kb(rows), edit=edit)


@requires(RESIDENT)
async def agenda_command(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    room = person.room if person.room in context.services.config.rooms else next(
        iter(context.services.config.rooms))
    await _agenda(update, context, room, 0, edit=update.callback_query is not None)


async def agenda_week(update: Update, context: BotContext, act: AgendaWeek) -> None:
    if (act.room not in context.services.config.rooms
            or act.offset > context.services.calendar.horizon_weeks - 1):
        # Also an old "Later" button beyond today's horizon: the ordinary kind refusal.
        await stale_button(update, context)
        return
    await _agenda(update, context, act.room, act.offset)


async def agenda_rooms(update: Update, context: BotContext, act: AgendaRooms) -> None:
    offset = min(act.offset, max(0, context.services.calendar.horizon_weeks - 1))
    rooms = context.services.config.rooms.values()
    await reply(update, context, context.t._("Which BuurtWerkKamer?"),
                one_per_row([(room.name, AgendaWeek(room.id, offset)) for room in rooms]))


def _offset_of(context: BotContext, moment: datetime) -> int:
    this_monday = week_start(context.services.clock.today())
    weeks = (week_start(moment.astimezone(TZ).date()) - this_monday).days // 7
    return max(0, min(weeks, context.services.calendar.horizon_weeks - 1))


async def sign_up(update: Update, context: BotContext, act: ActivitySignUp) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    result, row = await context.services.calendar.sign_up(context.person, act.occurrence_id)  # type: ignore[arg-type]
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


async def sign_off(update: Update, context: BotContext, act: ActivitySignOff) -> None:
    query = update.callback_query
    assert query is not None
    row = await context.services.calendar.sign_off(context.person, act.occurrence_id)  # type: ignore[arg-type]
    if row is None:
        await stale_button(update, context)
        return
    t = context.t
    await safe_answer(query, t._("You are no longer signed up for {title} on {when}.").format(
        title=t._(row.title), when=t.datetime(row.starts_at)), alert=True)
    await _agenda(update, context, row.room, _offset_of(context, row.starts_at))


async def subscribe(update: Update, context: BotContext, act: AgendaSubscribe) -> None:
    query = update.callback_query
    assert query is not None
    rooms = context.services.config.rooms
    if act.room not in rooms:
        await stale_button(update, context)
        return
    room_id, on = act.room, act.on
    await context.services.calendar.set_subscribed(context.person, room_id, on)  # type: ignore[arg-type]
    t = context.t
    text = (t._("Done. Every week I will send you the programme of {room}.") if on
            else t._("Done. I will no longer send you the programme of {room}."))
    await safe_answer(query, text.format(room=rooms[room_id].name), alert=True)
    await _agenda(update, context, room_id, 0)


async def send_ics(update: Update, context: BotContext, act: AgendaIcs) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    rooms = context.services.config.rooms
    if act.room not in rooms:
        await stale_button(update, context)
        return
    room = rooms[act.room]  # reply_file answers the button press
    services = context.services
    t = context.t
    start = local_moment(week_start(services.clock.today()), time(0))
    entries = await services.calendar.entries(
        room.id, start, start + timedelta(weeks=services.calendar.horizon_weeks))
    payload = ics(t, room, entries, services.clock.now())
    caption = t._("The programme of {room}. Open this file to add it to your phone's "
                  "calendar.").format(room=escape(room.name))
    feed = await services.ops.feed_url(room.id)
    if feed is not None:  # the live feed: the phone keeps it up to date by itself
        caption += "\n\n" + t._("Or add this link to your calendar app once. It stays up to "
                                 "date by itself: {url}").format(
                                     url=escape(f"{feed}&lang={t.language}"))
    await reply_file(update, context, Attachment(
        "document", data=payload, filename=f"programma-{room.id}.ics"), caption)

