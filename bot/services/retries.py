"""Compatibility: scheduled messages kept back by a short-lived error now wait in the outbox.

The stand-in table ``send_retries`` and its ``delivery`` tick were retired by the messaging
core (migration 018 moved any rows left into ``outbox``). ``services.retries.waiting(kind)``
still answers "how many are waiting for another attempt" for the tests and reports that ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.outbox import BACKOFF, DEFAULT_LIFETIME, LEASE

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["BACKOFF", "DEFAULT_LIFETIME", "LEASE", "RetryService"]


class RetryService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        return None

    async def waiting(self, kind: str | None = None) -> int:
        return await self.services.outbox.waiting(kind)
