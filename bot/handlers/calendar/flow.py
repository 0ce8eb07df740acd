"""Adding an activity (weekly or one-off) and moving one date: a persistent conversation.

    ➕ weekly or one-off ─► title, category, day(s)/date, time, duration, sign-up
      ─► summary (overlaps shown) ─► save
"""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from html import escape

from telegram import Update
from telegram.ext import (
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import Action
from bot.actions.calendar import (
    WEEKLY,
    FormCapacity,
    FormCategory,
    FormDay,
    FormDaysDone,
    FormDuration,
    FormLeader,
    FormSave,
    FormStop,
    MoveDate,
    NewActivity,
    ProgrammeRoom,
)
from bot.actions.menu import MenuMain
from bot.categories import CATEGORIES
from bot.context import BotContext
from bot.digits import ascii_digits
from bot.handlers import flows
from bot.handlers.calendar.coordinator import _error_text, _tell_signed_up
from bot.handlers.common import (
    END,
    kb,
    reply,
    requires,
    stale_button,
)
from bot.handlers.routing import on
from bot.i18n import Translator
from bot.services.calendar import (
    CalendarError,
    local_moment,
)
from bot.services.calendar_programme import MAX_LEADER, MAX_TITLE, parse_time_text
from bot.services.calendar_render import entry_line
from bot.services.users import COORDINATOR

log = logging.getLogger(__name__)

TITLE, CATEGORY, DAYS, DATE, TIME, DURATION, SIGNUP, CONFIRM, MOVE, LEADER = (
    "title", "category", "days", "date", "time", "duration", "signup", "confirm", "move",
    "leader")
DRAFT = "cal_draft"
DURATIONS = (60, 90, 120, 180)
CAPACITIES = (4, 6, 8, 10, 12, 15, 20)



# --- adding and moving: a conversation ---------------------------------------------------


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault(DRAFT, {})  # type: ignore[union-attr]


def _stop_row(t: Translator) -> list[tuple[str, Action]]:
    return [(t._("✖️ Stop"), FormStop())]


async def new_start(update: Update, context: BotContext, act: NewActivity) -> str | int:
    if act.room not in context.services.config.rooms:
        await stale_button(update, context)
        return END
    context.user_data[DRAFT] = {"kind": act.kind, "room": act.room, "days": []}  # type: ignore[index]
    t = context.t
    await reply(update, context, t.ngettext(
        "What is the activity called? Type the title (at most {n} character).",
        "What is the activity called? Type the title (at most {n} characters).",
        MAX_TITLE).format(n=MAX_TITLE), kb([_stop_row(t)]))
    return TITLE


async def got_title(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    title = " ".join((update.message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await reply(update, context, _error_text(
            t, "title_long" if title else "title_empty"), kb([_stop_row(t)]))
        return TITLE
    _draft(context)["title"] = title
    buttons = [(t._(label), FormCategory(cid)) for cid, label in CATEGORIES.items()]
    await reply(update, context, t._("Which kind of activity is it?"),
                kb([*[[b] for b in buttons], _stop_row(t)]))
    return CATEGORY


def _days_markup(t: Translator, chosen: list[int]):
    rows: list[list[tuple[str, Action]]] = [
        [(("✅ " if d in chosen else "") + t.weekday(d), FormDay(d))] for d in range(7)]
    if chosen:
        rows.append([(t._("Next ▶️"), FormDaysDone())])
    rows.append(_stop_row(t))
    return kb(rows)


async def got_category(update: Update, context: BotContext, act: FormCategory) -> str | None:
    draft = _draft(context)
    if act.category not in CATEGORIES or "title" not in draft:
        return await stale_button(update, context)
    draft["category"] = act.category
    t = context.t
    if draft["kind"] == WEEKLY:
        await reply(update, context, t._("On which day(s) of the week? Tap one or more."),
                    _days_markup(t, draft["days"]))
        return DAYS
    await reply(update, context, t._("On which date? Type it like this: 24-12-2026"),
                kb([_stop_row(t)]))
    return DATE


async def toggle_day(update: Update, context: BotContext, act: FormDay) -> str | None:
    draft = _draft(context)
    if "category" not in draft:
        return await stale_button(update, context)
    if flows.first_handling(context, update):  # a tap handled again after a restart: done
        draft["days"] = sorted(set(draft.get("days", [])) ^ {act.weekday})
    await reply(update, context, context.t._("On which day(s) of the week? Tap one or more."),
                _days_markup(context.t, draft["days"]))
    return DAYS


async def days_done(update: Update, context: BotContext, act: FormDaysDone) -> str | None:
    draft = _draft(context)
    if not draft.get("days"):
        return await stale_button(update, context)
    await reply(update, context, context.t._("At what time does it start? Type it like this: "
                                             "17:30"), kb([_stop_row(context.t)]))
    return TIME


def parse_date_text(text: str, today: date) -> date | None:
    """"24-12-2026", "24/12/2026" or "24-12" (the next 24 December) → a date."""
    parts = ascii_digits(text).strip().replace("/", "-").replace(".", "-").split("-")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
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
        await reply(update, context, text, kb([_stop_row(t)]))
        return DATE
    _draft(context)["date"] = day.isoformat()
    await reply(update, context, t._("At what time does it start? Type it like this: 17:30"),
                kb([_stop_row(t)]))
    return TIME


async def got_time(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    at = parse_time_text(update.message.text or "")
    draft = _draft(context)
    if at is None:
        await reply(update, context, t._(
            "\"{text}\" is not a time of day. Type it like this: 17:30").format(
            text=escape((update.message.text or "")[:20])), kb([_stop_row(t)]))
        return TIME
    if draft.get("date") and local_moment(date.fromisoformat(draft["date"]), at) <= \
            context.services.clock.now():
        await reply(update, context, _error_text(t, "past"), kb([_stop_row(t)]))
        return TIME
    draft["time"] = at.strftime("%H:%M")
    rows = [[(t.ngettext("{n} minute", "{n} minutes", m).format(n=m), FormDuration(m))
             for m in DURATIONS[:2]],
            [(t.ngettext("{n} minute", "{n} minutes", m).format(n=m), FormDuration(m))
             for m in DURATIONS[2:]], _stop_row(t)]
    await reply(update, context, t._("How long does it take?"), kb(rows))
    return DURATION


async def got_duration(update: Update, context: BotContext, act: FormDuration) -> str | None:
    draft = _draft(context)
    if act.minutes not in DURATIONS or "time" not in draft:
        return await stale_button(update, context)
    draft["duration"] = act.minutes
    t = context.t
    rows: list[list[tuple[str, Action]]] = [[(t._("No sign-up needed"), FormCapacity(-1))],
                                            [(t._("Sign-up, no maximum"), FormCapacity(0))]]
    caps = [(t._("Sign-up, max {n}").format(n=n), FormCapacity(n)) for n in CAPACITIES]
    rows += [caps[i:i + 2] for i in range(0, len(caps), 2)]
    rows.append(_stop_row(t))
    await reply(update, context, t._("Can people sign up? And how many at most?"), kb(rows))
    return SIGNUP


async def got_signup(update: Update, context: BotContext, act: FormCapacity) -> str | None:
    draft = _draft(context)
    if (act.capacity not in (-1, 0) and act.capacity not in CAPACITIES) \
            or "duration" not in draft:
        return await stale_button(update, context)
    draft["signup"] = act.capacity >= 0
    draft["capacity"] = act.capacity if act.capacity > 0 else None
    text, markup = await _summary(context)
    await reply(update, context, text, markup)
    return CONFIRM


async def _summary(context: BotContext):
    """The draft to check before saving: text and buttons (overlaps shown, allowed)."""
    draft = _draft(context)
    t = context.t
    services = context.services
    at = time.fromisoformat(draft["time"])
    if draft["kind"] == WEEKLY:
        starts_on = services.clock.today()
        if local_moment(starts_on, at) <= services.clock.now():
            starts_on += timedelta(days=1)
        draft["starts_on"] = starts_on.isoformat()
        overlaps = await services.calendar.overlapping_series(
            draft["room"], draft["days"], at, draft["duration"], starts_on)
        when = t.join(t.weekday(d) for d in draft["days"]) + f" {draft['time']}"
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
    if draft.get("leader"):
        lines.append(t._("Led by: {name}").format(name=escape(draft["leader"])))
    if overlaps:
        lines.append("")
        lines.append("⚠️ " + t._("At the same time (that is allowed):"))
        seen = set()
        for entry in overlaps:
            if entry.ref not in seen:
                seen.add(entry.ref)
                lines.append(f"• {t.date(entry.starts_at, 'EEE')} " + entry_line(t, entry))
    rows: list[list[tuple[str, Action]]] = [[(t._("💾 Save"), FormSave())]]
    if draft["kind"] == WEEKLY:
        rows.append([(t._("👤 Who leads it?"), FormLeader())])
    return "\n".join(lines), kb([*rows, _stop_row(t)])


async def ask_leader(update: Update, context: BotContext, act: FormLeader) -> str | None:
    draft = _draft(context)
    if draft.get("kind") != WEEKLY or "signup" not in draft:
        return await stale_button(update, context)
    t = context.t
    await reply(update, context, t.ngettext(
        "Who leads it? Type a name (at most {n} character), for example: Ans or Taalhuis.",
        "Who leads it? Type a name (at most {n} characters), for example: Ans or Taalhuis.",
        MAX_LEADER).format(n=MAX_LEADER),
                kb([_stop_row(t)]))
    return LEADER


async def got_leader(update: Update, context: BotContext) -> str:
    assert update.message is not None
    t = context.t
    name = " ".join((update.message.text or "").split())
    if len(name) > MAX_LEADER:
        await reply(update, context, _error_text(t, "leader_long"), kb([_stop_row(t)]))
        return LEADER
    _draft(context)["leader"] = name
    text, markup = await _summary(context)
    await reply(update, context, text, markup)
    return CONFIRM


async def save(update: Update, context: BotContext, act: FormSave) -> int | None:
    draft = _draft(context)
    t = context.t
    if "signup" not in draft:
        return await stale_button(update, context)
    calendar = context.services.calendar
    at = time.fromisoformat(draft["time"])
    try:
        if draft["kind"] == WEEKLY:
            await calendar.add_series(
                room=draft["room"], title=draft["title"], category=draft["category"],
                days=draft["days"], start_time=at, duration_min=draft["duration"],
                signup=draft["signup"], capacity=draft["capacity"],
                starts_on=date.fromisoformat(draft["starts_on"]), leader=draft.get("leader"))
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
        title=escape(draft["title"])), kb([[(t._("⬅️ Back"), ProgrammeRoom(draft["room"]))]]))
    return END


async def move_start(update: Update, context: BotContext, act: MoveDate) -> str | int:
    row = await context.services.calendar.get_occurrence(act.occurrence_id)
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
        await reply(update, context, t._(
            "I do not understand that. Type the date and time like this: 24-12-2026 17:30"),
            kb([_stop_row(t)]))
        return MOVE
    try:
        change, moved = await context.services.calendar.move(draft["move"],
                                                             local_moment(day, at))
    except CalendarError as exc:
        if exc.code == "past":
            await reply(update, context, _error_text(t, "past"), kb([_stop_row(t)]))
            return MOVE
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await reply(update, context, _error_text(t, exc.code))
        return END
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]

    told = await _tell_signed_up(context, change)
    await reply(update, context, t._("Moved: {title} is now on {when}.").format(
        title=escape(t._(moved.title)), when=t.datetime(moved.starts_at)) + " " + t.ngettext(
        "{n} person was told.", "{n} people were told.", told).format(n=told),
        kb([[(t._("⬅️ Back"), ProgrammeRoom(moved.room))]]))
    return END


async def stop(update: Update, context: BotContext, act: FormStop) -> int:
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("Stopped. Nothing was changed."),
                kb([[(context.t._("⬅️ Back to the menu"), MenuMain())]]))
    return END


async def use_buttons(update: Update, context: BotContext) -> None:
    assert update.message is not None
    await reply(update, context, context.t._(
        "Please tap one of the buttons above, or ✖️ Stop."))


async def other_command(update: Update, context: BotContext) -> int:
    """A command in the middle of adding: stop adding, and say so."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    assert update.message is not None
    await reply(update, context, context.t._(
        "I stopped adding the activity; nothing was changed. Please tap your command again."))
    return END


def build_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    not_text = ~filters.COMMAND & ~filters.UpdateType.EDITED
    button_states = {
        CATEGORY: [on(FormCategory, got_category)],
        DAYS: [on(FormDay, toggle_day), on(FormDaysDone, days_done)],
        DURATION: [on(FormDuration, got_duration)],
        SIGNUP: [on(FormCapacity, got_signup)],
        CONFIRM: [on(FormSave, save, role=COORDINATOR), on(FormLeader, ask_leader)],
    }
    states = {name: [*handlers, MessageHandler(not_text, use_buttons)]
              for name, handlers in button_states.items()}
    states[TITLE] = [MessageHandler(text, got_title), MessageHandler(not_text, use_buttons)]
    states[DATE] = [MessageHandler(text, got_date), MessageHandler(not_text, use_buttons)]
    states[TIME] = [MessageHandler(text, got_time), MessageHandler(not_text, use_buttons)]
    states[MOVE] = [MessageHandler(text, got_move), MessageHandler(not_text, use_buttons)]
    states[LEADER] = [MessageHandler(text, got_leader), MessageHandler(not_text, use_buttons)]
    return ConversationHandler(
        entry_points=[on(NewActivity, new_start, role=COORDINATOR),
                      on(MoveDate, move_start, role=COORDINATOR)],
        states=states,  # type: ignore[arg-type]
        # A form button from another step (or an old message) matches no state: the one
        # fallback of the application answers it, and the step stays as it was.
        fallbacks=[on(FormStop, stop), MessageHandler(filters.COMMAND, other_command)],
        name="cal_programme",
        persistent=True,
        allow_reentry=True,
    )

