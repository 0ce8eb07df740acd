"""Settings and privacy buttons (``acc:*``): language, room, privacy, my data, erase.

Wire format as it always was (``acc:setlang:ar``). A language outside the shipped ones is
forged or stale and decodes to None; a room is checked against the config by the handler
(rooms come and go with the config).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, RoomAction, action
from bot.i18n import LANGUAGES


@action("acc:lang")
@dataclass(frozen=True)
class AskLanguage(Action):
    pass


@action("acc:setlang")
@dataclass(frozen=True)
class SetLanguage(Action):
    language: str  # not ``code``: that name is the action's own (``Action.code``)
    choices = {"language": LANGUAGES}


@action("acc:room")
@dataclass(frozen=True)
class AskRoom(Action):
    pass


@action("acc:setroom")
@dataclass(frozen=True)
class SetRoom(RoomAction):
    """The person's new home room."""


@action("acc:keeproom")
@dataclass(frozen=True)
class KeepRoom(Action):
    """"No, stay": the answer to another room's QR code or deep link (nothing changes)."""


@action("acc:privacy")
@dataclass(frozen=True)
class ShowPrivacy(Action):
    pass


@action("acc:data")
@dataclass(frozen=True)
class MyData(Action):
    pass


@action("acc:erase")
@dataclass(frozen=True)
class AskErase(Action):
    pass


@action("acc:erase:yes")
@dataclass(frozen=True)
class EraseYes(Action):
    pass


@action("acc:erase:no")
@dataclass(frozen=True)
class EraseNo(Action):
    pass


@action("acc:newcomer")
@dataclass(frozen=True)
class NewcomerSettings(Action):
    """🌍 New in the Netherlands? (the question of ``handlers/report_newcomer.py``)."""
