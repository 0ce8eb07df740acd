"""Scheduled work for the eettafel: expired offers move on, morning reminders, cook lists and
batched news of sign-ups for the kookgroep.

Each is claimed in the database once, and its outbox rows are written in the same
transaction as the claim (issue 13): a kill at any moment after the commit loses nobody's
message, the outbox sends what is queued after a restart; a kill before it leaves nothing
claimed, so the next tick does it all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.clock import TZ, local
from bot.services.meals.core import DIGEST, LIST, REMINDER
from bot.services.meals.model import (
    MEAL_LENGTH,
    NEW_SIGNUP_BATCH,
    NOTIFY_HOURS,
    REMINDER_HOUR,
    MealTexts,
    NewSignups,
    Notice,
)
from bot.services.meals.waitlist import MealWaitlist
from bot.store import job_runs
from bot.store import meals as store
from bot.store.meals import MealRow, SignupRow

#: ``job_runs`` markers: a reminder run / final-list run begun (a run begun by an older
#: version without them is left alone), per-person list claims, a finished list.
REMINDER_RUN, LIST_RUN, LIST_DONE = "meals:reminders", "meals:list", "meals:list_done"


class MealSchedule(MealWaitlist):
    #: The handler layer's renderers of the two messages that are a snapshot of the moment
    #: they are claimed (the final list, the digest); set at ``register(app)``, like the
    #: outbox's renderers.
    texts: MealTexts | None = None

    async def tick(self, now: datetime) -> tuple[list[Notice], list[int]]:
        """Expire offers and move them on, queue morning reminders, the cook's final list
        and digests of new sign-ups, each claimed once and queued in the same transaction.

        Returns the notices queued (their cards change) and the meals whose final list was
        queued now (their cards lose the buttons of before the deadline).
        """
        texts = self.texts
        if texts is None:
            raise RuntimeError("services.meals.texts is set by the handler layer's register()")
        await self.ensure_schedule(now)
        notices: list[Notice] = []
        lists: list[int] = []
        async with self.db.transaction() as conn:
            touched: set[int] = set()
            for row in await store.expired_offers(conn, now):
                await store.update_signup(conn, row.id, now, status="cancelled",
                                          offer_expires_at=None)
                notices.append(Notice(row.user_id, "offer_expired", row.meal_id))
                touched.add(row.meal_id)
            meals = await store.meals_between(conn, None, now - timedelta(days=1),
                                              now + timedelta(days=2))
            known = {meal.id for meal in meals}
            for meal_id in sorted(touched - known):
                found = await store.get_meal(conn, meal_id)
                if found is not None:
                    meals.append(found)
            for meal in meals:
                if meal.cancelled:
                    continue
                # Also repairs a promotion lost to a restart between two steps.
                if meal.id in touched or meal.starts_at > now:
                    notices += await self._promote(conn, meal, now)
                local_start = local(meal.starts_at)
                morning = datetime.combine(local_start.date(), datetime.min.time(), TZ).replace(
                    hour=REMINDER_HOUR)
                if morning <= now < meal.starts_at:
                    await self._queue_reminders(conn, meal, now)
                if meal.deadline_at <= now < meal.starts_at + MEAL_LENGTH:
                    if await self._queue_final_list(conn, meal, now, texts):
                        lists.append(meal.id)
            await self._tell(conn, notices)
            await self._queue_digests(conn, now, texts)
        return notices, lists

    async def _queue_reminders(self, conn: aiosqlite.Connection, meal: MealRow,
                               now: datetime) -> None:
        """The first run fixes who is owed a reminder (signed up by then); each is claimed
        (``reminded_at``) together with its ``meal.reminder`` row. The row is rendered when
        it is sent, as things stand then (a volunteer may have confirmed in between)."""
        if await store.claim_meal_flag(conn, meal.id, "reminder_sent_at", now):
            await job_runs.claim(conn, REMINDER_RUN, str(meal.id), now)
        if not await job_runs.done(conn, REMINDER_RUN, str(meal.id)):
            return  # a run begun by an older version, without the marker: left alone
        for row in await store.reminders_owed(conn, meal.id):
            if not await store.claim_reminder(conn, row.id, now):
                continue
            await self.services.outbox.enqueue(
                conn, to=row.user_id, kind=REMINDER, ref=meal.id,
                params={"signup": row.id}, expires_at=meal.starts_at)

    async def _queue_final_list(self, conn: aiosqlite.Connection, meal: MealRow,
                                now: datetime, texts: MealTexts) -> bool:
        """The cook's final list to each of the room's helpers (volunteers, else
        coordinators), one ``meal.list`` row per page, as the list stands now. True when it
        was queued by this call (the residents' cards lose the buttons of before the
        deadline)."""
        if await store.claim_meal_flag(conn, meal.id, "list_sent_at", now):
            await job_runs.claim(conn, LIST_RUN, str(meal.id), now)
        if (not await job_runs.done(conn, LIST_RUN, str(meal.id))
                or not await job_runs.claim(conn, LIST_DONE, str(meal.id), now)):
            return False
        table = await self._table(conn, meal)  # type: ignore[attr-defined]
        helpers = await self.services.recipients.room_helpers(conn, meal.room)
        for person in await self.services.users.people(conn, helpers):
            # A run an older version began may have reached this person already.
            if not await job_runs.claim(conn, LIST_RUN, f"{meal.id}:{person.id}", now):
                continue
            for number, message in enumerate(texts.final_list(table, person.language)):
                await self.services.outbox.enqueue(
                    conn, to=person.id, kind=LIST, ref=meal.id, dedupe=number,
                    message=message, expires_at=meal.starts_at)
        return True

    async def _queue_digests(self, conn: aiosqlite.Connection, now: datetime,
                             texts: MealTexts) -> None:
        """Batch the sign-ups volunteers have not heard of yet, per room: one ``meal.digest``
        per helper, in the daytime, once the oldest new sign-up has waited
        ``NEW_SIGNUP_BATCH`` — not a message per tap. Each sign-up is claimed in
        ``job_runs`` with the rows, so it is announced once, also across a kill."""
        if not NOTIFY_HOURS[0] <= local(now).hour < NOTIFY_HOURS[1]:
            return
        by_room: dict[str, dict[int, list[SignupRow]]] = {}
        meals: dict[int, MealRow] = {}
        for row in await store.unannounced_pending(conn, now):
            meal = meals.get(row.meal_id) or await store.get_meal(conn, row.meal_id)
            if meal is None:
                continue
            meals[meal.id] = meal
            by_room.setdefault(meal.room, {}).setdefault(meal.id, []).append(row)
        for room, per_meal in by_room.items():
            oldest = min(r.created_at for rows in per_meal.values() for r in rows)
            if now - oldest < NEW_SIGNUP_BATCH:
                continue  # wait a little: more may come, one message for all of them
            for rows in per_meal.values():
                for row in rows:
                    await job_runs.claim(conn, store.ANNOUNCED_JOB, store.announce_key(row), now)
            digest = NewSignups(room, [
                (await self._view(conn, meals[meal_id]), rows)
                for meal_id, rows in per_meal.items()
            ])
            # A sign-up again after a cancel is news again: its round (created_at) counts.
            first = min((row for rows in per_meal.values() for row in rows),
                        key=lambda row: row.id)
            until = min(meals[meal_id].starts_at for meal_id in per_meal)
            helpers = await self.services.recipients.room_helpers(conn, room)
            for person in await self.services.users.people(conn, helpers):
                await self.services.outbox.enqueue(
                    conn, to=person.id, kind=DIGEST, ref=f"{room}:{first.id}",
                    dedupe=store.announce_key(first),
                    message=texts.digest(digest, person.language), expires_at=until)
