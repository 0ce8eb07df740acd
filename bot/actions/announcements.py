"""The announcement buttons (``ann:``): composing (/omroep), after sending, and a resident's
"announcements on or off".

Wire format as it always was (``ann:go:<draft key>``), so previews and reports already in
coordinators' chats keep working: an old "Send now" still finds its draft and never sends
twice. An audience or language the bot does not offer, or a draft key longer than it makes,
is refused here (decodes to None → "this button no longer works").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action

#: The audiences a coordinator can choose (``bot.handlers.announcements.render.AUDIENCE_LABELS``).
AUDIENCES = ("room", "all", "vol_room", "vol_all", "lang")


@action("ann:stop")
@dataclass(frozen=True)
class AnnouncementStop(Action):
    """❌ Stop: drop the draft, nothing is sent."""


@action("ann:aud")
@dataclass(frozen=True)
class AnnouncementAudience(Action):
    audience: str
    choices = {"audience": AUDIENCES}


@action("ann:lang")
@dataclass(frozen=True)
class AnnouncementLanguage(Action):
    """The audience "people who speak one language": which one (a shipped locale)."""

    language: str
    longest_language: ClassVar[str] = "nl"

    def __post_init__(self) -> None:
        if not 2 <= len(self.language) <= 8:
            raise ValueError(self.language)


@action("ann:grp")
@dataclass(frozen=True)
class AnnouncementGroups(Action):
    """Also post in the room's Telegram group: on or off."""


@action("ann:go")
@dataclass(frozen=True)
class AnnouncementSend(Action):
    """Send now, or plan: ``key`` names the draft, so a second tap sends nothing new."""

    key: str
    longest_key: ClassVar[str] = "0123456789abcdef"  # secrets.token_hex(8)

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 32:
            raise ValueError(self.key)


@action("ann:later")
@dataclass(frozen=True)
class AnnouncementLater(Action):
    """🕒 Send later: ask for the moment."""


@action("ann:back")
@dataclass(frozen=True)
class AnnouncementBack(Action):
    """👥 Other people: back to the audience."""


@action("ann:unsched")
@dataclass(frozen=True)
class AnnouncementUnschedule(Action):
    """Cancel a planned announcement."""

    broadcast_id: int


@action("ann:who")
@dataclass(frozen=True)
class AnnouncementNotReached(Action):
    """Who was not reached by a sent announcement."""

    broadcast_id: int


@action("ann:prefs")
@dataclass(frozen=True)
class AnnouncementPrefs(Action):
    """A resident's announcements on or off (from the settings)."""


@action("ann:sub")
@dataclass(frozen=True)
class AnnouncementSubscribe(Action):
    """Receive announcements (``True``) or not."""

    on: bool


#: Every announcement button (the /omroep conversation keeps its step on any of them).
ANNOUNCEMENT_ACTIONS: tuple[type[Action], ...] = (
    AnnouncementStop, AnnouncementAudience, AnnouncementLanguage, AnnouncementGroups,
    AnnouncementSend, AnnouncementLater, AnnouncementBack, AnnouncementUnschedule,
    AnnouncementNotReached, AnnouncementPrefs, AnnouncementSubscribe,
)
