"""Scheduled work for the eettafel: expired offers move on, morning reminders, cook lists and
batched news of sign-ups for the kookgroep. Each is claimed in the database once."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.clock import TZ, local
from bot.services.meals.model import (
    MEAL_LENGTH,
    NEW_SIGNUP_BATCH,
    NOTIFY_HOURS,
    REMINDER_HOUR,
    NewSignups,
    Notice,
)
from bot.services.meals.waitlist import MealWaitlist
from bot.store import job_runs
from bot.store import meals as store
from bot.store.meals import MealRow, SignupRow

#: ``job_runs`` markers: a reminder run / final-list run begun by this version (its owed
#: messages are sent on later ticks after a crash), per-person list claims, a finished list.
REMINDER_RUN, LIST_RUN, LIST_DONE = "meals:reminders", "meals:list", "meals:list_done"


class MealSchedule(MealWaitlist):
    async def tick(self, now: datetime) -> tuple[list[Notice], list[int], list[NewSignups]]:
        """Expire offers and move them on, send morning reminders, hand out cook lists.

        Returns notices to send, meal ids whose final list goes to the room's volunteers, and
        digests of new sign-ups for them to confirm. Each reminder, list and announced sign-up
        is claimed in the database once, so a restart never repeats them.
        """
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
                    # The first run fixes who is owed a reminder; each is claimed just before
                    # it goes out (claim_reminder), so a crash mid-run leaves the rest for
                    # the next tick instead of losing them.
                    # (A run begun by an older version, without the marker, is left alone.)
                    if await store.claim_meal_flag(conn, meal.id, "reminder_sent_at", now):
                        await job_runs.claim(conn, REMINDER_RUN, str(meal.id), now)
                    owed = (await store.reminders_owed(conn, meal.id)
                            if await job_runs.done(conn, REMINDER_RUN, str(meal.id)) else [])
                    for row in owed:
                        # Each is told where they stand: a seat nobody confirmed yet is not
                        # "see you tonight", and people waiting hear their place.
                        notices.append(Notice(row.user_id, "reminder", meal.id, {
                            "status": row.status, "signup": row.id,
                            "place": await self._place(conn, row)}))
                if meal.deadline_at <= now < meal.starts_at + MEAL_LENGTH:
                    # The final list: owed until every volunteer has it (claim_list per
                    # person, list_complete at the end), so a crash mid-way sends the rest.
                    if await store.claim_meal_flag(conn, meal.id, "list_sent_at", now):
                        await job_runs.claim(conn, LIST_RUN, str(meal.id), now)
                    if (await job_runs.done(conn, LIST_RUN, str(meal.id))
                            and not await job_runs.done(conn, LIST_DONE, str(meal.id))):
                        lists.append(meal.id)
            digests = await self._new_signups(conn, now)
        return notices, lists, digests

    async def claim_list(self, meal_id: int, person_id: int) -> bool:
        """Right before the final list goes to one volunteer: True once per person."""
        async with self.db.transaction() as conn:
            return await job_runs.claim(conn, LIST_RUN, f"{meal_id}:{person_id}", self.now())

    async def list_complete(self, meal_id: int) -> None:
        """Every volunteer has the final list: later ticks leave the meal alone."""
        async with self.db.transaction() as conn:
            await job_runs.claim(conn, LIST_DONE, str(meal_id), self.now())

    async def claim_reminder(self, signup_id: int) -> bool:
        """Right before one morning reminder goes out: True once per sign-up."""
        async with self.db.transaction() as conn:
            return await store.claim_reminder(conn, signup_id, self.now())

    async def _new_signups(self, conn: aiosqlite.Connection, now: datetime) -> list[NewSignups]:
        """Batch the sign-ups volunteers have not heard of yet, per room (inside the tick's tx).

        A volunteer gets at most one message per batch, in the daytime, once the oldest new
        sign-up has waited ``NEW_SIGNUP_BATCH`` — not a message per tap. Each sign-up is
        claimed in ``job_runs``, so it is announced once, also across a restart.
        """
        if not NOTIFY_HOURS[0] <= local(now).hour < NOTIFY_HOURS[1]:
            return []
        by_room: dict[str, dict[int, list[SignupRow]]] = {}
        meals: dict[int, MealRow] = {}
        for row in await store.unannounced_pending(conn, now):
            meal = meals.get(row.meal_id) or await store.get_meal(conn, row.meal_id)
            if meal is None:
                continue
            meals[meal.id] = meal
            by_room.setdefault(meal.room, {}).setdefault(meal.id, []).append(row)
        digests = []
        for room, per_meal in by_room.items():
            oldest = min(r.created_at for rows in per_meal.values() for r in rows)
            if now - oldest < NEW_SIGNUP_BATCH:
                continue  # wait a little: more may come, one message for all of them
            for rows in per_meal.values():
                for row in rows:
                    await job_runs.claim(conn, store.ANNOUNCED_JOB, store.announce_key(row), now)
            digests.append(NewSignups(room, [
                (await self._view(conn, meals[meal_id]), rows)
                for meal_id, rows in per_meal.items()
            ]))
        return digests
