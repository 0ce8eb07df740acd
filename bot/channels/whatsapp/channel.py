"""The WhatsApp channel: the outbox's adapter and the answer path's sender for WhatsApp people.

``send(address, message)`` renders one neutral message (:mod:`.render`: maybe several
WhatsApp messages, text first, then the choices), resolves its attachment into a WhatsApp
media id (an upload of bytes, a Telegram file fetched into memory first, or a ``wa:`` id as it
is), sends each part through :class:`.client.CloudClient`, records each wamid in the message
map (the integer ids the handlers see) and returns a :class:`Receipt` naming the last wamid
(the outbox keeps it as ``provider_ref``; status webhooks find the row by it).

Pacing (one :class:`bot.services.pacing.Pacer` for the outbox and the answers): the number's
throughput (``messages_per_second``, 80 by default; one slot of it kept for answers), one
outbox message per person every 6 seconds (Meta's pair rate), answers take a slot at once.
A 130429 pauses the channel; a 131056 holds only that person's next message.

A message in several parts that fails half-way remembers the parts that went: an outbox
row on the row itself (``outbox.parts``, written as each part is accepted, so also after a
kill -9), an answer in memory. The next attempt sends only the rest, so nobody gets the
first part twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import mimetypes
import time
from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pywa.errors import WhatsAppError

from bot import request
from bot.channels.telegram import media_bridge
from bot.channels.whatsapp import CHANNEL, command_hints, inbound
from bot.channels.whatsapp.client import CloudClient, MediaTooLarge
from bot.channels.whatsapp.errors import (
    TOKEN,
    TokenRefused,
    WhatsAppDeliveryError,
    classify,
)
from bot.channels.whatsapp.render import MEDIA_PREFIX, WaPayload, render
from bot.log_safe import without_data
from bot.messaging.message import Address, Attachment, OutMessage, Receipt
from bot.services.pacing import Pacer
from bot.store import outbox as outbox_store
from bot.store import users as user_store
from bot.store import whatsapp_messages as store

if TYPE_CHECKING:
    import httpx

    from bot.config import WhatsAppSettings
    from bot.services import Services
    from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)

#: Seconds between two outbox messages to the same person (Meta: about one per 6 s).
ROW_GAP = 6.0
#: Seconds Meta typically takes to answer a send (for the broadcast's sends under way).
ROUND_TRIP = 0.3
#: The ops alert's job name (one warning per day of a refused access token).
ALERT_TOKEN = "ops_alert_whatsapp_token"
#: Uploads remembered (same bytes → same media id; Meta keeps media 30 days, we reuse one
#: for a week).
UPLOADS_KEPT = 256
UPLOAD_REUSE = 7 * 24 * 3600.0
#: WhatsApp's audio types (a Telegram voice note is OGG/Opus).
AUDIO_TYPES = frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"})
#: WhatsApp's document types; another text file goes as text/plain.
DOCUMENT_TYPES = frozenset({
    "text/plain", "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation"})


def in_flight_for(per_second: float, scale: float = 1.0) -> int:
    """How many of a broadcast's sends may be under way at once to keep ``per_second``
    when Meta takes :data:`ROUND_TRIP` to answer (a kill may repeat at most these)."""
    return max(4, math.ceil(per_second * (scale if scale > 0 else 1.0) * ROUND_TRIP))


def make_pacer(per_second: float, scale: float = 1.0) -> Pacer:
    """WhatsApp's numbers on the shared pacer: ``per_second`` − 1 for the outbox (the slot
    kept free is the answers'), :data:`ROW_GAP` between two rows to one person."""
    pacer = Pacer(max(per_second - 1.0, 1.0), scale)
    pacer.private_gap = ROW_GAP / (scale if scale > 0 else 1.0)
    return pacer


def _mime(attachment: Attachment, data: bytes, hint: str | None = None) -> str:
    """The type to upload as (WhatsApp accepts only its own list per kind)."""
    hint = hint.split(";", 1)[0].strip().lower() if hint else None
    if attachment.kind == "photo":
        if hint in ("image/jpeg", "image/png"):
            return hint
        return "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    if attachment.kind == "voice":
        return hint if hint in AUDIO_TYPES else "audio/ogg"
    mime = hint or mimetypes.guess_type(attachment.filename or "")[0] or "application/pdf"
    if mime not in DOCUMENT_TYPES and mime.startswith("text/"):
        mime = "text/plain"
    return mime


class WhatsAppChannel:
    """``app.whatsapp``: the WhatsApp Cloud API behind the messaging core's port."""

    channel = CHANNEL

    def __init__(self, settings: WhatsAppSettings, services: Services, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.services = services
        self.client = CloudClient(settings, transport)
        self.pacer = make_pacer(settings.messages_per_second)
        #: A broadcast's sends under way at once (read by the outbox sender).
        self.in_flight = in_flight_for(settings.messages_per_second)
        #: The application (set by :meth:`register`): the Telegram bot fetches Telegram files.
        self.app: Any = None
        #: A PTB bot that can fetch Telegram files (None: WhatsApp alone).
        self.telegram: Any = None
        #: The access token was refused (190): nothing can go out until it is fixed.
        self.token_refused = False
        self._pair_holds: dict[str, float] = {}  # wa_id -> monotonic moment it may go again
        self._pair_hit: set[str] = set()
        self._token_address: dict[int, str] = {}
        self._partial: dict[str, list[str]] = {}  # message key -> wamids of the parts sent
        #: content key -> (media id, monotonic upload moment)
        self._uploads: OrderedDict[str, tuple[str, float]] = OrderedDict()
        # A person's erasure takes their rows of the message map along.
        services.privacy.register("whatsapp_messages", None, store.erase_person)

    # --- life ----------------------------------------------------------------------------

    def register(self, app: Any) -> None:
        """Wire it into the application: the outbox channel, ``app.whatsapp``, the map's
        pruning tick, the Telegram bot for files (when Telegram runs too)."""
        from bot import jobs

        self.app = app
        app.whatsapp = self
        app.services.outbox.channels[CHANNEL] = self
        if getattr(app.services.config, "telegram", False):
            self.telegram = app.bot
            # A WhatsApp photo or voice note sent on Telegram (to a volunteer) is fetched here.
            media_bridge.serve_from(app.bot, MEDIA_PREFIX, self._fetch_for_telegram)
        jobs.add_tick(app, "whatsapp_messages", self._prune_tick)

    async def start(self) -> None:
        """Called once the database is connected (nothing to prepare yet: the client
        connects on the first call)."""

    async def close(self) -> None:
        await self.client.close()

    async def _prune_tick(self, app: Any, now: Any) -> None:
        await self.prune()
        await self.forget_undelivered()

    async def forget_undelivered(self) -> int:
        """What sent rows kept for a late "window closed" status, once that cannot come any
        more (:data:`bot.store.outbox.UNDELIVERED_KEPT`): dropped."""
        return await self.services.db.run(outbox_store.drop_undelivered,
                                          self.services.clock.now())

    async def prune(self) -> int:
        before = self.services.clock.now() - timedelta(days=store.KEEP_DAYS)
        return await self.services.db.run(store.prune, before)

    # --- pacing --------------------------------------------------------------------------

    def set_speed(self, per_second: float | None = None, scale: float = 1.0) -> None:
        """A fresh pacer (``per_second`` None: the setting; ``scale``: a sped-up stand-in)."""
        per_second = per_second or self.settings.messages_per_second
        self.pacer = make_pacer(per_second, scale)
        self.in_flight = in_flight_for(per_second, scale)

    async def pace(self, address: str) -> int:
        """Wait for an outbox row's turn to ``address`` (a wa_id)."""
        hold = self._pair_holds.get(address)
        if hold is not None:
            wait = hold - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._pair_holds.pop(address, None)
        token = await self.pacer.acquire(int(address))
        assert token is not None
        self._token_address[token] = address
        return token

    async def try_pace(self, address: str) -> int | None:
        """A slot for an outbox row only if it is ``address``'s turn now (Meta's pair rate:
        6 s since the last message to them, no 131056 hold); None: not yet. The outbox
        calls this on behalf of a person's tap, which must never wait for someone else's
        pacing: the row then waits in the outbox for the background sender."""
        hold = self._pair_holds.get(address)
        if hold is not None:
            if hold > time.monotonic():
                return None
            self._pair_holds.pop(address, None)
        token = await self.pacer.acquire(int(address), wait_turn=False)
        if token is not None:
            self._token_address[token] = address
        return token

    def paced(self, token: int, *, counted: bool, retry_after: float | None = None) -> None:
        address = self._token_address.pop(token, None)
        if retry_after:
            if address is not None and address in self._pair_hit:
                self._pair_hit.discard(address)
                self._pair_holds[address] = time.monotonic() + retry_after
            else:
                self.pacer.pause(retry_after)
        if counted:
            self.pacer.done(token)
        else:
            self.pacer.refund(token)

    # --- sending -------------------------------------------------------------------------

    async def _language(self, address: str, message: OutMessage) -> str | None:
        """The recipient's language for the words of commands in ``message`` (the answers
        of handlers carry none): the message's own, else the person's, else what the
        text's script says (a goodbye after /vergeetmij), else the number's guess. Only
        looked up when the text names a command."""
        if message.lang or not command_hints.mentions(message.text):
            return message.lang
        try:
            row = await self.services.db.run(user_store.by_address, CHANNEL, address)
        except Exception as exc:  # never let a lookup stop a message
            log.info("WhatsApp: no language for a command word (%s)", type(exc).__name__)
            row = None
        if row is not None and getattr(row, "language", None):
            return str(row.language)
        return (command_hints.language_of_text(message.text)
                or inbound.language_of_number(address))

    async def send(self, address: str, message: OutMessage, *,
                   row: OutboxRow | None = None) -> Receipt:
        """Send one neutral message to ``address`` (a wa_id); raises
        :class:`bot.messaging.port.DeliveryError` (a :class:`WhatsAppDeliveryError`).

        The caller paced the first part (the outbox's :meth:`pace`, or the answer port);
        every further part takes an answer slot of the pacer. The parts already accepted in
        an earlier attempt are not sent again: an outbox ``row``'s are written on the row as
        each is accepted (a restart goes on where it stopped), an answer's are remembered
        in memory."""
        language = await self._language(address, message)
        payloads = render(message, wa_id=address, language=language)
        if not payloads:
            raise WhatsAppDeliveryError("failed", None, "nothing to send")
        key = _key(address, message)
        if row is not None:
            done = row.parts or {}
            wamids = list(done.get("wamids") or ()) if done.get("key") == key else []
        else:
            wamids = list(self._partial.get(key, ()))
        activity = request.current() if row is None else None
        answer_to = (f"{activity.key[0]}:{activity.key[1]}"
                     if activity is not None and activity.key is not None else None)
        for index, payload in enumerate(payloads):
            if index < len(wamids):
                continue  # went in an earlier attempt
            digest = _digest(key, index) if answer_to is not None else None
            if activity is not None and activity.replay and answer_to and digest:
                earlier = await self._answered(address, answer_to, digest, activity.reused)
                if earlier is not None:
                    # the update is handled again after a restart, and this very part went
                    # to the person for it before the kill: it counts as sent, not again
                    activity.reused.add(earlier[0])
                    wamids.append(earlier[1])
                    continue
            token = await self.pacer.acquire_answer(int(address)) if index else None
            try:
                wamid = await self._send_one(address, payload)
            except Exception as exc:
                error = await self._failure(address, exc)
                if wamids and row is None:
                    self._partial[key] = wamids
                    if len(self._partial) > 1000:
                        self._partial.pop(next(iter(self._partial)))
                raise error from exc
            finally:
                if token is not None:
                    self.pacer.done(token)
            wamids.append(wamid)
            more = index < len(payloads) - 1
            await self._record(wamid, address,
                               (row.id, key, wamids) if row is not None and more else None,
                               answer=(answer_to, digest) if answer_to else None)
        self._partial.pop(key, None)
        return Receipt(CHANNEL, address, wamids[-1])

    async def send_row(self, row: OutboxRow, message: OutMessage) -> Receipt:
        """The outbox's entry for a WhatsApp row: the window logic (wa-tpl's
        ``window.send_row``) picks free-form, template or hold; without it, free-form."""
        from bot.channels.whatsapp import window

        decide = getattr(window, "send_row", None)
        if decide is not None:
            return await decide(self, row, message)
        return await self.send(row.address, message)

    async def send_template(self, address: str, name: str, language: str,
                            body_params: list[str] | tuple[str, ...] = (),
                            button_payloads: list[str] | tuple[str, ...] = ()) -> Receipt:
        """One approved template to ``address`` (the caller paced it); raises
        :class:`DeliveryError` (:class:`.errors.TemplateRefused` when this template cannot
        be used as it is)."""
        try:
            wamid = await self.client.send_template(address, name, language,
                                                    list(body_params), list(button_payloads))
        except Exception as exc:
            raise await self._failure(address, exc) from exc
        await self._record(wamid, address)
        return Receipt(CHANNEL, address, wamid)

    async def mark_read(self, wamid: str) -> bool:
        """The person's message ``wamid`` has been read by the bot: their blue ticks
        (Meta's ``POST /messages {"status": "read"}``; not a message, not paced). A courtesy:
        a failure is logged (no content) and nothing else happens. True when Meta took it."""
        if self.token_refused:
            return False
        try:
            await self.client.mark_read(wamid)
        except Exception as exc:
            log.info("WhatsApp: could not mark a message read (%s)", type(exc).__name__)
            return False
        return True

    async def _send_one(self, address: str, payload: WaPayload) -> str:
        media_id = None
        if payload.attachment is not None:
            try:
                media_id = await self.media_id(payload.attachment)
            except Exception as exc:
                # Before the message itself: an upload that timed out sent nobody anything.
                error = classify(exc)
                if error.verdict == "uncertain":
                    error = WhatsAppDeliveryError("retry", None, f"media: {error.detail}",
                                                  code=error.code)
                raise error from exc
        return await self.client.send(address, payload.type, payload.body(media_id))

    async def _failure(self, address: str, exc: BaseException) -> WhatsAppDeliveryError:
        """The verdict of a failed send, and what the channel does about it itself: the
        person's address unreachable (gone), their next message held (pair rate), an alert
        (the token)."""
        error = classify(exc)
        if error.scope == "pair":
            self._pair_hit.add(address)
        if isinstance(error, TokenRefused):
            self._token_refused()
        if error.verdict == "gone":
            gone = self.services.users.mark_unreachable(Address(CHANNEL, address))
            if self.services.db.held_here():  # after the caller's transaction
                asyncio.get_running_loop().create_task(gone).add_done_callback(_log_failure)
            else:
                await gone
        log.warning("WhatsApp send failed: %s", error.detail)  # no address, no content
        return error

    def _token_refused(self) -> None:
        first = not self.token_refused
        self.token_refused = True
        if first:
            log.error("WhatsApp refused the access token (190): check [whatsapp] access_token")
        ops = getattr(self.services, "ops", None)
        if ops is not None:
            day = self.services.clock.now().date().isoformat()
            task = asyncio.get_running_loop().create_task(
                ops.alert(ALERT_TOKEN, day, {"what": "whatsapp_token"}))
            task.add_done_callback(_log_failure)

    async def _record(self, wamid: str, address: str,
                      part_of: tuple[int, str, list[str]] | None = None, *,
                      answer: tuple[str, str | None] | None = None) -> int:
        """The message map's row for ``wamid``; with ``part_of`` (outbox row id, message
        key, the wamids accepted so far) the row's parts too, in the same transaction; with
        ``answer`` (the inbox key of the update answered, the part's digest) those on the
        row, so a replay of that update finds what went."""
        now = self.services.clock.now()
        db = self.services.db
        if db.held_here():
            # A handler answering inside its own transaction: the row is written in it (the
            # lock is not re-entrant; waiting for another transaction would wait for ever).
            return await self._write(db.conn, wamid, address, now, part_of, answer)
        async with db.transaction() as conn:
            return await self._write(conn, wamid, address, now, part_of, answer)

    async def _answered(self, address: str, answer_to: str, digest: str,
                        taken: set[int]) -> tuple[int, str] | None:
        """The oldest answer with this digest sent to ``address`` for the update
        ``answer_to`` that this replay has not taken yet (an update that sent the same text
        twice gets both)."""
        db = self.services.db
        if db.held_here():
            found = await store.answered(db.conn, address, answer_to, digest)
        else:
            async with db.reading() as conn:
                found = await store.answered(conn, address, answer_to, digest)
        return next((item for item in found if item[0] not in taken), None)

    @staticmethod
    async def _write(conn: Any, wamid: str, address: str, now: Any,
                     part_of: tuple[int, str, list[str]] | None,
                     answer: tuple[str, str | None] | None = None) -> int:
        answer_to, digest = answer if answer is not None else (None, None)
        found = await store.record(conn, wamid, address, now, answer_to=answer_to,
                                   digest=digest)
        if part_of is not None:
            row_id, key, wamids = part_of
            await outbox_store.note_parts(conn, row_id, key, list(wamids))
        return found

    async def message_id(self, wamid: str) -> int:
        """The Telegram-shaped message_id of a wamid (recorded when it was sent)."""
        db = self.services.db
        if db.held_here():
            found = await store.id_of(db.conn, wamid)
        else:
            async with db.reading() as conn:
                found = await store.id_of(conn, wamid)
        if found is None:
            raise LookupError("unknown wamid")
        return found

    # --- media ---------------------------------------------------------------------------

    async def media_id(self, attachment: Attachment) -> str:
        """The WhatsApp media id to send an attachment by, each file uploaded once (a week):
        bytes uploaded; a Telegram file_id fetched from Telegram into memory and uploaded;
        a ``wa:`` id (media a person sent us) downloaded and uploaded again, since Meta
        sends only media uploaded by the business."""
        media_id = attachment.media_id
        hint: str | None = None
        if media_id is not None:
            key = media_id if media_id.startswith(MEDIA_PREFIX) else "tg:" + media_id
            known = self._known_upload(key)
            if known is not None:
                return known
            if media_id.startswith(MEDIA_PREFIX):
                data, hint = await self.download(media_id)
            else:
                data, hint = await self._telegram_file(media_id)
        else:
            data = attachment.data or b""
            key = "sha:" + hashlib.sha256(data).hexdigest()
            known = self._known_upload(key)
            if known is not None:
                return known
        uploaded = await self.upload(data, _mime(attachment, data, hint),
                                     attachment.filename or _default_name(attachment))
        self._uploads[key] = (uploaded, time.monotonic())
        while len(self._uploads) > UPLOADS_KEPT:
            self._uploads.popitem(last=False)
        return uploaded

    def _known_upload(self, key: str) -> str | None:
        found = self._uploads.get(key)
        if found is None:
            return None
        if time.monotonic() - found[1] > UPLOAD_REUSE:
            del self._uploads[key]
            return None
        self._uploads.move_to_end(key)
        return found[0]

    async def _telegram_file(self, file_id: str) -> tuple[bytes, str | None]:
        if self.telegram is None:
            raise WhatsAppDeliveryError("failed", None, "a Telegram file without Telegram")
        file = await self.telegram.get_file(file_id)
        data = bytes(await file.download_as_bytearray())
        hint = mimetypes.guess_type(file.file_path or "")[0] if file.file_path else None
        return data, hint

    async def upload(self, data: bytes, mime: str, filename: str) -> str:
        """Upload bytes held in memory; returns the WhatsApp media id."""
        return await self.client.upload(data, mime, filename)

    async def _fetch_for_telegram(self, media_id: str) -> tuple[bytes, str]:
        try:
            return await self.download(media_id)
        except WhatsAppError as exc:
            status = exc.status_code
            if status is not None and 400 <= status < 500 and exc.code != TOKEN:
                raise media_bridge.MediaGone(media_id) from exc
            raise
        except MediaTooLarge as exc:
            raise media_bridge.MediaGone(media_id) from exc

    async def download(self, media_id: str) -> tuple[bytes, str]:
        """A WhatsApp media file (``wa:`` prefix or not) as bytes in memory and its type."""
        if media_id.startswith(MEDIA_PREFIX):
            media_id = media_id[len(MEDIA_PREFIX):]
        return await self.client.download(media_id)


def _key(address: str, message: OutMessage) -> str:
    text = json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{address}\n{text}".encode()).hexdigest()


def _digest(key: str, index: int) -> str:
    """What one part of an answer showed (the message's key: address, text, buttons; and
    the part's number), without its content: a replay compares it to what went."""
    return hashlib.sha256(f"{key}\n{index}".encode()).hexdigest()


def _default_name(attachment: Attachment) -> str:
    return {"photo": "photo.jpg", "voice": "voice.ogg"}.get(attachment.kind, "document")


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("WhatsApp bookkeeping after a failed send failed: %s",
                    without_data(task.exception()))
