"""Buttons for the report's indicators: "found paid work" and "new in the Netherlands"
(``rpt:*``, marked by a volunteer), and the resident's own answer (``nwk:*``).

Wire format as it always was (``rpt:pw:12``, ``nwk:yes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, action

NEWCOMER_CHOICES = ("yes", "no", "skip")


@action("rpt:pw")
@dataclass(frozen=True)
class PaidWork(Action):
    request_id: int


@action("rpt:nc")
@dataclass(frozen=True)
class AskNewcomer(Action):
    request_id: int


@action("rpt:ncy")
@dataclass(frozen=True)
class MarkNewcomer(Action):
    request_id: int


@action("nwk")
@dataclass(frozen=True)
class NewcomerAnswer(Action):
    """The resident's own answer: ``yes``, ``no`` or ``skip`` (I would rather not say)."""

    choice: str
    choices = {"choice": NEWCOMER_CHOICES}
