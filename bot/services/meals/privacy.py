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
        await conn.execute(
            "UPDATE meal_signups SET diet = '', diet_note = NULL, reason = NULL WHERE user_id = ?",
            (user_id,),
        )
        await conn.execute(
            "UPDATE meal_signups SET status = 'cancelled', position = NULL,"
            " offer_expires_at = NULL, updated_at = ? WHERE user_id = ? AND status IN"
            " ('pending', 'confirmed', 'offered', 'waiting') AND meal_id IN"
            " (SELECT id FROM meals WHERE starts_at > ?)",
            (to_db(now), user_id, to_db(now)),
        )
