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


@action("ops:qr")
@dataclass(frozen=True)
class QrSign(Action):
    """The PDF door sign of one room."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("ops:feed")
@dataclass(frozen=True)
class FeedLink(Action):
    """The calendar feed link of one room."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("ops:feedn")
@dataclass(frozen=True)
class FeedRenewAsk(Action):
    """"Make a new link?" (the old one stops working)."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


@action("ops:feedy")
@dataclass(frozen=True)
class FeedRenew(Action):
    """Yes: a new feed link for the room."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM
