"""The WhatsApp channel (issue 14): the official WhatsApp Cloud API (Meta) behind the
messaging core's port. See docs/whatsapp.md for how the pieces fit.

:class:`WhatsAppChannel` (``app.whatsapp``) is re-exported here; it is imported on first use,
so that ``bot.channels.whatsapp.ids`` (used everywhere) does not load pywa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

CHANNEL = "whatsapp"

if TYPE_CHECKING:
    from bot.channels.whatsapp.channel import WhatsAppChannel

__all__ = ["CHANNEL", "WhatsAppChannel"]


def __getattr__(name: str) -> Any:
    if name == "WhatsAppChannel":
        from bot.channels.whatsapp.channel import WhatsAppChannel

        return WhatsAppChannel
    raise AttributeError(name)
