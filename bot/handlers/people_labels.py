"""How a person looks on volunteers' and coordinators' lists when they use WhatsApp (issue 14).

Why one module: a WhatsApp resident looks like any other resident, with the channel shown
where it matters (the dinner list, a help request card, the belronde "to call" list,
/vrijwilligers): "Fatima · 📱 WhatsApp". The mark means "this person has a WhatsApp address"
(messages reach them there; a volunteer who calls or meets them knows which app they use).
Telegram is the default and gets no mark. The phone number itself is *not* part of the mark:
only the belronde's call card shows a number (:func:`whatsapp_call_line` there).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from bot.channels.whatsapp import ids
from bot.i18n import Translator

#: A brand name with its icon: the same in every language (no msgid).
WHATSAPP_BADGE = "📱 WhatsApp"


def on_whatsapp(addresses: Iterable[object]) -> bool:
    """Has a WhatsApp address (an ``AddressRow`` or anything with a ``channel``)."""
    return any(getattr(address, "channel", None) == "whatsapp" for address in addresses)


def badge(t: Translator, whatsapp: bool) -> str:
    """" · 📱 WhatsApp" after a name (isolated, so a right-to-left line keeps its order)."""
    return f" · {t.isolate(WHATSAPP_BADGE)}" if whatsapp else ""


def channel_mark(t: Translator, person: object | None) -> str:
    """"📱 WhatsApp" on its own (a line of facts about a resident), or "" for Telegram."""
    addresses = getattr(person, "addresses", ()) if person is not None else ()
    return t.isolate(WHATSAPP_BADGE) if on_whatsapp(addresses) else ""


def whatsapp_number(address: str) -> str | None:
    """"+31612345678" for a WhatsApp address (its wa_id), None when it is not one."""
    return "+" + address if ids.valid_wa_id(address) else None


def whatsapp_link(t: Translator, address: str) -> str:
    """The number as a link that opens a WhatsApp chat with them (wa.me), HTML, isolated."""
    number = whatsapp_number(address)
    if number is None:
        return ""
    return f'<a href="https://wa.me/{address}">{t.isolate(escape(number))}</a>'
