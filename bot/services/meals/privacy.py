"""What /mijngegevens shows and /vergeetmij forgets of someone's meals."""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.clock import to_db
from bot.services.meals.core import MealCore
from bot.store import meals as store


class MealPrivacy(MealCore):
    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "meal": to_db(meal.starts_at),
                "room": meal.room,
                "status": row.status,
                "guests": row.guests,
                "diet": list(row.diet),
                "diet_note": row.diet_note,
                "attended": row.attended,
            }
            for meal, row in await store.of_user(conn, user_id)
        ]

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Forget diets and notes; leave coming meals (the tick offers the seat on)."""
        now = self.now()
        await store.forget_cards_of_user(conn, user_id)
        await store.forget_user_signups(conn, user_id, now)
