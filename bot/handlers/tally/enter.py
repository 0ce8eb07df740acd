"""``/rapport`` → ✏️ Enter a value: the coordinator enters what the bot cannot count.

    tal:e ─► room ─► indicator ─► period ─► VALUE (text) ─► stored ("entered by the coordinator")

Every step's button carries what was chosen before, and each is checked again (a configured
room, an enterable indicator, a period that has started), so an old or forged button stores
nothing. The value is stored once, in one transaction, when it is valid; typing it again
replaces it (one value per room, indicator and period).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from telegram import Update

from bot.actions.tally import EnterIndicator, EnterPeriod, EnterRoom, EnterValue
from bot.context import BotContext
from bot.handlers.common import END, MAX_TEXT, kb, reply, requires, stale_button
from bot.i18n import Translator, shorten
from bot.indicators_catalog import BY_KEY, INDICATORS
from bot.services.indicators import ALL, IndicatorError
from bot.services.tally import Period, ReportError
from bot.services.users import COORDINATOR

VALUE = "tal_value"
DRAFT = "tal_enter"


def _period_choices(today: date) -> list[Period]:
    quarter = (today.month - 1) // 3 + 1
    this_q = Period.quarter(today.year, quarter)
    before = this_q.start - timedelta(days=1)
    last_q = Period.quarter(before.year, (before.month - 1) // 3 + 1)
    return [Period.year(today.year), Period.year(today.year - 1), this_q, last_q]


def _hint(t: Translator, kind: str) -> str:
    return {
        "percent": t._("Type a percentage, for example 2.5."),
        "score": t._("Type a score from 0 to 10, for example 8.2."),
        "positive": t._("Type positive or negative."),
    }.get(kind, t._("Type a whole number, for example 180."))


async def start(update: Update, context: BotContext, act: EnterValue) -> object:
    t = context.t
    rooms = context.services.config.rooms
    rows = [[(room.name, EnterRoom(rid))] for rid, room in rooms.items()]
    await reply(update, context, t._("Enter a value the bot cannot count. For which room?"),
                kb(rows))
    return END


async def choose_room(update: Update, context: BotContext, act: EnterRoom) -> object:
    if act.room not in context.services.config.rooms:
        return await stale_button(update, context)
    t = context.t
    rows = [[(shorten(t._(i.label), 60), EnterIndicator(act.room, i.key))]
            for i in INDICATORS if i.enterable]
    await reply(update, context, t._("Which indicator?"), kb(rows))
    return END


def _enterable(context: BotContext, room: str, key: str) -> bool:
    """A configured room and an indicator the coordinator may enter (checked on every step)."""
    spec = BY_KEY.get(key)
    return room in context.services.config.rooms and spec is not None and spec.enterable


async def choose_indicator(update: Update, context: BotContext, act: EnterIndicator) -> object:
    if not _enterable(context, act.room, act.indicator):
        return await stale_button(update, context)
    t = context.t
    today = context.services.clock.now().date()
    from bot.services.report_render import period_label_of

    rows = [[(period_label_of(t, p), EnterPeriod(act.room, act.indicator, p.key))]
            for p in _period_choices(today)]
    await reply(update, context, t._("For which period?"), kb(rows))
    return END


async def choose_period(update: Update, context: BotContext, act: EnterPeriod) -> object:
    if not _enterable(context, act.room, act.indicator):
        return await stale_button(update, context)
    t = context.t
    try:
        period = Period.parse(act.period)
        period.checked(context.services.clock.now().date())
    except ReportError:
        return await stale_button(update, context)
    spec = BY_KEY[act.indicator]
    context.user_data[DRAFT] = {"room": act.room, "key": act.indicator, "period": period.key}  # type: ignore[index]
    from bot.services.report_render import period_label_of

    text = t._("{indicator}\n{room}, {period}.").format(
        indicator=escape(t._(spec.label)), room=escape(context.services.config.rooms[
            act.room].name), period=period_label_of(t, period))
    extra = ""
    if act.indicator == "placements":
        extra = "\n" + t._("You may add a short note after the number, without names "
                           "(for example: 3 learning-work places in the garden).")
    await reply(update, context, text + "\n\n" + _hint(t, spec.kind) + extra)
    return VALUE


@requires(COORDINATOR)
async def got_value(update: Update, context: BotContext) -> object:
    t = context.t
    draft = context.user_data.get(DRAFT)  # type: ignore[union-attr]
    if not isinstance(draft, dict):
        return END
    text = (update.message.text or "")[:MAX_TEXT].strip()  # type: ignore[union-attr]
    spec = BY_KEY[draft["key"]]
    value_text, note = text, None
    if spec.key == "placements" and " " in text:
        value_text, note = text.split(" ", 1)
    period = Period.parse(draft["period"])
    try:
        value, replaced = await context.services.indicators.enter(
            room=draft["room"], indicator=spec.key, start=period.start, end=period.end,
            period_key=period.key, text=value_text, note=note)
    except IndicatorError as exc:
        if exc.reason == IndicatorError.BAD_NOTE and exc.detail == "personal":
            await reply(update, context, t._("Please leave phone numbers and e-mail addresses "
                                             "out of the note. It is about the place, not "
                                             "the person."))
        elif exc.reason == IndicatorError.BAD_NOTE:
            await reply(update, context, t._("That note is too long. Keep it under 200 "
                                             "characters, without names."))
        elif exc.reason == IndicatorError.BAD_VALUE:
            await reply(update, context, t._("That is not a value I can use here.") + " "
                        + _hint(t, spec.kind))
        else:
            context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
            await reply(update, context, t._("This value cannot be entered."))
            return END
        return VALUE
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    from bot.services.report_render import period_label_of, value_of

    shown = value_of(t, spec, value)
    message = (t._("Replaced: {indicator} for {period} is now {value}.") if replaced
               else t._("Stored: {indicator} for {period} is {value}."))
    room = draft["room"]
    await reply(update, context, message.format(
        indicator=escape(shorten(t._(spec.label), 60)), period=period_label_of(t, period),
        value=shown) + "\n" + t._("The report shows it as entered by the coordinator."),
        kb([[(t._("✏️ Enter another value"), EnterRoom(room))]]))
    return END


__all__ = ["ALL", "VALUE", "choose_indicator", "choose_period", "choose_room", "got_value",
           "start"]
