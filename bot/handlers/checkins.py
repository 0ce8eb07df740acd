"""Belronde for people: ``/belronde``, the weekly message, answers, follow-ups, and the tick.

Residents opt in, choose a day and a day part (or keep the room's moment), pause until a date
or stop. Volunteers see the open follow-ups of their room, take one (only one volunteer can)
and mark it done with a short note. The tick sends the weekly check-ins exactly once per
resident per week and escalates what nobody picked up.
"""

from __future__ import annotations

import logging
from datetime import date
from html import escape

from telegram import (
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import jobs
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
from bot.i18n import N_, Translator, translator
from bot.services.checkins import (
    DAYPARTS,
    MAX_NOTE,
    AnswerResult,
    Due,
    FollowupView,
    TakeResult,
)
from bot.services.users import RESIDENT, VOLUNTEER, Person

log = logging.getLogger(__name__)

PHONE, NOTE = "phone", "note"

ANSWER_CODES = {"g": "good", "o": "okay", "b": "bad", "c": "call", "v": "visit"}
ANSWER_LABELS = {
    "good": N_("Good 😊"),
    "okay": N_("So-so 😐"),
    "bad": N_("Not so good 😟"),
    "call": N_("Please call me 📞"),
    "visit": N_("I'll drop by 🚶"),
}
DAYPART_LABELS = {
    "morning": N_("🌅 Morning"),
    "afternoon": N_("☀️ Afternoon"),
    "evening": N_("🌆 Evening"),
}
REASON_LABELS = {
    "bad": N_("is not doing so well"),
    "call": N_("asked to be called"),
    "no_answer": N_("extra attention: did not answer"),
    "unreachable": N_("to call: blocked the bot or cannot be reached"),
}


def _back(t: Translator) -> tuple[str, str]:
    return (t._("⬅️ Back to the menu"), "menu:main")


def resident_label(t: Translator, name: str | None, user_id: int) -> str:
    """The name as the resident gave it, else a neutral number (plain text, not escaped)."""
    return name or t._("resident {number}").format(number=user_id)


# --- the resident's part ---------------------------------------------------------------


async def _resident_view(update: Update, context: BotContext, *, edit: bool = True) -> None:
    t = context.t
    person = context.person
    assert person is not None
    service = context.services.checkins
    sub = await service.subscription(person)
    if sub is None or not sub.active:
        text = "\n\n".join([
            "<b>" + t._("The weekly check-in") + "</b>",
            t._("Once a week we send you a short message: how are you? You answer with one "
                "tap. If you are not doing well, or want to talk, a volunteer calls you."),
            t._("Would you like that?"),
        ])
        await reply(update, context, text,
                    kb([[(t._("✅ Yes, please"), "chk:on")], [_back(t)]]), edit=edit)
        return
    weekday, at = service.moment(person.room, sub)
    lines = [
        "<b>" + t._("The weekly check-in") + "</b>",
        t._("You get our message every {weekday} at {time}.").format(
            weekday=t.weekday(weekday), time=t.time(at)),
    ]
    if service.is_paused(sub):
        lines.append(t._("Paused until {date}.").format(date=t.date(sub.paused_until)))
    if person.row.phone:
        lines.append(t._("Your phone number for a call: {phone}").format(
            phone=escape(person.row.phone)))
    pause_row = ((t._("▶️ Resume now"), "chk:resume") if service.is_paused(sub)
                 else (t._("🏖 Pause"), "chk:pauses"))
    await reply(update, context, "\n".join(lines), kb([
        [(t._("📅 Day"), "chk:days"), (t._("🕐 Time of day"), "chk:parts")],
        [pause_row, (t._("📞 My phone number"), "chk:phone")],
        [(t._("🛑 Stop the check-in"), "chk:stop")],
        [_back(t)],
    ]), edit=edit)


async def offer_after_onboarding(update: Update, context: BotContext) -> None:
    """Onboarding's small hook: one extra message inviting the new resident to join."""
    t = context.t
    await reply(
        update, context,
        t._("Would you like a weekly check-in? Once a week we ask how you are, and a volunteer "
            "calls you if you want."),
        kb([[(t._("✅ Yes, please"), "chk:on")], [(t._("No, thanks"), "chk:no")]]),
        edit=False,
    )


@requires(RESIDENT)
async def belronde_command(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    if person.has_role(VOLUNTEER):
        await _volunteer_view(update, context, edit=False)
    else:
        await _resident_view(update, context, edit=False)


@requires(RESIDENT)
async def resident_menu(update: Update, context: BotContext) -> None:
    await _resident_view(update, context)


@requires(RESIDENT)
async def opt_in(update: Update, context: BotContext) -> None:
    assert context.person is not None
    await context.services.checkins.opt_in(context.person)
    await safe_answer(update.callback_query,  # type: ignore[arg-type]
                      context.t._("Thank you! You are in the weekly check-in."))
    await _resident_view(update, context)


@requires(RESIDENT)
async def no_thanks(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(update, context, t._("That is fine. You can always start it with /belronde."))


async def _needs_subscription(update: Update, context: BotContext) -> None:
    t = context.t
    await safe_answer(update.callback_query,  # type: ignore[arg-type]
                      t._("You are not in the weekly check-in. Tap /belronde to join."),
                      alert=True)


@requires(RESIDENT)
async def stop(update: Update, context: BotContext) -> None:
    assert context.person is not None
    t = context.t
    if not await context.services.checkins.stop(context.person):
        await _needs_subscription(update, context)
        return
    await reply(update, context,
                t._("Stopped. You will not get the weekly check-in any more. You are always "
                    "welcome in the BuurtWerkKamer."),
                kb([[(t._("Start again"), "chk:on")], [_back(t)]]))


@requires(RESIDENT)
async def ask_day(update: Update, context: BotContext) -> None:
    t = context.t
    room = context.services.config.room(context.person.room)  # type: ignore[union-attr]
    buttons = [(t.weekday(i).capitalize(), f"chk:day:{i}") for i in range(7)]
    rows = [buttons[i : i + 2] for i in range(0, 7, 2)]
    if room is not None:
        rows.append([(t._("The room's day ({weekday})").format(
            weekday=t.weekday(room.belronde.weekday)), "chk:day:d")])
    await reply(update, context, t._("On which day would you like our message?"), kb(rows))


@requires(RESIDENT)
async def set_day(update: Update, context: BotContext) -> None:
    data = update.callback_query.data  # type: ignore[union-attr]
    parsed = parse_data(data, "chk:day", str)
    if not parsed or (parsed[0] != "d" and parsed[0] not in {str(i) for i in range(7)}):
        await stale_button(update, context)
        return
    weekday = None if parsed[0] == "d" else int(parsed[0])
    if await context.services.checkins.set_weekday(context.person, weekday) is None:  # type: ignore[arg-type]
        await _needs_subscription(update, context)
        return
    await _resident_view(update, context)


@requires(RESIDENT)
async def ask_part(update: Update, context: BotContext) -> None:
    t = context.t
    room = context.services.config.room(context.person.room)  # type: ignore[union-attr]
    rows = [[(f"{t._(DAYPART_LABELS[part])} ({t.time(at)})", f"chk:part:{part}")]
            for part, at in DAYPARTS.items()]
    if room is not None:
        rows.append([(t._("The room's time ({time})").format(time=t.time(room.belronde.at)),
                      "chk:part:d")])
    await reply(update, context, t._("At what time of day?"), kb(rows))


@requires(RESIDENT)
async def set_part(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "chk:part", str)  # type: ignore[union-attr]
    if not parsed or (parsed[0] != "d" and parsed[0] not in DAYPARTS):
        await stale_button(update, context)
        return
    daypart = None if parsed[0] == "d" else parsed[0]
    if await context.services.checkins.set_daypart(context.person, daypart) is None:  # type: ignore[arg-type]
        await _needs_subscription(update, context)
        return
    await _resident_view(update, context)


@requires(RESIDENT)
async def ask_pause(update: Update, context: BotContext) -> None:
    t = context.t
    choices = context.services.checkins.pause_choices()
    await reply(
        update, context,
        t._("Going away? Until when should we pause the check-in? You get no message until "
            "then."),
        kb([*([(t._("Until {date}").format(date=t.date(day)), f"chk:pause:{day.isoformat()}")]
              for day in choices), [_back(t)]]),
    )


@requires(RESIDENT)
async def set_pause(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "chk:pause", date.fromisoformat)  # type: ignore[union-attr]
    service = context.services.checkins
    t = context.t
    if not parsed or not service.valid_pause(parsed[0]):
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("That date cannot be chosen. Please pick one of the buttons."),
                          alert=True)
        return
    if await service.pause(context.person, parsed[0]) is None:  # type: ignore[arg-type]
        await _needs_subscription(update, context)
        return
    await _resident_view(update, context)


@requires(RESIDENT)
async def resume(update: Update, context: BotContext) -> None:
    if await context.services.checkins.resume(context.person) is None:  # type: ignore[arg-type]
        await _needs_subscription(update, context)
        return
    await _resident_view(update, context)


# --- answering the weekly message -----------------------------------------------------


def checkin_text(t: Translator, name: str | None, room_name: str) -> str:
    hello = t._("Hello {name}!").format(name=escape(name)) if name else t._("Hello!")
    return "\n\n".join([
        hello + " " + t._("How are you this week?"),
        t._("Tap one answer. — BuurtWerkKamer {room}").format(room=escape(room_name)),
    ])


def checkin_markup(t: Translator, checkin_id: int):
    return one_per_row([(t._(ANSWER_LABELS[value]), f"chk:a:{checkin_id}:{code}")
                        for code, value in ANSWER_CODES.items()])


@requires(RESIDENT)
async def answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    parsed = parse_data(query.data, "chk:a", int, str)
    if not parsed or parsed[1] not in ANSWER_CODES:
        await stale_button(update, context)
        return
    result = await context.services.checkins.answer(context.person, parsed[0],
                                                    ANSWER_CODES[parsed[1]])
    if result.result is AnswerResult.NOT_YOURS:
        await stale_button(update, context)
        return
    if result.result is AnswerResult.STOPPED:
        await safe_answer(query, t._("You stopped the weekly check-in, so I did not save this. "
                                     "Tap /belronde to start again."), alert=True)
        return
    if result.result is AnswerResult.ALREADY:
        await safe_answer(query, t._("You already answered this week. Thank you!"), alert=True)
        return
    if result.result is AnswerResult.OLD_WEEK:
        await safe_answer(query, t._("This message is from an earlier week, so I did not save "
                                     "this. Thank you! You will get a new one."), alert=True)
        return
    value = ANSWER_CODES[parsed[1]]
    person = context.person
    room = context.services.config.room(person.room)
    lines = [t._("How are you this week?"),
             t._("Your answer: {answer}").format(answer=t._(ANSWER_LABELS[value]))]
    markup = None
    if value == "good":
        lines.append(t._("Good to hear! See you in the BuurtWerkKamer."))
    elif value == "okay":
        lines.append(t._("Thank you for telling us. You are always welcome in the "
                         "BuurtWerkKamer. Need help with something? Tap /hulp."))
    elif value == "visit":
        lines.append(t._("Nice! See you soon in the BuurtWerkKamer."))
        if room is not None:
            lines.append(escape(room.address))
    else:
        lines.append(t._("Thank you for telling us. A volunteer will call you today."))
        if not person.row.phone:
            lines.append(t._("We do not have your phone number yet. Share it, so we can call "
                             "you."))
            markup = kb([[(t._("📞 Share my phone number"), "chk:phone")]])
    await reply(update, context, "\n\n".join(lines), markup)
    if result.followup_id is not None:
        await announce_followup(context.application, result.followup_id)  # type: ignore[arg-type]


# --- the phone number (Telegram contact button or typed) -------------------------------


@requires(RESIDENT)
async def ask_phone(update: Update, context: BotContext) -> str:
    t = context.t
    assert update.effective_chat is not None
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    rows = [[KeyboardButton(t._("📞 Share my phone number"), request_contact=True)]]
    if context.person and context.person.row.phone:
        rows.append([KeyboardButton(t._("Remove my number"))])
    rows.append([KeyboardButton(t._("Not now"))])
    await context.bot.send_message(
        update.effective_chat.id,
        t.bidi(t._("Tap the button below to share your phone number, or type it (for example "
                   "06 12345678). Only the volunteers of the belronde and the coordinator see "
                   "it.")),
        reply_markup=ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True),
    )
    return PHONE


async def _phone_done(update: Update, context: BotContext, text: str) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.t.bidi(text),
                                              reply_markup=ReplyKeyboardRemove())
    return END


async def phone_contact(update: Update, context: BotContext) -> int:
    t = context.t
    message = update.effective_message
    assert message is not None and message.contact is not None and context.person is not None
    if message.contact.user_id not in (None, context.person.telegram_id):
        return await _phone_done(update, context, t._(
            "Please share your own number, not someone else's. Nothing was saved."))
    phone = await context.services.checkins.set_phone(context.person, message.contact.phone_number)
    if phone is None:
        return await _phone_done(update, context, t._("I could not read that number. Nothing "
                                                      "was saved."))
    return await _phone_done(update, context, t._("Thank you. A volunteer can now call you on "
                                                  "{phone}.").format(phone=escape(phone)))


async def phone_text(update: Update, context: BotContext) -> int:
    t = context.t
    message = update.effective_message
    assert message is not None and context.person is not None
    text = (message.text or "").strip()
    if text == t._("Not now"):
        return await _phone_done(update, context, t._("Fine. Nothing was saved."))
    if text == t._("Remove my number"):
        await context.services.checkins.forget_phone(context.person)
        return await _phone_done(update, context, t._("Your phone number is removed."))
    phone = await context.services.checkins.set_phone(context.person, text[:40])
    if phone is None:
        return await _phone_done(update, context, t._(
            "That does not look like a phone number, so nothing was saved. Tap /belronde and "
            "then 📞 My phone number to try again."))
    return await _phone_done(update, context, t._("Thank you. A volunteer can now call you on "
                                                  "{phone}.").format(phone=escape(phone)))


async def phone_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(t.bidi(t._(
        "Please type your phone number, tap the button below, or tap Not now.")))
    return PHONE


# --- volunteers ------------------------------------------------------------------------


def _followup_line(t: Translator, view: FollowupView, me: Person) -> str:
    name = escape(resident_label(t, view.name, view.resident_id))
    reason = t._(REASON_LABELS[view.followup.reason])
    parts = [f"<b>{name}</b>: {reason}"]
    parts.append(t._("phone: {phone}").format(phone=escape(view.phone)) if view.phone
                 else t._("no phone number"))
    if view.followup.taken_by == me.id:
        parts.append(t._("you call"))
    elif view.followup.taken_by is not None:
        parts.append(t._("{name} calls").format(
            name=escape(view.taken_by_name or t._("a volunteer"))))
    return " · ".join(parts)


async def _volunteer_view(update: Update, context: BotContext, *, edit: bool = True) -> None:
    t = context.t
    me = context.person
    assert me is not None
    views = await context.services.checkins.open_followups(me)
    lines = ["<b>" + t._("Belronde: who to call") + "</b>"]
    rows: list[list[tuple[str, str]]] = []
    if not views:
        lines.append(t._("Nobody to call right now. Thank you!"))
    for view in views[:30]:
        lines.append("• " + _followup_line(t, view, me))
        label = resident_label(t, view.name, view.resident_id)
        if view.followup.taken_by is None:
            rows.append([(t._("📞 I will call {name}").format(name=label),
                          f"chk:take:{view.followup.id}")])
        elif view.followup.taken_by == me.id:
            rows.append([(t._("✅ Done: {name}").format(name=label),
                          f"chk:done:{view.followup.id}")])
    rows.append([(t._("⭐ Extra attention"), "chk:people"),
                 (t._("🙋 My own check-in"), "chk:me")])
    rows.append([_back(t)])
    await reply(update, context, "\n".join(lines), kb(rows), edit=edit)


@requires(VOLUNTEER)
async def followups_menu(update: Update, context: BotContext) -> None:
    await _volunteer_view(update, context)


@requires(VOLUNTEER)
async def take(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    parsed = parse_data(query.data, "chk:take", int)
    if not parsed:
        await stale_button(update, context)
        return
    result, view = await context.services.checkins.take(context.person, parsed[0])
    if result is TakeResult.UNKNOWN or view is None:
        await stale_button(update, context)
        return
    if result is TakeResult.TAKEN:
        await safe_answer(query, t._("{name} is already calling this person. Thank you!").format(
            name=view.taken_by_name or t._("Another volunteer")), alert=True)
        return
    if result is TakeResult.DONE:
        await safe_answer(query, t._("This call is already done."), alert=True)
        return
    label = resident_label(t, view.name, view.resident_id)
    lines = [t._("You call {name}. Thank you!").format(name=f"<b>{escape(label)}</b>"),
             t._(REASON_LABELS[view.followup.reason])]
    lines.append(t._("Phone: {phone}").format(phone=escape(view.phone)) if view.phone
                 else t._("We have no phone number. Maybe the room knows them, or drop by."))
    lines.append(t._("Tap Done when you have called."))
    await reply(update, context, "\n".join(lines), kb([
        [(t._("✅ Done: {name}").format(name=label), f"chk:done:{view.followup.id}")],
        [(t._("⬅️ Back to the list"), "menu:followups")],
    ]))


@requires(VOLUNTEER)
async def ask_note(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    parsed = parse_data(query.data, "chk:done", int)
    view = await context.services.checkins.followup(context.person, parsed[0]) if parsed else None
    if view is None:
        await stale_button(update, context)
        return END
    if view.followup.done_at is not None:
        await safe_answer(query, t._("This call is already done."), alert=True)
        return END
    if view.followup.taken_by != context.person.id:
        await safe_answer(query, t._("Only the volunteer who took this call can finish it."),
                          alert=True)
        return END
    context.user_data["chk_note"] = view.followup.id  # type: ignore[index]
    await reply(update, context,
                t._("How did it go? Write a short note for the room (at most {n} letters), or "
                    "tap No note. Write no medical details.").format(n=MAX_NOTE),
                kb([[(t._("No note"), "chk:nonote")]]))
    return NOTE


async def _finish(update: Update, context: BotContext, note: str | None) -> int:
    t = context.t
    followup_id = (context.user_data or {}).pop("chk_note", None)
    if followup_id is None or context.person is None:
        await stale_button(update, context)
        return END
    result, _view = await context.services.checkins.finish(context.person, followup_id, note)
    if result is TakeResult.OK:
        text = t._("Done. Thank you for calling!")
    elif result is TakeResult.DONE:
        text = t._("This call is already done.")
    else:
        text = t._("Only the volunteer who took this call can finish it.")
    await reply(update, context, text, kb([[(t._("⬅️ Back to the list"), "menu:followups")]]),
                edit=update.callback_query is not None)
    return END


async def note_text(update: Update, context: BotContext) -> str | int:
    assert update.effective_message is not None
    t = context.t
    text = (update.effective_message.text or "").strip()
    if len(text) > MAX_NOTE:
        await update.effective_message.reply_text(t.bidi(t._(
            "Please keep it short: at most {n} letters.").format(n=MAX_NOTE)))
        return NOTE
    return await _finish(update, context, text)


async def note_skip(update: Update, context: BotContext) -> int:
    return await _finish(update, context, None)


async def note_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(t.bidi(t._("Please type a short note, or tap "
                                                         "No note.")))
    return NOTE


@requires(VOLUNTEER)
async def people(update: Update, context: BotContext) -> None:
    t = context.t
    assert context.person is not None
    rows = await context.services.checkins.participants(context.person)
    lines = ["<b>" + t._("Extra attention") + "</b>",
             t._("Residents with ⭐ who do not answer within two days get a call. Tap a name "
                 "to switch it on or off.")]
    if not rows:
        lines.append(t._("Nobody of your room is in the weekly check-in yet."))
    buttons = []
    for row in rows[:40]:
        star = "⭐ " if row["extra_attention"] else ""
        buttons.append((star + resident_label(t, row["display_name"], row["user_id"]),
                        f"chk:xa:{row['user_id']}"))
    markup = one_per_row([*buttons, (t._("⬅️ Back to the list"), "menu:followups")])
    await reply(update, context, "\n".join(lines), markup)


@requires(VOLUNTEER)
async def toggle_attention(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "chk:xa", int)  # type: ignore[union-attr]
    if not parsed:
        await stale_button(update, context)
        return
    value = await context.services.checkins.toggle_extra_attention(context.person, parsed[0])  # type: ignore[arg-type]
    if value is None:
        await stale_button(update, context)
        return
    await people(update, context)


@requires(VOLUNTEER)
async def own_checkin(update: Update, context: BotContext) -> None:
    await _resident_view(update, context)


async def unknown_chk(update: Update, context: BotContext) -> None:
    await stale_button(update, context)


# --- telling volunteers and coordinators ----------------------------------------------


def _followup_notice(view: FollowupView, room_name: str, *, escalated: bool):
    def render(t: Translator):
        label = resident_label(t, view.name, view.resident_id)
        head = (t._("⏰ Nobody has called this person for a day. Can you call?") if escalated
                else t._("📞 Belronde {room}: someone would like a call.").format(
                    room=escape(room_name)))
        lines = [head, f"<b>{escape(label)}</b>: {t._(REASON_LABELS[view.followup.reason])}"]
        if view.phone:
            lines.append(t._("Phone: {phone}").format(phone=escape(view.phone)))
        return "\n".join(lines), kb([[(t._("📞 I will call {name}").format(name=label),
                                       f"chk:take:{view.followup.id}")]])
    return render


async def announce_followup(app: BuurtApplication, followup_id: int) -> None:
    """A new follow-up: tell the room's volunteers at once (the coordinator if there are none)."""
    services = app.services
    followup = await services.checkins.followup_by_id(followup_id)
    if followup is None:
        return
    people = await services.users.volunteers(followup.room)
    if not people:
        people = await services.users.coordinators(followup.room)
    await _tell(app, people, followup_id, escalated=False)


async def _tell(app: BuurtApplication, people: list[Person], followup_id: int,
                *, escalated: bool) -> None:
    services = app.services
    room = services.config.room((await services.checkins.followup_by_id(followup_id)).room)  # type: ignore[union-attr]
    for person in people:
        view = await services.checkins.followup(person, followup_id)
        if view is None:
            continue
        await notify(app, person, _followup_notice(view, room.name if room else "-",
                                                   escalated=escalated))


def _summary(room_name: str, week: str, counts: dict[str, int]):
    def render(t: Translator) -> str:
        return "\n".join([
            "<b>" + t._("Belronde {room}, week {week}").format(
                room=escape(room_name), week=week.split("-W")[-1].lstrip("0")) + "</b>",
            t._("Sent: {sent}. Answered: {answered}.").format(
                sent=t.number(counts["sent"]), answered=t.number(counts["answered"])),
            ", ".join(f"{t._(label)} {t.number(counts[key])}" for key, label in (
                ("good", ANSWER_LABELS["good"]), ("okay", ANSWER_LABELS["okay"]),
                ("bad", ANSWER_LABELS["bad"]), ("call_me", ANSWER_LABELS["call"]),
                ("visit", ANSWER_LABELS["visit"]))),
            t._("Follow-ups: {opened} opened, {done} done.").format(
                opened=t.number(counts["followups"]), done=t.number(counts["followups_done"])),
        ])
    return render


# --- the tick -----------------------------------------------------------------------------


async def _send_checkin(app: BuurtApplication, due: Due, checkin_id: int) -> None:
    services = app.services
    person = await services.users.by_id(due.user_id)
    room = services.config.room(due.room)
    if person is None or person.telegram_id is None or room is None:
        await services.checkins.not_delivered(checkin_id)
        return
    t = translator(person.language)
    try:
        await app.bot.send_message(person.telegram_id,
                                   t.bidi(checkin_text(t, person.name, room.name)),
                                   reply_markup=checkin_markup(t, checkin_id))
    except Forbidden:
        followup_id = await services.checkins.blocked(checkin_id)
        if followup_id is not None:
            await announce_followup(app, followup_id)
        return
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            followup_id = await services.checkins.blocked(checkin_id)
            if followup_id is not None:
                await announce_followup(app, followup_id)
        else:
            log.warning("check-in %s not sent: %s", checkin_id, exc.message)
            await services.checkins.not_delivered(checkin_id)
        return
    except TimedOut:
        # It may have arrived: never risk a second message this week.
        log.warning("check-in %s timed out; not resent", checkin_id)
        return
    except TelegramError as exc:
        log.warning("check-in %s not sent, retrying next tick: %s", checkin_id, exc)
        await services.checkins.not_delivered(checkin_id)
        return
    await services.checkins.delivered(checkin_id)


async def tick(app: BuurtApplication, now) -> None:
    """Retention, the weekly send, escalations and the weekly summary; each exactly once."""
    service = app.services.checkins
    await service.erase_expired(now)
    for due in await service.due(now):
        checkin_id, followup_id = await service.claim(due)
        if checkin_id is not None:
            await _send_checkin(app, due, checkin_id)
        elif followup_id is not None:
            await announce_followup(app, followup_id)
    if now.hour < 8 or now.hour >= 21:
        return
    for followup_id in await service.escalate_no_answer(now):
        await announce_followup(app, followup_id)
    for followup in await service.escalate_untaken(now):
        await _tell(app, await app.services.users.coordinators(followup.room), followup.id,
                    escalated=True)
    for room_id, week, counts in await service.weekly_summaries(now):
        room = app.services.config.rooms[room_id]
        for coordinator in await app.services.users.coordinators(room_id):
            await notify(app, coordinator, _summary(room.name, week, counts))


# --- wiring --------------------------------------------------------------------------------


def build_phone_conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_phone, pattern=r"^chk:phone$")],
        states={
            PHONE: [
                MessageHandler(filters.CONTACT, phone_contact),
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               phone_text),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, phone_other),
            ],
        },
        fallbacks=[CallbackQueryHandler(ask_phone, pattern=r"^chk:phone$")],
        name="checkins_phone",
        persistent=True,
        allow_reentry=True,
    )


def build_note_conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_note, pattern=r"^chk:done:")],
        states={
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               note_text),
                CallbackQueryHandler(note_skip, pattern=r"^chk:nonote$"),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, note_other),
            ],
        },
        fallbacks=[CallbackQueryHandler(ask_note, pattern=r"^chk:done:")],
        name="checkins_note",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_phone_conversation())
    app.add_handler(build_note_conversation())
    app.add_handler(CommandHandler("belronde", belronde_command))
    app.add_handler(CallbackQueryHandler(resident_menu, pattern=r"^menu:checkins$"))
    app.add_handler(CallbackQueryHandler(followups_menu, pattern=r"^menu:followups$"))
    for pattern, callback in (
        (r"^chk:on$", opt_in),
        (r"^chk:no$", no_thanks),
        (r"^chk:stop$", stop),
        (r"^chk:days$", ask_day),
        (r"^chk:day:", set_day),
        (r"^chk:parts$", ask_part),
        (r"^chk:part:", set_part),
        (r"^chk:pauses$", ask_pause),
        (r"^chk:pause:", set_pause),
        (r"^chk:resume$", resume),
        (r"^chk:a:", answer),
        (r"^chk:take:", take),
        (r"^chk:people$", people),
        (r"^chk:xa:", toggle_attention),
        (r"^chk:me$", own_checkin),
        (r"^chk:", unknown_chk),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    jobs.add_tick(app, "checkins", tick)  # type: ignore[arg-type]
