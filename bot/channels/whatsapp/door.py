"""The room's WhatsApp door: the ``wa.me`` link of the QR sign, and reading it back.

Why a greeting and not a code: WhatsApp's ``wa.me/<number>?text=…`` only fills in the
message; the resident still sees it and taps send. "Hoi TOP 👋" is what they would have
written themselves, so nobody hesitates over a strange word like ``start top``. The bot reads
any greeting of any shipped language followed by a room's id or name ("Hoi TOP", "Hello
top!", "مرحبا TOP", "start top") as ``/start <room>``: the room preselected, exactly as the
Telegram deep link ``t.me/<bot>?start=<room>`` does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from bot.channels.whatsapp import keywords

#: The greeting the door's QR code fills in (Dutch: understood by everyone in the rooms).
GREETING = "Hoi {room} 👋"
_DIGITS = re.compile(r"\d")


def wa_number(display_number: str) -> str:
    """The digits ``wa.me`` wants: the country code and the number, no "+", no spaces.

    ``display_number`` is the number as people see it ("+31 6 1234 5678"). Written the Dutch
    way ("06 1234 5678") the leading 0 becomes 31: the rooms are in the Netherlands; "0031 …"
    loses its 00."""
    digits = "".join(_DIGITS.findall(display_number))
    if display_number.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "31" + digits[1:]
    return digits


def greeting(room_name: str) -> str:
    return GREETING.format(room=room_name)


def wa_link(display_number: str, room_name: str) -> str:
    """``https://wa.me/31612345678?text=Hoi%20TOP%20%F0%9F%91%8B``"""
    return f"https://wa.me/{wa_number(display_number)}?text={quote(greeting(room_name))}"


def _bare(text: str) -> str:
    """The keyword form without emoji and other symbols ("Hoi TOP 👋" → "hoi top")."""
    kept = "".join(" " if unicodedata.category(ch).startswith("S") else ch for ch in text)
    return keywords.normalise(kept.replace(",", " "))


def room_forms(rooms: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(normalised id or name, room id) for every room, from (room id, room name) pairs;
    longest first, so "de verbinding" wins over a room called "verbinding"."""
    forms = {}
    for room_id, name in rooms:
        for text in (room_id, name):
            form = _bare(text)
            if form:
                forms.setdefault(form, room_id)
    return tuple(sorted(forms.items(), key=lambda item: -len(item[0])))


def room_of(text: str, forms: tuple[tuple[str, str], ...]) -> str | None:
    """The room a "greeting + room" message names ("Hoi TOP 👋", "hello, top!", "start
    top"), or None. The greeting may be any shipped language's (or the word start)."""
    if not forms or not text or len(text) > 80:
        return None
    bare = _bare(text)
    for form, room_id in forms:
        if not bare.endswith(" " + form):
            continue
        opener = bare[: -len(form) - 1].strip()
        if keywords.command_of(opener) in (keywords.GREETING, "start"):
            return room_id
    return None
