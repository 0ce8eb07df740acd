"""The belronde's messages through the outbox: the weekly question, the follow-up notice, the
escalation to the coordinators and the weekly summary (one renderer per kind).

The service writes each as an outbox row together with the claim or change that causes it
(:mod:`bot.services.checkins`); here they are rendered at send time, in the recipient's
language. A notice that went stale before it could go out (the call was taken by someone else,
done, or superseded by a newer entry) renders as None and is skipped. After a check-in's row
ends, :meth:`CheckinService.settle` counts it as delivered, or puts a resident we cannot reach
on the "to call" list.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from bot.clock import from_db
from bot.context import BuurtApplication
from bot.handlers.checkins.texts import (
    ANSWER_CODES,
    ANSWER_LABELS,
    about_lines,
    call_button,
    checkin_text,
    reason_sentence,
)
from bot.i18n import Translator
from bot.messaging.message import Button, OutMessage, Receipt
from bot.services.checkins import ESCALATION, FOLLOWUP, QUESTION, SUMMARY, FollowupView
from bot.store.outbox import OutboxRow


def followup_notice(t: Translator, view: FollowupView, room_name: str, *, escalated: bool,
                    since: datetime | None = None) -> OutMessage:
    """The notice about one resident, in the volunteer's (or coordinator's) language."""
    head = (t._("⏰ Nobody has called this person for a day. Can you call?") if escalated
            else t._("📞 Belronde {room}: someone would like a call.").format(
                room=escape(room_name)))
    lines = [head, reason_sentence(t, view)]
    if since is not None:
        lines.append(t._("Asked on {moment}. We waited until the morning so nobody was woken "
                         "up.").format(moment=t.datetime(since)))
    lines.extend(about_lines(t, view))
    label, action = call_button(t, view)
    return OutMessage("\n".join(lines), ((Button(label, action),),), lang=t.language)


def summary(t: Translator, room_name: str, week: str, counts: dict[str, int]) -> str:
    return "\n".join([
        "<b>" + t._("Belronde {room}, week {week}").format(
            room=escape(room_name), week=week.split("-W")[-1].lstrip("0")) + "</b>",
        t._("Sent: {sent}. Answered: {answered}.").format(
            sent=t.number(counts["sent"]), answered=t.number(counts["answered"])),
        t.join(f"{t._(label)} {t.number(counts[key])}" for key, label in (
            ("good", ANSWER_LABELS["good"]), ("okay", ANSWER_LABELS["okay"]),
            ("bad", ANSWER_LABELS["bad"]), ("call_me", ANSWER_LABELS["call"]),
            ("visit", ANSWER_LABELS["visit"]))),
        t._("Follow-ups: {opened} opened, {done} done.").format(
            opened=t.number(counts["followups"]), done=t.number(counts["followups_done"])),
    ])


# --- renderers (fn(app, row, t) -> OutMessage | None) ---------------------------------------


async def render_question(app: BuurtApplication, row: OutboxRow, t: Translator
                          ) -> OutMessage | None:
    from bot.actions.checkins import CheckinAnswer

    services = app.services
    checkin = await services.checkins.checkin(int(row.params["checkin"]))  # type: ignore[index]
    person = await services.users.by_id(row.person_id or 0)
    room = services.config.room(checkin.room) if checkin else None
    if checkin is None or person is None or room is None or checkin.status != "sending":
        return None  # erased, answered, or no longer a room of this bot
    if not await services.checkins.subscribed(person):
        return None  # stopped before it went out
    buttons = tuple((Button(t._(ANSWER_LABELS[value]), CheckinAnswer(checkin.id, code)),)
                    for code, value in ANSWER_CODES.items())
    return OutMessage(checkin_text(t, person.name, room.name), buttons, lang=t.language)


async def _render_followup(app: BuurtApplication, row: OutboxRow, t: Translator, *,
                           escalated: bool) -> OutMessage | None:
    services = app.services
    params: dict[str, Any] = row.params or {}
    found = await services.checkins.followup_by_id(int(params["followup"]))
    person = await services.users.by_id(row.person_id or 0)
    if found is None or person is None or found.done_at is not None:
        return None  # erased, called already, or superseded by a newer entry
    if found.taken_by is not None and found.taken_by != person.id:
        return None  # someone else is calling them
    view = await services.checkins.followup(person, found.id)
    if view is None:
        return None  # no longer theirs to see (left the room)
    room = services.config.room(found.room)
    since = from_db(params["since"]) if params.get("since") else None
    return followup_notice(t, view, room.name if room else "-", escalated=escalated,
                           since=since)


async def render_followup(app: BuurtApplication, row: OutboxRow, t: Translator
                          ) -> OutMessage | None:
    return await _render_followup(app, row, t, escalated=False)


async def render_escalation(app: BuurtApplication, row: OutboxRow, t: Translator
                            ) -> OutMessage | None:
    return await _render_followup(app, row, t, escalated=True)


def render_summary(app: BuurtApplication, row: OutboxRow, t: Translator) -> OutMessage | None:
    params: dict[str, Any] = row.params or {}
    room = app.services.config.room(params["room"])
    return OutMessage(summary(t, room.name if room else params["room"], params["week"],
                              params["counts"]), lang=t.language)


async def _question_sent(app: BuurtApplication, row: OutboxRow, receipt: Receipt) -> None:
    await app.services.checkins.settle(app.services.clock.now(), int(row.ref))


async def _question_ended(app: BuurtApplication, row: OutboxRow, state: str) -> None:
    await app.services.checkins.settle(app.services.clock.now(), int(row.ref))


def install(app: BuurtApplication) -> None:
    outbox = app.services.outbox
    outbox.renderer(QUESTION)(render_question)
    outbox.renderer(FOLLOWUP)(render_followup)
    outbox.renderer(ESCALATION)(render_escalation)
    outbox.renderer(SUMMARY)(render_summary)
    outbox.on_sent(QUESTION)(_question_sent)
    outbox.on_final(QUESTION)(_question_ended)
