"""A WhatsApp webhook message → the Telegram ``Update`` the handlers already understand.

Why synthetic updates: every feature is a PTB handler (conversations, button routing,
persistence, the inbox's once-only rule). Turning a WhatsApp message into the update Telegram
would have sent for the same act — a text, a command, a button press, a photo — lets a
WhatsApp person use exactly the same code, with its tests, without a second copy of any rule.
What is WhatsApp's own (ids, keywords instead of commands, reply ids instead of callback
data) is settled here, once.

The update's chat and user id is :func:`bot.channels.whatsapp.ids.chat_id` (2**53 + the
number: never a Telegram id); the chat is always ``private``. It carries ``"buurtbot":
{"channel": "whatsapp", "key": <wamid>, "wa_id": ...}`` as an extra top-level key (PTB puts
it in ``update.api_kwargs["buurtbot"]``): the inbox key, and how the port router knows the
answer goes back to WhatsApp.

Pure functions: what depends on the database (is the person known, which message did they
reply to, what is the current step's Stop) comes in as a :class:`Situation`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.channels.whatsapp import CHANNEL, command_hints, door, ids, keywords

#: The reply id of a typed-answer key (OutMessage.keys): ``k:`` + the label it stands for.
KEY_PREFIX = "k:"
#: A media id of WhatsApp's inside a Telegram-shaped file_id (the media bridge reads it).
MEDIA_PREFIX = "wa:"
#: Message types that are not handed on; a friendly answer (reactions: silence).
UNSUPPORTED = {"location", "sticker", "video", "unsupported", "system", "order", "unknown",
               "request_welcome", "ephemeral"}
IGNORED = {"reaction"}
#: Calling codes → the language a stranger's first message is shown in (until they choose).
_LANGUAGE_BY_PREFIX = (("380", "uk"), ("291", "ti"), ("251", "ti"), ("963", "ar"),
                       ("964", "ar"), ("962", "ar"), ("961", "ar"), ("966", "ar"),
                       ("971", "ar"), ("970", "ar"), ("249", "ar"), ("212", "ar"),
                       ("216", "ar"), ("213", "ar"), ("20", "ar"), ("90", "tr"),
                       ("48", "pl"), ("31", "nl"), ("32", "nl"), ("44", "en"), ("1", "en"))


@dataclass(frozen=True)
class Incoming:
    """One message of a webhook body, with the sender's profile (if Meta sent one)."""

    message: dict[str, Any]
    contact: dict[str, Any] | None

    @property
    def wamid(self) -> str:
        return str(self.message.get("id") or "")

    @property
    def wa_id(self) -> str:
        return str(self.message.get("from") or "")

    @property
    def kind(self) -> str:
        return str(self.message.get("type") or "unknown")

    @property
    def timestamp(self) -> int:
        try:
            return int(self.message.get("timestamp") or 0)
        except (TypeError, ValueError):
            return 0

    def to_json(self) -> dict[str, Any]:
        """What the inbox keeps (the raw message: converted when handled, also after a
        restart, so the conversion sees the person as they are then)."""
        return {"message": self.message, "contact": self.contact}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incoming:
        return cls(data["message"], data.get("contact"))

    @property
    def valid(self) -> bool:
        return bool(self.wamid) and len(self.wamid) <= 200 and ids.valid_wa_id(self.wa_id)


@dataclass(frozen=True)
class Situation:
    """What the database says about this message's sender when it is handled."""

    #: a person with this WhatsApp address, or a conversation open for their chat
    known: bool = False
    #: the Telegram-shaped message id of the message they replied to (``context.id``)
    replied_to: int | None = None
    #: the Stop button of the step they are in: (callback data, message id), or None
    stop: tuple[str, int] | None = None
    #: the person's chosen language (for a stranger: guessed from the number)
    language: str | None = None
    #: the bot's command names: a stranger's text that starts with one (typed without the
    #: slash, e.g. "koppel AB3 K9X" to link an app) is theirs to answer, not a /start
    commands: frozenset[str] = frozenset()
    #: the rooms a "Hoi TOP" from the door's QR code may name (:func:`door.room_forms`)
    rooms: tuple[tuple[str, str], ...] = ()


class BadBody(ValueError):
    """Not a webhook body Meta sends (wrong object, no entry list)."""


def messages_of(body: Any, phone_number_id: str | None = None
                ) -> tuple[list[Incoming], list[dict[str, Any]]]:
    """The messages and statuses of a webhook body, in order; raises :class:`BadBody` when
    the body is not a WhatsApp Business Account notification at all. With
    ``phone_number_id``: only what concerns that number (Meta posts the notifications of
    every number of the business account to the one webhook)."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account" \
            or not isinstance(body.get("entry"), list):
        raise BadBody("not a whatsapp_business_account notification")
    messages: list[Incoming] = []
    statuses: list[dict[str, Any]] = []
    for value in _values(body):
        number_id = (value.get("metadata") or {}).get("phone_number_id")
        if phone_number_id and number_id and str(number_id) != phone_number_id:
            continue
        contacts = [c for c in value.get("contacts") or () if isinstance(c, dict)]
        by_wa_id = {str(c.get("wa_id")): c for c in contacts}
        for message in value.get("messages") or ():
            if isinstance(message, dict):
                sender = str(message.get("from") or "")
                contact = by_wa_id.get(sender) or (contacts[0] if len(contacts) == 1 else None)
                messages.append(Incoming(message, contact))
        statuses.extend(s for s in value.get("statuses") or () if isinstance(s, dict))
    return messages, statuses


def _values(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in body["entry"]:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or ():
            if isinstance(change, dict) and change.get("field") == "messages" \
                    and isinstance(change.get("value"), dict):
                yield change["value"]


def template_updates_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``message_template_status_update`` values of a webhook body (Meta's review
    result for a template, or a pause): stored at once by the templates module."""
    found: list[dict[str, Any]] = []
    for entry in body.get("entry") or ():
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or ():
            if isinstance(change, dict) and isinstance(change.get("value"), dict) \
                    and change.get("field") == "message_template_status_update":
                found.append(change["value"])
    return found


def number(wamid: str) -> int:
    """A stable positive int for a wamid (Telegram's update and message ids are ints)."""
    return int.from_bytes(hashlib.sha256(wamid.encode()).digest()[:6], "big") or 1


def language_of_number(wa_id: str) -> str | None:
    for prefix, language in _LANGUAGE_BY_PREFIX:
        if wa_id.startswith(prefix):
            return language
    return None


def handed_on(incoming: Incoming) -> str:
    """``"update"``: becomes an update; ``"unsupported"``: one friendly answer, nothing else;
    ``"ignored"``: silence (a reaction)."""
    kind = incoming.kind
    if kind in IGNORED:
        return "ignored"
    if kind == "interactive":
        reply = _reply_of(incoming.message)
        return "update" if reply is not None else "unsupported"
    if kind == "button":
        return "update" if _reply_of(incoming.message) is not None else "unsupported"
    if kind in {"text", "image", "document", "audio", "voice", "contacts"}:
        return "update"
    return "unsupported"


def _reply_of(message: dict[str, Any]) -> tuple[str, str] | None:
    """(reply id, title) of a button / list reply or a template's quick reply."""
    if message.get("type") == "button":
        button = message.get("button") or {}
        payload = button.get("payload")
        if isinstance(payload, str) and payload:
            return payload, str(button.get("text") or "")
        return None
    interactive = message.get("interactive") or {}
    kind = interactive.get("type")
    if kind in ("button_reply", "list_reply"):
        reply = interactive.get(kind) or {}
        reply_id = reply.get("id")
        if isinstance(reply_id, str) and reply_id:
            return reply_id, str(reply.get("title") or "")
    return None


def to_update(incoming: Incoming, situation: Situation) -> dict[str, Any] | None:
    """The synthetic Telegram Update (JSON for ``Update.de_json``), or None when this
    message is not handed on (see :func:`handed_on`)."""
    if handed_on(incoming) != "update":
        return None
    wa_id = incoming.wa_id
    chat_id = ids.chat_id(wa_id)
    profile = (incoming.contact or {}).get("profile") or {}
    user: dict[str, Any] = {"id": chat_id, "is_bot": False,
                            "first_name": str(profile.get("name") or "WhatsApp")[:64]}
    language = situation.language or language_of_number(wa_id)
    if language:
        user["language_code"] = language
    chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
    date = incoming.timestamp
    wamid = incoming.wamid
    update: dict[str, Any] = {
        "update_id": number(wamid),
        "buurtbot": {"channel": CHANNEL, "key": wamid, "wa_id": wa_id},
    }
    base = {"message_id": number(wamid), "date": date, "chat": chat, "from": user}
    message = incoming.message
    kind = incoming.kind

    if kind in ("interactive", "button"):
        reply = _reply_of(message)
        assert reply is not None
        reply_id, _title = reply
        if reply_id.startswith(KEY_PREFIX):  # a typed-answer key: their own words
            update["message"] = {**base, "text": reply_id[len(KEY_PREFIX):]}
            return update
        command = command_hints.command_of_reply(reply_id)
        if command is not None:  # a command's button under a hint: the command, typed
            update["message"] = {**base, **_text("/" + command, situation)}
            return update
        shown = situation.replied_to if situation.replied_to is not None else 0
        update["callback_query"] = {
            "id": wamid, "from": user, "chat_instance": f"wa:{wa_id}", "data": reply_id,
            "message": {"message_id": shown, "date": date, "chat": chat}}
        return update

    if kind == "text":
        body = str((message.get("text") or {}).get("body") or "")
        update["message"] = {**base, **_text(body, situation)}
        if _is_stop(body, situation):
            data, shown = situation.stop  # type: ignore[misc]
            del update["message"]
            update["callback_query"] = {
                "id": wamid, "from": user, "chat_instance": f"wa:{wa_id}", "data": data,
                "message": {"message_id": shown, "date": date, "chat": chat}}
        return update

    if kind == "image":
        image = message.get("image") or {}
        media_id = str(image.get("id") or "")
        update["message"] = {**base, "photo": [{
            "file_id": MEDIA_PREFIX + media_id, "file_unique_id": media_id,
            "width": 0, "height": 0}], **_caption(image)}
        return update
    if kind == "document":
        document = message.get("document") or {}
        media_id = str(document.get("id") or "")
        doc: dict[str, Any] = {"file_id": MEDIA_PREFIX + media_id, "file_unique_id": media_id}
        if document.get("filename"):
            doc["file_name"] = str(document["filename"])[:255]
        if document.get("mime_type"):
            doc["mime_type"] = str(document["mime_type"])
        update["message"] = {**base, "document": doc, **_caption(document)}
        return update
    if kind in ("audio", "voice"):
        audio = message.get(kind) or {}
        media_id = str(audio.get("id") or "")
        voice: dict[str, Any] = {"file_id": MEDIA_PREFIX + media_id,
                                 "file_unique_id": media_id, "duration": 0}
        if audio.get("mime_type"):
            voice["mime_type"] = str(audio["mime_type"])
        update["message"] = {**base, "voice": voice}
        return update
    if kind == "contacts":
        update["message"] = {**base, "contact": _contact(message, wa_id, chat_id)}
        return update
    return None


def _text(body: str, situation: Situation) -> dict[str, Any]:
    """A text, or the command a keyword stands for (with its bot_command entity)."""
    stripped = body.strip()
    room = door.room_of(stripped, situation.rooms)
    if room is not None:  # "Hoi TOP 👋" from the QR code on the door: that room preselected
        text = "/start " + room
        return {"text": text, "entities": [{"type": "bot_command", "offset": 0,
                                            "length": 6}]}
    command = keywords.command_of(stripped)
    if command == keywords.GREETING:
        command = "menu" if situation.known else "start"
    elif command == keywords.STOP:
        command = "menu"  # no step with a Stop (else _is_stop made it that button)
    if not situation.known and not stripped.startswith("/"):
        first, _, rest = stripped.partition(" ")
        first_keyword = keywords.command_of(first)
        if first_keyword == "start" and rest.strip() and len(rest.split()) == 1:
            # "start CODE" (a volunteer invite shared as a wa.me link with its text)
            text = "/start " + rest.strip()
            return {"text": text, "entities": [{"type": "bot_command", "offset": 0,
                                                "length": 6}]}
        if command is None and first_keyword is None \
                and first.casefold() in situation.commands:
            return {"text": body}  # a command word the handlers read as text ("koppel …")
        command = "start"  # a stranger: whatever they wrote, the bot introduces itself
    if command is not None:
        text = "/" + command
        return {"text": text, "entities": [{"type": "bot_command", "offset": 0,
                                            "length": len(text)}]}
    if stripped.startswith("/") and len(stripped) > 1:
        length = len(stripped.split(maxsplit=1)[0])
        return {"text": body, "entities": [{"type": "bot_command",
                                            "offset": len(body) - len(body.lstrip()),
                                            "length": _utf16(stripped[:length])}]}
    return {"text": body}


def _is_stop(body: str, situation: Situation) -> bool:
    return situation.stop is not None and situation.known \
        and keywords.command_of(body.strip()) == keywords.STOP


def _utf16(text: str) -> int:
    """Telegram measures entities in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _caption(media: dict[str, Any]) -> dict[str, Any]:
    caption = media.get("caption")
    return {"caption": str(caption)} if caption else {}


def _contact(message: dict[str, Any], sender: str, chat_id: int) -> dict[str, Any]:
    """The first contact card: its number and first name; the sender's own card (their own
    number) carries their user id, as Telegram's "share my number" does."""
    cards = message.get("contacts") or [{}]
    card = cards[0] if isinstance(cards[0], dict) else {}
    phones = [p for p in card.get("phones") or () if isinstance(p, dict)]
    phone = phones[0] if phones else {}
    number_text = str(phone.get("phone") or phone.get("wa_id") or "")
    name = card.get("name") or {}
    first = str(name.get("first_name") or name.get("formatted_name") or "-")[:64]
    contact: dict[str, Any] = {"phone_number": number_text, "first_name": first}
    if phone.get("wa_id") and str(phone["wa_id"]) == sender:
        contact["user_id"] = chat_id
    return contact


def buurtbot_of(update: Any) -> dict[str, Any] | None:
    """The ``buurtbot`` extra of a synthetic update (None: a Telegram update)."""
    extra = getattr(update, "api_kwargs", None) or {}
    marker = extra.get("buurtbot")
    return marker if isinstance(marker, dict) and marker.get("channel") == CHANNEL else None
