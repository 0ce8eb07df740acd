"""What a failed WhatsApp call means: Meta's error codes as the outbox's verdicts.

The verdicts are the Telegram adapter's (:class:`bot.channels.telegram.errors.Delivery`):
``retry`` (nothing arrived, try later), ``uncertain`` (the request left, no answer: count it
as sent, never risk it twice), ``gone`` (this person cannot be reached on WhatsApp),
``failed`` (WhatsApp refused this message; sending it again will not help).

Two refusals carry more than a verdict, because the window and template logic (wa-tpl) must
act on them, and each is a subclass of :class:`DeliveryError` (so every caller that only
knows verdicts keeps working):

* :class:`WindowClosed` — 131047, the 24-hour window is closed: a free-form message is
  refused; verdict ``retry`` with detail ``"window"`` (a template may go instead, or the row
  waits until the person writes).
* :class:`TemplateRefused` — 132000/132001/132005/132007/132008/132012/132015/132016: this
  template (name, language) cannot be sent as it is; verdict ``failed`` (never resend the same),
  ``.code`` says why.

Pacing hints: 130429 (the number's throughput) pauses the whole channel (``retry_after``
1 s); 131056 (too many messages to *this* person) holds only that person's next message
(``retry_after`` 6 s, :attr:`DeliveryError.scope` ``"pair"``), so a broadcast to others goes on.
"""

from __future__ import annotations

import httpx
from pywa.errors import WhatsAppError
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.messaging.port import DeliveryError

# Meta's codes (Cloud API "Error codes"; pywa.errors names them too).
THROUGHPUT = 130429  # Cloud API message throughput reached
PAIR_RATE = 131056  # too many messages from this business to this person in a short time
WINDOW = 131047  # re-engagement: more than 24 hours since the person last wrote
UNDELIVERABLE = 131026  # not on WhatsApp, old app, not accepted the terms, blocked us …
SPAM_LIMIT = 131048  # spam rate limit (quality of the number)
ECOSYSTEM = 131049  # held back by Meta "for a healthy ecosystem": try much later
TOKEN = 190  # access token expired or wrong
UNKNOWN = 131000  # "something went wrong": try again
SERVICE_UNAVAILABLE = 131016
TOO_MANY_CALLS = (4, 80007)  # the app's own API call limits
#: The template cannot be used as it is (parameters, does not exist, paused, disabled …).
TEMPLATE = frozenset({132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016})
#: This person cannot be reached on WhatsApp by this number.
GONE = frozenset({UNDELIVERABLE, 131021, 131030, 131045, 131062, 137000})
#: Try again later (the number's or Meta's condition, not this message's).
LATER = frozenset({UNKNOWN, SERVICE_UNAVAILABLE, SPAM_LIMIT, ECOSYSTEM, 131057, 368,
                   131031, 131064, 133016, 135000, 2, 1})

#: Pauses Meta asks for (its documentation: "retry after a short delay" / the pair rate).
THROUGHPUT_PAUSE = 1.0
PAIR_PAUSE = 6.0
CALLS_PAUSE = 60.0

#: httpx errors raised after (part of) the request was written: it may have arrived.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                  httpx.RemoteProtocolError)


class WhatsAppDeliveryError(DeliveryError):
    """A :class:`DeliveryError` with Meta's error code (0 for a network error) and whether a
    pause concerns the whole channel (``"channel"``) or this person only (``"pair"``)."""

    def __init__(self, verdict: str, retry_after: float | None = None, detail: str = "", *,
                 code: int = 0, scope: str = "channel") -> None:
        super().__init__(verdict, retry_after, detail)
        self.code = code
        self.scope = scope


class WindowClosed(WhatsAppDeliveryError):
    """131047: outside the 24-hour window only a template may go (verdict ``retry``,
    detail ``"window"``)."""

    def __init__(self, code: int = WINDOW) -> None:
        super().__init__("retry", None, "window", code=code)


class TemplateRefused(WhatsAppDeliveryError):
    """This template cannot be sent as it is (verdict ``failed``; ``code`` says why)."""

    def __init__(self, code: int) -> None:
        super().__init__("failed", None, f"template refused ({code})", code=code)


class TokenRefused(WhatsAppDeliveryError):
    """190: the access token is wrong or expired — nothing goes out until an operator fixes
    it (verdict ``failed`` for this message; the channel raises an ops alert)."""

    def __init__(self) -> None:
        super().__init__("failed", None, "access token refused (190)", code=TOKEN)


def from_code(code: int, status: int | None = None) -> WhatsAppDeliveryError:
    """The verdict for one of Meta's error codes (from a send answer or a failed status)."""
    if code == WINDOW:
        return WindowClosed()
    if code in TEMPLATE:
        return TemplateRefused(code)
    if code == TOKEN:
        return TokenRefused()
    if code == THROUGHPUT:
        return WhatsAppDeliveryError("retry", THROUGHPUT_PAUSE, f"throughput ({code})",
                                     code=code)
    if code == PAIR_RATE:
        return WhatsAppDeliveryError("retry", PAIR_PAUSE, f"pair rate ({code})", code=code,
                                     scope="pair")
    if code in TOO_MANY_CALLS:
        return WhatsAppDeliveryError("retry", CALLS_PAUSE, f"API calls ({code})", code=code)
    if code in GONE:
        return WhatsAppDeliveryError("gone", None, f"undeliverable ({code})", code=code)
    if code in LATER or (status is not None and status >= 500) or status == 429:
        return WhatsAppDeliveryError("retry", None, f"later ({code})", code=code)
    return WhatsAppDeliveryError("failed", None, f"refused ({code})", code=code)


def classify(exc: BaseException) -> WhatsAppDeliveryError:
    """What a send that raised ``exc`` means (see the module docstring)."""
    if isinstance(exc, WhatsAppDeliveryError):
        return exc
    if isinstance(exc, WhatsAppError):
        return from_code(int(exc.code), exc.status_code)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return from_code(status, status)
    if isinstance(exc, TelegramError):
        # Fetching a Telegram file to upload it (nothing was sent to WhatsApp yet).
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            return WhatsAppDeliveryError("retry", None, "Telegram file not fetched")
        return WhatsAppDeliveryError("failed", None, "Telegram file refused")
    if isinstance(exc, _AFTER_SENDING):
        return WhatsAppDeliveryError("uncertain", None, type(exc).__name__)
    if isinstance(exc, httpx.HTTPError | OSError):  # connect errors, pool full: nothing left
        return WhatsAppDeliveryError("retry", None, type(exc).__name__)
    return WhatsAppDeliveryError("failed", None, type(exc).__name__)


def undeliverable(code: int) -> bool:
    """A failed status with this code means the person cannot be reached."""
    return code in GONE
