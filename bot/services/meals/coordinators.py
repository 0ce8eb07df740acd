"""What only coordinators do: set the cap of one meal or a whole room, cancel a meal.

A lowered cap moves the latest sign-ups back to the top of the waitlist in the same
transaction (:meth:`MealWaitlist._enforce_cap`), so the seat invariant holds throughout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.meals.model import CAP_RANGE, SCHEDULE_AHEAD, Notice, Outcome, Result
from bot.services.meals.waitlist import MealWaitlist
from bot.store import meals as store

if TYPE_CHECKING:
    from bot.services.users import Person


def _cap_refusal(coordinator: Person, cap: int) -> Outcome | None:
    """Why a cap change is refused before looking at any meal (None: go ahead)."""
    if not CAP_RANGE[0] <= cap <= CAP_RANGE[1]:
        return Outcome.INVALID
    if coordinator.role != "coordinator":
        return Outcome.FORBIDDEN
    return None


class MealCoordinators(MealWaitlist):
    async def room_cap(self, room: str) -> int:
        return await self.db.run(self._room_cap, room)

    async def set_meal_cap(self, coordinator: Person, meal_id: int, cap: int) -> Result:
        if (refusal := _cap_refusal(coordinator, cap)) is not None:
            return Result(refusal)
        now = self.now()
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None:
                return Result(Outcome.NOT_FOUND)
            if meal.cancelled:
                return Result(Outcome.CANCELLED)
            if meal.starts_at <= now:
                return Result(Outcome.PAST)
            await store.set_meal_cap(conn, meal_id, cap)
            meal = await store.get_meal(conn, meal_id)
            assert meal is not None
            notices = await self._enforce_cap(conn, meal, now)
            await self._tell(conn, notices)
            return Result(Outcome.OK, await self._view(conn, meal), notices=notices)

    async def set_room_cap(self, coordinator: Person, room: str, cap: int) -> Result:
        """The cap of every coming meal of the room that has no cap of its own."""
        if (refusal := _cap_refusal(coordinator, cap)) is not None:
            return Result(refusal)
        if room not in self.services.config.rooms:
            return Result(Outcome.NOT_FOUND)
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            await store.set_room_cap(conn, room, cap)
            notices: list[Notice] = []
            for meal in await store.meals_between(conn, room, now, now + SCHEDULE_AHEAD * 2):
                if not meal.cancelled:
                    notices += await self._enforce_cap(conn, meal, now)
            await self._tell(conn, notices)
        return Result(Outcome.OK, notices=notices)

    async def cancel_meal(self, coordinator: Person, meal_id: int) -> Result:
        """Cancel a meal: everyone signed up or waiting is told."""
        if coordinator.role != "coordinator":
            return Result(Outcome.FORBIDDEN)
        now = self.now()
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None:
                return Result(Outcome.NOT_FOUND)
            if meal.starts_at <= now:
                return Result(Outcome.PAST)
            if not await store.cancel_meal(conn, meal_id, now):
                return Result(Outcome.ALREADY)
            notices = [
                Notice(row.user_id, "cancelled", meal.id)
                for row in await store.signups(conn, meal_id)
                if row.status in store.ACTIVE
            ]
            await self._tell(conn, notices)
            meal = await store.get_meal(conn, meal_id)
            assert meal is not None
            return Result(Outcome.OK, await self._view(conn, meal), notices=notices)
