"""The weekly post, queued: next week's programme to the room's group and to subscribers.

Why every claim is written together with its outbox rows: the post used to be claimed, then
sent, so a kill in between lost the group's week or a subscriber's copy for good. Now one
transaction claims the week and queues the group post, every subscriber's copy and (once) the
coordinators' notice when the room has no group; the outbox sends them, retries a short-lived
failure (backoff) and never sends one twice except the one in flight at a kill.

When the group removed the bot the room's coordinators are told (from the ``my_chat_member``
update, or — if the failed post came first — by the next tick, :func:`settle_failed_posts`),
subscribers still get the programme, and adding the bot back before the week starts posts it.

Nothing here renders text: rows carry ``params`` (room, Monday, notice variant); the handler
layer (:mod:`bot.handlers.calendar.weekly_post`) renders them when they go out.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from bot.clock import to_db
from bot.messaging.message import Address
from bot.services.calendar import CHAT_GONE_JOB, CHAT_POST_JOB, POST_JOB, local_moment
from bot.store import job_runs
from bot.store import outbox as outbox_store
from bot.store.activities import subscribers

if TYPE_CHECKING:
    import aiosqlite

    from bot.services import Services

log = logging.getLogger(__name__)

#: Outbox kinds (CORE13 §6): the post in the room's group, a subscriber's copy, and a notice
#: to the room's coordinators (``dedupe`` starts with the variant).
POST_KIND, SUBSCRIBER_KIND, NOTICE_KIND = "calendar.post", "calendar.subscriber", "calendar.notice"
#: Notice variants: the room has no group set up; the bot was removed there; it is back.
NO_CHAT, CHAT_GONE, CHAT_BACK = "no_chat", "gone", "back"
NO_CHAT_JOB = "calendar_nochat"  # period: the room; told once that it has no group chat
SUBSCRIBER_JOB = "calendar_post_to"  # period: "<room>:<week>:<users.id>"
#: A group post in one of these states was refused for good (the bot removed, may not write,
#: the group became a supergroup): as before, the room's chat counts as gone.
REFUSED = frozenset({outbox_store.UNREACHABLE, outbox_store.FAILED})


def _params(room_id: str, monday: date) -> dict[str, str]:
    return {"room": room_id, "monday": monday.isoformat()}


def _week_begins(monday: date) -> datetime:
    """A post about "next week" is no longer worth sending once that week has begun."""
    return local_moment(monday, time(0))


async def _tell_coordinators(services: Services, conn: aiosqlite.Connection, room_id: str,
                             variant: str, now: datetime) -> None:
    """Queue a notice to the room's coordinators (all of them if none has the room)."""
    for person_id in await services.recipients.coordinators(conn, room_id):
        await services.outbox.enqueue(
            conn, to=person_id, kind=NOTICE_KIND, ref=room_id,
            dedupe=variant if variant == NO_CHAT else f"{variant}:{to_db(now)}",
            params={"room": room_id, "variant": variant})


async def _queue_chat_post(services: Services, conn: aiosqlite.Connection, room_id: str,
                           monday: date, now: datetime) -> bool:
    """Claim the group's post of the week and queue it; False when it was claimed before."""
    room = services.config.rooms[room_id]
    assert room.chat_id is not None
    period = services.calendar.post_period(room_id, monday)
    if not await job_runs.claim(conn, CHAT_POST_JOB, period, now):
        return False
    # Each claim its own row: after the bot was removed and added back the week is posted
    # again, while the claim keeps it to once per week.
    await services.outbox.enqueue(
        conn, address=Address("telegram", str(room.chat_id)), kind=POST_KIND, ref=period,
        dedupe=to_db(now), params=_params(room_id, monday), expires_at=_week_begins(monday))
    return True


async def queue_week(services: Services, room_id: str, monday: date) -> None:
    """Queue ``monday``'s week of ``room_id`` to its group and subscribers, each once.

    One transaction: the week's claims, its rows, and the mark that the week is done."""
    calendar = services.calendar
    room = services.config.rooms[room_id]
    period = calendar.post_period(room_id, monday)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        if await job_runs.done(conn, POST_JOB, period):
            return
        if room.chat_id is None:
            if await job_runs.claim(conn, NO_CHAT_JOB, room_id, now):
                await _tell_coordinators(services, conn, room_id, NO_CHAT, now)
        elif not await job_runs.done(conn, CHAT_GONE_JOB, room_id):
            # Gone: the coordinators were told; adding the bot back posts it then.
            await _queue_chat_post(services, conn, room_id, monday, now)
        for user_id in await subscribers(conn, room_id):
            if await job_runs.claim(conn, SUBSCRIBER_JOB, f"{period}:{user_id}", now):
                await services.outbox.enqueue(
                    conn, to=user_id, kind=SUBSCRIBER_KIND, ref=period,
                    params=_params(room_id, monday), expires_at=_week_begins(monday))
        await job_runs.claim(conn, POST_JOB, period, now)


async def chat_left(services: Services, room_id: str) -> bool:
    """The bot was removed from the room's group: record it and queue the coordinators'
    notice, together; True if that is news."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        if not await job_runs.claim(conn, CHAT_GONE_JOB, room_id, now):
            return False
        await _tell_coordinators(services, conn, room_id, CHAT_GONE, now)
    return True


async def chat_back(services: Services, room_id: str) -> bool:
    """The bot is back in the room's group: thank the coordinators (if it was gone) and post
    this week's programme there if it is due and was not posted yet. True if it was gone."""
    now = services.clock.now()
    monday = services.calendar.post_due(room_id, now)
    async with services.db.transaction() as conn:
        back = await job_runs.release(conn, CHAT_GONE_JOB, room_id)
        if back:
            await _tell_coordinators(services, conn, room_id, CHAT_BACK, now)
        if monday is not None and services.config.rooms[room_id].chat_id is not None:
            await _queue_chat_post(services, conn, room_id, monday, now)
    return back


async def settle_failed_posts(services: Services, now: datetime) -> None:
    """A group post the channel refused for good (the bot was removed before Telegram told
    us): the room's chat counts as gone, its coordinators are told, and the week's claim is
    given back so that adding the bot back before the week starts posts it."""
    calendar = services.calendar
    for room_id, room in services.config.rooms.items():
        monday = calendar.post_due(room_id, now)
        if room.chat_id is None or monday is None:
            continue
        period = calendar.post_period(room_id, monday)
        async with services.db.transaction() as conn:
            if not await job_runs.done(conn, CHAT_POST_JOB, period):
                continue
            rows = await outbox_store.for_kind(conn, POST_KIND, period)
            latest = max(rows, key=lambda r: r.id) if rows else None
            if latest is None or latest.state not in REFUSED:
                continue
            log.warning("the weekly post to the group of %s was refused (%s)", room_id,
                        latest.error)
            await job_runs.release(conn, CHAT_POST_JOB, period)
            if await job_runs.claim(conn, CHAT_GONE_JOB, room_id, now):
                await _tell_coordinators(services, conn, room_id, CHAT_GONE, now)
