"""Volunteer hours, groups and keyholders in the chat.

- The weekly hours question (sent by the outbox, see :func:`render_question`) and ``/uren``:
  one tap for last week's hours, "type a number", the weekly question on or off, my groups.
- From ``/vrijwilligers`` a coordinator opens a volunteer (:class:`VolunteerOpen`) to set the
  keyholder mark and their groups.

Buttons: the actions in :mod:`bot.actions.hours`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import Action
from bot.actions.hours import (
    HoursAsking,
    HoursGiven,
    HoursMenu,
    HoursType,
    HoursWeek,
    KeyholderSet,
    MyGroups,
    MyGroupToggle,
    TheirGroupToggle,
    VolunteerOpen,
)
from bot.actions.menu import MenuHours, MenuVolunteers
from bot.channels.telegram import from_markup
from bot.context import BotContext, BuurtApplication
from bot.handlers import routing
from bot.handlers.common import (
    END,
    kb,
    one_per_row,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import Translator, translator
from bot.jobs import add_tick
from bot.messaging.message import OutMessage
from bot.services.users import COORDINATOR, VOLUNTEER, Person
from bot.services.volunteer_work import (
    BUTTON_HOURS,
    GROUP_LABELS,
    MAX_HOURS_WEEK,
    HoursError,
    Proposal,
    parse_hours,
    week_start,
)
from bot.store.outbox import OutboxRow

TYPING = "typing"


def group_label(t: Translator, group: str) -> str:
    label = GROUP_LABELS.get(group)
    return t._(label) if label else group.replace("_", " ").replace("-", " ").capitalize()


def _hours(t: Translator, hours: float) -> str:
    """"5 uur", "5 godzin": the plural form follows the whole number (Polish and Ukrainian
    have three forms: 2 godziny, 5 godzin, 22 godziny); a fraction ("2,5") takes the form
    those languages use for 2 ("2,5 godziny")."""
    count = int(hours) if hours == int(hours) else 2
    return t.ngettext("{hours} hour", "{hours} hours", count).format(hours=t.number(hours))


def _span(t: Translator, week: str) -> str:
    start = week_start(week)
    assert start is not None
    return t._("{start} to {end}").format(start=t.date(start, "d MMMM"),
                                          end=t.date(start + timedelta(days=6), "d MMMM"))


def question(t: Translator, week: str, proposal: Proposal, current: float | None = None
             ) -> tuple[str, InlineKeyboardMarkup]:
    """The calm weekly question: one tap, a proposal from what the bot saw, a way out."""
    lines = [t._("🕒 How many hours did you help at the BuurtWerkKamer in the week of "
                 "{span}?").format(span=_span(t, week))]
    if proposal.hours > 0:
        seen = []
        if proposal.meals:
            seen.append(t.ngettext("{n} shared dinner of your cooking group",
                                   "{n} shared dinners of your cooking group",
                                   proposal.meals).format(n=t.number(proposal.meals)))
        if proposal.helps:
            seen.append(t.ngettext("{n} help request you finished",
                                   "{n} help requests you finished",
                                   proposal.helps).format(n=t.number(proposal.helps)))
        lines.append(t._("The bot saw: {things}. That is about {hours}.").format(
            things=t.join(seen), hours=_hours(t, proposal.hours)))
    if current is not None:
        lines.append(t._("You gave: {hours}. Tap again to change it.").format(
            hours=_hours(t, current)))
    rows: list[list[tuple[str, Action]]] = []
    if proposal.hours > 0:
        rows.append([(t._("✅ About {hours}").format(hours=_hours(t, proposal.hours)),
                      HoursGiven(week, f"p{round(proposal.hours * 10)}"))])
    rows.append([(t.number(0), HoursGiven(week, "0")), (t._("1–2"), HoursGiven(week, "1-2")),
                 (t._("3–5"), HoursGiven(week, "3-5")), (t._("6–10"), HoursGiven(week, "6-10"))])
    rows.append([(t._("More… type a number"), HoursType(week))])
    rows.append([(t._("🔕 Do not ask me every week"), HoursAsking(False))])
    return "\n\n".join(lines), kb(rows)


async def _question_for(context: BotContext, person: Person, week: str) -> tuple[str, Any]:
    work = context.services.volunteer_work
    proposal = await work.proposal(person, week)
    current = await work.hours_in_week(person, week)
    return question(context.t, week, proposal, current)


async def _saved(update: Update, context: BotContext, week: str, hours: float) -> None:
    t = context.t
    await reply(update, context,
                t._("✅ Thank you! Saved: {hours} in the week of {span}. You can change it "
                    "with /uren.").format(hours=_hours(t, hours), span=_span(t, week)),
                one_per_row([(t._("✏️ Change"), HoursWeek(week))]))


def _refusal(t: Translator, code: str) -> str:
    return {
        "not_a_number": t._("Please type only a number of hours, for example 12 or 2,5."),
        "negative": t._("Hours cannot be less than 0. Please type a number from 0 to {max}."
                        ).format(max=t.number(MAX_HOURS_WEEK)),
        "too_many": t._("That is more than {max} hours in one week. Please check the number "
                        "and type it again.").format(max=t.number(MAX_HOURS_WEEK)),
        "week": t._("Hours can be given for this week and the 8 weeks before."),
    }[code]


async def hours_button(update: Update, context: BotContext, act: HoursGiven) -> None:
    week, code = act.week, act.choice
    if code in BUTTON_HOURS:
        hours, source = BUTTON_HOURS[code], "button"
    elif code.startswith("p") and code[1:].isdigit() and int(code[1:]) <= MAX_HOURS_WEEK * 10:
        hours, source = int(code[1:]) / 10, "proposed"
    else:
        await stale_button(update, context)
        return
    try:
        await context.services.volunteer_work.record_hours(context.person, week, hours, source)  # type: ignore[arg-type]
    except HoursError as exc:
        if exc.code != "week" or week_start(week) is None:
            await stale_button(update, context)
            return
        # An old question (more than 8 weeks back, or a week still to come): say why.
        await safe_answer(update.callback_query, _refusal(context.t, "week"), alert=True)  # type: ignore[arg-type]
        return
    await _saved(update, context, week, hours)


async def ask_number(update: Update, context: BotContext, act: HoursType) -> str | int:
    if week_start(act.week) is None:
        return await stale_button(update, context)
    context.user_data["hours_week"] = act.week  # type: ignore[index]
    t = context.t
    await reply(update, context, t._("How many hours did you help in the week of {span}? Type "
                                     "a number, for example 12 or 2,5.").format(
        span=_span(t, act.week)), one_per_row([(t._("Cancel"), HoursMenu())]))
    return TYPING


@requires(VOLUNTEER)
async def got_number(update: Update, context: BotContext) -> str | int:
    t = context.t
    week = (context.user_data or {}).get("hours_week")
    if not week:
        return END
    try:
        hours = parse_hours(update.message.text or "")  # type: ignore[union-attr]
        await context.services.volunteer_work.record_hours(context.person, week, hours, "typed")  # type: ignore[arg-type]
    except HoursError as exc:
        await reply(update, context, _refusal(t, exc.code),
                    one_per_row([(t._("Cancel"), HoursMenu())]))
        return END if exc.code == "week" else TYPING
    context.user_data.pop("hours_week", None)  # type: ignore[union-attr]
    await _saved(update, context, week, hours)
    return END


@requires(VOLUNTEER)
async def not_text(update: Update, context: BotContext) -> str:
    await reply(update, context, _refusal(context.t, "not_a_number"))
    return TYPING


async def show_week(update: Update, context: BotContext, act: HoursWeek) -> None:
    work = context.services.volunteer_work
    try:
        work.check_week(act.week)
    except HoursError:
        await stale_button(update, context)
        return
    text, markup = await _question_for(context, context.person, act.week)  # type: ignore[arg-type]
    await reply(update, context, text, markup)


async def set_asking(update: Update, context: BotContext, act: HoursAsking) -> None:
    t = context.t
    await context.services.volunteer_work.set_asking(context.person, act.on)  # type: ignore[arg-type]
    text = (t._("🔔 Done. The bot asks you every Monday about your hours.") if act.on else
            t._("🔕 Done. The bot no longer asks you every week. You can still give your hours "
                "with /uren, and switch the question on again there."))
    await reply(update, context, text, one_per_row([(t._("⬅️ Back to my hours"), HoursMenu())]))


@requires(VOLUNTEER)
async def menu(update: Update, context: BotContext) -> int:
    """/uren: hours of last week and this year, the weekly question, my groups."""
    t, person = context.t, context.person
    assert person is not None
    work = context.services.volunteer_work
    last, this = work.last_week(), work.this_week()
    last_hours = await work.hours_in_week(person, last)
    lines = [t._("🕒 <b>Your hours</b>")]
    lines.append(t._("Last week: {hours}.").format(hours=_hours(t, last_hours))
                 if last_hours is not None else t._("Last week: not given yet."))
    lines.append(t._("This year: {hours}.").format(
        hours=_hours(t, await work.hours_this_year(person))))
    asking = await work.asking(person)
    lines.append(t._("The bot asks you every Monday.") if asking
                 else t._("The bot does not ask you every week."))
    groups = await work.groups_of(person)
    if groups:
        lines.append(t._("Your groups: {groups}.").format(
            groups=t.join(group_label(t, g) for g in work.room_groups(person.room)
                          if g in groups)))
    if await work.is_keyholder(person):
        lines.append(t._("🔑 You are a keyholder."))
    buttons = [
        (t._("Hours of last week"), HoursWeek(last)),
        (t._("Hours of this week"), HoursWeek(this)),
        (t._("👥 My groups"), MyGroups()),
        (t._("🔕 Stop the weekly question") if asking else t._("🔔 Ask me every Monday"),
         HoursAsking(not asking)),
    ]
    await reply(update, context, "\n".join(lines), one_per_row(buttons),
                edit=update.callback_query is not None)
    return END


async def menu_button(update: Update, context: BotContext, act: HoursMenu) -> int:
    """The /uren screen from its own button (the role is checked by the router)."""
    return await menu(update, context)


def _group_buttons(t: Translator, groups: tuple[str, ...], mine: set[str],
                   make: Callable[[str, bool], Action]) -> list[tuple[str, Action]]:
    """A button per group; ``make(group, join)`` gives its action (join = not a member yet)."""
    return [(("✅ " if g in mine else "▫️ ") + group_label(t, g), make(g, g not in mine))
            for g in groups]


async def my_groups(update: Update, context: BotContext, act: MyGroups | None = None) -> None:
    t, person = context.t, context.person
    assert person is not None
    work = context.services.volunteer_work
    groups = work.room_groups(person.room)
    if not groups:
        await reply(update, context, t._("Your BuurtWerkKamer has no volunteer groups yet."),
                    one_per_row([(t._("⬅️ Back to my hours"), HoursMenu())]))
        return
    buttons = _group_buttons(t, groups, await work.groups_of(person), MyGroupToggle)
    buttons.append((t._("⬅️ Back to my hours"), HoursMenu()))
    await reply(update, context, t._("👥 Which groups do you help in? Tap to join or leave."),
                one_per_row(buttons))


async def toggle_my_group(update: Update, context: BotContext, act: MyGroupToggle) -> None:
    person = context.person
    if not await context.services.volunteer_work.set_member(
            person, person, act.group, act.join):  # type: ignore[arg-type]
        await stale_button(update, context)
        return
    await my_groups(update, context)


# --- the coordinator's view of one volunteer (from /vrijwilligers) --------------------------


async def _target(context: BotContext, user_id: int) -> Person | None:
    """The volunteer a coordinator's button names; None when that is no volunteer (any more)."""
    target = await context.services.users.by_id(user_id)
    if target is None or target.role != VOLUNTEER:
        return None
    return target


async def _show_volunteer(update: Update, context: BotContext, target: Person) -> None:
    t = context.t
    work = context.services.volunteer_work
    name = escape(target.name) if target.name else t._("volunteer {number}").format(
        number=target.id)
    keyholder = await work.is_keyholder(target)
    room = context.services.config.room(target.room)
    lines = [f"<b>{name}</b>" + (f" · {room.name}" if room else "")]
    lines.append(t._("🔑 Keyholder.") if keyholder else t._("Not a keyholder."))
    lines.append(t._("Tap a group to add or remove them."))
    buttons = [(t._("🔑 Remove the keyholder mark") if keyholder else t._("🔑 Mark as keyholder"),
                KeyholderSet(target.id, not keyholder))]
    buttons += _group_buttons(t, work.room_groups(target.room), await work.groups_of(target),
                              lambda group, join: TheirGroupToggle(target.id, group, join))
    buttons.append((t._("⬅️ Back to the volunteers"), MenuVolunteers()))
    await reply(update, context, "\n".join(lines), one_per_row(buttons))


async def show_volunteer(update: Update, context: BotContext, act: VolunteerOpen) -> None:
    found = await _target(context, act.user_id)
    if found is None:
        await stale_button(update, context)
        return
    await _show_volunteer(update, context, found)


async def set_keyholder(update: Update, context: BotContext, act: KeyholderSet) -> None:
    found = await _target(context, act.user_id)
    if found is None:
        await stale_button(update, context)
        return
    await context.services.volunteer_work.set_keyholder(context.person, found,  # type: ignore[arg-type]
                                                        act.keyholder)
    await _show_volunteer(update, context, found)


async def set_their_group(update: Update, context: BotContext, act: TheirGroupToggle) -> None:
    found = await _target(context, act.user_id)
    if found is None or not await context.services.volunteer_work.set_member(
            context.person, found, act.group, act.member):  # type: ignore[arg-type]
        await stale_button(update, context)
        return
    await _show_volunteer(update, context, found)


# --- the weekly question through the outbox ------------------------------------------------


def _install_outbox(app: BuurtApplication) -> None:
    services = app.services

    @services.outbox.renderer("hours")
    async def render(app_: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
        broadcast = await services.announcements.get(int(row.ref))
        person = await services.users.by_id(row.person_id or 0)
        work = services.volunteer_work
        if broadcast is None or person is None or not person.has_role(VOLUNTEER) \
                or not await work.asking(person):
            return None  # switched off or no longer a volunteer
        week = broadcast.draft_key.removeprefix("hours:")
        if await work.hours_in_week(person, week) is not None:
            return None  # already answered
        t = translator(person.language)
        text, markup = question(t, week, await work.proposal(person, week))
        return OutMessage(t.bidi(text), from_markup(markup))


async def tick(app: BuurtApplication, now: Any) -> None:
    await app.services.volunteer_work.ask_weekly(now)


def build_conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[routing.on(HoursType, ask_number, role=VOLUNTEER)],
        states={TYPING: [
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, got_number),
            MessageHandler(private & ~filters.COMMAND, not_text),
        ]},
        fallbacks=[routing.on(HoursMenu, menu_button, role=VOLUNTEER),
                   CommandHandler("uren", menu)],
        name="volunteer_hours",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    buurt: BuurtApplication = app  # type: ignore[assignment]
    _install_outbox(buurt)
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("uren", menu, filters=filters.ChatType.PRIVATE))
    app.add_handler(routing.on(MenuHours, routing.same_as(menu)))
    for handler in (
        routing.on(HoursMenu, menu_button, role=VOLUNTEER),
        routing.on(HoursGiven, hours_button, role=VOLUNTEER),
        routing.on(HoursWeek, show_week, role=VOLUNTEER),
        routing.on(HoursAsking, set_asking, role=VOLUNTEER),
        routing.on(MyGroups, my_groups, role=VOLUNTEER),
        routing.on(MyGroupToggle, toggle_my_group, role=VOLUNTEER),
        routing.on(VolunteerOpen, show_volunteer, role=COORDINATOR),
        routing.on(KeyholderSet, set_keyholder, role=COORDINATOR),
        routing.on(TheirGroupToggle, set_their_group, role=COORDINATOR),
    ):
        app.add_handler(handler)
    add_tick(buurt, "volunteer_work", tick)
