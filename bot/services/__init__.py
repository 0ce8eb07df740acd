"""Plain async services that hold the rules; none of them knows Telegram.

:class:`Services` is the one object handlers and jobs reach everything through
(``context.services`` in a handler).
"""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.inbox import Inbox
from bot.services.announcements import AnnouncementService
from bot.services.calendar import CalendarService
from bot.services.checkins import CheckinService
from bot.services.help_requests import HelpRequestService
from bot.services.indicators import IndicatorService
from bot.services.linking import LinkingService
from bot.services.meals import MealService
from bot.services.ops import OpsService
from bot.services.outbox import OutboxService
from bot.services.participation import ParticipationService
from bot.services.privacy import PrivacyService
from bot.services.recipients import RecipientsService
from bot.services.retries import RetryService
from bot.services.surveys import SurveyService
from bot.services.tally import TallyService
from bot.services.users import UserService
from bot.services.volunteer_work import VolunteerWorkService
from bot.store.db import Database


class Services:
    def __init__(self, config: Config, db: Database, clock: Clock) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.users = UserService(db, config, clock)
        self.inbox = Inbox(db, clock)
        self.privacy = PrivacyService(db, clock)
        self.participation = ParticipationService(db, clock)
        self.recipients = RecipientsService(self.users)
        self.indicators = IndicatorService(self)
        self.calendar = CalendarService(self)
        self.meals = MealService(self)
        self.help = HelpRequestService(self)
        self.checkins = CheckinService(self)
        self.announcements = AnnouncementService(self)
        self.tally = TallyService(self)
        self.outbox = OutboxService(self)
        self.retries = RetryService(self)
        self.ops = OpsService(self)
        self.surveys = SurveyService(self)
        self.volunteer_work = VolunteerWorkService(self)
        self.linking = LinkingService(self)

    @property
    def features(self) -> list:
        return [
            self.calendar,
            self.meals,
            self.help,
            self.checkins,
            self.announcements,
            self.tally,
            self.outbox,
            self.retries,
            self.ops,
            self.indicators,
            self.surveys,
            self.volunteer_work,
            self.linking,
        ]

    async def start(self) -> None:
        await self.db.connect()
        for feature in self.features:
            await feature.start()

    async def stop(self) -> None:
        await self.db.close()
