"""The typed CallbackContext every handler gets (PTB's ``contexttypesbot`` idiom).

``context.services`` reaches the rules; ``context.person`` and ``context.t`` are filled in for
each update by the loader in ``bot.handlers.common`` before any feature handler runs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.handlers import ptb_compat
from bot.i18n import Translator, translator

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.services import Services
    from bot.services.users import Person


class BuurtApplication(Application):
    """An Application that owns the services and starts/stops them with itself."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        #: name → tick; see :mod:`bot.jobs`.
        self.ticks: dict[str, Any] = {}
        #: Per feature: when its tick will next have something to do (``bot.jobs.Upcoming``).
        self.upcoming: dict[str, Any] = {}

    async def initialize(self) -> None:
        started = not ptb_compat.is_initialized(self)
        if started:
            await self.services.start()
        try:
            await super().initialize()
        except BaseException:
            # Telegram refused the token or could not be reached (getMe): close the database
            # again, or its worker thread keeps the process from exiting.
            if started:
                await self.services.stop()
            raise

    async def start(self) -> None:
        await super().start()
        self.services.outbox.start_sender()  # what is queued goes out (also after a crash)

    async def stop(self) -> None:
        await self.services.outbox.stop_sender()
        await super().stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.services.stop()

    async def process_update(self, update: object) -> None:
        """Handle the update, then write its conversation state and drafts at once.

        PTB writes persistence every few seconds; a kill in between made the next tap an "old
        button" and, worse, filed the next message as the allergy note just saved. Writing after
        every update (``update_persistence`` writes only what this update touched) leaves no
        such window once an update is handled. Errors are logged, never raised: the person's
        action itself already succeeded.
        """
        try:
            await super().process_update(update)
        finally:
            if self.persistence is not None and ptb_compat.is_initialized(self):
                try:
                    await self.update_persistence()
                except Exception:
                    _log.exception("could not write conversation state")


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.person: Person | None = None
        self.t: Translator = translator(None)

    @property
    def services(self) -> Services:
        return self.application.services  # type: ignore[attr-defined]

    @property
    def port(self) -> Any:
        """The channel's :class:`bot.messaging.port.Port` (answers to this update)."""
        return self.application.port  # type: ignore[attr-defined]
