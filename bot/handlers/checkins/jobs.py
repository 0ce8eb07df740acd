"""The tick: retention, the weekly send (exactly once), escalations and summaries."""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BuurtApplication
from bot.handlers.checkins.notices import announce_followup, announce_pending, summary, tell
from bot.handlers.checkins.texts import checkin_markup, checkin_text
from bot.handlers.common import notify
from bot.handlers.delivery import Retry, classify
from bot.i18n import translator
from bot.services.checkins import Due, is_quiet

log = logging.getLogger(__name__)

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
    except TelegramError as exc:
        if not classify(exc).counts_as_sent:
            log.warning("check-in %s not sent, retrying next tick: %s", checkin_id, exc)
            await services.checkins.not_delivered(checkin_id)
            return
        # It left and most likely arrived: never risk a second message this week. Count it
        # as sent, so its buttons work, the summary counts it and "extra aandacht" escalates.
        log.warning("check-in %s timed out; counted as sent, not resent", checkin_id)
    await services.checkins.delivered(checkin_id)


async def tick(app: BuurtApplication, now) -> None:
    """Retention, the weekly send, the night's follow-up notices, escalations and the weekly
    summary; each exactly once."""
    service = app.services.checkins
    await service.erase_expired(now)
    for due in await service.due(now):
        checkin_id, followup_id = await service.claim(due)
        if checkin_id is not None:
            await _send_checkin(app, due, checkin_id)
        elif followup_id is not None:
            await announce_followup(app, followup_id)
    if is_quiet(now):
        return
    # Follow-ups made at night (or whose notice a crash interrupted), before escalating any.
    await announce_pending(app, now)
    for followup_id in await service.escalate_no_answer(now):
        await announce_followup(app, followup_id)
    for followup in await service.escalate_untaken(now):
        await tell(app, await app.services.users.coordinators(followup.room), followup.id,
                    escalated=True)
    for room_id, week, counts in await service.weekly_summaries(now):
        room = app.services.config.rooms[room_id]
        for coordinator in await app.services.users.coordinators(room_id):
            await notify(app, coordinator, summary(room.name, week, counts),
                         retry=Retry("checkin:summary", f"{room_id}:{week}"))


