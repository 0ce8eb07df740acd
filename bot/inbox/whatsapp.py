"""WhatsApp's intake: the Cloud API webhook (Meta posts every message and status here).

``make_web_app(app)`` is the aiohttp application ``bot.runner`` serves on
``whatsapp.webhook_host:webhook_port`` (behind the operator's HTTPS proxy), at
``whatsapp.webhook_path``:

* ``GET`` — Meta's verify handshake: ``hub.mode=subscribe`` with the right
  ``hub.verify_token`` answers ``hub.challenge`` as text; anything else 403.
* ``POST`` — a notification. The ``X-Hub-Signature-256`` must be the HMAC of the raw body with
  the app secret (:mod:`bot.channels.whatsapp.signature`), else 403 and one log line without
  content. Every message and status of the body is written to the inbox (one transaction,
  keyed by wamid: a retried delivery is recognised and handled once) *before* the 200, which
  comes at once; the handling happens after, in tasks of its own. So Meta is answered within a
  second, and a kill between the 200 and the handling loses nothing: the next start replays
  the rows (:meth:`bot.inbox.Inbox.replay`).

Handling a message (:func:`handle`): the person's 24-hour window opens
(:mod:`bot.channels.whatsapp.window`), then the message becomes a synthetic Telegram update
(:mod:`bot.channels.whatsapp.inbound`) that ``app.process_update`` handles like any other;
``process_update`` marks the inbox row handled once the conversation step is written. One
person's messages are handled one after the other, in the order they were taken in.
A location, sticker, video and the like get one friendly answer; a reaction nothing.
Every message the bot handles is marked read (the person's blue ticks), alongside the
handling.

Bad input: a body that is not JSON → 400 (nothing kept); JSON that is not a WhatsApp Business
Account notification → 200 and ignored (Meta must not retry it); a message without a valid
sender or id is skipped. Never a 500 for what was sent; a database that cannot take the rows
answers 503 so Meta delivers again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler

from bot.channels.whatsapp import CHANNEL, command_hints, door, ids, inbound, signature, window
from bot.clock import TZ
from bot.handlers import ptb_compat
from bot.inbox import InboxClosed, Key
from bot.log_safe import without_data
from bot.messaging.message import Button, OutMessage

if TYPE_CHECKING:
    from bot.context import BuurtApplication
    from bot.store.inbox import InboxRow

log = logging.getLogger(__name__)

#: Meta's notifications are small; a text is at most 4,096 characters (and 65,536 bytes).
MAX_BODY = 1 << 20
#: A status in the inbox: its key ("status:" + wamid + ":" + status) and payload marker.
STATUS = "status"


#: Where the webhook app keeps its :class:`Webhook` (the harness reads its tasks).
HOOK: web.AppKey[Webhook] = web.AppKey("buurtbot.whatsapp", "Webhook")


def make_web_app(app: BuurtApplication) -> web.Application:
    """The webhook's aiohttp application (see the module docstring)."""
    settings = app.services.config.whatsapp
    assert settings is not None, "make_web_app needs [whatsapp]"
    hook = Webhook(app)
    site = web.Application(client_max_size=MAX_BODY)
    site[HOOK] = hook
    site.router.add_get(settings.webhook_path, hook.verify)
    site.router.add_post(settings.webhook_path, hook.receive)
    site.on_shutdown.append(lambda _site: hook.drain())
    return site


def register(app: BuurtApplication) -> None:
    """Kept WhatsApp rows are handled again after a restart (``bot.app.setup_whatsapp``)."""
    app.services.inbox.on_replay(CHANNEL, lambda row: _replay(app, row))


async def _replay(app: BuurtApplication, row: InboxRow) -> None:
    assert row.payload is not None
    await asyncio.create_task(dispatch(app, row.update_id, row.payload),
                              name="buurtbot:whatsapp-replay")


class Webhook:
    """The routes, and the tasks handling what they took in."""

    def __init__(self, app: BuurtApplication) -> None:
        self.app = app
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def settings(self) -> Any:
        return self.app.services.config.whatsapp

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        expected = self.settings.verify_token or ""
        if query.get("hub.mode") == "subscribe" and expected and _same(token, expected):
            return web.Response(text=query.get("hub.challenge", ""), content_type="text/plain")
        log.warning("WhatsApp webhook verification refused: wrong verify token")
        return web.Response(status=403, text="Forbidden\n")

    async def receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("WhatsApp webhook call refused: body too large")
            return web.Response(status=413, text="Too large\n")
        if not signature.valid(self.settings.app_secret, body,
                               request.headers.get(signature.HEADER)):
            log.warning("WhatsApp webhook call refused: wrong or missing signature "
                        "(%d bytes, not read)", len(body))
            return web.Response(status=403, text="Forbidden\n")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            log.warning("WhatsApp webhook call refused: not JSON")
            return web.Response(status=400, text="Bad request\n")
        try:
            messages, statuses = inbound.messages_of(data, self.settings.phone_number_id)
        except inbound.BadBody:
            log.info("WhatsApp webhook: a notification that is not about messages; ignored")
            return web.Response(text="ok")
        for value in inbound.template_updates_of(data):
            await self._template_update(value)
        items = [(m.wamid, {"kind": "message", **m.to_json()}) for m in messages if m.valid]
        skipped = len(messages) - len(items)
        if skipped:
            log.warning("WhatsApp webhook: %d message(s) without a valid sender or id skipped",
                        skipped)
        for status in statuses:
            key = _status_key(status)
            if key is not None:
                items.append((key, {"kind": STATUS, "status": status}))
        if not items:
            return web.Response(text="ok")
        try:  # kept before the 200: Meta does not deliver again once it has that
            fresh = await self.app.services.inbox.take(CHANNEL, items)
        except InboxClosed:
            return web.Response(status=503, text="Stopping\n")
        except Exception as exc:  # the database cannot take it: Meta tries again later
            log.error("WhatsApp webhook not kept (%s); answered 503", type(exc).__name__)
            return web.Response(status=503, text="Not kept\n")
        if self.app.services.inbox.closed:  # tests: "killed" right after the write
            return web.Response(status=503, text="Stopping\n")
        payloads = dict(items)
        for key in fresh:
            self._spawn(dispatch(self.app, key, payloads[key]))
        return web.Response(text="ok")

    async def _template_update(self, value: dict[str, Any]) -> None:
        """Meta's review of one of our templates: stored before the 200 (Meta sends it once
        more when it gets no answer), so an approval is used without waiting for the sync."""
        from bot.channels.whatsapp import templates

        try:
            await templates.status_update(self.app.services, value)
        except Exception as exc:  # never a 500 for Meta; the hourly sync catches up
            log.warning("WhatsApp template status not stored (%s)", type(exc).__name__)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="buurtbot:whatsapp")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for the handling in progress (a clean stop)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def settle(self) -> None:
        """Tests: everything taken in so far is handled."""
        await self.drain()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _status_key(status: dict[str, Any]) -> str | None:
    wamid, state = status.get("id"), status.get("status")
    if not isinstance(wamid, str) or not isinstance(state, str) or not wamid:
        return None
    return f"{STATUS}:{wamid}:{state}"


# --- handling -------------------------------------------------------------------------------

#: One person's messages are handled in order (Meta may deliver two at once).
_LOCKS: dict[tuple[int, str], asyncio.Lock] = {}


def _lock(app: Any, wa_id: str) -> asyncio.Lock:
    key = (id(app), wa_id)
    lock = _LOCKS.get(key)
    if lock is None:
        if len(_LOCKS) > 10000:
            for stale in [k for k, v in _LOCKS.items() if not v.locked()]:
                del _LOCKS[stale]
        lock = _LOCKS[key] = asyncio.Lock()
    return lock


async def dispatch(app: BuurtApplication, key: str, payload: dict[str, Any]) -> None:
    """Handle one kept row (a message or a status); never raises."""
    try:
        if payload.get("kind") == STATUS:
            await _status(app, (CHANNEL, key), payload["status"])
        else:
            await handle(app, inbound.Incoming.from_json(payload))
    except Exception as exc:  # the message's text may be in exc: file and line only
        log.error("WhatsApp: handling a webhook item failed: %s", without_data(exc))
        app.services.inbox.note_failure((CHANNEL, key))
        with contextlib.suppress(Exception):
            await app.services.inbox.finish((CHANNEL, key))


async def _status(app: BuurtApplication, key: Key, status: dict[str, Any]) -> None:
    """A sent / delivered / read / failed status: the adapter updates the outbox row."""
    try:
        from bot.channels.whatsapp import statuses
    except ImportError:  # the adapter's part (wa-send) is not there yet
        statuses = None  # type: ignore[assignment]
    if statuses is not None:
        await statuses.apply(app, status)
    await app.services.inbox.finish(key)


async def handle(app: BuurtApplication, incoming: inbound.Incoming) -> None:
    """One message: the window, then the synthetic update through the handlers."""
    key: Key = (CHANNEL, incoming.wamid)
    wa_id = incoming.wa_id
    async with _lock(app, wa_id):
        when = _moment(app, incoming)
        await _open_window(app, wa_id, when)
        verdict = inbound.handed_on(incoming)
        if verdict == "ignored":
            await app.services.inbox.finish(key)
            return
        # The blue ticks: the bot has read it (alongside the handling, never holding the
        # answer up; done before this returns).
        read = _mark_read(app, incoming.wamid)
        try:
            await _hand_on(app, incoming, verdict, when)
        except BaseException:
            if read is not None:
                read.cancel()
            raise
        if read is not None:
            await read


async def _hand_on(app: BuurtApplication, incoming: inbound.Incoming, verdict: str,
                   when: datetime) -> None:
    """The message to the handlers (or the friendly answer to what they cannot read)."""
    key: Key = (CHANNEL, incoming.wamid)
    wa_id = incoming.wa_id
    person = await app.services.users.get(ids.chat_id(wa_id))
    if verdict == "unsupported":
        await _cannot_read(app, wa_id, person)
        await app.services.inbox.finish(key)
        return
    update = await _update(app, incoming, person)
    if update is None:
        await app.services.inbox.finish(key)
        return
    if update.callback_query is not None:
        app.wa_bot.request.note_query(update.callback_query.id,  # type: ignore[attr-defined]
                                      ids.chat_id(wa_id))
    # A task of its own, as PTB handles every update (bot.request's record of answers).
    await asyncio.create_task(app.process_update(update), name="buurtbot:whatsapp-update")
    if person is None:  # they may exist now (onboarding): their window is open too
        await _open_window(app, wa_id, when)


def _mark_read(app: BuurtApplication, wamid: str) -> asyncio.Task[bool] | None:
    channel = getattr(app, "whatsapp", None)
    if channel is None or not hasattr(channel, "mark_read"):
        return None
    return asyncio.get_running_loop().create_task(channel.mark_read(wamid),
                                                  name="buurtbot:whatsapp-read")


def _moment(app: BuurtApplication, incoming: inbound.Incoming) -> datetime:
    """When they wrote (Meta's timestamp; the clock when it is missing or in the future)."""
    now = app.services.clock.now()
    if incoming.timestamp <= 0:
        return now
    written = datetime.fromtimestamp(incoming.timestamp, TZ)
    return min(written, now) if written > now - timedelta(days=2) else now


async def _open_window(app: BuurtApplication, wa_id: str, when: datetime) -> None:
    try:
        async with app.services.db.transaction() as conn:
            await window.open_until(conn, wa_id, when)
        await window.opened(app, wa_id)
    except Exception as exc:
        log.error("WhatsApp: could not note the 24-hour window: %s", without_data(exc))


async def _update(app: BuurtApplication, incoming: inbound.Incoming, person: Any
                  ) -> Update | None:
    wa_bot = app.wa_bot  # type: ignore[attr-defined]
    context_id = (incoming.message.get("context") or {}).get("id")
    replied_to = await wa_bot.request.message_id(context_id) \
        if isinstance(context_id, str) and context_id else None
    situation = inbound.Situation(
        known=True, replied_to=replied_to,
        stop=wa_bot.request.stop_of(incoming.wa_id),
        language=person.language if person is not None else None, rooms=_rooms(app))
    data = inbound.to_update(incoming, situation)
    if data is None:
        return None
    update = Update.de_json(data, wa_bot)
    if person is None and not _in_conversation(app, update):
        situation = inbound.Situation(known=False, replied_to=replied_to, stop=None,
                                      commands=known_commands(app), rooms=_rooms(app))
        data = inbound.to_update(incoming, situation)
        assert data is not None
        update = Update.de_json(data, wa_bot)
    return update


def _rooms(app: BuurtApplication) -> tuple[tuple[str, str], ...]:
    """The rooms' ids and names as the door's greeting names them, once per application."""
    forms = getattr(app, "_buurtbot_wa_rooms", None)
    if forms is None:
        forms = door.room_forms((room.id, room.name)
                                for room in app.services.config.rooms.values())
        app._buurtbot_wa_rooms = forms  # type: ignore[attr-defined]
    return forms


def known_commands(app: BuurtApplication) -> frozenset[str]:
    """Every command name the handlers know (in conversations too), once per application
    (the inbound side keeps a stranger's "koppel CODE" text; the keyword table's test checks
    every keyword names one of these)."""
    known = getattr(app, "_buurtbot_wa_commands", None)
    if known is None:
        def flat(handlers: Any) -> Any:
            for handler in handlers:
                if isinstance(handler, ConversationHandler):
                    yield from flat(handler.entry_points)
                    yield from flat(handler.fallbacks)
                    for step in handler.states.values():
                        yield from flat(step)
                else:
                    yield handler

        known = frozenset(command for handlers in app.handlers.values()
                          for handler in flat(handlers)
                          if isinstance(handler, CommandHandler)
                          for command in handler.commands)
        app._buurtbot_wa_commands = known  # type: ignore[attr-defined]
    return known


def _in_conversation(app: BuurtApplication, update: Update) -> bool:
    """Is a step open for this chat (onboarding before the person exists)?"""
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                key = ptb_compat.conversation_key(handler, update)
                if key is not None and ptb_compat.has_open_step(handler, key):
                    return True
    return False


async def _cannot_read(app: BuurtApplication, wa_id: str, person: Any) -> None:
    """One friendly answer to a location, a sticker, a video… with a 📋 Menu button (a tap
    is "menu" typed, :mod:`bot.channels.whatsapp.command_hints`)."""
    from bot.i18n import translator

    language = person.language if person is not None else inbound.language_of_number(wa_id)
    t = translator(language)
    text = t._("I can't read this here. Type menu, or use the buttons.")
    port = getattr(app, "port", None)
    if port is None or getattr(app, "whatsapp", None) is None:
        return
    try:  # paced like any answer (the WhatsApp port of the router)
        menu = Button(t._(command_hints.LABELS["menu"]), action=command_hints.PREFIX + "menu")
        await port.send(str(ids.chat_id(wa_id)),
                        OutMessage(str(t.bidi(text)), buttons=((menu,),)))
    except Exception as exc:
        log.info("WhatsApp: could not answer an unsupported message (%s)", type(exc).__name__)
