"""The operator buttons (``ops:``): the QR door sign and the calendar feed link of a room.

Wire format as it always was (``ops:qr:top``). Whether the room exists is the config's (the
handler answers a room that is not configured as a stale button). The calendar's programme
screen offers :class:`QrSign` and :class:`FeedLink` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action

#: Longer than any configured room id (``[rooms.<id>]`` in buurtbot.toml).
LONGEST_ROOM = "leidsche-rijn-noord"


@dataclass(frozen=True)
class _OfRoom(Action):
    """A button about one room (not a button kind itself); the handler checks the id against
    the settings."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("ops:qr")
@dataclass(frozen=True)
class QrSign(_OfRoom):
    """The PDF door sign of one room."""


@action("ops:feed")
@dataclass(frozen=True)
class FeedLink(_OfRoom):
    """The calendar feed link of one room."""


@action("ops:feedn")
@dataclass(frozen=True)
class FeedRenewAsk(_OfRoom):
    """"Make a new link?" (the old one stops working)."""


@action("ops:feedy")
@dataclass(frozen=True)
class FeedRenew(_OfRoom):
    """Yes: a new feed link for the room."""
