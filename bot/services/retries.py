"""Scheduled messages that could not go out for a short-lived reason are sent again later.

Why: a scheduled message (a meal reminder, the cook's final list, an escalation) was claimed
before it was sent and never looked at again, so 20 seconds of Telegram answering 500 lost all
of them. Each such message is kept here, already rendered for its recipient, and the tick
sends it again with growing pauses until it goes out, the error turns out to be permanent, or
it is no longer useful (``expires_at``: a reminder after the meal began helps nobody).

A stand-in until the messaging core's durable outbox replaces it. This service knows no
Telegram: the handlers' :mod:`bot.handlers.delivery` decides what an error means.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.store import send_retries as store
from bot.store.send_retries import RetryRow

if TYPE_CHECKING:
    from bot.services import Services

#: Pause before attempt 2, 3, ...; the last one repeats until the message expires.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=5),
           timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=1))
#: How long a message is worth sending when its kind does not say.
DEFAULT_LIFETIME = timedelta(hours=24)
#: A row taken for an attempt is not taken again for this long (the attempt is under way).
LEASE = timedelta(minutes=5)


class RetryService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        self.services.privacy.register("send_retries", None, self._erase)

    async def remember(self, *, kind: str, ref: str, chat_id: int, user_id: int | None,
                       text: str, markup: str | None, error: str,
                       expires_at: datetime | None = None) -> bool:
        """Keep a message for a later attempt; False when it is kept already or expired."""
        now = self.services.clock.now()
        expires = expires_at or now + DEFAULT_LIFETIME
        if expires <= now:
            return False
        async with self.services.db.transaction() as conn:
            return await store.remember(
                conn, kind=kind, ref=ref, chat_id=chat_id, user_id=user_id, text=text,
                markup=markup, next_at=now + BACKOFF[0], expires_at=expires, error=error,
                now=now)

    async def take_due(self, now: datetime) -> tuple[list[RetryRow], int]:
        """Due messages, each taken for one attempt; also drops the expired (their count)."""
        taken: list[RetryRow] = []
        expired = 0
        async with self.services.db.transaction() as conn:
            for row in await store.due(conn, now):
                if row.expires_at <= now:
                    await store.delete(conn, row.id)
                    expired += 1
                elif await store.claim(conn, row, now + LEASE):
                    taken.append(row)
        return taken, expired

    async def done(self, row: RetryRow) -> None:
        """Sent, or it will never go out (blocked, chat gone): forget it."""
        async with self.services.db.transaction() as conn:
            await store.delete(conn, row.id)

    async def later(self, row: RetryRow, error: str) -> None:
        """Still failing for a short-lived reason: try again after a longer pause."""
        now = self.services.clock.now()
        pause = BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
        async with self.services.db.transaction() as conn:
            await store.again(conn, row.id, now + pause, error)

    async def waiting(self, kind: str | None = None) -> int:
        async with self.services.db.transaction() as conn:
            return await store.count(conn, kind)

    async def _erase(self, conn: Any, user_id: int) -> None:
        await store.erase_user(conn, user_id)
