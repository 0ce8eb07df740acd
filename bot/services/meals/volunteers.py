"""What the kookgroep does: the table of one meal, confirming and declining sign-ups, adding
someone without Telegram, and marking who came (for the participation tally)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.services.meals.model import (
    CATEGORY,
    MAX_NOTE,
    MEAL_LENGTH,
    SCHEDULE_AHEAD,
    MealView,
    Notice,
    Outcome,
    Result,
    Table,
)
from bot.services.meals.waitlist import MealWaitlist
from bot.store import meals as store
from bot.store import participation as participation_store
from bot.store.meals import SEATED, MealRow, SignupRow
from bot.store.users import create as create_user

if TYPE_CHECKING:
    from bot.services.users import Person

#: The longest name a volunteer can type for someone without Telegram.
MAX_OFFLINE_NAME = 64


class MealVolunteers(MealWaitlist):
    @staticmethod
    def may_manage(person: Person, room: str) -> bool:
        """Volunteers manage their own room's meals; coordinators every room's."""
        if person.role == "coordinator":
            return True
        return person.has_role("volunteer") and person.room == room

    async def _managed(
        self, conn: aiosqlite.Connection, volunteer: Person, meal_id: int
    ) -> tuple[Outcome, MealRow | None]:
        meal = await store.get_meal(conn, meal_id)
        if meal is None:
            return Outcome.NOT_FOUND, None
        if not self.may_manage(volunteer, meal.room):
            return Outcome.FORBIDDEN, meal
        return Outcome.OK, meal

    async def _managed_signup(
        self, conn: aiosqlite.Connection, volunteer: Person, signup_id: int
    ) -> tuple[Outcome, MealRow | None, SignupRow | None]:
        """A sign-up and its meal, if ``volunteer`` may manage that meal; else why not."""
        row = await store.signup(conn, signup_id)
        if row is None:
            return Outcome.NOT_FOUND, None, None
        outcome, meal = await self._managed(conn, volunteer, row.meal_id)
        if outcome is not Outcome.OK or meal is None:
            return outcome, None, None
        return Outcome.OK, meal, row

    async def _record_volunteer(
        self, conn: aiosqlite.Connection, volunteer: Person, meal: MealRow
    ) -> None:
        await self.services.participation.record(
            conn, person_key=volunteer.row.anon_key, room=meal.room, category="volunteer",
            source="volunteer", source_id=f"meal:{meal.id}",
        )

    # --- the table ---------------------------------------------------------------------

    async def table(self, volunteer: Person, meal_id: int) -> tuple[Outcome, Table | None]:
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return outcome, None
            table = await self._table(conn, meal)
            elsewhere = []
            for other_id, count in await store.pending_counts(conn, meal.room, self.now()):
                other = await store.get_meal(conn, other_id)
                if other is not None and other_id != meal.id:
                    elsewhere.append((await self._view(conn, other), count))
            return Outcome.OK, replace(table, pending_elsewhere=elsewhere)

    async def _table(self, conn: aiosqlite.Connection, meal: MealRow) -> Table:
        rows = await store.signups(conn, meal.id)
        seated = [r for r in rows if r.status in SEATED]
        diets: dict[str, int] = {}
        for row in seated:
            for code in row.diet:
                diets[code] = diets.get(code, 0) + 1
        return Table(
            await self._view(conn, meal),
            seated,
            [r for r in rows if r.status == "waiting"],
            diets,
        )

    async def table_for(self, meal_id: int) -> Table | None:
        """The list without a role check (the tick sends it to the room's volunteers)."""
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            return None if meal is None else await self._table(conn, meal)

    async def next_meal(self, room: str) -> MealView | None:
        """The meal a volunteer most likely means: today's (until 3 hours after) or the next."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(
                conn, room, now - timedelta(hours=3), now + SCHEDULE_AHEAD
            )
            meals = [m for m in meals if not m.cancelled] or meals
            return await self._view(conn, meals[0]) if meals else None

    async def recent_meals(self, room: str) -> list[MealView]:
        """Meals of the last week and the next two weeks (for attendance and caps)."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(
                conn, room, now - timedelta(days=7), now + timedelta(days=14)
            )
            return await self._views(conn, meals)

    async def managed_signup(self, volunteer: Person, signup_id: int) -> Result:
        """A sign-up of a meal ``volunteer`` manages, with its meal (or why not)."""
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._managed_signup(conn, volunteer, signup_id)
            if meal is None or row is None:
                return Result(outcome)
            return await self._result(conn, meal, row.id, Outcome.OK)

    # --- sign-ups ----------------------------------------------------------------------

    async def confirm(self, volunteer: Person, signup_id: int) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._managed_signup(conn, volunteer, signup_id)
            if meal is None or row is None:
                return Result(outcome)
            if row.user_id == volunteer.id and volunteer.role != "coordinator":
                return Result(Outcome.FORBIDDEN)
            if row.status != "pending":
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            await store.update_signup(conn, row.id, now, status="confirmed")
            await self._record_volunteer(conn, volunteer, meal)
            notices = [Notice(row.user_id, "confirmed", meal.id)]
            await self._tell(conn, notices)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def confirm_all(self, volunteer: Person, meal_id: int) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            notices = []
            for row in await store.signups(conn, meal_id):
                if row.status != "pending" or row.user_id == volunteer.id:
                    continue
                await store.update_signup(conn, row.id, now, status="confirmed")
                notices.append(Notice(row.user_id, "confirmed", meal.id))
            if notices:
                await self._record_volunteer(conn, volunteer, meal)
                await self._tell(conn, notices)
            return Result(Outcome.OK if notices else Outcome.ALREADY,
                          await self._view(conn, meal), notices=notices)

    async def decline(self, volunteer: Person, signup_id: int, reason: str) -> Result:
        """Decline with a reason; the seat goes to the waitlist."""
        return await self._take_off(volunteer, signup_id, reason, "declined")

    async def cancel_signup(self, volunteer: Person, signup_id: int, reason: str) -> Result:
        """A volunteer takes anyone off the list (a phone call, illness), with a reason.

        Any active sign-up of a meal they manage: pending, confirmed, offered, waiting, also
        someone without Telegram and also after the sign-up deadline, until the meal starts.
        The freed seat goes to the waiting list as usual; the person (if on Telegram) is told.
        """
        return await self._take_off(volunteer, signup_id, reason, "cancelled")

    async def _take_off(self, volunteer: Person, signup_id: int, reason: str,
                        status: str) -> Result:
        """End an active sign-up with a reason: "declined" (the volunteer says no; the person
        is always told) or "cancelled" (taken off a meal still to come; told only if they can
        be reached and are not the volunteer). Either way the seat goes to the waiting list."""
        reason = _clean_reason(reason)
        if reason is None:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._managed_signup(conn, volunteer, signup_id)
            if meal is None or row is None:
                return Result(outcome)
            if row.status not in store.ACTIVE:
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            removed = status == "cancelled"
            if removed and meal.cancelled:
                return Result(Outcome.CANCELLED, await self._view(conn, meal), row)
            if removed and meal.starts_at <= now:
                return Result(Outcome.PAST, await self._view(conn, meal), row)
            await store.update_signup(conn, row.id, now, status=status, reason=reason,
                                      position=None, offer_expires_at=None)
            await self._record_volunteer(conn, volunteer, meal)
            notices = []
            if not removed:
                notices.append(Notice(row.user_id, "declined", meal.id, {"reason": reason}))
            elif row.has_address and row.user_id != volunteer.id:
                notices.append(Notice(row.user_id, "removed", meal.id, {"reason": reason}))
            notices += await self._promote(conn, meal, now)
            await self._tell(conn, notices)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def add_offline(self, volunteer: Person, meal_id: int, name: str) -> Result:
        """Someone without Telegram (a phone call, a walk-in): a seat or the waitlist."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_OFFLINE_NAME:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            if meal.cancelled:
                return Result(Outcome.CANCELLED)
            if meal.starts_at + MEAL_LENGTH <= now:
                return Result(Outcome.PAST)
            user = await create_user(conn, telegram_id=None, language="nl", room=meal.room,
                                     now=now, display_name=name)
            result = await self._seat_or_wait(conn, meal, user.id, now, added_by=volunteer.id)
            if result.outcome is Outcome.OK and result.signup is not None:
                # A volunteer added them: no need to confirm again.
                await store.update_signup(conn, result.signup.id, now, status="confirmed")
                await self._record_volunteer(conn, volunteer, meal)
                return await self._result(conn, meal, result.signup.id, Outcome.OK)
            return result

    async def mark_attendance(self, volunteer: Person, signup_id: int, came: bool) -> Result:
        """After the meal: who came is kept for the participation tally."""
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._managed_signup(conn, volunteer, signup_id)
            if meal is None or row is None:
                return Result(outcome)
            if meal.starts_at > now:
                return Result(Outcome.INVALID)
            if row.status not in ("pending", "confirmed") or meal.cancelled:
                return Result(Outcome.NOT_SIGNED_UP)
            await store.update_signup(conn, row.id, now, attended=1 if came else 0)
            key = row.anon_key or ""
            if came:
                await self.services.participation.record(
                    conn, person_key=key, room=meal.room, category=CATEGORY, source="meal",
                    source_id=meal.id, occurred_on=meal.starts_at.date(), quantity=row.seats,
                )
            else:
                await participation_store.remove(
                    conn, person_key=key, source="meal", source_id=str(meal.id)
                )
            await self._record_volunteer(conn, volunteer, meal)
            return await self._result(conn, meal, row.id, Outcome.OK)


def _clean_reason(reason: str) -> str | None:
    """A volunteer's reason on one line, or None when it is empty or longer than allowed."""
    reason = " ".join(reason.split())
    return reason if reason and len(reason) <= MAX_NOTE * 2 else None
