"""When the eettafel's tick next has work: the morning reminder and the sign-up deadline (the
cook's final list) of each coming meal, as the meals themselves stored them."""

from __future__ import annotations

from datetime import datetime

from bot.clock import TZ, local
from bot.jobs import DueMoment
from bot.services.meals.model import REMINDER_HOUR


async def upcoming(app, after: datetime) -> list[DueMoment]:
    """A cancelled meal has no moments; a moment already past is left out."""
    out: list[DueMoment] = []
    meals = app.services.meals
    for room in app.services.config.rooms:
        for view in await meals.upcoming(room):
            meal = view.meal
            if meal.cancelled:
                continue
            start = local(meal.starts_at)
            morning = datetime.combine(start.date(), datetime.min.time(), TZ).replace(
                hour=REMINDER_HOUR)
            if after < morning < meal.starts_at:
                out.append(DueMoment(morning, "meal_reminder", room))
            if meal.deadline_at > after:
                out.append(DueMoment(local(meal.deadline_at), "meal_deadline", room))
    return out
