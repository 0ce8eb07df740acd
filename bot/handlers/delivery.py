"""What a failed send means, and sending scheduled messages again after a short-lived error.

Three kinds of failure, and what each asks for:

* **the request never left** (no connection, a 5xx or 429 from Telegram, PTB's pool full):
  nothing arrived, so the message is sent again on a later tick;
* **the request left but no answer came** (a read timeout, the connection dropped after the
  request was written): it most likely arrived. Sending it again would give the person the same
  message twice, so it counts as sent;
* **permanent** (403: they blocked the bot; 400 "chat not found"): never again.

:func:`classify` is the one place that decides; the announcement sender, the belronde and
:func:`bot.handlers.common.send_safely` (with ``retry=``) all use it. Scheduled messages that
must be sent again are kept by :class:`bot.services.retries.RetryService` and sent by the
``delivery`` tick here.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.jobs import add_tick
from bot.log_safe import without_data

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Retry:
    """How to keep a scheduled message for another attempt: ``kind`` and ``ref`` name it
    (one message per kind, ref and chat); after ``expires_at`` it is no longer worth sending."""

    kind: str
    ref: str | int
    expires_at: datetime | None = None


async def keep_for_retry(app: Any, retry: Retry, chat_id: int, text: str,
                         markup: InlineKeyboardMarkup | None, exc: BaseException) -> None:
    """The send failed for a short-lived reason: keep the rendered message for a later tick."""
    services = app.services
    person = await services.users.get(chat_id)
    kept = await services.retries.remember(
        kind=retry.kind, ref=str(retry.ref), chat_id=chat_id,
        user_id=person.id if person is not None else None, text=text,
        markup=markup.to_json() if markup is not None else None,
        error=without_data(exc), expires_at=retry.expires_at)
    log.warning("%s %s not sent (%s); %s", retry.kind, retry.ref, type(exc).__name__,
                "will retry" if kept else "not kept")


async def tick(app: Any, now: datetime) -> None:
    """Send again what a short-lived error kept back."""
    services = app.services
    rows, expired = await services.retries.take_due(now)
    if expired:
        log.warning("%d scheduled message(s) expired before Telegram took them", expired)
    for row in rows:
        markup = (InlineKeyboardMarkup.de_json(json.loads(row.markup), app.bot)
                  if row.markup else None)
        try:
            await app.bot.send_message(row.chat_id, row.text, reply_markup=markup)
        except Exception as exc:
            verdict = classify(exc)
            if verdict is Delivery.RETRY:
                await services.retries.later(row, without_data(exc))
                continue
            if verdict is Delivery.GONE:
                await services.users.mark_unreachable(row.chat_id)
            elif verdict is Delivery.FAILED:
                log.warning("%s %s refused by Telegram: %s", row.kind, row.ref,
                            without_data(exc))
        await services.retries.done(row)


def register(app: Any) -> None:
    add_tick(app, "delivery", tick)
