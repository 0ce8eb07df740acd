"""What every part of the meal service stands on: the clock, the schedule and seat counts.

The seat invariant (pending + confirmed + offered seats, guests included, never above the cap)
is computed here (:meth:`MealCore._view`) and checked by the callers inside their own
``db.transaction()``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.clock import TZ, local
from bot.services.meals.model import DEFAULT_CAP, SCHEDULE_AHEAD, MealView, Notice, Outcome, Result
from bot.store import meals as store
from bot.store.meals import MealRow, SignupRow

if TYPE_CHECKING:
    from bot.services import Services

#: Outbox kinds of the eettafel (CORE13 §6): rendered at send time by the handler layer
#: (:mod:`bot.handlers.meals.notices`), except the final list and the digest, which are the
#: snapshot of the moment they were claimed.
NOTICE, REMINDER, LIST, DIGEST, LATE_DIET = (
    "meal.notice", "meal.reminder", "meal.list", "meal.digest", "meal.late_diet")


def notice_params(notice: Notice) -> dict[str, Any]:
    """What a ``meal.notice`` renderer needs, as JSON (an offer's deadline as ISO text)."""
    data = {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in notice.data.items()}
    return {"variant": notice.kind, **data}


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

    async def _tell(self, conn: aiosqlite.Connection, notices: list[Notice]) -> None:
        """Queue each notice as a ``meal.notice`` outbox row in the caller's transaction (the
        change it tells of), so a kill after the commit loses none. The change happens once,
        so every notice has a dedupe of its own; a person without an address is skipped."""
        starts: dict[int, datetime | None] = {}
        for notice in notices:
            if notice.meal_id not in starts:
                meal = await store.get_meal(conn, notice.meal_id)
                starts[notice.meal_id] = meal.starts_at if meal is not None else None
            expires = starts[notice.meal_id]
            offer_until = notice.data.get("expires")
            if isinstance(offer_until, datetime):
                expires = min(expires, offer_until) if expires is not None else offer_until
            await self.services.outbox.enqueue(
                conn, to=notice.user_id, kind=NOTICE, ref=notice.meal_id,
                dedupe=f"{notice.kind}:{secrets.token_hex(6)}", params=notice_params(notice),
                expires_at=expires)

    async def _place(self, conn: aiosqlite.Connection, row: SignupRow) -> int | None:
        if row.status != "waiting":
            return None
        return 1 + await store.waiting_ahead(conn, row)
