"""What people see: the announcement itself, the coordinator's report, short snippets."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.actions.announcements import AnnouncementNotReached
from bot.handlers.common import (
    kb,
)
from bot.i18n import N_, Translator, own_direction, shorten
from bot.store.broadcasts import BroadcastRow

log = logging.getLogger(__name__)


AUDIENCE_LABELS = {
    "room": N_("🏠 Everyone in my room"),
    "all": N_("🏘 Everyone in all rooms"),
    "vol_room": N_("🙋 Volunteers of my room"),
    "vol_all": N_("🙋 All volunteers"),
    "lang": N_("🌐 People who speak one language"),
}


# --- what recipients see -----------------------------------------------------------------


def render_announcement(t: Translator, broadcast: BroadcastRow | dict[str, Any],
                        rooms: dict[str, Any], *, footer: bool = True) -> str:
    """The announcement in the recipient's language: a header, the text, how to opt out.

    ``footer=False`` for a room's group: opting out is a person's choice, not a group's.
    """
    get = broadcast.get if isinstance(broadcast, dict) else broadcast.__getattribute__
    audience, room_id, text = get("audience"), get("room"), get("text")
    if audience in ("vol_room", "vol_all"):
        header = t._("📣 For volunteers")
        footer = ""
    else:
        room = rooms.get(room_id or "")
        if audience == "room" and room is not None:
            header = t._("📣 News from {room}").format(room=html.escape(room.name))
        else:
            header = t._("📣 News from the BuurtWerkKamers")
        footer = t._("No more announcements? Tap /berichten.") if footer else ""
    parts = [f"<b>{header}</b>"]
    if text:
        parts.append(own_direction(text))  # the coordinator's own words keep their direction
    if footer:
        parts.append(f"<i>{footer}</i>")
    return t.bidi("\n\n".join(parts))



def whatsapp_cost(t: Translator, n: int, settings: Any) -> str:
    """The preview's line about WhatsApp: how many get it as a template message (their
    24-hour window is closed, so Meta charges for it) and the estimated cost, in the
    coordinator's locale (``whatsapp.template_price`` per message, ``whatsapp.currency``)."""
    price = float(getattr(settings, "template_price", 0.0) or 0.0)
    if price <= 0:
        return t.ngettext(
            "📱 {n} person is on WhatsApp and has not written to the bot in the last 24 "
            "hours. They get it as a template message; WhatsApp may charge for it.",
            "📱 {n} people are on WhatsApp and have not written to the bot in the last 24 "
            "hours. They get it as a template message; WhatsApp may charge for it.",
            n).format(n=t.number(n))
    return t.ngettext(
        "📱 {n} person is on WhatsApp and has not written to the bot in the last 24 hours. "
        "They get it as a paid template message: about {cost} in total.",
        "📱 {n} people are on WhatsApp and have not written to the bot in the last 24 hours. "
        "They get it as a paid template message: about {cost} in total.",
        n).format(n=t.number(n), cost=money(t, n * price, settings))


def whatsapp_waiting(t: Translator, n: int) -> str:
    """The preview's line about WhatsApp residents no approved template can reach now."""
    return t.ngettext(
        "📱 {n} person is on WhatsApp and has not written to the bot in the last 24 hours. "
        "WhatsApp has not approved a template for it yet: the message waits until then, or "
        "until they write.",
        "📱 {n} people are on WhatsApp and have not written to the bot in the last 24 hours. "
        "WhatsApp has not approved a template for it yet: the message waits until then, or "
        "until they write.",
        n).format(n=t.number(n))


def money(t: Translator, amount: float, settings: Any) -> str:
    """An amount in the setting's currency, as the coordinator's locale writes it."""
    from babel.numbers import format_currency

    text = format_currency(amount, getattr(settings, "currency", "EUR") or "EUR",
                           locale=t.locale)
    return t.isolate(text) if t.rtl else text


def paid_line(t: Translator, n: int, settings: Any) -> str:
    """The report's line: how many went as a paid WhatsApp template, and about what cost."""
    price = float(getattr(settings, "template_price", 0.0) or 0.0)
    if price <= 0:
        return t._("📱 Sent as a WhatsApp template message: {n}").format(n=t.number(n))
    return t._("📱 Sent as a paid WhatsApp template message: {n} (about {cost})").format(
        n=t.number(n), cost=money(t, n * price, settings))


def render_report(t: Translator, broadcast: BroadcastRow, counts: dict[str, int],
                  groups: Sequence[Any] = (), rooms: dict[str, Any] | None = None,
                  whatsapp: Any = None) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [
        "<b>" + t._("Report of your announcement") + "</b>",
        t._("✅ Delivered: {n}").format(n=t.number(counts["sent"])),
        t._("🚫 Blocked the bot: {n}").format(n=t.number(counts["blocked"])),
        t._("📵 Not on Telegram or unreachable before: {n}").format(
            n=t.number(counts["unreachable"])),
        t._("⚠️ Failed for another reason: {n}").format(n=t.number(counts["failed"])),
    ]
    if whatsapp is not None and counts.get("paid"):
        lines.append(paid_line(t, counts["paid"], whatsapp))
    lines += _group_lines(t, groups, rooms or {})
    missed = counts["blocked"] + counts["unreachable"] + counts["failed"]
    if not missed:
        return "\n".join(lines), None
    lines.append(t._("Please reach these people another way: call them or put a note on the "
                     "board."))
    return "\n".join(lines), kb([[(t._("👥 Who was not reached"),
                                   AnnouncementNotReached(broadcast.id))]])


def _group_lines(t: Translator, groups: Sequence[Any], rooms: dict[str, Any]) -> list[str]:
    """One line per room group, apart from the people: a group is not a person."""
    lines = []
    for post in groups:
        room = rooms.get(post["room"])
        name = html.escape(room.name if room is not None else post["room"])
        if post["state"] == "sent":
            lines.append(t._("📢 Posted in the group of {room}.").format(room=name))
        elif post["state"] == "blocked":
            lines.append(t._(
                "⚠️ Not posted in the group of {room}: the bot is no longer in that group. "
                "Ask a group admin to add the bot again, or post the message there yourself."
            ).format(room=name))
        else:
            lines.append(t._(
                "⚠️ Not posted in the group of {room}: Telegram refused it. Please post the "
                "message there yourself.").format(room=name))
    return lines


def snippet(text: str, size: int = 40) -> str:
    """A short plain-text taste of an (HTML) announcement, safe to put in an HTML message.

    Cutting the stored HTML itself could leave half a tag and make Telegram refuse the whole
    message, so tags go first and the cut text is escaped again.
    """
    return html.escape(shorten(html.unescape(_TAG.sub("", text)), size), quote=False)


_TAG = re.compile(r"<[^>]*>")
