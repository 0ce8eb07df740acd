"""The practice chat page: a Telegram-like web client for the sandbox's fake users.

Mounted on the sandbox's own aiohttp app (``sandbox.mount(page.setup)``), so the page, its JSON
API and the Bot API share one port on 127.0.0.1. Everything a person does on the page goes
through the same :class:`~bot.sandbox.driver.SandboxUser` calls the tests use, so the bot sees
exactly the updates Telegram would send. What the bot does comes back live as server-sent
events from :meth:`Sandbox.subscribe`.

The page knows nothing about Buurtbot's database or clock: a :class:`DemoControl` (set by
``buurtbot demo``) lists the personas, adds new residents and moves the clock.

Residents on WhatsApp (issue 14) are people of the WhatsApp Cloud API stand-in; the same
routes serve their chats under the page id ``wa:<number>`` (``bot.sandbox.page_whatsapp``),
and the page draws them WhatsApp-style.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import mimetypes
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.sandbox.driver import SandboxUser
from bot.sandbox.page_whatsapp import PREFIX as WA_PREFIX
from bot.sandbox.page_whatsapp import WhatsAppChats
from bot.sandbox.server import Sandbox
from bot.sandbox.state import SandboxChat

_LOG = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CAPTION = 1024
MAX_PHOTO = 10 * 1024 * 1024  # Telegram's limit for a photo
MAX_WA_PHOTO = 5 * 1024 * 1024  # WhatsApp's limit for an image
HEARTBEAT_SECONDS = 15.0
TZ = ZoneInfo("Europe/Amsterdam")
#: Message fields that carry a file, in the order a message is checked for them.
_FILE_KINDS = ("document", "voice", "sticker", "audio", "video", "animation")


class DemoControl(Protocol):
    """What the page needs from whoever runs the bot (``bot.demo_control.DemoControl``)."""

    async def personas(self) -> list[dict[str, Any]]: ...

    async def add_resident(self, first_name: str, language: str,
                           channel: str = "telegram") -> dict[str, Any]: ...

    def channels(self) -> list[str]: ...

    async def clock_state(self) -> dict[str, Any]: ...

    async def jump(self) -> dict[str, Any]: ...


class BadInput(web.HTTPBadRequest):
    """A 400 whose body is ``{"error": text}`` so the page can show it."""

    def __init__(self, text: str) -> None:
        super().__init__(
            text=json.dumps({"error": text}, ensure_ascii=False), content_type="application/json"
        )


class PracticePage:
    """Routes of the practice chat page; ``control`` is set once the bot runs."""

    def __init__(self, sandbox: Sandbox, control: DemoControl | None = None) -> None:
        self.sandbox = sandbox
        self.control = control
        self._streams: set[asyncio.Queue[dict[str, Any] | None]] = set()
        #: Every event gets the next number; a chat snapshot says which number it includes,
        #: so the page can replay what arrived while it was loading (no lost messages).
        self._seq = 0
        self._unsubscribe: Callable[[], None] | None = None
        #: The WhatsApp residents' chats, once the demo runs the WhatsApp stand-in.
        self.whatsapp: WhatsAppChats | None = None

    def attach_whatsapp(self, standin: Any) -> WhatsAppChats:
        """Show the stand-in's people too (called by the demo once it runs)."""
        self.whatsapp = WhatsAppChats(standin, self.broadcast)
        self.whatsapp.start()
        return self.whatsapp

    # -- wiring ------------------------------------------------------------
    def setup(self, app: web.Application) -> None:
        """Add the page's routes (called by the sandbox when it builds its app)."""
        r = app.router
        r.add_get("/", self._index)
        r.add_static("/demo/static/", STATIC_DIR, append_version=True)
        r.add_get("/demo/api/personas", self._personas)
        r.add_post("/demo/api/personas", self._add_persona)
        r.add_get("/demo/api/chat/{user_id}", self._chat)
        r.add_post("/demo/api/chat/{user_id}/send", self._send)
        r.add_post("/demo/api/chat/{user_id}/press", self._press)
        r.add_post("/demo/api/chat/{user_id}/photo", self._photo)
        r.add_post("/demo/api/chat/{user_id}/contact", self._contact)
        r.add_get("/demo/api/file/{file_id}", self._file)
        r.add_get("/demo/api/wa-media/{media_id}", self._wa_media)
        r.add_get("/demo/api/clock", self._clock)
        r.add_post("/demo/api/clock/jump", self._jump)
        r.add_get("/demo/api/events", self._events)
        app.on_shutdown.append(self._close_streams)
        if self._unsubscribe is None:
            self._unsubscribe = self.sandbox.subscribe(self._on_sandbox_event)

    @property
    def url(self) -> str:
        return f"{self.sandbox.base}/"

    def broadcast(self, event: dict[str, Any]) -> None:
        """Send an event to every open page (the control uses it for clock/persona changes)."""
        self._seq += 1
        event = {**event, "seq": self._seq}
        for queue in list(self._streams):
            queue.put_nowait(event)

    # -- events --------------------------------------------------------------
    def _on_sandbox_event(self, event: dict[str, Any]) -> None:
        out = self._page_event(event)
        if out is not None:
            self.broadcast(out)

    def _page_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        kind = event.get("type")
        if kind in ("message", "edit"):
            chat = self.sandbox.chats.get(int(event["chat_id"]))
            if chat is None or not chat.is_private:
                return None
            return {
                "type": kind,
                "user_id": chat.id,
                "message": message_view(event["message"]),
                "reply_keyboard": reply_keyboard(chat),
            }
        if kind == "delete":
            return {"type": "delete", "user_id": event["chat_id"],
                    "message_id": event["message_id"]}
        if kind == "callback_answer":
            return {"type": "toast", "user_id": event["user_id"], "text": event["text"],
                    "alert": event["show_alert"]}
        if kind == "commands":
            return {"type": "commands"}
        if kind == "chat_action":
            return {"type": "typing", "user_id": event["chat_id"], "action": event["action"]}
        return None

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one JSON object per bot message, edit, toast, clock change."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                     "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._streams.add(queue)
        try:
            await response.write(b": connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if event is None:
                    break
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._streams.discard(queue)
        return response

    async def _close_streams(self, _app: web.Application) -> None:
        if self.whatsapp is not None:
            await self.whatsapp.stop()
        for queue in list(self._streams):
            queue.put_nowait(None)
        if self._unsubscribe is not None:
            with contextlib.suppress(ValueError):
                self._unsubscribe()
            self._unsubscribe = None

    # -- helpers ---------------------------------------------------------------
    def _control(self) -> DemoControl:
        if self.control is None:
            raise web.HTTPServiceUnavailable(text="The bot is still starting.")
        return self.control

    def _wa_person(self, request: web.Request) -> Any | None:
        """The WhatsApp person of a ``wa:<number>`` chat id (None: a Telegram chat)."""
        key = request.match_info["user_id"]
        if not key.startswith(WA_PREFIX):
            return None
        person = self.whatsapp.person(key) if self.whatsapp is not None else None
        if person is None:
            raise web.HTTPNotFound(text="No such person.")
        return person

    def _user(self, request: web.Request) -> SandboxUser:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise web.HTTPNotFound(text="No such person.") from None
        user = self.sandbox.users.get(user_id)
        if user is None:
            raise web.HTTPNotFound(text="No such person.")
        return user

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise BadInput("Expected a JSON object.") from None
        if not isinstance(body, dict):
            raise BadInput("Expected a JSON object.")
        return body

    @staticmethod
    def _ok(payload: Any) -> web.Response:
        return web.json_response(payload, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    # -- routes ----------------------------------------------------------------
    async def _index(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _personas(self, _request: web.Request) -> web.Response:
        control = self._control()
        channels = control.channels() if hasattr(control, "channels") else ["telegram"]
        return self._ok({"personas": await control.personas(), "channels": channels})

    async def _add_persona(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        name = str(body.get("first_name") or "").strip()
        if not 1 <= len(name) <= 64:
            raise BadInput("A first name of 1 to 64 characters, please.")
        language = str(body.get("language") or "nl")
        channel = str(body.get("channel") or "telegram")
        if channel not in ("telegram", "whatsapp") or (
                channel == "whatsapp" and self.whatsapp is None):
            raise BadInput("That channel is not running in this demo.")
        persona = await self._control().add_resident(name, language, channel)
        return self._ok({"persona": persona})

    async def _chat(self, request: web.Request) -> web.Response:
        wa_person = self._wa_person(request)
        if wa_person is not None and self.whatsapp is not None:
            return self._ok({
                "user_id": request.match_info["user_id"],
                "channel": "whatsapp",
                "seq": self._seq,
                "messages": self.whatsapp.chat(wa_person),
                "window": self.whatsapp.window(wa_person),
                "reply_keyboard": None,
                "commands": [],  # WhatsApp has no command menu: people type "menu"
            })
        user = self._user(request)
        return self._ok({
            "user_id": user.id,
            "seq": self._seq,
            "messages": [message_view(m.to_dict()) for m in user.chat.messages],
            "reply_keyboard": reply_keyboard(user.chat),
            "commands": chat_commands(self.sandbox, user),
        })

    async def _send(self, request: web.Request) -> web.Response:
        wa_person = self._wa_person(request)
        user = self._user(request) if wa_person is None else None
        body = await self._json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadInput("Type a message first.")
        if len(text) > MAX_TEXT:  # WhatsApp's limit is the same 4,096 characters
            raise BadInput(f"A message can be at most {MAX_TEXT} characters.")
        if wa_person is not None:
            sent = await wa_person.send(text)
            return self._ok({"message_id": sent.get("id")})
        assert user is not None
        raw = await user.send(text)
        return self._ok({"message_id": raw["message_id"]})

    async def _press(self, request: web.Request) -> web.Response:
        """Press button (row, col) of a bot message, as a finger on the screen would.

        In a WhatsApp chat: ``{"message_id": wamid, "button_id": id}``, a reply button, a
        list row or a template quick reply of that message."""
        wa_person = self._wa_person(request)
        body = await self._json_body(request)
        if wa_person is not None and self.whatsapp is not None:
            wamid, choice = body.get("message_id"), body.get("button_id")
            if not isinstance(wamid, str) or not isinstance(choice, str):
                raise BadInput("Which button?")
            try:
                title = await self.whatsapp.press(wa_person, wamid, choice)
            except LookupError as exc:
                raise BadInput(str(exc)) from None
            return self._ok({"pressed": title})
        user = self._user(request)
        try:
            message_id, row, col = (int(body[k]) for k in ("message_id", "row", "col"))
        except (KeyError, TypeError, ValueError):
            raise BadInput("Which button?") from None
        message = user.chat.store.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise BadInput("That message is gone.")
        try:
            button = message.inline_keyboard[row][col] if row >= 0 and col >= 0 else None
        except IndexError:
            button = None
        if button is None:
            raise BadInput("That button is gone.")
        if "callback_data" not in button:
            raise BadInput("That button does not talk to the bot.")
        await user.press_data(button["callback_data"], message=message)
        return self._ok({"pressed": button.get("text")})

    async def _contact(self, request: web.Request) -> web.Response:
        """The "share my phone number" button of a reply keyboard: a contact message with the
        person's own number, as Telegram sends it. Only while such a button is shown."""
        if self._wa_person(request) is not None:
            raise BadInput("There is no button to share a phone number right now.")
        user = self._user(request)
        if not _contact_button(user.chat):
            raise BadInput("There is no button to share a phone number right now.")
        raw = await user.share_contact()
        return self._ok({"message_id": raw["message_id"]})

    async def _photo(self, request: web.Request) -> web.Response:
        wa_person = self._wa_person(request)
        user = self._user(request) if wa_person is None else None
        try:
            form = await request.post()
        except ValueError:
            raise BadInput("Choose a photo first.") from None
        upload = form.get("photo")
        if not isinstance(upload, web.FileField):
            raise BadInput("Choose a photo first.")
        data = upload.file.read(MAX_PHOTO + 1)
        if not data:
            raise BadInput("That photo is empty.")
        if len(data) > MAX_PHOTO:
            raise BadInput("That photo is too big (at most 10 MB).")
        if wa_person is not None and len(data) > MAX_WA_PHOTO:
            raise BadInput("That photo is too big for WhatsApp (at most 5 MB).")
        caption = str(form.get("caption") or "").strip()[:MAX_CAPTION] or None
        if wa_person is not None:
            mime = upload.content_type if str(upload.content_type).startswith("image/") \
                else "image/jpeg"
            sent = await wa_person.send_photo(data, caption=caption or "", mime_type=mime)
            return self._ok({"message_id": sent.get("id")})
        assert user is not None
        raw = await user.send_photo(data=data, caption=caption)
        return self._ok({"message_id": raw["message_id"]})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        rec = self.sandbox.files.get(request.match_info["file_id"])
        if rec is None:
            raise web.HTTPNotFound(text="No such file.")
        mime = rec.mime_type or mimetypes.guess_type(rec.file_path)[0]
        headers = {"Cache-Control": "private, max-age=3600"}
        if request.query.get("download"):
            name = (rec.file_name or Path(rec.file_path).name).replace('"', "")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=rec.content(), content_type=mime or "application/octet-stream",
                            headers=headers)

    async def _wa_media(self, request: web.Request) -> web.StreamResponse:
        """A photo or file in a WhatsApp chat (the stand-in's media store; in memory)."""
        media = self.whatsapp.media(request.match_info["media_id"]) if self.whatsapp else None
        if media is None:
            raise web.HTTPNotFound(text="No such file.")
        headers = {"Cache-Control": "private, max-age=3600"}
        if request.query.get("download"):
            name = str(getattr(media, "filename", None) or media.id).replace('"', "")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        mime = str(getattr(media, "mime_type", "") or "application/octet-stream")
        return web.Response(body=media.data, content_type=mime.split(";")[0].strip(),
                            headers=headers)

    async def _clock(self, _request: web.Request) -> web.Response:
        return self._ok(await self._control().clock_state())

    async def _jump(self, _request: web.Request) -> web.Response:
        return self._ok(await self._control().jump())


# -- views -----------------------------------------------------------------------
def message_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a message (``SandboxMessage.to_dict()``), with safe HTML."""
    raw = data["raw"]
    text = raw.get("text", raw.get("caption")) or ""
    entities = raw.get("entities", raw.get("caption_entities")) or []
    if data["from_bot"]:
        # Telegram makes every /command in a bot's message tappable (tapping sends it).
        entities = [*entities, *command_entities(text, entities)]
    view: dict[str, Any] = {
        "message_id": data["message_id"],
        "from_bot": data["from_bot"],
        "html": entities_to_html(text, entities),
        "time": datetime.fromtimestamp(int(raw["date"]), TZ).strftime("%H:%M"),
        "edited": bool(data.get("edited")),
        "buttons": [
            [_button_view(b) for b in row]
            for row in (raw.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
    }
    if raw.get("contact"):
        contact = raw["contact"]
        view["html"] = html.escape(f"📞 {contact.get('first_name', '')} "
                                   f"{contact.get('phone_number', '')}".strip(), quote=False)
    if raw.get("photo"):
        view["photo"] = f"/demo/api/file/{raw['photo'][-1]['file_id']}"
    for kind in _FILE_KINDS:
        info = raw.get(kind)
        if info:
            view["file"] = {
                "kind": kind,
                "name": info.get("file_name") or kind,
                "size": info.get("file_size"),
                "url": f"/demo/api/file/{info['file_id']}?download=1",
            }
            break
    return view


def _button_view(button: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": button.get("text", "")}
    if "callback_data" in button:
        out["kind"] = "callback"
    elif "url" in button and str(button["url"]).startswith(("http://", "https://")):
        out["kind"] = "url"
        out["url"] = button["url"]
    else:
        out["kind"] = "other"
    return out


def reply_keyboard(chat: SandboxChat) -> list[list[dict[str, str]]] | None:
    """The reply keyboard currently open under the text box (latest bot message decides).

    Each button is ``{"text", "kind"}``: ``"contact"`` for a ``request_contact`` button (the
    page shares the person's phone number, as Telegram does), else ``"text"`` (sends its label).
    """
    current: list[list[dict[str, str]]] | None = None
    for msg in chat.bot_messages:
        markup = msg.reply_markup or {}
        if "keyboard" in markup:
            current = [[_reply_button_view(b) for b in row] for row in msg.reply_keyboard]
        elif markup.get("remove_keyboard"):
            current = None
    return current


def _reply_button_view(button: Any) -> dict[str, str]:
    if isinstance(button, str):
        return {"text": button, "kind": "text"}
    kind = "contact" if button.get("request_contact") else "text"
    return {"text": str(button.get("text", "")), "kind": kind}


def _contact_button(chat: SandboxChat) -> bool:
    return any(b["kind"] == "contact" for row in reply_keyboard(chat) or [] for b in row)


#: A bot command as Telegram recognises it in a message: "/" at the start of a word, then
#: letters, digits and underscores (at most 32), optionally "@botname".
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
#: Entities inside which Telegram does not look for commands.
_NO_COMMANDS = {"code", "pre", "text_link", "url"}


def command_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``bot_command`` entities (UTF-16 offsets) for the /commands in ``text``."""
    blocked = [(int(e.get("offset", 0)), int(e.get("offset", 0)) + int(e.get("length", 0)))
               for e in entities if e.get("type") in _NO_COMMANDS or e.get("type") ==
               "bot_command"]
    found = []
    for match in _COMMAND.finditer(text):
        start = len(text[: match.start()].encode("utf-16-le")) // 2
        length = len(match.group().encode("utf-16-le")) // 2
        if any(a < start + length and start < b for a, b in blocked):
            continue
        found.append({"type": "bot_command", "offset": start, "length": length})
    return found


def chat_commands(sandbox: Sandbox, user: SandboxUser) -> list[dict[str, str]]:
    """The command menu Telegram would show this user (its scope resolution order)."""
    lang = user.language_code or ""
    chat_scope = f"chat:{user.id}"
    for key in ((chat_scope, lang), (chat_scope, ""), ("all_private_chats", lang),
                ("all_private_chats", ""), ("default", lang), ("default", "")):
        if key in sandbox.commands:
            return list(sandbox.commands[key])
    return []


_SIMPLE_TAGS = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s",
                "code": "code", "pre": "pre", "blockquote": "blockquote"}


def _open_tag(entity: dict[str, Any], text: str) -> tuple[str, str]:
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="spoiler">', "</span>"
    if kind == "bot_command" and _COMMAND.fullmatch(text):
        command = text.split("@", 1)[0]
        return f'<a href="#" class="cmd" data-command="{html.escape(command)}">', "</a>"
    if kind in ("text_link", "url"):
        url = entity.get("url") or text
        if url.startswith(("http://", "https://")):
            href = html.escape(url, quote=True)
            return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    return "", ""


def entities_to_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Plain text + Telegram entities (UTF-16 offsets) -> escaped HTML with only safe tags."""
    units = text.encode("utf-16-le")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    opens: dict[int, list[str]] = defaultdict(list)
    closes: dict[int, list[str]] = defaultdict(list)
    bounds = {0, total}
    ordered = sorted(entities, key=lambda e: (int(e.get("offset", 0)), -int(e.get("length", 0))))
    for entity in ordered:
        start = max(0, min(total, int(entity.get("offset", 0))))
        end = max(start, min(total, start + int(entity.get("length", 0))))
        opening, closing = _open_tag(entity, piece(start, end))
        if not opening:
            continue
        opens[start].append(opening)
        closes[end].insert(0, closing)
        bounds.update((start, end))
    out: list[str] = []
    points = sorted(bounds)
    for i, pos in enumerate(points):
        out.extend(closes[pos])
        out.extend(opens[pos])
        if i + 1 < len(points):
            out.append(html.escape(piece(pos, points[i + 1]), quote=False))
    return "".join(out)
