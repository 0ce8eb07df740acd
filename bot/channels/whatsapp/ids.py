"""Chat ids for WhatsApp people inside the application.

Why: the handler layer (PTB handlers, conversations, persistence) identifies a chat by an
integer. A WhatsApp person's address is their ``wa_id`` (the phone number in E.164 digits,
no "+"). Telegram user and private-chat ids have at most 52 significant bits, so every id at or
above ``BASE`` (2**53) is a WhatsApp chat: ``BASE + int(wa_id)``. The mapping is pure (no
table) and reversible; such an id is never stored as a Telegram id (``users.telegram_id``).
"""

from __future__ import annotations

#: First chat id of the WhatsApp range (Telegram ids stay below 2**52).
BASE = 1 << 53
#: E.164 has at most 15 digits.
MAX_DIGITS = 15


def valid_wa_id(wa_id: str) -> bool:
    """Digits only, no leading zero, 7..15 long (what WhatsApp sends as ``wa_id``)."""
    return (wa_id.isascii() and wa_id.isdigit() and not wa_id.startswith("0")
            and 7 <= len(wa_id) <= MAX_DIGITS)


def chat_id(wa_id: str) -> int:
    """The application's chat (and user) id of this WhatsApp address."""
    if not valid_wa_id(wa_id):
        raise ValueError("not a WhatsApp id")
    return BASE + int(wa_id)


def is_whatsapp(chat: int | str | None) -> bool:
    try:
        return chat is not None and int(chat) >= BASE
    except (TypeError, ValueError):
        return False


def wa_id(chat: int | str) -> str:
    """The WhatsApp address behind an application chat id (raises for a Telegram id)."""
    number = int(chat)
    if number < BASE:
        raise ValueError("not a WhatsApp chat id")
    return str(number - BASE)
