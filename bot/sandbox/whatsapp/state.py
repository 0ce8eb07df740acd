"""In-memory state of the WhatsApp stand-in: messages as a person sees them, media, webhooks.

Plain data, so tests (and the practice-chat page) read it directly. ``WaMessage`` is the
parsed view of one message the bot sent: what the person reads and can tap.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.state import plain
from bot.sandbox.whatsapp.templates import TemplateUse

_media_ids = itertools.count(1_037_543_291_543_001)


@dataclass
class Choice:
    """A reply button, a list row or a template quick reply the person can tap."""

    title: str
    id: str
    kind: str  # "button" | "row" | "quick_reply"
    description: str | None = None
    section: str | None = None


@dataclass
class WaMessage:
    """One message the bot sent, as the person sees it (``payload`` is what the bot posted)."""

    wamid: str
    wa_id: str
    kind: str  # text | interactive | template | image | document | audio | video | ...
    payload: dict[str, Any]
    timestamp: float
    text: str | None = None
    header: str | None = None
    footer: str | None = None
    choices: list[Choice] = field(default_factory=list)
    list_button: str | None = None
    url: tuple[str, str] | None = None  # cta_url: (display text, url)
    template: TemplateUse | None = None
    media_id: str | None = None
    link: str | None = None
    caption: str | None = None
    filename: str | None = None
    context_id: str | None = None  # the wamid it replies to
    status: str = "accepted"  # then sent, delivered, read or failed
    error_code: int | None = None

    @property
    def buttons(self) -> list[str]:
        """Titles of the reply buttons (or template quick replies)."""
        return [c.title for c in self.choices if c.kind in ("button", "quick_reply")]

    @property
    def rows(self) -> list[str]:
        """Titles of the list rows."""
        return [c.title for c in self.choices if c.kind == "row"]

    @property
    def plain_text(self) -> str | None:
        """``text`` without invisible direction marks: what a person reads."""
        return None if self.text is None else plain(self.text)

    def choice(self, title: str) -> Choice | None:
        want = plain(title)
        return next((c for c in self.choices if plain(c.title) == want), None)

    def view(self) -> dict[str, Any]:
        """JSON for the practice-chat page."""
        out: dict[str, Any] = {"wamid": self.wamid, "from": "bot", "kind": self.kind,
                               "timestamp": int(self.timestamp), "text": self.text,
                               "status": self.status}
        for key in ("header", "footer", "list_button", "media_id", "link", "caption",
                    "filename", "context_id", "error_code"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        if self.url:
            out["url"] = {"text": self.url[0], "url": self.url[1]}
        if self.choices:
            out["choices"] = [{"title": c.title, "id": c.id, "kind": c.kind,
                               "description": c.description, "section": c.section}
                              for c in self.choices]
        if self.template:
            out["template"] = {"name": self.template.name, "language": self.template.language,
                               "params": self.template.params}
        return out


def parse(wamid: str, wa_id: str, body: dict[str, Any], when: float,
          use: TemplateUse | None) -> WaMessage:
    """The person's view of a validated send."""
    kind = body.get("type", "text")
    msg = WaMessage(wamid=wamid, wa_id=wa_id, kind=kind, payload=body, timestamp=when,
                    context_id=(body.get("context") or {}).get("message_id"))
    part = body.get(kind) if isinstance(body.get(kind), dict) else {}
    if kind == "text":
        msg.text = part["body"]
    elif kind == "interactive":
        msg.text = part["body"]["text"]
        header = part.get("header") or {}
        msg.header = header.get("text")
        msg.footer = (part.get("footer") or {}).get("text")
        action = part["action"]
        if part["type"] == "button":
            msg.choices = [Choice(b["reply"]["title"], b["reply"]["id"], "button")
                           for b in action["buttons"]]
        elif part["type"] == "list":
            msg.list_button = action["button"]
            msg.choices = [Choice(r["title"], r["id"], "row", r.get("description"),
                                  s.get("title"))
                           for s in action["sections"] for r in s["rows"]]
        else:
            params = action["parameters"]
            msg.url = (params["display_text"], params["url"])
    elif kind == "template" and use is not None:
        msg.template = use
        msg.text, msg.header, msg.footer = use.text, use.header, use.footer
        msg.choices = [Choice(t, p, "quick_reply")
                       for t, p in zip(use.buttons, use.payloads, strict=True)]
    elif kind in ("image", "document", "audio", "video", "sticker"):
        msg.media_id, msg.link = part.get("id"), part.get("link")
        msg.caption, msg.filename = part.get("caption"), part.get("filename")
        msg.text = msg.caption
    elif kind == "location":
        msg.text = part.get("name") or f"{part.get('latitude')}, {part.get('longitude')}"
    elif kind == "reaction":
        msg.text = part.get("emoji")
    return msg


@dataclass
class Media:
    """Uploaded or incoming media; the bot fetches ``/{id}`` then the bytes at its url."""

    id: str
    data: bytes
    mime_type: str
    filename: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def info(self, url: str) -> dict[str, Any]:
        return {"messaging_product": "whatsapp", "url": url, "mime_type": self.mime_type,
                "sha256": self.sha256, "file_size": len(self.data), "id": self.id}


def new_media_id() -> str:
    return str(next(_media_ids))


@dataclass
class Delivery:
    """One webhook POST to the bot and every answer it got (retries included)."""

    seq: int
    kind: str  # "message" | "status" | "template"
    payload: dict[str, Any]
    body: bytes
    signature: str
    answers: list[tuple[int, str]] = field(default_factory=list)
    done: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.answers) and self.answers[-1][0] == 200

    @property
    def value(self) -> dict[str, Any]:
        """``entry[0].changes[0].value`` of the payload."""
        return self.payload["entry"][0]["changes"][0]["value"]


@dataclass
class InMessage:
    """One message the person sent (the ``messages[0]`` of the webhook the bot got)."""

    wamid: str
    kind: str
    payload: dict[str, Any]
    timestamp: float
    text: str | None = None
    #: When the business marked it read (``POST /messages {"status": "read"}``): the
    #: person's blue ticks. None: not (yet).
    read_at: float | None = None

    @property
    def read(self) -> bool:
        """The business has marked it read (blue ticks on the person's phone)."""
        return self.read_at is not None

    def view(self) -> dict[str, Any]:
        out: dict[str, Any] = {"wamid": self.wamid, "from": "person", "kind": self.kind,
                               "timestamp": int(self.timestamp), "text": self.text,
                               "read": self.read}
        context = self.payload.get("context")
        if context:
            out["context_id"] = context.get("id")
        part = self.payload.get(self.kind)
        if isinstance(part, dict) and part.get("id"):
            out["media_id"] = part["id"]
        return out
