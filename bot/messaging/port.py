"""What a channel adapter offers the rest of the bot (Telegram today, WhatsApp next)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.messaging.message import OutMessage, Receipt


class DeliveryError(Exception):
    """A send failed; ``verdict`` is a :class:`bot.handlers.delivery.Delivery` value name
    (``retry``, ``uncertain``, ``gone``, ``failed``) decided by the adapter's ``classify``;
    ``retry_after`` is the channel's requested pause in seconds (Telegram's 429)."""

    def __init__(self, verdict: str, retry_after: float | None = None,
                 detail: str = "") -> None:
        super().__init__(detail or verdict)
        self.verdict = verdict
        self.retry_after = retry_after
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """A channel's pacing: overall per second, per private chat gap, per group per minute."""

    per_second: float
    private_gap: float
    group_per_minute: int


class Port(Protocol):
    channel: str

    async def send(self, address: str, message: OutMessage) -> Receipt:
        """Send now (the caller paces); raises :class:`DeliveryError`."""

    async def answer(self, update: Any, message: OutMessage) -> Receipt | None: ...

    async def popup(self, update: Any, text: str, alert: bool = False) -> None: ...

    async def edit(self, receipt: Receipt, message: OutMessage) -> None: ...


class Deferred(Exception):
    """A channel will not send this outbox row now, and nothing failed: it waits until
    ``until`` (WhatsApp: the person's window is closed and no template may go yet, or the
    daily messaging limit is reached). ``held`` names what the person's next message releases
    (None: only the clock); ``template`` a template that already went for the row (the "you
    have a message" one). The sender keeps the row queued and loses no attempt."""

    def __init__(self, until: Any, reason: str, held: str | None = None,
                 template: str | None = None) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason
        self.held = held
        self.template = template
