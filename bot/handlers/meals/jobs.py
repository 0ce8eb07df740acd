"""Eettafel scheduled work: offers that expire, the morning reminder, the cook's final list,
and the batched heads-up about sign-ups waiting for confirmation.

The service claims each and queues its outbox rows in one transaction; the run of ticks
delivers them (:func:`bot.jobs.run_ticks`). What is left here is bringing residents' cards
up to date (edited in place: not a message, an edit repeated shows the same).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.handlers.meals.render import CARD_CHANGES, refresh_cards


async def tick(app: Any, now: datetime) -> None:
    """Expired offers move on, the morning reminder, the cook's final list at the deadline,
    and a batched heads-up to the kookgroep about sign-ups waiting for confirmation."""
    services = app.services
    notices, lists = await services.meals.tick(now)
    await refresh_cards(app, services, [(n.user_id, n.meal_id) for n in notices
                                        if n.kind in CARD_CHANGES])
    for meal_id in lists:
        # The deadline passed: residents' cards lose the buttons that no longer work.
        await refresh_cards(app, services, [
            (user_id, meal_id) for user_id in await services.meals.active_people(meal_id)], now)
