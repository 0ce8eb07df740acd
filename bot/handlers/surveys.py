"""Survey rounds in the chat: /enquete for volunteers and coordinators, one-tap answers.

- Coordinators start a round (residents or volunteers; one room or all), see the response
  rate, close it and read the results (only from 5 answers on).
- Volunteers see the open rounds of their room and enter paper forms with the same buttons.
- Residents and volunteers answer the question the bot sent them; the first message goes out
  through the announcements outbox (see :func:`render_first`).

Buttons: the actions in :mod:`bot.actions.surveys`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot.actions import Action
from bot.actions.menu import MenuSurveys
from bot.actions.surveys import (
    ALL_ROOMS,
    SurveyAnswer,
    SurveyClose,
    SurveyCloseConfirmed,
    SurveyGo,
    SurveyKind,
    SurveyList,
    SurveyNew,
    SurveyPaperAnswer,
    SurveyPaperNew,
    SurveyRedo,
    SurveyResults,
    SurveyRoom,
)
from bot.channels.telegram import from_markup
from bot.context import BotContext, BuurtApplication
from bot.handlers import routing
from bot.handlers.common import (
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
from bot.services.announcements import Views
from bot.services.surveys import (
    AGREE_SCALE,
    DONT_KNOW,
    MIN_ANSWERS,
    QUESTIONS,
    Aggregate,
    AnswerResult,
    SurveyError,
)
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER
from bot.store.broadcasts import BroadcastRow
from bot.store.outbox import OutboxRow
from bot.store.surveys import SurveyRound

ALL = ALL_ROOMS


# --- rendering --------------------------------------------------------------------------


def round_label(t: Translator, found: SurveyRound, rooms: dict[str, Any]) -> str:
    who = t._("Residents") if found.kind == "residents" else t._("Volunteers")
    room = rooms[found.room].name if found.room in rooms else t._("all BuurtWerkKamers")
    return f"{who} · {room}"


def question_text(t: Translator, kind: str, index: int, *, intro: bool = False,
                  paper: bool = False) -> str:
    questions = QUESTIONS[kind]
    lines = []
    if paper:
        lines.append(t._("📝 Paper form. Tap the answers as the resident marked them on paper."))
    elif intro:
        if kind == "residents":
            lines.append(t._("🗳 The BuurtWerkKamer would like to know what you think. "
                             "There are two short questions. Your answers are anonymous."))
        else:
            lines.append(t._("🗳 A short question for our volunteers. Your answer is "
                             "anonymous."))
    if len(questions) > 1:
        lines.append(t._("Question {number} of {total}").format(
            number=t.number(index + 1), total=t.number(len(questions))))
    lines.append(f"<b>{t._(questions[index].text)}</b>")
    return "\n\n".join(lines)


#: Builds the action of one answer button from (question index, answer value).
AnswerAction = Callable[[int, int], Action]


def own_answer(round_id: int) -> AnswerAction:
    """The respondent's own answers to a round."""
    return lambda index, value: SurveyAnswer(round_id, index, value)


def paper_answer_of(round_id: int, form: str) -> AnswerAction:
    """The answers of one paper form, entered by a volunteer."""
    return lambda index, value: SurveyPaperAnswer(round_id, form, index, value)


def answer_buttons(t: Translator, kind: str, index: int,
                   make: AnswerAction) -> InlineKeyboardMarkup:
    """The one-tap answers to question ``index``; ``make`` gives each button's action."""
    question = QUESTIONS[kind][index]
    dont_know = ("🤷 " + t._("I do not know"), make(index, DONT_KNOW))
    if question.scale == "agree":
        rows = [[(f"{icon} {t._(label)}", make(index, value))]
                for value, (icon, label) in AGREE_SCALE.items()]
    else:
        rows = [[(t.number(n), make(index, n)) for n in range(1, 6)],
                [(t.number(n), make(index, n)) for n in range(6, 11)]]
    return kb([*rows, [dont_know]])


def render_first(t: Translator, found: SurveyRound) -> tuple[str, InlineKeyboardMarkup]:
    """The intro and the first question (the outbox sends it; ``/enquete`` shows it again)."""
    return (question_text(t, found.kind, 0, intro=True),
            answer_buttons(t, found.kind, 0, own_answer(found.id)))


def percent(t: Translator, share: float) -> str:
    return t.number(round(share * 100))


def render_aggregate(t: Translator, kind: str, result: Aggregate) -> str:
    question = next(q for q in QUESTIONS[kind] if q.key == result.question)
    head = f"<i>{t._(question.text)}</i>\n"
    if result.too_few:
        return head + t._("→ Too few answers to show ({n}; at least {min} are needed).").format(
            n=t.number(result.n), min=t.number(MIN_ANSWERS))
    assert result.value is not None
    if question.scale == "agree":
        text = t.ngettext("→ {percent} % agree ({n} answer)", "→ {percent} % agree ({n} answers)",
                          result.n).format(percent=percent(t, result.value), n=t.number(result.n))
    else:
        text = t.ngettext("→ average {score} ({n} answer)", "→ average {score} ({n} answers)",
                          result.n).format(score=t.number(round(result.value, 1)),
                                           n=t.number(result.n))
    if result.dont_know:
        text += "; " + t.ngettext("{n} does not know", "{n} do not know",
                                  result.dont_know).format(n=t.number(result.dont_know))
    return head + text


# --- answering ---------------------------------------------------------------------------


async def _answered(update: Update, context: BotContext, result: AnswerResult, *,
                    paper_form: str | None = None) -> None:
    t = context.t
    found = result.round
    assert found is not None
    if result.code == "closed":
        await reply(update, context, t._("This survey is closed. Nothing was saved. Thank you "
                                         "for your time!"))
        return
    if result.code == "not_for_you":
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("This survey is not for you. Nothing was saved."), alert=True)
        return
    if result.code == "not_asked":
        await stale_button(update, context)
        return
    if result.code == "next":
        make = paper_answer_of(found.id, paper_form) if paper_form else own_answer(found.id)
        await reply(update, context,
                    question_text(t, found.kind, result.index, paper=paper_form is not None),
                    answer_buttons(t, found.kind, result.index, make))
        return
    if paper_form:
        await reply(update, context, t._("✅ Paper form saved. Thank you!"), one_per_row([
            (t._("📝 Next paper form"), SurveyPaperNew(found.id)),
            (t._("⬅️ Back to the surveys"), SurveyList()),
        ]))
        return
    await reply(update, context,
                t._("🙏 Thank you! Your answers are anonymous. You can change them until the "
                    "survey closes."),
                one_per_row([(t._("✏️ Change my answers"), SurveyRedo(found.id))]))


async def answer(update: Update, context: BotContext, act: SurveyAnswer) -> None:
    if context.person is None:
        await stale_button(update, context)
        return
    try:
        result = await context.services.surveys.answer(context.person, act.round_id,
                                                       act.index, act.value)
    except SurveyError:
        await stale_button(update, context)
        return
    await _answered(update, context, result)


async def redo(update: Update, context: BotContext, act: SurveyRedo) -> None:
    if context.person is None:
        await stale_button(update, context)
        return
    found = await context.services.surveys.get(act.round_id)
    if found is None:
        await stale_button(update, context)
        return
    if not found.is_open:
        await _answered(update, context, AnswerResult("closed", found))
        return
    if await context.services.surveys.respondent_answers(context.person, found.id) is None:
        await stale_button(update, context)
        return
    await reply(update, context, question_text(context.t, found.kind, 0),
                answer_buttons(context.t, found.kind, 0, own_answer(found.id)))


async def paper_new(update: Update, context: BotContext, act: SurveyPaperNew) -> None:
    found = await context.services.surveys.get(act.round_id)
    if found is None or found.kind != "residents":
        await stale_button(update, context)
        return
    if not found.is_open:
        await _answered(update, context, AnswerResult("closed", found))
        return
    form = context.services.surveys.new_form_key()
    await reply(update, context, question_text(context.t, found.kind, 0, paper=True),
                answer_buttons(context.t, found.kind, 0, paper_answer_of(found.id, form)))


async def paper_answer(update: Update, context: BotContext, act: SurveyPaperAnswer) -> None:
    form = act.form
    try:
        result = await context.services.surveys.paper_answer(
            context.person, act.round_id, form, act.index, act.value)  # type: ignore[arg-type]
    except SurveyError:
        await stale_button(update, context)
        return
    await _answered(update, context, result, paper_form=form)


# --- the overview: /enquete --------------------------------------------------------------


@requires(RESIDENT)
async def overview(update: Update, context: BotContext) -> None:
    """/enquete: volunteers and coordinators see the rounds; a resident their open question."""
    person, t = context.person, context.t
    assert person is not None
    if not person.has_role(VOLUNTEER):
        await _resident_overview(update, context)
        return
    surveys = context.services.surveys
    rooms = context.services.config.rooms
    lines = [t._("🗳 <b>Surveys</b>")]
    buttons: list[tuple[str, Action]] = []
    open_rounds = await surveys.open_rounds(person)
    if not open_rounds:
        lines.append(t._("There is no survey round open now."))
    for found, progress in open_rounds:
        label = round_label(t, found, rooms)
        rate = percent(t, progress["answered"] / progress["asked"]) if progress["asked"] else "0"
        lines.append("• " + t.ngettext(
            "{round}, since {date}: {answered} of {asked} person answered ({percent} %), "
            "{paper} on paper.",
            "{round}, since {date}: {answered} of {asked} people answered ({percent} %), "
            "{paper} on paper.", progress["asked"]).format(
            round=label, date=t.date(found.started_on), answered=t.number(progress["answered"]),
            asked=t.number(progress["asked"]), percent=rate, paper=t.number(progress["paper"])))
        if found.kind == "residents":
            buttons.append((t._("📝 Enter a paper form: {round}").format(round=label),
                            SurveyPaperNew(found.id)))
        if person.has_role(COORDINATOR):
            buttons.append((t._("⏹ Close: {round}").format(round=label),
                            SurveyClose(found.id)))
    if person.has_role(COORDINATOR):
        buttons.append((t._("▶️ Start a survey round"), SurveyNew()))
        closed = await surveys.recent_closed(person)
        if closed:
            lines.append(t._("Closed lately:"))
        for found in closed:
            label = round_label(t, found, rooms)
            lines.append("• " + t.ngettext(
                "{round}, {date}: {answered} of {asked} person answered, {paper} on paper.",
                "{round}, {date}: {answered} of {asked} people answered, {paper} on paper.",
                found.asked).format(
                round=label, date=t.date(found.started_on), answered=t.number(found.answered),
                asked=t.number(found.asked), paper=t.number(found.paper)))
            buttons.append((t._("📊 Results: {round}, {date}").format(
                round=label, date=t.date(found.started_on)), SurveyResults(found.id)))
    await reply(update, context, "\n".join(lines), one_per_row(buttons) if buttons else None,
                edit=update.callback_query is not None)


async def _resident_overview(update: Update, context: BotContext) -> None:
    """A resident asked in an open round who has not answered gets the first question again."""
    person = context.person
    assert person is not None
    surveys = context.services.surveys
    for row in await surveys.open_for(person):
        found = await surveys.get(row)
        if found is not None and found.is_open:
            text, markup = render_first(context.t, found)
            await reply(update, context, text, markup, edit=False)
            return
    await reply(update, context, context.t._("There is no survey for you now. When there is "
                                             "one, the bot sends it to you."), edit=False)


async def list_rounds(update: Update, context: BotContext, act: SurveyList) -> None:
    await overview(update, context)


async def choose_kind(update: Update, context: BotContext, act: SurveyNew) -> None:
    t = context.t
    await reply(update, context, t._("Who do you want to ask?"), one_per_row([
        (t._("🏠 Residents: confidence and living in the neighbourhood"), SurveyKind("residents")),
        (t._("🤝 Volunteers: how happy they are (1 to 10)"), SurveyKind("volunteers")),
        (t._("⬅️ Back to the surveys"), SurveyList()),
    ]))


async def choose_room(update: Update, context: BotContext, act: SurveyKind) -> None:
    t, kind = context.t, act.kind
    buttons: list[tuple[str, Action]] = [
        (room.name, SurveyRoom(kind, room.id)) for room in context.services.config.rooms.values()]
    buttons.append((t._("All BuurtWerkKamers"), SurveyRoom(kind, ALL)))
    buttons.append((t._("⬅️ Back to the surveys"), SurveyList()))
    await reply(update, context, t._("For which BuurtWerkKamer?"), one_per_row(buttons))


async def _target(update: Update, context: BotContext, act: SurveyRoom | SurveyGo
                  ) -> tuple[bool, str | None]:
    """Whether the button's kind and room (``all``: None) still exist, and the room; when
    not, the stale-button answer is given."""
    room = None if act.room == ALL else act.room
    if act.kind in QUESTIONS and (room is None or room in context.services.config.rooms):
        return True, room
    await stale_button(update, context)
    return False, None


async def preview(update: Update, context: BotContext, act: SurveyRoom) -> None:
    ok, room = await _target(update, context, act)
    if not ok:
        return
    t, kind = context.t, act.kind
    reachable, unreachable = await context.services.surveys.preview(
        context.person, kind, room)  # type: ignore[arg-type]
    rooms = context.services.config.rooms
    where = rooms[room].name if room else t._("all BuurtWerkKamers")
    lines = [t.ngettext("The survey goes to {n} person ({where}).",
                        "The survey goes to {n} people ({where}).", reachable).format(
        n=t.number(reachable), where=where)]
    if unreachable:
        lines.append(t.ngettext(
            "{n} person cannot be reached in the chat: you can give them a paper form.",
            "{n} people cannot be reached in the chat: you can give them a paper form.",
            unreachable).format(n=t.number(unreachable)))
    lines.append(t._("This is what they see:"))
    lines.append(question_text(t, kind, 0, intro=True))
    nonce = secrets.token_hex(4)
    await reply(update, context, "\n\n".join(lines), one_per_row([
        (t._("✅ Send the survey"), SurveyGo(kind, act.room, nonce)),
        (t._("⬅️ Back to the surveys"), SurveyList()),
    ]))


async def go(update: Update, context: BotContext, act: SurveyGo) -> None:
    ok, room = await _target(update, context, act)
    if not ok:
        return
    t, person = context.t, context.person
    assert person is not None and update.effective_chat is not None
    kind = act.kind
    try:
        found, created = await context.services.surveys.start_round(
            person, kind=kind, room=room,
            draft_key=f"survey:{person.id}:{kind}:{act.room}:{act.nonce}",
            chat_id=update.effective_chat.id)
    except SurveyError as exc:
        if exc.code == "already_open" and exc.round is not None:
            text = t._("A survey round is already open: {round}. Close it first, then start "
                       "a new one.").format(round=round_label(t, exc.round,
                                                              context.services.config.rooms))
        elif exc.code == "nobody":
            text = t._("Nobody can be asked in the chat there yet. Nothing was sent.")
        else:
            await stale_button(update, context)
            return
        await reply(update, context, text,
                    one_per_row([(t._("⬅️ Back to the surveys"), SurveyList())]))
        return
    label = round_label(t, found, context.services.config.rooms)
    text = t.ngettext(
        "✅ The survey round has started: {round}. It goes out now, to {n} person. "
        "Tap /enquete to see how many answered.",
        "✅ The survey round has started: {round}. It goes out now, to {n} people. "
        "Tap /enquete to see how many answered.", found.asked).format(
        round=label, n=t.number(found.asked))
    held = context.services.surveys.after_night(found.started_at)
    if held is not None:
        text = t.ngettext(
            "✅ The survey round has started: {round}. It is night now, so it goes out to "
            "{n} person at {time}. Tap /enquete to see how many answered.",
            "✅ The survey round has started: {round}. It is night now, so it goes out to "
            "{n} people at {time}. Tap /enquete to see how many answered.", found.asked).format(
            round=label, n=t.number(found.asked), time=t.time(held))
    if not created:
        text = t._("This survey round was already started: {round}.").format(round=label)
    await reply(update, context, text,
                one_per_row([(t._("⬅️ Back to the surveys"), SurveyList())]))


async def confirm_close(update: Update, context: BotContext, act: SurveyClose) -> None:
    found = await context.services.surveys.get(act.round_id)
    if found is None:
        await stale_button(update, context)
        return
    t = context.t
    if not found.is_open:
        await show_results(update, context, found)
        return
    await reply(update, context,
                t._("Close this survey round? {round}\nAfter closing, nobody can answer any "
                    "more, and the bot forgets who answered. Only the counts stay.").format(
                    round=round_label(t, found, context.services.config.rooms)),
                kb([[(t._("⏹ Yes, close"), SurveyCloseConfirmed(found.id))],
                    [(t._("No"), SurveyList())]]))


async def close(update: Update, context: BotContext, act: SurveyCloseConfirmed) -> None:
    try:
        found, _closed = await context.services.surveys.close_round(context.person, act.round_id)  # type: ignore[arg-type]
    except SurveyError:
        await stale_button(update, context)
        return
    await show_results(update, context, found)


async def results(update: Update, context: BotContext, act: SurveyResults) -> None:
    found = await context.services.surveys.get(act.round_id)
    if found is None:
        await stale_button(update, context)
        return
    await show_results(update, context, found)


async def show_results(update: Update, context: BotContext, found: SurveyRound) -> None:
    t = context.t
    rooms = context.services.config.rooms
    label = round_label(t, found, rooms)
    state = t._("closed") if not found.is_open else t._("still open")
    lines = [t._("📊 <b>{round}</b> ({state})").format(round=label, state=state)]
    if not found.is_open:
        lines.append(t.ngettext(
            "{answered} of {asked} person answered in the chat, {paper} on paper.",
            "{answered} of {asked} people answered in the chat, {paper} on paper.",
            found.asked).format(
            answered=t.number(found.answered), asked=t.number(found.asked),
            paper=t.number(found.paper)))
    for result in await context.services.surveys.results(found):
        lines.append(render_aggregate(t, found.kind, result))
    await reply(update, context, "\n\n".join(lines),
                one_per_row([(t._("⬅️ Back to the surveys"), SurveyList())]))


# --- the outbox: first message and the coordinator's "sent" --------------------------------


def _install_outbox(app: BuurtApplication) -> None:
    services = app.services

    @services.outbox.renderer("survey")
    async def render(app_: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
        broadcast = await services.announcements.get(int(row.ref))  # ref: the broadcast
        found = await services.surveys.get(broadcast.ref or 0) if broadcast else None
        if found is None or not found.is_open:
            return None  # closed before it went out: nothing to ask any more
        text, markup = render_first(t, found)
        return OutMessage(t.bidi(text), from_markup(markup))

    def report(broadcast: BroadcastRow, counts: dict[str, int], groups: list[Any]
               ) -> OutMessage | None:
        t = translator(broadcast.coordinator_language)
        text = t.ngettext(
            "🗳 The survey has gone out: {sent} of {total} person reached. Tap /enquete to "
            "see how many answered.",
            "🗳 The survey has gone out: {sent} of {total} people reached. Tap /enquete to "
            "see how many answered.", broadcast.total).format(
            sent=t.number(counts["sent"]), total=t.number(broadcast.total))
        return OutMessage(t.bidi(text))

    services.announcements.views["survey"] = Views(report=report)


async def tick(app: BuurtApplication, now: Any) -> None:
    """Rounds started at night go out in the morning."""
    await app.services.surveys.release_held(now)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    _install_outbox(app)  # type: ignore[arg-type]
    add_tick(app, "surveys", tick)  # type: ignore[arg-type]
    app.add_handler(CommandHandler("enquete", overview, filters=private))
    app.add_handler(routing.on(MenuSurveys, routing.same_as(overview)))
    for handler in (
        routing.on(SurveyList, list_rounds),  # overview checks the role itself
        routing.on(SurveyAnswer, answer),
        routing.on(SurveyRedo, redo),
        routing.on(SurveyPaperNew, paper_new, role=VOLUNTEER),
        routing.on(SurveyPaperAnswer, paper_answer, role=VOLUNTEER),
        routing.on(SurveyNew, choose_kind, role=COORDINATOR),
        routing.on(SurveyKind, choose_room, role=COORDINATOR),
        routing.on(SurveyRoom, preview, role=COORDINATOR),
        routing.on(SurveyGo, go, role=COORDINATOR),
        routing.on(SurveyClose, confirm_close, role=COORDINATOR),
        routing.on(SurveyCloseConfirmed, close, role=COORDINATOR),
        routing.on(SurveyResults, results, role=COORDINATOR),
    ):
        app.add_handler(handler)
