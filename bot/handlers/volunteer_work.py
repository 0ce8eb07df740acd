"""Volunteer hours, groups and keyholders in the chat.

- The weekly hours question (sent by the outbox, see :func:`render_question`) and ``/uren``:
  one tap for last week's hours, "type a number", the weekly question on or off, my groups.
- From ``/vrijwilligers`` a coordinator opens a volunteer (``vh:v:<id>``) to set the
  keyholder mark and their groups.

Callback data: ``vh:h:<week>:<code>`` (hours), ``vh:more:<week>`` (type a number),
``vh:week:<week>``, ``vh:ask:<0|1>``, ``vh:groups``, ``vh:g:<group>:<0|1>``, ``vh:v:<id>``,
``vh:key:<id>:<0|1>``, ``vh:cg:<id>:<group>:<0|1>``, ``vh:menu``.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, BuurtApplication
from bot.handlers.common import (
    END,
    kb,
    one_per_row,
    parse_data,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import Translator, translator
from bot.jobs import add_tick
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
from bot.store.broadcasts import BroadcastRow, OutboxRow

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
    rows: list[list[tuple[str, str]]] = []
    if proposal.hours > 0:
        rows.append([(t._("✅ About {hours}").format(hours=_hours(t, proposal.hours)),
                      f"vh:h:{week}:p{round(proposal.hours * 10)}")])
    rows.append([(t.number(0), f"vh:h:{week}:0"), (t._("1–2"), f"vh:h:{week}:1-2"),
                 (t._("3–5"), f"vh:h:{week}:3-5"), (t._("6–10"), f"vh:h:{week}:6-10")])
    rows.append([(t._("More… type a number"), f"vh:more:{week}")])
    rows.append([(t._("🔕 Do not ask me every week"), "vh:ask:0")])
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
                one_per_row([(t._("✏️ Change"), f"vh:week:{week}")]))


def _refusal(t: Translator, code: str) -> str:
    return {
        "not_a_number": t._("Please type only a number of hours, for example 12 or 2,5."),
        "negative": t._("Hours cannot be less than 0. Please type a number from 0 to {max}."
                        ).format(max=t.number(MAX_HOURS_WEEK)),
        "too_many": t._("That is more than {max} hours in one week. Please check the number "
                        "and type it again.").format(max=t.number(MAX_HOURS_WEEK)),
        "week": t._("Hours can be given for this week and the 8 weeks before."),
    }[code]


@requires(VOLUNTEER)
async def hours_button(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "vh:h", str, str)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    week, code = parsed
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


@requires(VOLUNTEER)
async def ask_number(update: Update, context: BotContext) -> str | int:
    parsed = parse_data(update.callback_query.data, "vh:more", str)  # type: ignore[union-attr]
    if not parsed or week_start(parsed[0]) is None:
        return await stale_button(update, context)
    context.user_data["hours_week"] = parsed[0]  # type: ignore[index]
    t = context.t
    await reply(update, context, t._("How many hours did you help in the week of {span}? Type "
                                     "a number, for example 12 or 2,5.").format(
        span=_span(t, parsed[0])), one_per_row([(t._("Cancel"), "vh:menu")]))
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
                    one_per_row([(t._("Cancel"), "vh:menu")]))
        return END if exc.code == "week" else TYPING
    context.user_data.pop("hours_week", None)  # type: ignore[union-attr]
    await _saved(update, context, week, hours)
    return END


@requires(VOLUNTEER)
async def not_text(update: Update, context: BotContext) -> str:
    await reply(update, context, _refusal(context.t, "not_a_number"))
    return TYPING


@requires(VOLUNTEER)
async def show_week(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "vh:week", str)  # type: ignore[union-attr]
    work = context.services.volunteer_work
    try:
        work.check_week(parsed[0] if parsed else "")
    except HoursError:
        await stale_button(update, context)
        return
    text, markup = await _question_for(context, context.person, parsed[0])  # type: ignore[arg-type,index]
    await reply(update, context, text, markup)


@requires(VOLUNTEER)
async def set_asking(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "vh:ask", int)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in (0, 1):
        await stale_button(update, context)
        return
    t = context.t
    await context.services.volunteer_work.set_asking(context.person, bool(parsed[0]))  # type: ignore[arg-type]
    text = (t._("🔔 Done. The bot asks you every Monday about your hours.") if parsed[0] else
            t._("🔕 Done. The bot no longer asks you every week. You can still give your hours "
                "with /uren, and switch the question on again there."))
    await reply(update, context, text, one_per_row([(t._("⬅️ Back to my hours"), "vh:menu")]))


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
        (t._("Hours of last week"), f"vh:week:{last}"),
        (t._("Hours of this week"), f"vh:week:{this}"),
        (t._("👥 My groups"), "vh:groups"),
        (t._("🔕 Stop the weekly question") if asking else t._("🔔 Ask me every Monday"),
         f"vh:ask:{0 if asking else 1}"),
    ]
    await reply(update, context, "\n".join(lines), one_per_row(buttons),
                edit=update.callback_query is not None)
    return END


def _group_buttons(t: Translator, groups: tuple[str, ...], mine: set[str], prefix: str
                   ) -> list[tuple[str, str]]:
    return [(("✅ " if g in mine else "▫️ ") + group_label(t, g),
             f"{prefix}{g}:{0 if g in mine else 1}") for g in groups]


@requires(VOLUNTEER)
async def my_groups(update: Update, context: BotContext) -> None:
    t, person = context.t, context.person
    assert person is not None
    work = context.services.volunteer_work
    groups = work.room_groups(person.room)
    if not groups:
        await reply(update, context, t._("Your BuurtWerkKamer has no volunteer groups yet."),
                    one_per_row([(t._("⬅️ Back to my hours"), "vh:menu")]))
        return
    buttons = _group_buttons(t, groups, await work.groups_of(person), "vh:g:")
    buttons.append((t._("⬅️ Back to my hours"), "vh:menu"))
    await reply(update, context, t._("👥 Which groups do you help in? Tap to join or leave."),
                one_per_row(buttons))


@requires(VOLUNTEER)
async def toggle_my_group(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "vh:g", str, int)  # type: ignore[union-attr]
    person = context.person
    if not parsed or parsed[1] not in (0, 1) or not await context.services.volunteer_work \
            .set_member(person, person, parsed[0], bool(parsed[1])):  # type: ignore[arg-type]
        await stale_button(update, context)
        return
    await my_groups(update, context)


# --- the coordinator's view of one volunteer (from /vrijwilligers) --------------------------


async def _target(update: Update, context: BotContext, prefix: str, *kinds: type
                  ) -> tuple[Person, list[Any]] | None:
    parsed = parse_data(update.callback_query.data, prefix, int, *kinds)  # type: ignore[union-attr]
    if not parsed:
        return None
    target = await context.services.users.by_id(parsed[0])
    if target is None or target.role != VOLUNTEER:
        return None
    return target, parsed[1:]


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
                f"vh:key:{target.id}:{0 if keyholder else 1}")]
    buttons += _group_buttons(t, work.room_groups(target.room), await work.groups_of(target),
                              f"vh:cg:{target.id}:")
    buttons.append((t._("⬅️ Back to the volunteers"), "menu:volunteers"))
    await reply(update, context, "\n".join(lines), one_per_row(buttons))


@requires(COORDINATOR)
async def show_volunteer(update: Update, context: BotContext) -> None:
    found = await _target(update, context, "vh:v")
    if found is None:
        await stale_button(update, context)
        return
    await _show_volunteer(update, context, found[0])


@requires(COORDINATOR)
async def set_keyholder(update: Update, context: BotContext) -> None:
    found = await _target(update, context, "vh:key", int)
    if found is None or found[1][0] not in (0, 1):
        await stale_button(update, context)
        return
    await context.services.volunteer_work.set_keyholder(context.person, found[0],  # type: ignore[arg-type]
                                                        bool(found[1][0]))
    await _show_volunteer(update, context, found[0])


@requires(COORDINATOR)
async def set_their_group(update: Update, context: BotContext) -> None:
    found = await _target(update, context, "vh:cg", str, int)
    if found is None or found[1][1] not in (0, 1) or not await context.services.volunteer_work \
            .set_member(context.person, found[0], found[1][0], bool(found[1][1])):  # type: ignore[arg-type]
        await stale_button(update, context)
        return
    await _show_volunteer(update, context, found[0])


# --- the weekly question through the outbox ------------------------------------------------


def _install_outbox(app: BuurtApplication) -> None:
    services = app.services
    transport = services.announcements.transport
    if transport is None:
        return

    async def render(broadcast: BroadcastRow, row: OutboxRow) -> tuple[str, Any] | None:
        person = await services.users.by_id(row.user_id or 0)
        week = broadcast.draft_key.removeprefix("hours:")
        work = services.volunteer_work
        if person is None or not person.has_role(VOLUNTEER) or not await work.asking(person) \
                or await work.hours_in_week(person, week) is not None:
            return None  # switched off, no longer a volunteer, or already answered
        t = translator(person.language)
        text, markup = question(t, week, await work.proposal(person, week))
        return t.bidi(text), markup

    transport.kinds["hours"] = (render, None)


async def tick(app: BuurtApplication, now: Any) -> None:
    await app.services.volunteer_work.ask_weekly(now)


def build_conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_number, pattern=r"^vh:more:")],
        states={TYPING: [
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, got_number),
            MessageHandler(private & ~filters.COMMAND, not_text),
        ]},
        fallbacks=[CallbackQueryHandler(menu, pattern=r"^vh:menu$"),
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
    app.add_handler(CallbackQueryHandler(menu, pattern=r"^(vh:menu|menu:hours)$"))
    app.add_handler(CallbackQueryHandler(hours_button, pattern=r"^vh:h:"))
    app.add_handler(CallbackQueryHandler(show_week, pattern=r"^vh:week:"))
    app.add_handler(CallbackQueryHandler(set_asking, pattern=r"^vh:ask:"))
    app.add_handler(CallbackQueryHandler(my_groups, pattern=r"^vh:groups$"))
    app.add_handler(CallbackQueryHandler(toggle_my_group, pattern=r"^vh:g:"))
    app.add_handler(CallbackQueryHandler(show_volunteer, pattern=r"^vh:v:"))
    app.add_handler(CallbackQueryHandler(set_keyholder, pattern=r"^vh:key:"))
    app.add_handler(CallbackQueryHandler(set_their_group, pattern=r"^vh:cg:"))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^vh:"))
    add_tick(buurt, "volunteer_work", tick)
