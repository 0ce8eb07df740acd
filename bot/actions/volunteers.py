"""Coordinators' volunteer buttons (``vol:*``): invite for a room, remove a volunteer.

Wire format as it always was (``vol:rm:12``). Rooms and people are checked by the handler
and the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action


@action("vol:new")
@dataclass(frozen=True)
class AskInviteRoom(Action):
    """➕ Invite a volunteer: for which room?"""


@action("vol:invite")
@dataclass(frozen=True)
class CreateInvite(Action):
    room: str
    #: Room ids are at most 32 characters (``bot/config.py``).
    longest_room: ClassVar[str] = "r" * 32


@action("vol:rm")
@dataclass(frozen=True)
class AskRemove(Action):
    volunteer_id: int


@action("vol:rmok")
@dataclass(frozen=True)
class ConfirmRemove(Action):
    volunteer_id: int
