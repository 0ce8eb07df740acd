"""Answering the weekly message: one tap, a short kind reply, maybe a follow-up."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.actions.checkins import CheckinAnswer, CheckinPhone
from bot.context import BotContext
from bot.handlers.checkins.texts import ANSWER_CODES, ANSWER_LABELS
from bot.handlers.common import kb, reply, safe_answer, stale_button
from bot.services.checkins import AnswerResult

# --- answering the weekly message -----------------------------------------------------


async def answer(update: Update, context: BotContext, act: CheckinAnswer) -> None:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    value = ANSWER_CODES[act.answer]
    result = await context.services.checkins.answer(context.person, act.checkin_id, value)
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
        if context.services.checkins.calls_today(person.room, context.services.clock.now()):
            lines.append(t._("Thank you for telling us. A volunteer will call you today."))
        else:
            lines.append(t._("Thank you for telling us. A volunteer will call you tomorrow."))
        if not person.row.phone:
            lines.append(t._("We do not have your phone number yet. Share it, so we can call "
                             "you."))
            markup = kb([[(t._("📞 Share my phone number"), CheckinPhone())]])
    await reply(update, context, "\n\n".join(lines), markup)
    if result.followup_id is not None:
        await context.services.outbox.deliver()  # the helpers' notices, queued with the answer


