"""Eettafel: capped meal sign-up, waitlist, confirmation, attendance.

The seat invariant (pending + confirmed + offered seats, guests included, never above the cap)
and every waitlist promotion are checked and written inside one ``db.transaction()``. Methods
return what happened plus :class:`Notice` rows for other people; the handlers render and send
those after the transaction committed. Nothing here knows Telegram.

The service is one class put together from its parts, one module each: ``core`` (clock,
schedule, seat counts), ``waitlist`` (seating and offers), ``residents``, ``volunteers``,
``coordinators``, ``scheduled`` (the tick) and ``privacy``; ``model`` holds the settings and
result types.
"""

from __future__ import annotations

from bot.services.meals.coordinators import MealCoordinators
from bot.services.meals.model import (
    CAP_RANGE,
    CATEGORY,
    DEFAULT_CAP,
    DIETS,
    MAX_GUESTS,
    MAX_NOTE,
    MEAL_LENGTH,
    MIN_OFFER_WINDOW,
    NEW_SIGNUP_BATCH,
    NOTIFY_HOURS,
    OFFER_WINDOW,
    REMINDER_HOUR,
    SCHEDULE_AHEAD,
    TITLE,
    MealView,
    NewSignups,
    Notice,
    Outcome,
    Result,
    Table,
)
from bot.services.meals.privacy import MealPrivacy
from bot.services.meals.residents import MealResidents
from bot.services.meals.scheduled import MealSchedule
from bot.services.meals.volunteers import MAX_OFFLINE_NAME, MealVolunteers

__all__ = [
    "CAP_RANGE",
    "CATEGORY",
    "DEFAULT_CAP",
    "DIETS",
    "MAX_GUESTS",
    "MAX_NOTE",
    "MAX_OFFLINE_NAME",
    "MEAL_LENGTH",
    "MIN_OFFER_WINDOW",
    "NEW_SIGNUP_BATCH",
    "NOTIFY_HOURS",
    "OFFER_WINDOW",
    "REMINDER_HOUR",
    "SCHEDULE_AHEAD",
    "TITLE",
    "MealService",
    "MealView",
    "NewSignups",
    "Notice",
    "Outcome",
    "Result",
    "Table",
]


class MealService(MealResidents, MealVolunteers, MealCoordinators, MealSchedule, MealPrivacy):
    """The eettafel service ``services.meals``: every part above, on one shared state."""

    async def start(self) -> None:
        """Register privacy hooks and make sure the coming weeks' meals exist."""
        self.services.privacy.register("meals", self._export, self._erase)
        await self.ensure_schedule()
