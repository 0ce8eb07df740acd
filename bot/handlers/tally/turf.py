"""``/turf``: a volunteer registers who came to today's activity.

Button data carries the activity (``occ.12`` or ``c.taal``) and the day, so an old list or a
forged button is checked again by the service (today's? this room's?) before anything changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.categories import CATEGORIES
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.common import (
    END,
    MAX_TEXT,
    is_button_int,
    kb,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.handlers.tally.helpers import (
    CODE,
    COUNT,
    activity_title,
    day_str,
    no_room,
    parse_button_day,
    split_data,
    turf_error_text,
)
from bot.i18n import Translator
from bot.services.tally import Activity, Attendance, TurfError
from bot.services.users import VOLUNTEER, Person

PAGE_SIZE = 8


# --- /turf: choose the activity --------------------------------------------------------------


@requires(VOLUNTEER)
async def turf(update: Update, context: BotContext) -> object:
    if await no_room(update, context):
        return END
    t = context.t
    person = context.person
    assert person is not None and person.room is not None
    activities = await context.services.tally.todays_activities(person.room)
    today = context.services.clock.now().date()
    buttons = [[(activity_title(t, a), f"tal:a:{a.token}:{day_str(today)}")]
               for a in activities]
    buttons.append([(t._("➕ Another activity"), f"tal:o:{day_str(today)}")])
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
    parts = split_data(update.callback_query.data, "tal:o", 1)  # type: ignore[union-attr]
    day = parse_button_day(parts[0]) if parts else None
    if day is None:
        return await stale_button(update, context)
    t = context.t
    buttons = [[(t._(label), f"tal:a:c.{cat}:{day_str(day)}")]
               for cat, label in CATEGORIES.items()]
    buttons.append([(t._("⬅️ Back"), "menu:turf")])
    await reply(update, context, t._("What kind of activity was it?"), kb(buttons))
    return END


async def _resolve(update: Update, context: BotContext, token: str, day_text: str
                   ) -> Activity | None:
    """The activity behind button data, or None after telling the volunteer why not."""
    day = parse_button_day(day_text)
    person = context.person
    assert person is not None
    if day is None or person.room not in context.services.config.rooms:
        await stale_button(update, context)
        return None
    try:
        return await context.services.tally.resolve(person.room, token, day)
    except TurfError as exc:
        await _tell(update, context, turf_error_text(context.t, exc))
        return None


async def _tell(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    else:
        await reply(update, context, text)


def _attendance_view(t: Translator, att: Attendance, page: int):
    activity = att.activity
    token, day = activity.token, day_str(activity.day)
    pages = max(1, -(-len(att.regulars) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    lines = [
        f"<b>{activity_title(t, activity)}</b> · {t.date(activity.day)}",
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


async def _from_button(update: Update, context: BotContext, prefix: str, extra: int = 0, *,
                       numeric: bool = False) -> tuple[Activity, list[str]] | None:
    """The activity of a ``prefix:<token>:<day>[:extra...]`` button and its extra parts.

    None after telling the volunteer why not: malformed data (or ``numeric`` extras that are
    not numbers) is a stale button; a day or activity the service refuses gets its reason.
    """
    parts = split_data(update.callback_query.data, prefix, 2 + extra)  # type: ignore[union-attr]
    if parts is None or (numeric and not all(p.isdigit() and is_button_int(p) for p in parts[2:])):
        await stale_button(update, context)
        return None
    activity = await _resolve(update, context, parts[0], parts[1])
    return None if activity is None else (activity, parts[2:])


@requires(VOLUNTEER)
async def choose_activity(update: Update, context: BotContext) -> object:
    if found := await _from_button(update, context, "tal:a"):
        await _show(update, context, found[0])
    return END


@requires(VOLUNTEER)
async def page(update: Update, context: BotContext) -> object:
    if found := await _from_button(update, context, "tal:p", 1, numeric=True):
        activity, (page_no,) = found
        await _show(update, context, activity, int(page_no))
    return END


@requires(VOLUNTEER)
async def toggle(update: Update, context: BotContext) -> object:
    found = await _from_button(update, context, "tal:t", 2, numeric=True)
    if found is None:
        return END
    activity, (page_no, user_id) = found
    try:
        # A tap handled again after a restart (bot.inbox) must not take the mark back.
        if flows.first_handling(context, update):
            await context.services.tally.toggle(activity, int(user_id), context.person)
    except TurfError as exc:
        await _tell(update, context, turf_error_text(context.t, exc))
        return END
    await _show(update, context, activity, int(page_no))
    return END


@requires(VOLUNTEER)
async def remove_walkin(update: Update, context: BotContext) -> object:
    found = await _from_button(update, context, "tal:w", 1)
    if found is None:
        return END
    activity, (code,) = found
    try:
        await context.services.tally.remove_walkin(activity, code)
    except TurfError:
        return await stale_button(update, context)
    await _show(update, context, activity)
    return END


@requires(VOLUNTEER)
async def done(update: Update, context: BotContext) -> object:
    found = await _from_button(update, context, "tal:done")
    if found is None:
        return END
    activity = found[0]
    t = context.t
    att = await context.services.tally.attendance(activity)
    text = t._("Saved: {activity}, {date}. {people}.").format(
        activity=activity_title(t, activity), date=t.date(activity.day),
        people=t.ngettext("{n} person in total", "{n} people in total", att.total).format(
            n=att.total))
    await reply(update, context, text + "\n" + t._("Thank you! Tap /turf for another activity."))
    return END


# --- typed input: a walk-in code or a count --------------------------------------------------


async def _start_draft(update: Update, context: BotContext, prefix: str) -> Activity | None:
    """Remember which list a typed code or count is for (the draft survives a restart)."""
    found = await _from_button(update, context, prefix)
    if found is None:
        return None
    activity = found[0]
    context.user_data["tal"] = {"act": activity.token, "day": day_str(activity.day)}
    return activity


@requires(VOLUNTEER)
async def ask_code(update: Update, context: BotContext) -> object:
    if await _start_draft(update, context, "tal:code") is None:
        return END
    await reply(update, context, context.t._(
        "Type the walk-in's short code, for example AB12. Use the same code each time they "
        "come. Never a name or phone number."))
    return CODE


@requires(VOLUNTEER)
async def ask_count(update: Update, context: BotContext) -> object:
    activity = await _start_draft(update, context, "tal:cnt")
    if activity is None:
        return END
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


async def _got_text(update: Update, context: BotContext,
                    save: Callable[[Activity, str, Person], Awaitable[object]],
                    state: str) -> object:
    """Save what was typed for the draft's list and show the list again.

    Refused input is explained and asked for again (the conversation stays in ``state``).
    """
    activity = await _draft_activity(update, context)
    if activity is None:
        return END
    text = update.message.text or ""  # type: ignore[union-attr]
    assert context.person is not None
    try:
        await save(activity, text[:MAX_TEXT], context.person)
    except TurfError as exc:
        await reply(update, context, turf_error_text(context.t, exc))
        return state
    context.user_data.pop("tal", None)
    await _show(update, context, activity, edit=False)
    return END


@requires(VOLUNTEER)
async def got_code(update: Update, context: BotContext) -> object:
    return await _got_text(update, context, context.services.tally.add_walkin, CODE)


@requires(VOLUNTEER)
async def got_count(update: Update, context: BotContext) -> object:
    return await _got_text(update, context, context.services.tally.set_count, COUNT)
