"""What a failed Telegram call means: the one classification every send path uses.

Three kinds of failure, and what each asks for:

* **the request never left** (no connection, a 5xx or 429 from Telegram, PTB's pool full):
  nothing arrived, so the message is sent again later (:attr:`Delivery.RETRY`);
* **the request left but no answer came** (a read timeout, the connection dropped after the
  request was written): it most likely arrived. Sending it again would give the person the same
  message twice, so it counts as sent (:attr:`Delivery.UNCERTAIN`);
* **permanent** (403: they blocked the bot; 400 "chat not found"): never again
  (:attr:`Delivery.GONE`), or Telegram refused this message (:attr:`Delivery.FAILED`).
"""

from __future__ import annotations

import enum

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)


class Delivery(enum.Enum):
    SENT = "sent"
    #: The request left, no answer came: it most likely arrived; count it as sent.
    UNCERTAIN = "uncertain"
    #: Nothing arrived and it may work later: send again.
    RETRY = "retry"
    #: The person blocked the bot or the chat is gone.
    GONE = "gone"
    #: Telegram refused this message (a bad request): sending it again will not help.
    FAILED = "failed"

    @property
    def counts_as_sent(self) -> bool:
        return self in (Delivery.SENT, Delivery.UNCERTAIN)


#: httpx errors raised after the request was (at least partly) written to Telegram.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                  httpx.RemoteProtocolError)
#: httpx errors raised before anything was written.
_BEFORE_SENDING = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ConnectError,
                   httpx.UnsupportedProtocol, httpx.ProxyError)


def request_left(exc: BaseException) -> bool:
    """Did the request (probably) reach Telegram before ``exc``?"""
    cause = exc.__cause__
    if isinstance(cause, _BEFORE_SENDING):
        return False
    if isinstance(cause, _AFTER_SENDING):
        return True
    # A timeout we cannot place (no httpx cause): assume it left, never risk a double message.
    return isinstance(exc, TimedOut)


def gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "chat not found" in text or "user is deactivated" in text or "bot was kicked" in text


def not_modified(exc: BadRequest) -> bool:
    """An edit to exactly what the message already shows (harmless)."""
    return "not modified" in exc.message


def classify(exc: BaseException) -> Delivery:
    """What a send that raised ``exc`` means (see the module docstring)."""
    if isinstance(exc, Forbidden):
        return Delivery.GONE
    if isinstance(exc, ChatMigrated):
        return Delivery.FAILED
    if isinstance(exc, BadRequest):  # a subclass of NetworkError: test it first
        return Delivery.GONE if gone(exc) else Delivery.FAILED
    if isinstance(exc, RetryAfter):
        return Delivery.RETRY
    if isinstance(exc, NetworkError):  # incl. TimedOut and 5xx answers
        return Delivery.UNCERTAIN if request_left(exc) else Delivery.RETRY
    if isinstance(exc, TelegramError):
        return Delivery.FAILED
    if isinstance(exc, OSError | httpx.HTTPError):
        return Delivery.RETRY
    return Delivery.FAILED


def retry_after(exc: BaseException) -> float | None:
    """Telegram's requested pause for a 429, in seconds."""
    if isinstance(exc, RetryAfter):
        value = exc.retry_after
        return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return None
