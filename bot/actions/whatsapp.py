"""WhatsApp's own button (``wa:``): "Show" under the "you have a new message" template.

Tapping it is a message from the person, so it opens their 24-hour window; the held outbox
row (``row``) then goes as the normal message. The payload travels as a template
quick-reply payload (not Telegram callback data), but it decodes like every other action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action


@action("wa:show")
@dataclass(frozen=True)
class WhatsAppShow(Action):
    """Show the held message (outbox row id)."""

    row: int
    never_negative = ("row",)
    #: An outbox row id (SQLite's 64 bits).
    longest_row: ClassVar[int] = 2**63 - 1
