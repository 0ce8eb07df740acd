"""Coordinators' volunteer buttons (``vol:*``): invite for a room, remove a volunteer.

Wire format as it always was (``vol:rm:12``). Rooms and people are checked by the handler
and the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, RoomAction, action


@action("vol:new")
@dataclass(frozen=True)
class AskInviteRoom(Action):
    """➕ Invite a volunteer: for which room?"""


@action("vol:invite")
@dataclass(frozen=True)
class CreateInvite(RoomAction):
    """An invite for a new volunteer of this room."""


@action("vol:rm")
@dataclass(frozen=True)
class AskRemove(Action):
    volunteer_id: int


@action("vol:rmok")
@dataclass(frozen=True)
class ConfirmRemove(Action):
    volunteer_id: int
