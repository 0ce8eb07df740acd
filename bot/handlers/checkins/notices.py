"""Telling volunteers and coordinators: a new follow-up, an escalation, the weekly summary."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape

from telegram.error import TelegramError

from bot.context import BuurtApplication
from bot.handlers.checkins.texts import (
    ANSWER_LABELS,
    about_lines,
    call_button,
    reason_sentence,
)
from bot.handlers.common import kb, notify
from bot.handlers.delivery import Retry
from bot.i18n import Translator
from bot.services.checkins import FollowupView, is_quiet
from bot.services.users import Person
from bot.store.checkins import Followup

log = logging.getLogger(__name__)


def _followup_notice(view: FollowupView, room_name: str, *, escalated: bool,
                     since: datetime | None = None):
    """The notice about one resident, rendered in each volunteer's own language."""
    def render(t: Translator):
        head = (t._("⏰ Nobody has called this person for a day. Can you call?") if escalated
                else t._("📞 Belronde {room}: someone would like a call.").format(
                    room=escape(room_name)))
        lines = [head, reason_sentence(t, view)]
        if since is not None:
            lines.append(t._("Asked on {moment}. We waited until the morning so nobody was woken "
                             "up.").format(moment=t.datetime(since)))
        lines.extend(about_lines(t, view))
        return "\n".join(lines), kb([[call_button(t, view)]])
    return render


async def announce_followup(app: BuurtApplication, followup_id: int) -> None:
    """A new follow-up: tell the room's volunteers at once (the coordinator if there are none).

    At night nothing is sent: the follow-up waits for the morning tick (:func:`announce_pending`)
    and is on the volunteers' ``/belronde`` list meanwhile.
    """
    followup = await app.services.checkins.claim_notice(followup_id, app.services.clock.now())
    if followup is not None:
        await _announce(app, followup, since=None)


async def announce_pending(app: BuurtApplication, now: datetime) -> None:
    """The morning tick: tell the volunteers about the follow-ups made during the night, once."""
    for followup in await app.services.checkins.pending_notices(now):
        # Made at night: say when, so the volunteer knows why the notice comes only now.
        since = followup.created_at if is_quiet(followup.created_at) else None
        await _announce(app, followup, since=since)


async def _announce(app: BuurtApplication, followup: Followup, *, since: datetime | None) -> None:
    people = await app.services.recipients.helper_people(followup.room)
    await tell(app, people, followup.id, escalated=False, since=since)


async def tell(app: BuurtApplication, people: list[Person], followup_id: int,
                *, escalated: bool, since: datetime | None = None) -> None:
    services = app.services
    room = services.config.room((await services.checkins.followup_by_id(followup_id)).room)  # type: ignore[union-attr]
    for person in people:
        view = await services.checkins.followup(person, followup_id)
        if view is None:
            continue
        if view.followup.taken_by is not None and view.followup.taken_by != person.id:
            # Carried over from last week's entry that this volunteer already took: only
            # they hear about the new answer; nobody else is asked to call too.
            continue
        try:
            await notify(app, person, _followup_notice(view, room.name if room else "-",
                                                       escalated=escalated, since=since),
                         retry=Retry("checkin:escalated" if escalated else "checkin:followup",
                                     followup_id))
        except TelegramError as exc:
            # One volunteer's failing chat must not keep the others from hearing about it;
            # the follow-up is on everyone's /belronde list anyway.
            log.warning("follow-up %s: could not tell %s: %s", followup_id, person.id, exc)


def summary(room_name: str, week: str, counts: dict[str, int]):
    def render(t: Translator) -> str:
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
    return render


