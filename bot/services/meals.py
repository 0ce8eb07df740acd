"""Eettafel: capped meal sign-up, waitlist, confirmation, attendance."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services


class MealService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        """Called once the database is connected (seed data, register privacy hooks)."""

    async def calendar_entries(self, room: str, start, end) -> list:
        """The meals of ``room`` between ``start`` and ``end`` as CalendarEntry rows."""
        return []
