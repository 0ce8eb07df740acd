"""Coordinator announcements: a durable outbox sent within Telegram's limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services


class AnnouncementService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        """Called once the database is connected (seed data, register privacy hooks)."""
