"""What every part of the meal service stands on: the clock, the schedule and seat counts.

The seat invariant (pending + confirmed + offered seats, guests included, never above the cap)
is computed here (:meth:`MealCore._view`) and checked by the callers inside their own
``db.transaction()``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.clock import TZ, local
from bot.services.meals.model import DEFAULT_CAP, SCHEDULE_AHEAD, MealView, Notice, Outcome, Result
from bot.store import meals as store
from bot.store.meals import MealRow, SignupRow

if TYPE_CHECKING:
    from bot.services import Services


class MealCore:
    """State and helpers shared by the resident, volunteer, coordinator and scheduled parts."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._scheduled_on: date | None = None  # the day ensure_schedule last ran

    @property
    def db(self):
        return self.services.db

    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def schedule_ahead(self) -> timedelta:
        """Three weeks, or the programme's horizon when that is longer."""
        return max(SCHEDULE_AHEAD, timedelta(weeks=self.services.calendar.horizon_weeks))

    async def ensure_schedule(self, now: datetime | None = None) -> None:
        """Create meal rows from each room's weekly slots, as far ahead as the programme goes
        (at least three weeks), so the eettafel is on every week of /agenda and the feed."""
        now = local(now or self.now())
        today = now.date()
        if self._scheduled_on == today:
            return  # rooms and slots only change with a restart; once a day is enough
        async with self.db.transaction() as conn:
            for room in self.services.config.rooms.values():
                for offset in range(self.schedule_ahead.days + 1):
                    day = today + timedelta(days=offset)
                    for slot in room.meals:
                        if slot.weekday != day.weekday():
                            continue
                        starts = datetime.combine(day, slot.at, TZ)
                        if starts <= now:
                            continue
                        deadline_time = min(room.meal_signup_deadline, slot.at)
                        deadline = datetime.combine(day, deadline_time, TZ)
                        await store.ensure_meal(conn, room.id, starts, deadline, now)
        self._scheduled_on = today

    # --- seats -------------------------------------------------------------------------

    async def _room_cap(self, conn: aiosqlite.Connection, room: str) -> int:
        """A coordinator's cap for the room, else the configured one."""
        override = await store.room_cap(conn, room)
        if override is not None:
            return override
        config_room = self.services.config.room(room)
        return config_room.meal_cap if config_room else DEFAULT_CAP

    async def _cap(self, conn: aiosqlite.Connection, meal: MealRow) -> int:
        return meal.cap if meal.cap is not None else await self._room_cap(conn, meal.room)

    async def _views(self, conn: aiosqlite.Connection, meals: list[MealRow]) -> list[MealView]:
        """Seats taken and waiting for each meal, counted in one query."""
        counts = await store.seats_taken_many(conn, [m.id for m in meals])
        views = []
        for meal in meals:
            taken, waiting = counts.get(meal.id, (0, 0))
            views.append(MealView(meal, await self._cap(conn, meal), taken, waiting))
        return views

    async def _view(self, conn: aiosqlite.Connection, meal: MealRow) -> MealView:
        return (await self._views(conn, [meal]))[0]

    async def _result(
        self, conn: aiosqlite.Connection, meal: MealRow, signup_id: int, outcome: Outcome,
        notices: list[Notice] | None = None,
    ) -> Result:
        """The outcome with the sign-up and the meal as they are now (after the change)."""
        row = await store.signup(conn, signup_id)
        place = await self._place(conn, row) if row else None
        return Result(outcome, await self._view(conn, meal), row, place, notices or [])

    async def _place(self, conn: aiosqlite.Connection, row: SignupRow) -> int | None:
        if row.status != "waiting":
            return None
        return 1 + await store.waiting_ahead(conn, row)
