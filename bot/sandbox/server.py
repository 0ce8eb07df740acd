"""The sandbox: an aiohttp server speaking the Telegram Bot API on 127.0.0.1.

The real PTB Application runs against it unmodified (``base_url``), so end-to-end
tests exercise the exact HTTP the bot would send to Telegram, including Telegram's
error answers at the edges. State lives in memory and is inspectable; observers
can subscribe to every change (for a browser demo page).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.driver import SandboxUser
from bot.sandbox.faults import Faults
from bot.sandbox.files import FileStore
from bot.sandbox.limits import FloodControl, Limits
from bot.sandbox.methods import MethodsMixin, Upload
from bot.sandbox.spec import MethodSpec, method_spec
from bot.sandbox.state import ApiError, SandboxChat, SandboxMessage, Signal, Subscribers

if TYPE_CHECKING:
    from bot.sandbox.whatsapp import WhatsAppStandIn

_LOG = logging.getLogger(__name__)

# Update types delivered when allowed_updates is empty / never set.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_UPLOAD = 60 * 1024 * 1024


class Sandbox(MethodsMixin):
    """A loopback Telegram: HTTP Bot API for the bot, Python driver for fake users."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "buurtbot_test_bot",
        bot_name: str = "Buurtbot",
        limits: Limits | None = None,
        privacy_mode: bool = True,
        max_calls: int = 10_000,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self.limits = limits if limits is not None else Limits()
        self.flood = FloodControl(self.limits)
        self.privacy_mode = privacy_mode
        self.clock: Callable[[], float] = time.time
        #: Telegram having a bad moment on demand (see bot/sandbox/faults.py).
        self.faults = Faults(clock=lambda: self.clock())

        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.files = FileStore()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}

        self.calls: deque[tuple[str, dict[str, Any]]] = deque(maxlen=max_calls)
        self.errors: deque[tuple[str, int, str]] = deque(maxlen=max_calls)
        self.spec_violations: list[str] = []
        self.unknown_methods: list[str] = []
        self.stats: Counter[str] = Counter()

        self.changed = Signal()
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] | None = None
        self._next_update_id = 1
        self._poll_generation = 0
        self._stopping = False
        self._next_user_id = 1001
        self._next_group_seq = 1
        self._queries: dict[str, dict[str, Any]] = {}
        self._query_seq = 0
        self._subscribers = Subscribers(_LOG, "sandbox")
        self._mounts: list[Callable[[web.Application], None]] = []
        #: The WhatsApp Cloud API stand-in under ``/wa``, once attached
        #: (``WhatsAppStandIn(...).attach(sandbox)``).
        self.whatsapp: WhatsAppStandIn | None = None

        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

        # Webhook mode (setWebhook): updates are POSTed to the bot instead of waiting for
        # getUpdates. ``webhook_proxy`` maps the public https URL to where the bot really
        # listens, as the reverse proxy in front of a real bot does.
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_proxy: Callable[[str], str] | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_deliveries: list[int] = []  # HTTP status of every POST, in order
        self._webhook_task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The server's root (``f"{sandbox.url}/wa"`` is the WhatsApp stand-in's api_url)."""
        return self.base

    @property
    def api_url(self) -> str:
        """PTB ``base_url`` (PTB appends the token)."""
        return f"{self.base}/bot"

    @property
    def file_url(self) -> str:
        """PTB ``base_file_url``."""
        return f"{self.base}/file/bot"

    def make_app(self) -> web.Application:
        """The aiohttp app; a demo server can mount more routes on it."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_post("/sandbox/faults", self._handle_faults)
        for setup in self._mounts:
            setup(app)
        return app

    def mount(self, setup: Callable[[web.Application], None]) -> None:
        """Have ``setup(app)`` add routes to the aiohttp app when the sandbox starts."""
        self._mounts.append(setup)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (port 0 = ephemeral; read ``self.port`` afterwards)."""
        self._stopping = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once so PTB can stop quickly."""
        self._stopping = True
        self.changed.notify()
        await self._stop_webhook_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- webhook delivery ----------------------------------------------------
    def set_webhook_state(self, url: str | None, secret: str | None) -> None:
        """Called by setWebhook/deleteWebhook: start or stop POSTing updates."""
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_last_error = None
        if url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())
        self.changed.notify()

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self) -> None:
        """POST each pending update, in order, until the bot answers 2xx (as Telegram does:
        a failing webhook is retried, with a growing pause, and getWebhookInfo shows why)."""
        import aiohttp

        pause = 0.05
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            while self.webhook_url and not self._stopping:
                await self.changed.wait_for(
                    lambda: self.updates or not self.webhook_url or self._stopping, None)
                if not self.webhook_url or self._stopping:
                    return
                update = self.updates[0]
                url = self.webhook_proxy(self.webhook_url) if self.webhook_proxy else \
                    self.webhook_url
                headers = ({"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
                           if self.webhook_secret else {})
                try:
                    async with http.post(url, json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, reason = 0, f"Connection failed: {type(exc).__name__}"
                else:
                    reason = f"Wrong response from the webhook: {status}"
                self.webhook_deliveries.append(status)
                if 200 <= status < 300:
                    if self.updates and self.updates[0] is update:
                        self.updates.pop(0)
                    pause = 0.05
                    self.changed.notify()
                    continue
                self.webhook_last_error = (int(self.clock()), reason)
                self.changed.notify()
                await asyncio.sleep(pause)  # Telegram's retry pause, shortened
                pause = min(pause * 2, 1.0)

    # -- observers --------------------------------------------------------
    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns an unsubscribe function."""
        return self._subscribers.subscribe(callback)

    def _emit(self, event: dict[str, Any]) -> None:
        self._subscribers.emit(event)
        self.changed.notify()

    # -- users and chats ---------------------------------------------------
    def add_user(
        self,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        user_id: int | None = None,
        started: bool = True,
    ) -> SandboxUser:
        """A user with a private chat; ``started=False`` means never wrote the bot (403)."""
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        user = SandboxUser(self, user_id, first_name, last_name, username, language_code)
        user.started = started
        self.users[user_id] = user
        self.chats[user_id] = user.chat
        return user

    def add_group(
        self,
        title: str = "Test group",
        chat_id: int | None = None,
        type: str = "supergroup",
        username: str | None = None,
        bot_is_admin: bool = False,
    ) -> SandboxChat:
        """A group/supergroup/channel with the bot in it (negative ids like Telegram)."""
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"bad chat type {type!r}")
        if chat_id is None:
            seq = self._next_group_seq
            self._next_group_seq += 1
            chat_id = -seq if type == "group" else -(1_000_000_000_000 + seq)
        chat = SandboxChat(
            id=chat_id,
            type=type,
            sandbox=self,
            title=title,
            username=username,
            bot_is_admin=bot_is_admin or type == "channel",
        )
        self.chats[chat_id] = chat
        return chat

    def add_chat_member(self, chat: SandboxChat, user: SandboxUser) -> None:
        chat.members.add(user.id)

    def remove_bot_from(self, chat: SandboxChat, by: SandboxUser | None = None) -> None:
        """Kick the bot: sends there fail with 403 and the bot gets a my_chat_member update."""
        chat.bot_present = False
        actor = by or next((self.users[m] for m in chat.members if m in self.users), None)
        self._my_chat_member(chat, actor, "member", "kicked" if chat.type != "group" else "left")
        self._emit({"type": "bot_removed", "chat_id": chat.id})

    def user(self, user_id: int) -> SandboxUser:
        return self.users[user_id]

    def bot_user_dict(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    # -- updates -----------------------------------------------------------
    def _allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED_UPDATES

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for getUpdates (dropped, like Telegram, if not allowed)."""
        update_id = self._next_update_id
        self._next_update_id += 1
        if not self._allowed(kind):
            return None
        update = {"update_id": update_id, kind: payload}
        self.updates.append(update)
        self.stats["updates"] += 1
        self._emit({"type": "update", "update": update})
        return update

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        self.changed.notify()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self.updates)

    async def settle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """Wait until every update created so far was confirmed (getUpdates offset past it).

        Note: PTB confirms an update when it polls again, i.e. once the update is in its
        queue, not necessarily after the handler finished. Wait for the bot's answer
        (``next_message``) when you need the handler's effect.
        """
        last = self._next_update_id - 1
        await self.changed.wait_for(
            lambda: not any(u["update_id"] <= last for u in self.updates), timeout
        )

    def _my_chat_member(
        self, chat: SandboxChat, actor: SandboxUser | None, old: str, new: str
    ) -> None:
        frm = (
            actor.user_dict()
            if actor
            else {"id": 777000, "is_bot": False, "first_name": "Telegram"}
        )
        bot = self.bot_user_dict()
        self._push_update(
            "my_chat_member",
            {
                "chat": chat.chat_dict(),
                "from": frm,
                "date": int(self.clock()),
                "old_chat_member": _member(old, bot),
                "new_chat_member": _member(new, bot),
            },
        )

    # -- fake user actions (used by SandboxUser) ----------------------------
    def _bot_directed(
        self, chat: SandboxChat, content: dict[str, Any], reply_to: SandboxMessage | None
    ) -> bool:
        if not chat.bot_present:
            return False
        if chat.is_private or not self.privacy_mode or chat.bot_is_admin:
            return True
        if reply_to is not None and reply_to.from_bot:
            return True
        text = content.get("text", "")
        if text.startswith("/"):
            cmd = text.split(maxsplit=1)[0]
            return "@" not in cmd or cmd.split("@", 1)[1].lower() == self.bot_username.lower()
        return False

    async def _user_message(
        self,
        user: SandboxUser,
        chat: SandboxChat,
        content: dict[str, Any],
        reply_to: SandboxMessage | None = None,
    ) -> dict[str, Any]:
        if chat.is_private:
            if chat is not user.chat:
                raise ValueError("a user can only write in their own private chat with the bot")
            user.started = True
            if user.blocked:  # writing to the bot means pressing "Restart"
                user.unblock()
        else:
            chat.members.add(user.id)
        raw: dict[str, Any] = {
            "message_id": chat.next_message_id,
            "from": user.user_dict(),
            "chat": chat.chat_dict(),
            "date": int(self.clock()),
            **content,
        }
        chat.next_message_id += 1
        if reply_to is not None:
            raw["reply_to_message"] = {
                k: v for k, v in reply_to.raw.items() if k != "reply_to_message"
            }
        msg = SandboxMessage(raw=raw, from_bot=False, html=content.get("text"))
        chat.store[msg.message_id] = msg
        self.stats["user_messages"] += 1
        self._emit({"type": "message", "chat_id": chat.id, "message": msg.to_dict()})
        if self._bot_directed(chat, content, reply_to):
            self._push_update("channel_post" if chat.type == "channel" else "message", raw)
        return raw

    async def _user_edit(
        self, user: SandboxUser, msg: SandboxMessage | dict[str, Any], text: str
    ) -> dict[str, Any]:
        raw = msg.raw if isinstance(msg, SandboxMessage) else msg
        chat = self.chats[int(raw["chat"]["id"])]
        stored = chat.store.get(int(raw["message_id"]))
        if stored is None or stored.deleted or stored.from_bot:
            raise LookupError("can only edit the user's own existing messages")
        if stored.raw["from"]["id"] != user.id:
            raise LookupError("not this user's message")
        stored.raw["text"] = text
        stored.raw.pop("entities", None)
        from bot.sandbox.driver import _command_entities

        if ents := _command_entities(text):
            stored.raw["entities"] = ents
        stored.raw["edit_date"] = int(self.clock())
        stored.html = text
        stored.edited = True
        self._emit({"type": "edit", "chat_id": chat.id, "message": stored.to_dict()})
        if self._bot_directed(chat, stored.raw, None):
            self._push_update("edited_message", dict(stored.raw))
        return stored.raw

    async def _callback_query(
        self, user: SandboxUser, message: SandboxMessage, data: str
    ) -> dict[str, Any]:
        if message.deleted:
            raise LookupError("message was deleted")
        self._query_seq += 1
        qid = f"{self.bot_id}{self._query_seq:08d}"
        self._queries[qid] = {"user": user, "answered": False}
        query = {
            "id": qid,
            "from": user.user_dict(),
            "message": message.raw,
            "chat_instance": str(abs(message.chat_id) * 7919 + 1),
            "data": data,
        }
        self._emit({"type": "callback_query", "chat_id": message.chat_id, "query": query})
        self._push_update("callback_query", query)
        return query

    # -- files -------------------------------------------------------------
    def document_bytes(self, msg: SandboxMessage) -> bytes:
        """Content of the document/photo (largest)/voice/sticker of a message."""
        raw = msg.raw
        info: dict[str, Any] | None
        if raw.get("photo"):
            info = raw["photo"][-1]
        else:
            info = raw.get("document") or raw.get("voice") or raw.get("sticker")
        if not info:
            raise LookupError("message has no file")
        rec = self.files.get(info["file_id"])
        if rec is None:
            raise LookupError("file not stored")
        return rec.content()

    # -- HTTP --------------------------------------------------------------
    @staticmethod
    def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(payload, ensure_ascii=False),
            content_type="application/json",
        )

    def _error(self, method: str, err: ApiError) -> web.Response:
        self.errors.append((method, err.code, err.description))
        self.stats["errors"] += 1
        if err.code == 429:
            self.stats["429"] += 1
        body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return self._json(body, err.code)

    async def _read_params(self, request: web.Request, spec: MethodSpec | None) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    return {**_decode_all(raw, spec), **body}
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
        return _decode_all(raw, spec)

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(name, ApiError(401, "Unauthorized"))
        spec = method_spec(name)
        handler = getattr(self, f"_api_{spec.name}", None) if spec else None
        if spec is None or handler is None:
            self.unknown_methods.append(name)
            with contextlib.suppress(Exception):
                self.calls.append((name, await self._read_params(request, None)))
            return self._error(name, ApiError(404, "Not Found"))
        try:
            params = await self._read_params(request, spec)
        except (ValueError, json.JSONDecodeError):
            return self._error(spec.name, ApiError(400, "Bad Request: can't parse request"))
        self.calls.append((spec.name, params))
        self.stats["calls"] += 1
        for key in params:
            if key not in spec.params:
                self.spec_violations.append(f"{spec.name}: unknown parameter {key!r}")
        if self.faults.dead:  # the bot was killed: nothing it sends is heard any more
            self.calls.pop()
            return await self._dead(request)
        kill = self.faults.kill_moment(spec.name)
        if kill is not None and not kill.delivered:
            self.calls.pop()
            self.faults.die()
            return await self._dead(request)
        fault = self.faults.hit(spec.name)
        if fault is not None and fault.mode == "error":
            self.stats["faults"] += 1
            parameters = {"retry_after": 1} if fault.code == 429 else None
            return self._error(spec.name, ApiError(fault.code, fault.description, parameters))
        try:
            for req in spec.required:
                if params.get(req) in (None, ""):
                    raise _missing(spec.name, req)
            result = await handler(params)
        except ApiError as err:
            if err.code == 409 and (request.transport is None or request.transport.is_closing()):
                # An abandoned long poll (PTB cancelled it on shutdown): nobody will read this.
                return web.Response(status=409)
            return self._error(spec.name, err)
        if kill is not None:  # delivered, then the bot died waiting for the answer
            self.faults.die()
            return await self._dead(request)
        if fault is not None and fault.mode == "drop":  # delivered, but no answer comes back
            self.stats["faults"] += 1
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if fault is not None and fault.mode == "slow":  # delivered; the answer comes late
            self.stats["faults"] += 1
            await asyncio.sleep(fault.delay)
        return self._json({"ok": True, "result": result})

    async def _dead(self, request: web.Request) -> web.Response:
        """Hang until the kill is released, then drop the connection (nobody listens)."""
        await self.faults.hang()
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    async def _handle_faults(self, request: web.Request) -> web.Response:
        """``POST /sandbox/faults`` {"mode": "error", "code": 500, "seconds": 20} (or
        "methods", "times", "delay"); {"clear": true} ends them all. For testers by hand."""
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("a JSON object is expected")
            if body.get("clear"):
                self.faults.clear()
            elif body.get("mode") == "kill":  # the bot freezes at the n-th call (see Kill)
                self.faults.kill_at(body.get("methods") or "sendMessage", int(body.get("n", 1)),
                                    delivered=bool(body.get("delivered", True)))
            else:
                self.faults.add(
                    str(body.get("mode", "error")), methods=body.get("methods"),
                    code=int(body.get("code", 500)), seconds=body.get("seconds"),
                    times=body.get("times"), delay=float(body.get("delay", 0)))
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            return self._json({"ok": False, "description": str(exc)}, 400)
        return self._json({"ok": True, "result": len(self.faults.active)})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        rec = self.files.by_path.get(request.match_info["file_path"])
        if rec is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(
            body=rec.content(), content_type=rec.mime_type or "application/octet-stream"
        )


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember; "kicked" needs until_date (0 = for ever), as Telegram sends it."""
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status, "user": user}


def _missing(method: str, param: str) -> ApiError:
    if param == "chat_id":
        return ApiError(400, "Bad Request: chat_id is empty")
    if param == "text" and method.startswith(("send", "edit")):
        return ApiError(400, "Bad Request: message text is empty")
    if param == "callback_query_id":
        return ApiError(
            400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
        )
    return ApiError(400, f"Bad Request: {param} is required")


def _decode_all(raw: dict[str, Any], spec: MethodSpec | None) -> dict[str, Any]:
    """Form fields are strings; PTB JSON-encodes non-string values. Decode those."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        pspec = spec.params.get(key) if spec else None
        if isinstance(value, str) and not (pspec and pspec.is_plain_string):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


async def run_forever(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8081) -> None:
    """Serve until cancelled (handy for manual experiments)."""
    await sandbox.start(host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
