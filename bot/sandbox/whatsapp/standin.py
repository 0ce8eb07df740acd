"""``WhatsAppStandIn``: Meta's WhatsApp Cloud API on the loopback sandbox.

The bot's WhatsApp adapter talks to it exactly as to ``graph.facebook.com`` (``api_url =
f"{sandbox.url}/wa"``): the messages endpoint with Meta's payload checks and error JSON,
media upload/download, message templates with review, the 24-hour window, throughput and
pair-rate limits. Each send is answered like Meta and followed by signed status webhooks
(sent, delivered, read; or failed). People are played by ``WaPerson`` (``person()``).
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
import logging
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.sandbox.state import Signal, Subscribers
from bot.sandbox.whatsapp import validate
from bot.sandbox.whatsapp.driver import WaPerson
from bot.sandbox.whatsapp.errors import ASYNC_CODES, WaError, invalid
from bot.sandbox.whatsapp.limits import RateControl, WaLimits
from bot.sandbox.whatsapp.state import Delivery, InMessage, Media, WaMessage, new_media_id, parse
from bot.sandbox.whatsapp.templates import Template, TemplateUse, check_new, check_send
from bot.sandbox.whatsapp.webhooks import WebhookSender, sign

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

_LOG = logging.getLogger(__name__)
PREFIX = "/wa"
MAX_UPLOAD = 100 * 1024 * 1024
#: What Meta accepts on ``POST /media`` (mime type -> size limit).
MEDIA_TYPES: dict[str, int] = {
    "image/jpeg": 5 << 20, "image/png": 5 << 20, "image/webp": 500 << 10,
    "audio/aac": 16 << 20, "audio/amr": 16 << 20, "audio/mpeg": 16 << 20,
    "audio/mp4": 16 << 20, "audio/ogg": 16 << 20,
    "video/mp4": 16 << 20, "video/3gpp": 16 << 20,
    "text/plain": 100 << 20, "application/pdf": 100 << 20,
    "application/msword": 100 << 20, "application/vnd.ms-excel": 100 << 20,
    "application/vnd.ms-powerpoint": 100 << 20,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 << 20,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 << 20,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 << 20,
}
_seq = itertools.count(1)
#: The sandbox's kill hook names a send to the messages endpoint so:
#: ``sandbox.faults.kill_at(KILL_SEND, n)`` (``BotHarness.kill_at(method=KILL_SEND)``).
KILL_SEND = "wa:messages"


def _wamid(wa_id: str) -> str:
    raw = f"{wa_id}:{next(_seq):010d}:{secrets.token_hex(6)}".encode()
    return "wamid.HBgL" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class WhatsAppStandIn:
    """A loopback WhatsApp Cloud API, with a driver for people (``person()``) and faults."""

    def __init__(
        self,
        app_secret: str = "wa-app-secret",
        verify_token: str = "wa-verify-token",
        phone_number_id: str = "106540352242922",
        business_account_id: str = "102290129340398",
        token: str = "wa-access-token",
        clock: Callable[[], float] | None = None,
        *,
        display_phone_number: str = "31850001234",
        verified_name: str = "Buurtbot",
        limits: WaLimits | None = None,
        rate_clock: Callable[[], float] | None = None,
    ) -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.phone_number_id = phone_number_id
        self.business_account_id = business_account_id
        self.token = token
        self.clock: Callable[[], float] = clock or time.time
        self.display_phone_number = display_phone_number
        self.verified_name = verified_name
        self.limits = limits if limits is not None else WaLimits()
        #: The limits run on their own clock (monotonic, like the Telegram sandbox's flood
        #: control), so a test that freezes or jumps ``clock`` for the 24-hour window does
        #: not run into pair-rate errors; pass ``rate_clock=clock`` to drive both.
        self.rates = RateControl(self.limits, rate_clock or time.monotonic)
        self.changed = Signal()
        self.webhooks = WebhookSender(lambda: self.app_secret, self.changed)

        self.people: dict[str, WaPerson] = {}
        #: Every accepted send, oldest first (also the undeliverable ones).
        self.sent: list[WaMessage] = []
        self.by_wamid: dict[str, WaMessage] = {}
        #: Every refused request: (path, code, details).
        self.errors: list[tuple[str, int, str]] = []
        #: "accepted", "failed" (accepted, then a failed status) and each refusal code
        #: ("130429", "131056", ...): for the bench's ratios and quick asserts.
        self.counts: Counter[str] = Counter()
        self.media: dict[str, Media] = {}
        self.templates: dict[tuple[str, str], Template] = {}
        #: wa_ids whose sends are accepted but then fail (status webhook 131026).
        self.undeliverable: set[str] = set()
        #: "answer": a free-form send outside the window is refused with 131047 (the
        #: contract); "status": accepted, then a failed status 131047 (as Meta often does).
        self.window_failure = "answer"
        #: Also post ``message_template_status_update`` webhooks on review.
        self.template_webhooks = False
        #: Which statuses are posted as webhooks (a bench may keep only "failed").
        self.status_webhooks: set[str] = {"sent", "delivered", "read", "failed"}
        self.received: dict[str, InMessage] = {}
        #: The wamids of people's messages the bot marked read, in that order.
        self.marked_read: list[str] = []
        #: While a send is handled: its status webhooks, held until the answer is out.
        self._holding: list[Delivery] | None = None
        self._faults: dict[str | None, deque[tuple[int, str | None]]] = defaultdict(deque)
        self._subscribers = Subscribers(_LOG, "whatsapp stand-in")
        self.sandbox: Sandbox | None = None

    # -- mounting ------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes, under ``/wa``."""
        v = PREFIX + "/{version:v[0-9]+\\.[0-9]+}"
        return [
            web.post(v + "/{node}/messages", self._messages),
            web.post(v + "/{node}/media", self._upload),
            web.get(v + "/{node}/message_templates", self._list_templates),
            web.post(v + "/{node}/message_templates", self._create_template),
            web.delete(v + "/{node}/message_templates", self._delete_template),
            web.get(v + "/{node}", self._get_node),
            web.delete(v + "/{node}", self._delete_node),
            web.get(PREFIX + "/_media/{media_id}", self._download),
            web.get(PREFIX + "/_sandbox/chats", self._chats),
            web.get(PREFIX + "/_sandbox/chats/{wa_id}", self._chat),
            web.post(PREFIX + "/_sandbox/say", self._say),
            web.post(PREFIX + "/_sandbox/tap", self._tap),
            web.post(PREFIX + "/_sandbox/read", self._read),
            web.post(PREFIX + "/_sandbox/photo", self._photo),
            web.get(PREFIX + "/_sandbox/media/{media_id}", self._page_media),
        ]

    def setup(self, app: web.Application) -> None:
        """Add the routes to an aiohttp app (``Sandbox.mount`` calls this)."""
        app.add_routes(self.routes())
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)

    def attach(self, sandbox: Sandbox) -> WhatsAppStandIn:
        """Mount on ``sandbox`` (before ``sandbox.start()``); ``sandbox.whatsapp`` is this."""
        sandbox.mount(self.setup)
        sandbox.whatsapp = self
        self.sandbox = sandbox
        return self

    @property
    def api_url(self) -> str:
        """The ``[whatsapp] api_url`` for the bot (needs the attached sandbox running)."""
        if self.sandbox is None:
            raise RuntimeError("attach the stand-in to a sandbox first")
        return self.sandbox.base + PREFIX

    async def _on_startup(self, _app: web.Application) -> None:
        self.webhooks.open()  # a sandbox started again delivers again

    async def _on_cleanup(self, _app: web.Application) -> None:
        await self.webhooks.close()

    async def close(self) -> None:
        await self.webhooks.close()

    # -- webhooks ------------------------------------------------------------
    @property
    def webhook_url(self) -> str | None:
        return self.webhooks.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.webhooks.set_url(url)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook posted (or queued), with the bot's answers."""
        return self.webhooks.deliveries

    @property
    def deliver_twice(self) -> bool:
        return self.webhooks.deliver_twice

    @deliver_twice.setter
    def deliver_twice(self, value: bool) -> None:
        self.webhooks.deliver_twice = value

    def redeliver_last(self, kind: str | None = "message") -> Delivery:
        """Post the newest webhook (of ``kind``; None: any) again, byte for byte."""
        for delivery in reversed(self.deliveries):
            if kind is None or delivery.kind == kind:
                return self.webhooks.repost(delivery)
        raise LookupError(f"no {kind} webhook was posted yet")

    async def settle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - mirrors asyncio.wait_for
        """Wait until every webhook posted so far had its final answer (needs a url)."""
        await self.changed.wait_for(lambda: self.webhooks.idle, timeout)

    def sign(self, body: bytes) -> str:
        return sign(self.app_secret, body)

    async def verify(self, verify_token: str | None = None,
                     challenge: str | None = None) -> tuple[int, str]:
        """Meta's subscription handshake against the bot's webhook: (status, text)."""
        if self.webhook_url is None:
            raise RuntimeError("webhook_url is not set")
        params = {"hub.mode": "subscribe",
                  "hub.verify_token": self.verify_token if verify_token is None else verify_token,
                  "hub.challenge": challenge or str(secrets.randbelow(10**9))}
        async with aiohttp.ClientSession() as http, \
                http.get(self.webhook_url, params=params) as response:
            return response.status, await response.text()

    def _envelope(self, value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
        return {"object": "whatsapp_business_account",
                "entry": [{"id": self.business_account_id,
                           "changes": [{"field": field, "value": value}]}]}

    def _metadata(self) -> dict[str, Any]:
        return {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": self.display_phone_number,
                             "phone_number_id": self.phone_number_id}}

    def _status(self, msg: WaMessage, status: str,
                error: WaError | None = None) -> Delivery | None:
        entry: dict[str, Any] = {"id": msg.wamid, "status": status,
                                 "timestamp": str(int(self.clock())), "recipient_id": msg.wa_id}
        if error is not None:
            entry["errors"] = [error.status_error()]
        elif status in ("sent", "delivered"):
            category = ("utility" if msg.kind == "template" else "service")
            entry["conversation"] = {"id": secrets.token_hex(16),
                                     "origin": {"type": category}}
            entry["pricing"] = {"billable": msg.kind == "template", "pricing_model": "PMP",
                                "category": category}
        msg.status = status
        if error is not None:
            msg.error_code = error.code
        self._emit({"type": "wa_status", "wa_id": msg.wa_id, "wamid": msg.wamid,
                    "status": status})
        if status not in self.status_webhooks:
            return None
        holding = self._holding
        delivery = self.webhooks.post("status", self._envelope(
            {**self._metadata(), "statuses": [entry]}), hold=holding is not None)
        if holding is not None:
            holding.extend(d for d in self.webhooks.deliveries[delivery.seq - 1:])
        return delivery

    # -- people ---------------------------------------------------------------
    def person(self, wa_id: str, name: str | None = "Henk") -> WaPerson:
        """The person with this WhatsApp id (digits), created on first use."""
        wa_id = validate.wa_id_of(wa_id)
        found = self.people.get(wa_id)
        if found is None:
            found = self.people[wa_id] = WaPerson(self, wa_id, name)
            self._emit({"type": "wa_person", "wa_id": wa_id})
        elif name and found.name is None:
            found.name = name
        return found

    def _inbound(self, person: WaPerson, kind: str, content: dict[str, Any], text: str | None,
                 context: str | None) -> dict[str, Any]:
        now = self.clock()
        message: dict[str, Any] = {"from": person.wa_id, "id": _wamid(person.wa_id),
                                   "timestamp": str(int(now)), "type": kind, **content}
        if context:
            message["context"] = {"from": self.display_phone_number, "id": context}
        if kind != "reaction":
            person.last_inbound = now
        contact = {"profile": {"name": person.name or ""}, "wa_id": person.wa_id}
        received = InMessage(message["id"], kind, message, now, text)
        person.sent.append(received)
        person.timeline.append(received)
        self.received[received.wamid] = received
        self.webhooks.post("message", self._envelope(
            {**self._metadata(), "contacts": [contact], "messages": [message]}))
        self._emit({"type": "wa_message", "wa_id": person.wa_id, "from": "person",
                    "wamid": message["id"]})
        return message

    def _read_all(self, person: WaPerson) -> int:
        count = 0
        for msg in person.messages:
            if msg.status == "delivered":
                self._status(msg, "read")
                count += 1
        return count

    def store_media(self, data: bytes, mime_type: str, filename: str | None = None) -> Media:
        """Keep bytes under a new media id (uploads and what people send)."""
        media = Media(new_media_id(), bytes(data), mime_type, filename)
        self.media[media.id] = media
        return media

    # -- faults ---------------------------------------------------------------
    def fail_next(self, wa_id: str | None, code: int, *, via: str | None = None) -> None:
        """The next send to ``wa_id`` (None: to anyone) fails with ``code``: in the send
        answer, or (``via="status"``, default for 131026/131049/131050/130472) accepted and
        then a failed status webhook. Calls stack."""
        if via not in (None, "answer", "status"):
            raise ValueError("via is 'answer' or 'status'")
        key = None if wa_id is None else validate.wa_id_of(wa_id)
        self._faults[key].append((code, via))

    def limits_off(self) -> None:
        """No throughput or pair-rate errors (most functional tests)."""
        self.limits.enabled = False

    @property
    def throughput(self) -> int:
        return self.limits.throughput

    @throughput.setter
    def throughput(self, per_second: int) -> None:
        self.limits.throughput = per_second
        self.limits.enabled = True

    def _take_fault(self, wa_id: str) -> tuple[int, str] | None:
        for key in (wa_id, None):
            queue = self._faults.get(key)
            if queue:
                code, via = queue.popleft()
                return code, via or ("status" if code in ASYNC_CODES else "answer")
        return None

    # -- templates --------------------------------------------------------------
    def add_template(self, name: str, language: str, body: str,
                     quick_replies: list[str] | tuple[str, ...] = (), *,
                     category: str = "UTILITY", status: str = "APPROVED",
                     header: str | None = None, footer: str | None = None) -> Template:
        """A template as if created and reviewed (checked like a created one)."""
        components: list[dict[str, Any]] = []
        if header:
            components.append({"type": "HEADER", "format": "TEXT", "text": header})
        components.append({"type": "BODY", "text": body})
        if footer:
            components.append({"type": "FOOTER", "text": footer})
        if quick_replies:
            components.append({"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": t} for t in quick_replies]})
        tpl = check_new({"name": name, "language": language, "category": category,
                         "components": components})
        tpl.status = status
        self.templates[(name, language)] = tpl
        return tpl

    def approve(self, name: str, language: str = "*") -> list[Template]:
        return self._review(name, language, "APPROVED", None)

    def reject(self, name: str, language: str = "*",
               reason: str = "INVALID_FORMAT") -> list[Template]:
        return self._review(name, language, "REJECTED", reason)

    def pause(self, name: str, language: str = "*") -> list[Template]:
        return self._review(name, language, "PAUSED", None)

    def _review(self, name: str, language: str, status: str,
                reason: str | None) -> list[Template]:
        hits = [t for (n, lang), t in self.templates.items()
                if n == name and language in ("*", lang)]
        if not hits:
            raise LookupError(f"no template {name!r} in {language!r}")
        for tpl in hits:
            tpl.status, tpl.reason = status, reason
            if self.template_webhooks:
                self.webhooks.post("template", self._envelope({
                    "event": status, "message_template_id": int(tpl.id),
                    "message_template_name": tpl.name,
                    "message_template_language": tpl.language,
                    "reason": reason or "NONE"}, field="message_template_status_update"))
        self._emit({"type": "wa_template", "name": name, "status": status})
        return hits

    # -- observers ---------------------------------------------------------------
    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns an unsubscribe function."""
        return self._subscribers.subscribe(callback)

    def _emit(self, event: dict[str, Any]) -> None:
        self._subscribers.emit(event)
        if self.sandbox is not None:
            self.sandbox._emit(event)
        self.changed.notify()

    # -- HTTP: the Cloud API ---------------------------------------------------------
    @staticmethod
    def _json(payload: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, text=json.dumps(payload, ensure_ascii=False),
                            content_type="application/json")

    def _error(self, request: web.Request, err: WaError) -> web.Response:
        self.errors.append((request.path, err.code, err.details))
        self.counts[str(err.code)] += 1
        return self._json(err.body(), err.http_status)

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else request.query.get(
            "access_token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _node_error(self, node: str, method: str = "post") -> WaError:
        return WaError(100, f"Unsupported {method} request. Object with ID '{node}' does not "
                            "exist, cannot be loaded due to missing permissions, or does not "
                            "support this operation.", subcode=33,
                       message=f"Unsupported {method} request. Object with ID '{node}' does "
                               "not exist, cannot be loaded due to missing permissions, or "
                               "does not support this operation.")

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except (ValueError, UnicodeDecodeError):
            raise invalid("Unexpected body: a JSON object is expected") from None

    async def _messages(self, request: web.Request) -> web.Response:
        held: list[Delivery] = []
        faults = self.sandbox.faults if self.sandbox is not None else None
        if faults is not None and faults.dead:  # the bot was killed: nothing is heard
            return await self._dead(request)
        try:
            try:
                if not self._authorized(request):
                    raise WaError(190)
                if request.match_info["node"] != self.phone_number_id:
                    raise self._node_error(request.match_info["node"])
                body = await self._body(request)
                if isinstance(body, dict) and body.get("status") == "read":
                    return self._json(self._mark_read(body))
                # The sandbox's kill hook (``faults.kill_at(KILL_SEND)``): this send is the
                # moment the bot dies, before Meta takes it or after.
                kill = faults.kill_moment(KILL_SEND) if faults is not None else None
                if kill is not None and not kill.delivered:
                    faults.die()  # type: ignore[union-attr]
                    return await self._dead(request)
                # The statuses of this send are posted once its answer is out, as at Meta
                # (the bot knows the wamid before it hears of it).
                self._holding = held
                try:
                    answer = self._send(body)
                finally:
                    self._holding = None
                if kill is not None:  # taken, then the bot died waiting for the answer
                    faults.die()  # type: ignore[union-attr]
                    return await self._dead(request)
            except WaError as err:
                return self._error(request, err)
            response = self._json(answer)
            await response.prepare(request)
            await response.write_eof()
            return response
        finally:
            self.webhooks.release(held)

    async def _dead(self, request: web.Request) -> web.Response:
        """A call of a killed bot: unanswered until the sandbox's faults are released,
        then the connection is dropped (nobody listens any more)."""
        assert self.sandbox is not None
        await self.sandbox.faults.hang()
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    def _mark_read(self, body: dict[str, Any]) -> dict[str, Any]:
        """The business marks a message the person sent as read: their blue ticks (the
        first time counts; marking again changes nothing). Recorded on the message
        (``InMessage.read_at``) and in :attr:`marked_read`."""
        if body.get("messaging_product") != "whatsapp":
            raise invalid("The parameter messaging_product is required.")
        wamid = body.get("message_id")
        if not isinstance(wamid, str) or wamid not in self.received:
            raise invalid(f"Invalid parameter: message_id {wamid!r} is not a received message")
        received = self.received[wamid]
        if received.read_at is None:
            received.read_at = self.clock()
            self.marked_read.append(wamid)
            self.counts["marked_read"] += 1
            wa_id = str(received.payload.get("from", ""))
            self._emit({"type": "wa_read", "wa_id": wa_id, "wamid": wamid})
        return {"success": True}

    def _send(self, body: Any) -> dict[str, Any]:
        kind = validate.check_envelope(body)
        part = body.get(kind)
        use: TemplateUse | None = None
        if kind == "text":
            validate.check_text(part)
        elif kind == "interactive":
            validate.check_interactive(part)
            header = part.get("header") or {}
            if header.get("type") in ("image", "document", "video"):
                media = header.get(header["type"])
                if not isinstance(media, dict):
                    raise WaError(131008, f"The parameter interactive['header']"
                                          f"['{header['type']}'] is required.")
                validate.check_media(header["type"], media, self.media)
        elif kind in validate.MEDIA_TYPES:
            validate.check_media(kind, part, self.media)
        elif kind == "location":
            validate.check_location(part)
        elif kind == "reaction":
            validate.check_reaction(part)
        elif kind == "template":
            use = check_send(self.templates, part)
        else:
            raise WaError(131051, f"Sending {kind} messages is not supported by the stand-in.")
        wa_id = validate.wa_id_of(body["to"])
        if wa_id == self.display_phone_number:
            raise WaError(131021)
        person = self.person(wa_id, name=None)
        failure: WaError | None = None
        fault = self._take_fault(wa_id)
        if fault is not None:
            code, via = fault
            if via == "answer":
                raise WaError(code)
            failure = WaError(code)
        if kind != "template" and not person.window_open:
            if self.window_failure == "answer":
                raise WaError(131047)
            failure = failure or WaError(131047)
        limited = self.rates.check(wa_id)
        if limited is not None:
            raise WaError(limited)
        if wa_id in self.undeliverable or person.blocked:
            failure = failure or WaError(131026)
        wamid = _wamid(wa_id)
        msg = parse(wamid, wa_id, body, self.clock(), use)
        self.sent.append(msg)
        self.by_wamid[wamid] = msg
        self.counts["accepted"] += 1
        if failure is not None:
            self.counts["failed"] += 1
            self._status(msg, "failed", failure)
        else:
            person.messages.append(msg)
            person.timeline.append(msg)
            self._emit({"type": "wa_message", "wa_id": wa_id, "from": "bot", "wamid": wamid})
            self._status(msg, "sent")
            self._status(msg, "delivered")
            if person.reads:
                self._status(msg, "read")
        answer: dict[str, Any] = {"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": wa_id}],
                                  "messages": [{"id": wamid}]}
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return answer

    # -- HTTP: media ------------------------------------------------------------------
    async def _upload(self, request: web.Request) -> web.Response:
        try:
            if not self._authorized(request):
                raise WaError(190)
            if request.match_info["node"] != self.phone_number_id:
                raise self._node_error(request.match_info["node"])
            if not request.content_type.startswith("multipart/"):
                raise invalid("Param file must be a file upload (multipart/form-data).")
            form = await request.post()
            if form.get("messaging_product") != "whatsapp":
                raise invalid("The parameter messaging_product is required.")
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise WaError(131008, "The parameter file is required.")
            mime = str(form.get("type") or upload.content_type or "")
            base = mime.split(";", 1)[0].strip()
            if base not in MEDIA_TYPES:
                raise WaError(131053, f"Param file must be a file with one of the following "
                                      f"types: {', '.join(MEDIA_TYPES)}. Received file of "
                                      f"type '{mime}'.")
            data = upload.file.read()
            if not data:
                raise WaError(131053, "The file is empty.")
            if len(data) > MEDIA_TYPES[base]:
                raise WaError(131053, f"The file is too big for {base} "
                                      f"(max {MEDIA_TYPES[base]} bytes).")
            media = self.store_media(data, mime, upload.filename)
            return self._json({"id": media.id})
        except WaError as err:
            return self._error(request, err)

    def _media_url(self, request: web.Request, media: Media) -> str:
        return f"{request.url.origin()}{PREFIX}/_media/{media.id}?mid={media.sha256[:12]}"

    async def _get_node(self, request: web.Request) -> web.Response:
        node = request.match_info["node"]
        try:
            if not self._authorized(request):
                raise WaError(190)
            if node == self.phone_number_id:
                return self._json({"verified_name": self.verified_name,
                                   "display_phone_number": self.display_phone_number,
                                   "id": node, "quality_rating": "GREEN",
                                   "code_verification_status": "VERIFIED",
                                   "platform_type": "CLOUD_API", "throughput": {
                                       "level": "STANDARD"}})
            media = self.media.get(node)
            if media is None:
                raise self._node_error(node, "get")
            return self._json(media.info(self._media_url(request, media)))
        except WaError as err:
            return self._error(request, err)

    async def _delete_node(self, request: web.Request) -> web.Response:
        node = request.match_info["node"]
        try:
            if not self._authorized(request):
                raise WaError(190)
            if self.media.pop(node, None) is None:
                raise self._node_error(node, "delete")
            return self._json({"success": True})
        except WaError as err:
            return self._error(request, err)

    async def _download(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(request, WaError(190))
        media = self.media.get(request.match_info["media_id"])
        if media is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=media.data, content_type=media.mime_type.split(";")[0],
                            headers={"Content-Length": str(len(media.data))})

    # -- HTTP: templates --------------------------------------------------------------
    def _check_waba(self, request: web.Request, method: str) -> None:
        if not self._authorized(request):
            raise WaError(190)
        if request.match_info["node"] != self.business_account_id:
            raise self._node_error(request.match_info["node"], method)

    async def _list_templates(self, request: web.Request) -> web.Response:
        try:
            self._check_waba(request, "get")
            name = request.query.get("name")
            data = [t.view() for t in self.templates.values() if name in (None, t.name)]
            return self._json({"data": data, "paging": {"cursors": {"before": "", "after": ""}}})
        except WaError as err:
            return self._error(request, err)

    async def _create_template(self, request: web.Request) -> web.Response:
        try:
            self._check_waba(request, "post")
            tpl = check_new(await self._body(request))
            if (tpl.name, tpl.language) in self.templates:
                raise WaError(100, f"Content in {tpl.language} already exists for {tpl.name}",
                              subcode=2388024,
                              message="(#100) Content in This Language Already Exists")
            self.templates[(tpl.name, tpl.language)] = tpl
            self._emit({"type": "wa_template", "name": tpl.name, "status": tpl.status})
            return self._json({"id": tpl.id, "status": tpl.status, "category": tpl.category})
        except WaError as err:
            return self._error(request, err)

    async def _delete_template(self, request: web.Request) -> web.Response:
        try:
            self._check_waba(request, "delete")
            name = request.query.get("name")
            hits = [key for key in self.templates if key[0] == name]
            if not hits:
                raise WaError(100, f"Template {name!r} does not exist.", subcode=2593002)
            for key in hits:
                del self.templates[key]
            return self._json({"success": True})
        except WaError as err:
            return self._error(request, err)

    # -- HTTP: the practice-chat view (wa-demo's page) ------------------------------------
    def chat_view(self, person: WaPerson) -> dict[str, Any]:
        return {"wa_id": person.wa_id, "name": person.name, "window_open": person.window_open,
                "window_until": person.window_until,
                "messages": [m.view() for m in person.history()]}

    async def _chats(self, _request: web.Request) -> web.Response:
        return self._json({"people": [self.chat_view(p) for p in self.people.values()]})

    async def _chat(self, request: web.Request) -> web.Response:
        person = self.people.get(request.match_info["wa_id"])
        if person is None:
            return self._json({"error": "no such person"}, 404)
        return self._json(self.chat_view(person))

    async def _page_body(self, request: web.Request) -> tuple[WaPerson, dict[str, Any]]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="a JSON object is expected") from None
        if not isinstance(body, dict) or not isinstance(body.get("wa_id"), str):
            raise web.HTTPBadRequest(text="wa_id is required")
        try:
            person = self.person(body["wa_id"], name=body.get("name") or None)
        except WaError:
            raise web.HTTPBadRequest(text="wa_id must be digits") from None
        return person, body

    async def _say(self, request: web.Request) -> web.Response:
        """``{"wa_id", "text", "name"?}``: the person types a message."""
        person, body = await self._page_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._json({"error": "text is required"}, 400)
        return self._json({"ok": True, "message": await person.send(text)})

    async def _tap(self, request: web.Request) -> web.Response:
        """``{"wa_id", "title"}`` or ``{"wa_id", "id", "wamid"}``: the person taps."""
        person, body = await self._page_body(request)
        try:
            if isinstance(body.get("id"), str) and isinstance(body.get("wamid"), str):
                msg = self.by_wamid.get(body["wamid"])
                choice = next((c for c in msg.choices if c.id == body["id"]), None) \
                    if msg else None
                if choice is None:
                    raise LookupError("no such choice on that message")
                sent = await person.tap_id(choice.id, msg.wamid, title=choice.title,
                                           kind=choice.kind, description=choice.description)
            elif isinstance(body.get("title"), str):
                sent = await person.tap(body["title"])
            else:
                return self._json({"error": "title, or id and wamid, is required"}, 400)
        except LookupError as exc:
            return self._json({"error": str(exc)}, 404)
        return self._json({"ok": True, "message": sent})

    async def _read(self, request: web.Request) -> web.Response:
        """``{"wa_id"}``: the person opens the chat (read statuses)."""
        person, _body = await self._page_body(request)
        return self._json({"ok": True, "read": await person.read()})

    async def _photo(self, request: web.Request) -> web.Response:
        """multipart ``wa_id``, ``file``, ``caption``?, ``name``?: the person sends a photo
        (or a document, by the file's type)."""
        form = await request.post()
        wa_id, upload = form.get("wa_id"), form.get("file")
        if not isinstance(wa_id, str) or not isinstance(upload, web.FileField):
            return self._json({"error": "wa_id and file are required"}, 400)
        try:
            person = self.person(wa_id, name=str(form.get("name") or "") or None)
        except WaError:
            return self._json({"error": "wa_id must be digits"}, 400)
        data = upload.file.read()
        caption = str(form.get("caption") or "")
        mime = upload.content_type or "application/octet-stream"
        if mime.startswith("image/"):
            sent = await person.send_photo(data, caption=caption, mime_type=mime)
        else:
            sent = await person.send_document(data, upload.filename or "file", caption=caption,
                                              mime_type=mime)
        return self._json({"ok": True, "message": sent})

    async def _page_media(self, request: web.Request) -> web.Response:
        """The bytes of a media id, for the page to show (no token: loopback only)."""
        media = self.media.get(request.match_info["media_id"])
        if media is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=media.data, content_type=media.mime_type.split(";")[0])
