"""A channel-neutral message: what features say, not how Telegram (or WhatsApp) shows it.

Why: a message the bot sends on its own is kept in the outbox until it is delivered, so it
must survive a restart as plain JSON, and a second channel must be able to render the same
message its own way. The Telegram adapter (:mod:`bot.channels.telegram`) renders it exactly as
the bot always spoke: HTML, inline keyboards, right-to-left marks.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Literal

from bot.actions import Action, decode


@dataclass(frozen=True)
class Address:
    """Where a message goes: a channel and that channel's own address (Telegram: chat id)."""

    channel: str
    address: str

    @classmethod
    def telegram(cls, chat_id: int) -> Address:
        return cls("telegram", str(chat_id))


@dataclass(frozen=True)
class Button:
    """A choice; exactly one of ``action`` / ``url``.

    ``action`` may still be the encoded wire string while a feature's buttons are not yet
    typed actions (``kb()`` accepts both); a decoded :class:`Action` once they are.
    """

    label: str
    action: Action | str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ValueError("a button has exactly one of action / url")

    @property
    def data(self) -> str | None:
        """The action's encoding (Telegram's callback_data), or None for a link button."""
        return None if self.action is None else str(self.action)


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Key:
    """An answer the person can tap instead of typing it (it arrives as their own text).
    ``asks_phone``: the key shares their phone number (Telegram's contact button; a channel
    without one shows the label and lets them type the number)."""

    label: str
    asks_phone: bool = False


Keys = tuple[tuple[Key, ...], ...]


@dataclass(frozen=True)
class Attachment:
    kind: Literal["photo", "document", "voice"]
    media_id: str | None = None  # a channel's own media id (Telegram file_id)
    data: bytes | None = None  # generated files (PDF, ICS, chart PNG)
    filename: str | None = None

    def __post_init__(self) -> None:
        if (self.media_id is None) == (self.data is None):
            raise ValueError("an attachment has exactly one of media_id / data")


@dataclass(frozen=True)
class OutMessage:
    """Text in the Telegram-HTML subset features write today (<b>, <i>, <a href>, user text
    html-escaped); with an attachment the text is its caption. ``lang`` is the recipient's
    language: the adapter applies its bidi marks (renderers do not)."""

    text: str
    buttons: Keyboard = ()
    attachment: Attachment | None = None
    replace: bool = False
    lang: str | None = None
    #: Typed-answer keys under the input field (never together with ``buttons``), and
    #: ``clear_keys`` to take earlier ones away once the question is answered.
    keys: Keys = ()
    clear_keys: bool = False

    def __post_init__(self) -> None:
        if self.keys and self.buttons:
            raise ValueError("a message has buttons or keys, not both")

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for the outbox (bytes base64)."""
        data: dict[str, Any] = {"text": self.text}
        if self.buttons:
            data["buttons"] = [
                [{"label": b.label, "action": b.data} if b.url is None
                 else {"label": b.label, "url": b.url} for b in row]
                for row in self.buttons]
        if self.attachment is not None:
            a = self.attachment
            att: dict[str, Any] = {"kind": a.kind}
            if a.media_id is not None:
                att["media_id"] = a.media_id
            if a.data is not None:
                att["data"] = base64.b64encode(a.data).decode("ascii")
            if a.filename is not None:
                att["filename"] = a.filename
            data["attachment"] = att
        if self.replace:
            data["replace"] = True
        if self.lang is not None:
            data["lang"] = self.lang
        if self.keys:
            data["keys"] = [[{"label": k.label, "asks_phone": k.asks_phone} for k in row]
                            for row in self.keys]
        if self.clear_keys:
            data["clear_keys"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutMessage:
        buttons = tuple(
            tuple(Button(b["label"], url=b["url"]) if b.get("url")
                  else Button(b["label"], decode(b["action"]) or b["action"]) for b in row)
            for row in data.get("buttons") or ())
        attachment = None
        if data.get("attachment"):
            a = data["attachment"]
            attachment = Attachment(
                a["kind"], media_id=a.get("media_id"),
                data=base64.b64decode(a["data"]) if a.get("data") is not None else None,
                filename=a.get("filename"))
        keys = tuple(tuple(Key(k["label"], bool(k.get("asks_phone"))) for k in row)
                     for row in data.get("keys") or ())
        return cls(data.get("text", ""), buttons, attachment, bool(data.get("replace")),
                   data.get("lang"), keys, bool(data.get("clear_keys")))


@dataclass(frozen=True)
class Receipt:
    """A message as sent (Telegram: chat id and message id), for later edits."""

    channel: str
    address: str
    message_ref: str


def keyboard(rows: Any) -> Keyboard:
    """A :data:`Keyboard` from rows of ``(label, action)`` pairs (the shape ``kb()`` takes)."""
    return tuple(tuple(b if isinstance(b, Button) else Button(b[0], b[1]) for b in row)
                 for row in rows)
