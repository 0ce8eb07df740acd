"""``/turf``: a volunteer registers who came to today's activity.

Button data carries the activity (``occ.12`` or ``c.taal``) and the day, so an old list or a
forged button is checked again by the service (today's? this room's?) before anything changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from telegram import Update

from bot.actions import Action
from bot.actions.menu import MenuTurf
from bot.actions.tally import (
    TurfActivity,
    TurfAskCode,
    TurfAskCount,
    TurfDone,
    TurfOtherActivity,
    TurfPage,
    TurfRemoveWalkin,
    TurfToggle,
    button_day,
)
from bot.categories import CATEGORIES
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.common import (
    END,
    MAX_TEXT,
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
    buttons: list[list[tuple[str, Action]]] = [
        [(activity_title(t, a), TurfActivity(a.token, day_str(today)))] for a in activities]
    buttons.append([(t._("➕ Another activity"), TurfOtherActivity(day_str(today)))])
    if activities:
        text = t._("Who came today? First choose the activity ({date}).")
    else:
        text = t._("There is no activity on today's programme ({date}). Choose what kind of "
                   "activity it was.")
    await reply(update, context, text.format(date=t.date(today)), kb(buttons),
                edit=update.callback_query is not None)
    return END


async def other_activity(update: Update, context: BotContext,
                         act: TurfOtherActivity) -> object:
    t = context.t
    buttons: list[list[tuple[str, Action | str]]] = [
        [(t._(label), TurfActivity(f"c.{cat}", act.day))] for cat, label in CATEGORIES.items()]
    buttons.append([(t._("⬅️ Back"), MenuTurf())])
    await reply(update, context, t._("What kind of activity was it?"), kb(buttons))
    return END


def _day_of(day_text: str) -> date | None:
    try:
        return button_day(day_text)
    except ValueError:
        return None


async def _resolve(update: Update, context: BotContext, token: str, day_text: str
                   ) -> Activity | None:
    """The activity of a button or draft, or None after telling the volunteer why not."""
    day = _day_of(day_text)
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
    buttons: list[list[tuple[str, Action]]] = []
    shown = att.regulars[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for regular in shown:
        name = regular.display_name or t._("anonymous {n}").format(n=regular.user_id)
        mark = "✅ " if regular.anon_key in att.present else ""
        buttons.append([(mark + name, TurfToggle(token, day, page, regular.user_id))])
    if pages > 1:
        nav: list[tuple[str, Action]] = []
        if page > 0:
            nav.append(("◀️", TurfPage(token, day, page - 1)))
        nav.append((f"{page + 1}/{pages}", TurfPage(token, day, page)))
        if page < pages - 1:
            nav.append(("▶️", TurfPage(token, day, page + 1)))
        buttons.append(nav)
    walkins: list[tuple[str, Action]] = [
        ("✅ " + code, TurfRemoveWalkin(token, day, code)) for code in att.walkins]
    for i in range(0, len(walkins), 3):
        buttons.append(walkins[i : i + 3])
    buttons.append([(t._("➕ Walk-in code"), TurfAskCode(token, day)),
                    (t._("🔢 Count only"), TurfAskCount(token, day))])
    buttons.append([(t._("✔️ Done"), TurfDone(token, day))])
    return "\n".join(lines), kb(buttons)


async def _show(update: Update, context: BotContext, activity: Activity, page: int = 0,
                edit: bool = True) -> None:
    att = await context.services.tally.attendance(activity)
    text, markup = _attendance_view(context.t, att, page)
    await reply(update, context, text, markup, edit=edit)


async def choose_activity(update: Update, context: BotContext, act: TurfActivity) -> object:
    if activity := await _resolve(update, context, act.token, act.day):
        await _show(update, context, activity)
    return END


async def page(update: Update, context: BotContext, act: TurfPage) -> object:
    if activity := await _resolve(update, context, act.token, act.day):
        await _show(update, context, activity, act.page)
    return END


async def toggle(update: Update, context: BotContext, act: TurfToggle) -> object:
    activity = await _resolve(update, context, act.token, act.day)
    if activity is None:
        return END
    try:
        # A tap handled again after a restart (bot.inbox) must not take the mark back.
        if flows.first_handling(context, update):
            await context.services.tally.toggle(activity, act.user_id, context.person)
    except TurfError as exc:
        await _tell(update, context, turf_error_text(context.t, exc))
        return END
    await _show(update, context, activity, act.page)
    return END


async def remove_walkin(update: Update, context: BotContext, act: TurfRemoveWalkin) -> object:
    activity = await _resolve(update, context, act.token, act.day)
    if activity is None:
        return END
    try:
        await context.services.tally.remove_walkin(activity, act.walkin)
    except TurfError:
        return await stale_button(update, context)
    await _show(update, context, activity)
    return END


async def done(update: Update, context: BotContext, act: TurfDone) -> object:
    activity = await _resolve(update, context, act.token, act.day)
    if activity is None:
        return END
    t = context.t
    att = await context.services.tally.attendance(activity)
    text = t._("Saved: {activity}, {date}. {people}.").format(
        activity=activity_title(t, activity), date=t.date(activity.day),
        people=t.ngettext("{n} person in total", "{n} people in total", att.total).format(
            n=att.total))
    await reply(update, context, text + "\n" + t._("Thank you! Tap /turf for another activity."))
    return END


# --- typed input: a walk-in code or a count --------------------------------------------------


async def _start_draft(update: Update, context: BotContext,
                       act: TurfAskCode | TurfAskCount) -> Activity | None:
    """Remember which list a typed code or count is for (the draft survives a restart)."""
    activity = await _resolve(update, context, act.token, act.day)
    if activity is None:
        return None
    context.user_data["tal"] = {"act": activity.token, "day": day_str(activity.day)}
    return activity


async def ask_code(update: Update, context: BotContext, act: TurfAskCode) -> object:
    if await _start_draft(update, context, act) is None:
        return END
    await reply(update, context, context.t._(
        "Type the walk-in's short code, for example AB12. Use the same code each time they "
        "come. Never a name or phone number."))
    return CODE


async def ask_count(update: Update, context: BotContext, act: TurfAskCount) -> object:
    activity = await _start_draft(update, context, act)
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
