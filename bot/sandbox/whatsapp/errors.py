"""Meta's error answers, as the Cloud API gives them.

Every refusal of the stand-in is a :class:`WaError`; :meth:`WaError.body` is the JSON Meta
sends (``{"error": {"message", "type", "code", "error_data", "error_subcode"?,
"fbtrace_id"}}``), so the bot's error handling is tested against the real shape. Some
failures are not refused at all: Meta accepts the send and reports them later in a
*failed status webhook* (``ASYNC_CODES``).
"""

from __future__ import annotations

import secrets
from typing import Any

#: code -> (title as in Meta's "(#code) title" message, default details).
CATALOGUE: dict[int, tuple[str, str]] = {
    100: ("Invalid parameter", "Invalid parameter"),
    190: ("Invalid OAuth access token - Cannot parse access token",
          "The access token could not be decrypted"),
    131000: ("Something went wrong", "Something went wrong"),
    131005: ("Access denied", "Permission is either not granted or has been removed."),
    131008: ("Required parameter is missing", "Required parameter is missing"),
    131009: ("Parameter value is not valid", "Parameter value is not valid"),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131021: ("Recipient cannot be sender", "Sender and recipient phone number is the same."),
    131026: ("Message undeliverable", "Message Undeliverable."),
    131047: ("Re-engagement message",
             "Message failed to send because more than 24 hours have passed since the "
             "customer last replied to this number."),
    131048: ("Spam rate limit hit",
             "Message failed to send because there are restrictions on how many messages can "
             "be sent from this phone number."),
    131049: ("This message was not delivered to maintain healthy ecosystem engagement.",
             "In order to maintain a healthy ecosystem engagement, the message failed to be "
             "delivered."),
    131050: ("Unable to deliver the message. This recipient has chosen to stop receiving "
             "marketing messages on WhatsApp from your business",
             "The user has stopped marketing messages."),
    131051: ("Unsupported message type", "Message type is not currently supported."),
    131052: ("Media download error", "Unable to download the media sent by the user."),
    131053: ("Media upload error", "Unable to upload the media used in the message."),
    131056: ("(Business Account, Consumer Account) pair rate limit hit",
             "Message failed to send because there were too many messages sent from this "
             "phone number to the same phone number in a short period of time."),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    130472: ("User's number is part of an experiment",
             "Failed to send message because this user's phone number is part of an "
             "experiment."),
    132000: ("Number of parameters does not match the expected number of params",
             "The number of variable parameter values included in the request did not match "
             "the number of variable parameters defined in the template."),
    132001: ("Template name does not exist in the translation",
             "The template does not exist in the specified language or the template has not "
             "been approved."),
    132005: ("Translated text too long", "Translated text is too long."),
    132012: ("Parameter format does not match format in the created template",
             "Variable parameter values formatted incorrectly."),
    132015: ("Template is Paused", "Template is paused due to low quality so it cannot be sent."),
    132016: ("Template is Disabled",
             "Template has been paused too many times due to low quality and is now "
             "permanently disabled."),
}

#: Failures Meta reports in a failed status webhook after accepting the send.
ASYNC_CODES = frozenset({131026, 131049, 131050, 130472})

#: HTTP status of an error answer (Meta: 401 for a bad token, 5xx for its own trouble).
_HTTP = {190: 401, 131000: 500, 131016: 503}


class WaError(Exception):
    """A refusal of the Cloud API. ``details`` is ``error_data.details``."""

    def __init__(self, code: int, details: str | None = None, *, message: str | None = None,
                 subcode: int | None = None, http_status: int | None = None) -> None:
        title, default = CATALOGUE.get(code, ("Unknown error", "Unknown error"))
        self.code = code
        self.title = title
        self.message = message or f"(#{code}) {title}"
        self.details = details or default
        self.subcode = subcode
        self.http_status = http_status or _HTTP.get(code, 400)
        super().__init__(f"{code} {self.message}: {self.details}")

    def body(self) -> dict[str, Any]:
        """The JSON error answer."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details},
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def status_error(self) -> dict[str, Any]:
        """The ``errors`` entry of a failed status webhook."""
        return {"code": self.code, "title": self.title, "message": self.title,
                "error_data": {"details": self.details},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"
                        "error-codes/"}


def invalid(details: str) -> WaError:
    """Code 100: a parameter of the wrong shape or length (Meta names it in the message)."""
    return WaError(100, details, message=f"(#100) {details}")


def not_valid(details: str) -> WaError:
    """Code 131009: a value Meta refuses (interactive limits, duplicates)."""
    return WaError(131009, details, subcode=2494010)


def missing(details: str) -> WaError:
    """Code 131008: a required parameter is missing."""
    return WaError(131008, details)


def fbtrace_id() -> str:
    return "A" + secrets.token_urlsafe(15)[:20]
