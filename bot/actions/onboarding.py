"""First contact's buttons (``onb:<x>``): language, home room, privacy, skip the name.

The codes are the wire format the buttons always had. A language that is not shipped does
not decode (the one stale-button answer); a room is checked against the config by the
handler, which knows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, RoomAction, action
from bot.i18n import LANGUAGES


@action("onb:lang")
@dataclass(frozen=True)
class OnboardingLanguage(Action):
    """The person's language (a shipped one)."""

    language: str

    choices = {"language": LANGUAGES}


@action("onb:room")
@dataclass(frozen=True)
class OnboardingRoom(RoomAction):
    """The person's home room."""


@action("onb:privacy:yes")
@dataclass(frozen=True)
class OnboardingAgree(Action):
    """✅ I agree (to the privacy statement)."""


@action("onb:privacy:no")
@dataclass(frozen=True)
class OnboardingDecline(Action):
    """No, thank you: nothing is kept."""


@action("onb:name:skip")
@dataclass(frozen=True)
class OnboardingSkipName(Action):
    """No name: the name is optional."""


#: Every onboarding action (tests check each one; the conversation's fallback takes any).
ONBOARDING_ACTIONS: tuple[type[Action], ...] = (
    OnboardingLanguage, OnboardingRoom, OnboardingAgree, OnboardingDecline, OnboardingSkipName,
)
