"""The "link my other app" button (``link:*``) in Settings and privacy (bot/handlers/linking.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, action


@action("link:code")
@dataclass(frozen=True)
class ShowLinkCode(Action):
    """🔗 Link WhatsApp and Telegram: show a fresh code."""
