"""The operator buttons (``ops:``): the QR door sign and the calendar feed link of a room.

Wire format as it always was (``ops:qr:top``). Whether the room exists is the config's (the
handler answers a room that is not configured as a stale button). The calendar's programme
screen offers :class:`QrSign` and :class:`FeedLink` too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import RoomAction, action


@action("ops:qr")
@dataclass(frozen=True)
class QrSign(RoomAction):
    """The PDF door sign of one room."""


@action("ops:feed")
@dataclass(frozen=True)
class FeedLink(RoomAction):
    """The calendar feed link of one room."""


@action("ops:feedn")
@dataclass(frozen=True)
class FeedRenewAsk(RoomAction):
    """"Make a new link?" (the old one stops working)."""


@action("ops:feedy")
@dataclass(frozen=True)
class FeedRenew(RoomAction):
    """Yes: a new feed link for the room."""
