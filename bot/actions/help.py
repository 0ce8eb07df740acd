"""Help-request buttons (``help:*``): the resident's intake and "My requests", the volunteers'
queue, a request's card, notes, warm handoff and the follow-up question.

The wire format is the one these buttons always had (``help:take:12``), so buttons already in
people's chats keep working. Choices from a fixed list (a kind, an urgency, an outcome …) are
checked here: anything else is forged or stale and decodes to None. Ids are checked by the
service (a request that is gone gets its own answer there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action
from bot.services.help_requests_rules import (
    CONTACTS,
    FOLLOWUP_ANSWERS,
    FOLLOWUP_DAYS,
    KINDS,
    OUTCOMES,
    SKILLS,
    URGENCIES,
)


def _plain(value: str) -> None:
    """A partner id is a config key: never empty, never with ``:``."""
    if not value or ":" in value:
        raise ValueError(value)


# --- the resident's intake ---------------------------------------------------------------


@action("help:new")
@dataclass(frozen=True)
class NewRequest(Action):
    """📝 New request: start the intake."""


@action("help:offer:yes")
@dataclass(frozen=True)
class OfferYes(Action):
    """Yes, ask for help with the photo / voice note sent out of the blue."""


@action("help:offer:no")
@dataclass(frozen=True)
class OfferNo(Action):
    """No, thank you: forget what was sent."""


@action("help:k")
@dataclass(frozen=True)
class ChooseKind(Action):
    kind: str
    choices = {"kind": KINDS}


@action("help:next")
@dataclass(frozen=True)
class DetailsNext(Action):
    """Next ➡️ after the details step."""


@action("help:stop")
@dataclass(frozen=True)
class StopIntake(Action):
    pass


@action("help:w")
@dataclass(frozen=True)
class ChooseWhen(Action):
    urgency: str
    choices = {"urgency": URGENCIES}


@action("help:c")
@dataclass(frozen=True)
class ChooseContact(Action):
    contact: str
    choices = {"contact": CONTACTS}


@action("help:ph:keep")
@dataclass(frozen=True)
class KeepPhone(Action):
    """✅ Yes, on this number (the one on the profile)."""


@action("help:send")
@dataclass(frozen=True)
class SendRequest(Action):
    """✅ Send: ``key`` is the draft's own key (``secrets.token_urlsafe(9)``), so a second
    press finds the request the first one made. Empty for a draft without a key."""

    key: str
    longest_key: ClassVar[str] = "Xy_-0123abcd"


# --- the resident's requests -------------------------------------------------------------


@action("help:mine")
@dataclass(frozen=True)
class MyRequests(Action):
    pass


@action("help:cx")
@dataclass(frozen=True)
class AskCancel(Action):
    request_id: int


@action("help:cxok")
@dataclass(frozen=True)
class ConfirmCancel(Action):
    request_id: int


# --- volunteers: queue, card, notes ------------------------------------------------------


@action("help:queue")
@dataclass(frozen=True)
class Queue(Action):
    """📋 All open requests."""


@action("help:take")
@dataclass(frozen=True)
class TakeOn(Action):
    request_id: int


@action("help:view")
@dataclass(frozen=True)
class ViewRequest(Action):
    request_id: int


@action("help:media")
@dataclass(frozen=True)
class ResendMedia(Action):
    request_id: int


@action("help:hb")
@dataclass(frozen=True)
class HandBack(Action):
    request_id: int


@action("help:done")
@dataclass(frozen=True)
class AskOutcome(Action):
    request_id: int


@action("help:dn")
@dataclass(frozen=True)
class MarkDone(Action):
    request_id: int
    outcome: str
    choices = {"outcome": OUTCOMES}


@action("help:note")
@dataclass(frozen=True)
class AddNote(Action):
    request_id: int


@action("help:nostop")
@dataclass(frozen=True)
class StopNote(Action):
    pass


@action("help:skills")
@dataclass(frozen=True)
class Skills(Action):
    """🧰 What I help with."""


@action("help:sk")
@dataclass(frozen=True)
class ToggleSkill(Action):
    skill: str
    choices = {"skill": SKILLS}


# --- warm handoff and the follow-up ------------------------------------------------------

#: The follow-up choices as they are written in a button ("0", "7", "14").
DAY_CHOICES = tuple(str(days) for days in FOLLOWUP_DAYS)
#: The longest partner id the rooms' config uses (``partners:`` keys), with room to spare.
LONGEST_PARTNER = "schuldhulpmaatje-utrecht"


@action("help:ref")
@dataclass(frozen=True)
class AskPartner(Action):
    """🤝 Hand over to a partner: which organisation?"""

    request_id: int


@action("help:rp")
@dataclass(frozen=True)
class ChoosePartner(Action):
    request_id: int
    partner: str
    longest_partner: ClassVar[str] = LONGEST_PARTNER

    def __post_init__(self) -> None:
        _plain(self.partner)


@action("help:rnc")
@dataclass(frozen=True)
class NoConsent(Action):
    request_id: int


@action("help:rt")
@dataclass(frozen=True)
class ChooseTogether(Action):
    """Consent given; ``together``: the volunteer goes along (``1``) or not (``0``)."""

    request_id: int
    partner: str
    together: bool
    longest_partner: ClassVar[str] = LONGEST_PARTNER

    def __post_init__(self) -> None:
        _plain(self.partner)


@action("help:rf")
@dataclass(frozen=True)
class Refer(Action):
    """Hand over, with a follow-up question after ``days`` (``"0"``: none). ``days`` is one
    of the offered choices written as on the wire (``"7"``), so a forged number never
    decodes and the 64-byte check needs no room for a second 20-digit id; :attr:`after`
    gives the number."""

    request_id: int
    partner: str
    together: bool
    days: str
    longest_partner: ClassVar[str] = LONGEST_PARTNER
    choices = {"days": DAY_CHOICES}

    def __post_init__(self) -> None:
        super().__post_init__()
        _plain(self.partner)

    @property
    def after(self) -> int:
        """Days until the follow-up question (0: none)."""
        return int(self.days)


@action("help:fp")
@dataclass(frozen=True)
class AskFromPartner(Action):
    """📥 Came via a partner: which organisation?"""

    request_id: int


@action("help:fpp")
@dataclass(frozen=True)
class FromPartner(Action):
    request_id: int
    partner: str
    longest_partner: ClassVar[str] = LONGEST_PARTNER

    def __post_init__(self) -> None:
        _plain(self.partner)


@action("help:fu")
@dataclass(frozen=True)
class FollowupAnswer(Action):
    """The resident's answer to "Did they help you?"."""

    referral_id: int
    answer: str
    choices = {"answer": FOLLOWUP_ANSWERS}
