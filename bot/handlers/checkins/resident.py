"""The resident's part: join, choose day and time of day, pause, resume and stop."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from telegram import Update

from bot.actions import Action
from bot.actions.checkins import (
    CheckinAskDay,
    CheckinAskPart,
    CheckinAskPause,
    CheckinNoThanks,
    CheckinOptIn,
    CheckinPause,
    CheckinPhone,
    CheckinResume,
    CheckinSetDay,
    CheckinSetPart,
    CheckinStop,
)
from bot.config import Room
from bot.context import BotContext
from bot.handlers.checkins.texts import DAYPART_LABELS, back_button
from bot.handlers.common import kb, reply, requires, safe_answer
from bot.services.checkins import DAYPARTS
from bot.services.users import RESIDENT

# --- the resident's part ---------------------------------------------------------------


async def resident_view(update: Update, context: BotContext, *, edit: bool = True) -> None:
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
                    kb([[(t._("✅ Yes, please"), CheckinOptIn())], [back_button(t)]]), edit=edit)
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
    pause_row = ((t._("▶️ Resume now"), CheckinResume()) if service.is_paused(sub)
                 else (t._("🏖 Pause"), CheckinAskPause()))
    await reply(update, context, "\n".join(lines), kb([
        [(t._("📅 Day"), CheckinAskDay()), (t._("🕐 Time of day"), CheckinAskPart())],
        [pause_row, (t._("📞 My phone number"), CheckinPhone())],
        [(t._("🛑 Stop the check-in"), CheckinStop())],
        [back_button(t)],
    ]), edit=edit)


async def offer_after_onboarding(update: Update, context: BotContext) -> None:
    """Onboarding's small hook: one extra message inviting the new resident to join."""
    t = context.t
    await reply(
        update, context,
        t._("Would you like a weekly check-in? Once a week we ask how you are, and a volunteer "
            "calls you if you want."),
        kb([[(t._("✅ Yes, please"), CheckinOptIn())], [(t._("No, thanks"), CheckinNoThanks())]]),
        edit=False,
    )


@requires(RESIDENT)
async def resident_menu(update: Update, context: BotContext) -> None:
    await resident_view(update, context)


async def opt_in(update: Update, context: BotContext, act: CheckinOptIn) -> None:
    assert context.person is not None
    await context.services.checkins.opt_in(context.person)
    await safe_answer(update.callback_query,  # type: ignore[arg-type]
                      context.t._("Thank you! You are in the weekly check-in."))
    await resident_view(update, context)


async def no_thanks(update: Update, context: BotContext, act: CheckinNoThanks) -> None:
    t = context.t
    await reply(update, context, t._("That is fine. You can always start it with /belronde."))


async def needs_subscription(update: Update, context: BotContext) -> None:
    t = context.t
    await safe_answer(update.callback_query,  # type: ignore[arg-type]
                      t._("You are not in the weekly check-in. Tap /belronde to join."),
                      alert=True)


async def _shown_or_refused(update: Update, context: BotContext, changed: object) -> None:
    """After a change to one's check-in: the overview again, or "join first" when the service
    changed nothing (``None``: the person is not in the check-in)."""
    if changed is None:
        await needs_subscription(update, context)
        return
    await resident_view(update, context)


async def stop(update: Update, context: BotContext, act: CheckinStop) -> None:
    assert context.person is not None
    t = context.t
    if not await context.services.checkins.stop(context.person):
        await needs_subscription(update, context)
        return
    await reply(update, context,
                t._("Stopped. You will not get the weekly check-in any more. You are always "
                    "welcome in the BuurtWerkKamer."),
                kb([[(t._("Start again"), CheckinOptIn())], [back_button(t)]]))


async def _ask_or_room_default(update: Update, context: BotContext, question: str,
                               rows: list[list[tuple[str, Action]]],
                               default: Callable[[Room], tuple[str, Action]]) -> None:
    """A check-in setting's choices, and below them "the room's own" (when the person's room
    is known): the day or time of the room's belronde."""
    room = context.services.config.room(context.person.room)  # type: ignore[union-attr]
    if room is not None:
        rows.append([default(room)])
    await reply(update, context, question, kb(rows))


async def ask_day(update: Update, context: BotContext, act: CheckinAskDay) -> None:
    t = context.t
    buttons = [(t.weekday(i).capitalize(), CheckinSetDay(str(i))) for i in range(7)]
    await _ask_or_room_default(
        update, context, t._("On which day would you like our message?"),
        [buttons[i : i + 2] for i in range(0, 7, 2)],
        lambda room: (t._("The room's day ({weekday})").format(
            weekday=t.weekday(room.belronde.weekday)), CheckinSetDay("d")))


async def set_day(update: Update, context: BotContext, act: CheckinSetDay) -> None:
    checkins = context.services.checkins
    await _shown_or_refused(update, context, await checkins.set_weekday(
        context.person, act.weekday))  # type: ignore[arg-type]


async def ask_part(update: Update, context: BotContext, act: CheckinAskPart) -> None:
    t = context.t
    await _ask_or_room_default(
        update, context, t._("At what time of day?"),
        [[(f"{t._(DAYPART_LABELS[part])} ({t.time(at)})", CheckinSetPart(part))]
         for part, at in DAYPARTS.items()],
        lambda room: (t._("The room's time ({time})").format(time=t.time(room.belronde.at)),
                      CheckinSetPart("d")))


async def set_part(update: Update, context: BotContext, act: CheckinSetPart) -> None:
    checkins = context.services.checkins
    await _shown_or_refused(update, context, await checkins.set_daypart(
        context.person, act.daypart))  # type: ignore[arg-type]


async def ask_pause(update: Update, context: BotContext, act: CheckinAskPause) -> None:
    t = context.t
    choices = context.services.checkins.pause_choices()
    await reply(
        update, context,
        t._("Going away? Until when should we pause the check-in? You get no message until "
            "then."),
        kb([*([(t._("Until {date}").format(date=t.date(day)), CheckinPause(day.isoformat()))]
              for day in choices), [back_button(t)]]),
    )


async def set_pause(update: Update, context: BotContext, act: CheckinPause) -> None:
    service = context.services.checkins
    t = context.t
    if not service.valid_pause(act.day):
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("That date cannot be chosen. Please pick one of the buttons."),
                          alert=True)
        return
    await _shown_or_refused(update, context, await service.pause(context.person, act.day))  # type: ignore[arg-type]


async def resume(update: Update, context: BotContext, act: CheckinResume) -> None:
    checkins = context.services.checkins
    await _shown_or_refused(update, context,
                            await checkins.resume(context.person))  # type: ignore[arg-type]
