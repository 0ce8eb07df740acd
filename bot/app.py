"""The composition root: build the Application and register every handler in one place.

Handler groups: -10 loads the person, -9 keeps the bot out of group chats, 0 holds every
feature (first match wins, in registration order) and, last, the fallbacks that answer what
nobody understood.
"""

from __future__ import annotations

import functools
import logging
import warnings
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    ExtBot,
    TypeHandler,
)
from telegram.warnings import PTBUserWarning

from bot import jobs
from bot.clock import TZ, Clock
from bot.config import Config
from bot.context import BotContext, BuurtApplication
from bot.handlers import (
    account,
    announcements,
    calendar,
    checkins,
    delivery,
    errors,
    fallback,
    flows,
    help_requests,
    linking,
    meals,
    menu,
    onboarding,
    ops,
    report_newcomer,
    report_outcomes,
    surveys,
    tally,
    volunteer_work,
    volunteers,
    whatsapp_window,
)
from bot.handlers.commands import set_default_commands
from bot.handlers.common import guard_groups, load_person
from bot.inbox import telegram as telegram_inbox
from bot.persistence import SqlitePersistence
from bot.request import Activity, ObservedRequest
from bot.services import Services
from bot.store.db import Database

# Our conversations are per person, not per message: this PTB hint does not apply.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

# linking first: "koppel <code>" from a stranger half-way through onboarding is a link attempt.
FEATURES = (linking, onboarding, menu, account, volunteers, calendar, meals, help_requests,
            checkins, announcements, tally, ops, report_newcomer, report_outcomes, surveys,
            volunteer_work, whatsapp_window)


async def _post_init(app: BuurtApplication) -> None:
    whatsapp = getattr(app, "whatsapp", None)
    if whatsapp is not None:
        wa_bot = app.wa_bot  # type: ignore[attr-defined]
        if wa_bot is not app.bot:
            await wa_bot.initialize()  # getMe, answered by the bridge
        await whatsapp.start()
    await set_default_commands(app)


async def _post_shutdown(app: BuurtApplication) -> None:
    whatsapp = getattr(app, "whatsapp", None)
    if whatsapp is not None:
        await whatsapp.close()
        wa_bot = app.wa_bot  # type: ignore[attr-defined]
        if wa_bot is not app.bot:
            await wa_bot.shutdown()


def build_application(
    config: Config,
    *,
    clock: Clock | None = None,
    rate_limiter: bool = False,
    persistence_interval: float = 5,
) -> BuurtApplication:
    db = Database(config.database)
    services = Services(config, db, clock or Clock())
    defaults = Defaults(tzinfo=TZ, parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
    # WhatsApp (issue 14): a second ExtBot whose request object answers the Bot API through
    # WhatsApp (bot.channels.whatsapp.bridge); WhatsApp alone: it is the application's bot.
    wa_bot = _whatsapp_bot(defaults) if config.whatsapp is not None else None
    # Every answer from the Bot API is "contact with Telegram" for /healthz.
    http = ObservedRequest(connection_pool_size=256, on_contact=services.ops.saw_telegram)
    builder = ApplicationBuilder().application_class(BuurtApplication,
                                                     kwargs={"services": services})
    if config.telegram or wa_bot is None:
        builder = (builder.token(config.token).request(http).base_url(config.api_url)
                   .base_file_url(config.file_url).defaults(defaults))
    else:
        builder = builder.bot(wa_bot)
    builder = (
        builder
        .context_types(ContextTypes(context=BotContext))
        .persistence(SqlitePersistence(db, update_interval=persistence_interval))
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    # The Telegram adapter paces every send itself (bot.channels.telegram: one pacer for the
    # outbox sender and the answers, 30/s with a slot kept for answers, 1/s per chat,
    # 20/min per group, 429s waited out). PTB's limiter on top would cap broadcasts below
    # Telegram's limit and hide 429s from the pacer; it stays available for experiments.
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    # No PTB Updater: it confirms updates to Telegram before they are handled. Updates come in
    # through the inbox (bot.inbox.telegram.Polling, or the webhook in bot.web).
    builder = builder.updater(None)
    if config.telegram or wa_bot is None:
        builder = builder.get_updates_request(ObservedRequest(
            connection_pool_size=1, on_contact=services.ops.saw_telegram))
    app: BuurtApplication = builder.build()  # type: ignore[assignment]
    http.before_answer = functools.partial(_drafts_first, app)
    app.whatsapp = None  # type: ignore[attr-defined]
    app.wa_bot = wa_bot  # type: ignore[attr-defined]
    register_handlers(app)
    if wa_bot is not None:
        setup_whatsapp(app)
    return app


def _whatsapp_bot(defaults: Defaults) -> ExtBot:
    from bot.channels.whatsapp.bridge import WhatsAppBridge

    bridge = WhatsAppBridge()
    return ExtBot(token="whatsapp", request=bridge, get_updates_request=bridge,
                  defaults=defaults)


def setup_whatsapp(app: BuurtApplication) -> None:
    """Wire WhatsApp in (``[whatsapp]`` set): the channel (``app.whatsapp``), the bridge
    bot's request object pointed at it, the outbox's ``whatsapp`` channel, and ``app.port``
    a router between the Telegram port and the WhatsApp port (see docs/whatsapp.md)."""
    from bot.channels.router import PortRouter, WhatsAppPort
    from bot.channels.whatsapp.channel import WhatsAppChannel
    from bot.inbox import whatsapp as whatsapp_inbox

    config = app.services.config
    assert config.whatsapp is not None
    wa_bot = app.wa_bot  # type: ignore[attr-defined]
    channel = WhatsAppChannel(config.whatsapp, app.services)
    bridge = wa_bot.request
    bridge.channel = channel
    bridge.before_answer = functools.partial(_drafts_first, app)
    channel.register(app)  # app.whatsapp, the outbox's "whatsapp" channel, its tick
    app.services.privacy.register_forgetter(_forget_whatsapp_address)
    telegram = app.port if config.telegram else None  # type: ignore[attr-defined]
    if not config.telegram:
        app.services.outbox.channels.pop("telegram", None)
    app.port = PortRouter(telegram, WhatsAppPort(wa_bot, channel))  # type: ignore[attr-defined]
    whatsapp_inbox.register(app)


async def _forget_whatsapp_address(conn: Any, channel: str, address: str) -> None:
    """After an erasure's goodbye: the message map's rows of the number (the goodbye's)."""
    from bot.store import whatsapp_messages

    if channel == "whatsapp":
        await whatsapp_messages.erase_address(conn, address)


async def _drafts_first(app: BuurtApplication, activity: Activity) -> None:
    """Before the bot answers someone, their drafts are in the database.

    What they typed is then safe when the bot is killed right after answering, and a question
    they just finished (its draft gone) cannot take their next message as its answer. The
    conversation's new step is written once the handler returns (``process_update``).
    A handler that answers inside a database transaction is skipped: it cannot wait for the
    write it holds up; its drafts are written after the update.
    """
    if activity.user_id is None or app.persistence is None or app.services.db.held_here():
        return
    try:
        app.mark_data_for_update_persistence(user_ids=activity.user_id)
        await app.update_persistence()
    except Exception:
        logging.getLogger(__name__).exception("could not write drafts before answering")


def register_handlers(app: BuurtApplication) -> None:
    app.add_handler(TypeHandler(Update, load_person), group=-10)
    app.add_handler(TypeHandler(Update, guard_groups), group=-9)
    flows.register(app)
    for feature in FEATURES:
        feature.register(app)
    flows.adopt(app)
    delivery.register(app)
    fallback.register(app)
    errors.register(app)
    telegram_inbox.register(app)
    jobs.schedule(app)
