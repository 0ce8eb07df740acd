"""The practice chat's WhatsApp side: residents who live on WhatsApp, drawn WhatsApp-style.

The page's Telegram personas are sandbox users (``bot.sandbox.page``); its WhatsApp personas
are people of the WhatsApp Cloud API stand-in (``bot.sandbox.whatsapp``). What such a person
does on the page goes through the stand-in's own driver (``WaPerson.send``, ``tap_id``,
``send_photo``), so the bot gets exactly the signed webhooks Meta would post. This module
turns what the stand-in saw (the Cloud API payloads in both directions, and each message's
delivery status) into the page's JSON: a message view per message, with the reply buttons, the
list message's sections and rows, a template's name, and the ticks.

Only the Cloud API's *documented payload shapes* are read here (Meta's ``messages`` request
body, the webhook's ``messages[]`` entry), so the page keeps working whatever the stand-in
keeps internally; :class:`WhatsAppChats` is the one place that reaches into the stand-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

_LOG = logging.getLogger(__name__)
TZ = ZoneInfo("Europe/Amsterdam")
#: Page ids of WhatsApp personas: ``wa:<wa_id>`` (a WhatsApp chat id, 2**53 + the number, is
#: beyond what a browser's numbers hold exactly).
PREFIX = "wa:"
#: The ticks a message shows, in the order they happen (a later status never goes back).
STATUSES = ("sent", "delivered", "read")


def page_id(wa_id: str) -> str:
    return PREFIX + wa_id


def wa_id_of(page_key: str) -> str | None:
    """The wa_id behind a page id, or None for anything else (a Telegram id, garbage)."""
    if not page_key.startswith(PREFIX):
        return None
    number = page_key[len(PREFIX):]
    return number if number.isascii() and number.isdigit() and 7 <= len(number) <= 15 else None


def display_number(wa_id: str) -> str:
    """``31612345678`` → ``+31 6 12345678`` (a Dutch mobile), else ``+<digits>``."""
    if wa_id.startswith("316") and len(wa_id) == 11:
        return f"+31 6 {wa_id[3:]}"
    return f"+{wa_id}"


# -- WhatsApp's text formatting ------------------------------------------------------------
_MONO = re.compile(r"```(.+?)```", re.S)
_INLINE = re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "s"),
)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def format_text(text: str) -> str:
    """WhatsApp's markup (``*bold*``, ``_italic_``, ``~strike~``, ```` ```mono``` ````, ``>``
    quotes, bare links) → escaped HTML with only safe tags, as the app draws it."""
    out = html.escape(text, quote=False)
    out = _MONO.sub(r"<code>\1</code>", out)
    out = _INLINE.sub(r"<code>\1</code>", out)
    for pattern, tag in _STYLES:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" '
                             f'rel="noopener noreferrer">{m.group(0)}</a>', out)
    lines = [f"<blockquote>{line[5:].lstrip()}</blockquote>" if line.startswith("&gt; ")
             else line for line in out.split("\n")]
    return "\n".join(lines)


# -- message views -----------------------------------------------------------------------------
def _time(timestamp: float | int | str | None) -> str:
    try:
        return datetime.fromtimestamp(int(float(timestamp or 0)), TZ).strftime("%H:%M")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _text_of(part: Any) -> str:
    """``{"text": ...}`` (a body, header or footer) → its text."""
    if isinstance(part, dict):
        return str(part.get("text") or "")
    return ""


def _media_url(media_id: str) -> str:
    return f"/demo/api/wa-media/{html.escape(media_id, quote=True)}"


def outgoing_view(payload: dict[str, Any]) -> dict[str, Any]:
    """What the bot sent (the body of ``POST /{phone_number_id}/messages``)."""
    kind = str(payload.get("type") or "text")
    view: dict[str, Any] = {"kind": kind, "html": "", "buttons": [], "list": None,
                            "template": None, "header": "", "footer": ""}
    if kind == "text":
        view["html"] = format_text(str((payload.get("text") or {}).get("body") or ""))
    elif kind == "interactive":
        inter = payload.get("interactive") or {}
        view["html"] = format_text(_text_of(inter.get("body")))
        view["header"] = _text_of(inter.get("header"))
        view["footer"] = _text_of(inter.get("footer"))
        action = inter.get("action") or {}
        if inter.get("type") == "button":
            view["kind"] = "buttons"
            view["buttons"] = [
                {"id": str((b.get("reply") or {}).get("id") or ""),
                 "title": str((b.get("reply") or {}).get("title") or "")}
                for b in action.get("buttons") or []
            ]
        elif inter.get("type") == "list":
            view["kind"] = "list"
            view["list"] = {
                "button": str(action.get("button") or ""),
                "sections": [
                    {"title": str(section.get("title") or ""),
                     "rows": [{"id": str(row.get("id") or ""),
                               "title": str(row.get("title") or ""),
                               "description": str(row.get("description") or "")}
                              for row in section.get("rows") or []]}
                    for section in action.get("sections") or []
                ],
            }
    elif kind in ("image", "document", "audio", "video", "sticker"):
        _media_view(view, kind, payload.get(kind) or {})
    elif kind == "template":
        template = payload.get("template") or {}
        language = template.get("language") or {}
        view["template"] = {
            "name": str(template.get("name") or ""),
            "language": str(language.get("code") if isinstance(language, dict) else language),
        }
        params = []
        for component in template.get("components") or []:
            if component.get("type") == "body":
                params = [str(p.get("text") or "") for p in component.get("parameters") or []
                          if p.get("type", "text") == "text"]
        view["params"] = params
    return view


def _media_view(view: dict[str, Any], kind: str, media: dict[str, Any]) -> None:
    """A photo, file or voice note (sent or received): its caption, and where to see it."""
    view["html"] = format_text(str(media.get("caption") or ""))
    media_id = str(media.get("id") or "")
    if kind == "image" and media_id:
        view["photo"] = _media_url(media_id)
    elif media_id:
        view["file"] = {"kind": kind, "name": str(media.get("filename") or kind),
                        "url": _media_url(media_id) + "?download=1"}


def incoming_view(message: dict[str, Any]) -> dict[str, Any]:
    """What the person sent (an entry of the webhook's ``messages``)."""
    kind = str(message.get("type") or "text")
    view: dict[str, Any] = {"kind": kind, "html": "", "buttons": [], "list": None,
                            "template": None, "header": "", "footer": "", "reply_to": None}
    if kind == "text":
        view["html"] = format_text(str((message.get("text") or {}).get("body") or ""))
    elif kind == "interactive":
        inter = message.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        view["kind"] = "reply"
        view["html"] = html.escape(str(reply.get("title") or ""), quote=False)
    elif kind == "button":  # a template's quick reply
        view["kind"] = "reply"
        view["html"] = html.escape(str((message.get("button") or {}).get("text") or ""),
                                   quote=False)
    elif kind in ("image", "document", "audio", "voice", "video", "sticker"):
        _media_view(view, kind, message.get(kind) or {})
    elif kind == "location":
        view["html"] = "📍"
    elif kind == "reaction":
        view["html"] = html.escape(str((message.get("reaction") or {}).get("emoji") or ""))
    context = message.get("context") or {}
    if context.get("id"):
        view["reply_to"] = str(context["id"])
    return view


def bot_message_view(msg: Any) -> dict[str, Any]:
    """A message the bot sent (the stand-in's ``WaMessage``): its payload, plus what only the
    stand-in knows (a template's filled-in text and quick replies, the delivery status)."""
    view = outgoing_view(dict(getattr(msg, "payload", None) or {}))
    template = getattr(msg, "template", None)
    choices = list(getattr(msg, "choices", None) or [])
    if template is not None:
        view["template"] = {"name": str(getattr(template, "name", "")),
                            "language": str(getattr(template, "language", ""))}
        view["html"] = format_text(str(getattr(msg, "text", None) or ""))
        view["header"] = str(getattr(msg, "header", None) or "")
        view["footer"] = str(getattr(msg, "footer", None) or "")
        view["buttons"] = [{"id": c.id, "title": c.title, "kind": c.kind} for c in choices
                           if c.kind == "quick_reply"]
    else:
        kinds = {c.id: c.kind for c in choices}
        for button in view["buttons"]:
            button["kind"] = kinds.get(button["id"], "button")
    status = str(getattr(msg, "status", "") or "")
    view.update({
        "message_id": str(msg.wamid),
        "from_bot": True,
        "time": _time(getattr(msg, "timestamp", None)),
        "status": status if status in (*STATUSES, "failed") else None,
        "edited": False,
    })
    return view


def person_message_view(msg: Any, status: str) -> dict[str, Any]:
    """A message the person sent (the stand-in's ``InMessage``), with its ticks."""
    view = incoming_view(dict(getattr(msg, "payload", None) or {}))
    view.update({
        "message_id": str(msg.wamid),
        "from_bot": False,
        "time": _time(getattr(msg, "timestamp", None)),
        "status": status,
        "edited": False,
    })
    return view


#: How much of a quoted message a reply shows.
QUOTE = 80


def _snippet(text: str) -> str:
    """The first line of a message, shortened, without WhatsApp's markup characters."""
    line = next((part for part in text.splitlines() if part.strip()), "").strip()
    line = re.sub(r"[*_~`]", "", line)
    return line if len(line) <= QUOTE else line[: QUOTE - 1].rstrip() + "…"


class WhatsAppChats:
    """The practice page's window on the WhatsApp stand-in's people.

    ``broadcast`` gets the same ``message`` / ``edit`` events the page gets for Telegram
    chats (``user_id`` is the page id ``wa:<number>``): a new message in either direction,
    or a message whose ticks changed. The stand-in fires its ``changed`` signal on every
    change; a watcher compares each chat with what the page was told (no polling, no sleeps).
    """

    def __init__(self, standin: Any, broadcast: Callable[[dict[str, Any]], None]) -> None:
        self.standin = standin
        self.broadcast = broadcast
        #: What the page was told, per wa_id: message id -> status.
        self._told: dict[str, dict[str, str | None]] = {}
        self._watcher: asyncio.Task[None] | None = None

    # -- people --------------------------------------------------------------
    def people(self) -> dict[str, Any]:
        """wa_id -> the stand-in's ``WaPerson``, in the order they were made."""
        return dict(getattr(self.standin, "people", None) or {})

    def person(self, page_key: str) -> Any | None:
        wa_id = wa_id_of(page_key)
        return None if wa_id is None else self.people().get(wa_id)

    # -- the chat ------------------------------------------------------------
    def chat(self, person: Any) -> list[dict[str, Any]]:
        """Both sides of the chat, oldest first, as the page draws them. A reply (a tapped
        button or row) shows the start of the message it answers, as WhatsApp quotes it."""
        theirs = {id(m) for m in person.sent}
        quoted = {m.wamid: _snippet(getattr(m, "plain_text", None) or "")
                  for m in person.messages}
        views = []
        for msg in person.history():
            if id(msg) in theirs:
                view = person_message_view(msg, self._ticks(msg))
                view["quote"] = quoted.get(view["reply_to"] or "")
                views.append(view)
            else:
                views.append(bot_message_view(msg))
        return views

    def window(self, person: Any) -> dict[str, Any]:
        """WhatsApp's 24-hour window as the stand-in keeps it (its clock is the bot's): open
        until when, or closed (then the bot may only send approved templates)."""
        until = getattr(person, "window_until", None)
        is_open = bool(getattr(person, "window_open", False))
        return {"open": is_open,
                "until": datetime.fromtimestamp(int(until), TZ).isoformat()
                if is_open and until is not None else None}

    def _ticks(self, msg: Any) -> str:
        """✓ sent (the stand-in took it), ✓✓ delivered (the bot's webhook said 200), blue
        ✓✓ read (the bot marked it read: the stand-in records it)."""
        if getattr(msg, "read", False):
            return "read"
        delivery = self._delivery_of(msg.wamid)
        if delivery is not None and getattr(delivery, "ok", False):
            return "delivered"
        return "sent"

    def _delivery_of(self, wamid: str) -> Any | None:
        for delivery in reversed(list(getattr(self.standin, "deliveries", None) or [])):
            if getattr(delivery, "kind", "") != "message":
                continue
            try:
                messages = delivery.value.get("messages") or []
            except (KeyError, IndexError, AttributeError, TypeError):
                continue
            if any(m.get("id") == wamid for m in messages):
                return delivery
        return None

    # -- what the person does ---------------------------------------------------
    async def press(self, person: Any, wamid: str, choice_id: str) -> str:
        """Tap a reply button, a list row or a template quick reply of message ``wamid``:
        the reply Meta would post, quoting that message. Returns the title tapped."""
        msg = next((m for m in person.messages if m.wamid == wamid), None)
        if msg is None:
            raise LookupError("That message is gone.")
        choice = next((c for c in getattr(msg, "choices", []) if c.id == choice_id), None)
        if choice is None:
            raise LookupError("That button is gone.")
        await person.tap_id(choice.id, msg.wamid, title=choice.title, kind=choice.kind,
                            description=choice.description)
        return str(choice.title)

    def media(self, media_id: str) -> Any | None:
        """An uploaded or incoming media item (``.data``, ``.mime_type``, ``.filename``)."""
        store = getattr(self.standin, "media", None) or {}
        return store.get(media_id) if hasattr(store, "get") else None

    # -- live events -------------------------------------------------------------
    def start(self) -> None:
        for wa_id, person in self.people().items():
            self._told[wa_id] = self._state(person)
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    def _state(self, person: Any) -> dict[str, str | None]:
        return {view["message_id"]: view["status"] for view in self.chat(person)}

    def _changes(self) -> list[dict[str, Any]]:
        try:
            return self._diff()
        except Exception:  # the page is a view: never let it stop the demo
            _LOG.exception("whatsapp page: reading the stand-in failed")
            return []

    def _diff(self) -> list[dict[str, Any]]:
        events = []
        for wa_id, person in self.people().items():
            told = self._told.setdefault(wa_id, {})
            for view in self.chat(person):
                key = view["message_id"]
                if key not in told:
                    events.append({"type": "message", "user_id": page_id(wa_id),
                                   "message": view, "reply_keyboard": None,
                                   "window": self.window(person)})
                elif told[key] != view["status"]:
                    events.append({"type": "edit", "user_id": page_id(wa_id),
                                   "message": view, "reply_keyboard": None,
                                   "window": self.window(person)})
                told[key] = view["status"]
        return events

    async def _watch(self) -> None:
        changed = self.standin.changed
        while True:
            events = await changed.wait_for(self._changes, None)
            for event in events:
                self.broadcast(event)
