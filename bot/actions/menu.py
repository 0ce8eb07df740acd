"""The main menu's buttons (``menu:<x>``): one action per entry, answered by its feature.

The menu (``bot/handlers/menu.py``) shows them; each feature routes its own entry with
``on(MenuMeals, ...)`` and uses ``MenuMain()`` for its "⬅️ Menu" buttons. The codes are the
wire format the buttons always had, so menus already in people's chats keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action, action


@action("menu:main")
@dataclass(frozen=True)
class MenuMain(Action):
    """Back to the main menu."""


@action("menu:agenda")
@dataclass(frozen=True)
class MenuAgenda(Action):
    """📅 This week (the calendar)."""


@action("menu:meals")
@dataclass(frozen=True)
class MenuMeals(Action):
    """🍲 Shared dinner (the eettafel, /eten)."""


@action("menu:help")
@dataclass(frozen=True)
class MenuHelp(Action):
    """📝 Ask for help (help requests)."""


@action("menu:checkins")
@dataclass(frozen=True)
class MenuCheckins(Action):
    """☎️ Weekly check-in (the belronde, resident side)."""


@action("menu:settings")
@dataclass(frozen=True)
class MenuSettings(Action):
    """⚙️ Settings and privacy (account)."""


@action("menu:table")
@dataclass(frozen=True)
class MenuTable(Action):
    """🍽 Dinner list (the eettafel, /tafel)."""


@action("menu:queue")
@dataclass(frozen=True)
class MenuQueue(Action):
    """📋 Help requests (the volunteers' queue)."""


@action("menu:turf")
@dataclass(frozen=True)
class MenuTurf(Action):
    """✅ Who came today (tally)."""


@action("menu:followups")
@dataclass(frozen=True)
class MenuFollowups(Action):
    """📞 Check-in follow-ups (the belronde, volunteer side)."""


@action("menu:hours")
@dataclass(frozen=True)
class MenuHours(Action):
    """🕒 My hours and groups (volunteer work)."""


@action("menu:surveys")
@dataclass(frozen=True)
class MenuSurveys(Action):
    """🗳 Surveys."""


@action("menu:broadcast")
@dataclass(frozen=True)
class MenuBroadcast(Action):
    """📣 Announcement (coordinators)."""


@action("menu:programme")
@dataclass(frozen=True)
class MenuProgramme(Action):
    """🗓 Edit programme (the calendar, coordinators)."""


@action("menu:report")
@dataclass(frozen=True)
class MenuReport(Action):
    """📊 Report (tally, coordinators)."""


@action("menu:volunteers")
@dataclass(frozen=True)
class MenuVolunteers(Action):
    """👥 Volunteers (coordinators)."""


#: Every menu action (tests check each one).
MENU_ACTIONS: tuple[type[Action], ...] = (
    MenuMain, MenuAgenda, MenuMeals, MenuHelp, MenuCheckins, MenuSettings, MenuTable,
    MenuQueue, MenuTurf, MenuFollowups, MenuHours, MenuSurveys, MenuBroadcast, MenuProgramme,
    MenuReport, MenuVolunteers,
)
