"""``WaPerson``: plays a resident on WhatsApp talking to the bot's number.

Each action builds the webhook Meta would post for it (signed, queued to the bot) and
returns the ``messages[0]`` dict it carries. What the person received is read from
``messages`` (``WaMessage``, parsed) with ``next_message`` / ``last`` / ``drain``; waiting
is on the stand-in's change signal, never a sleep.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from bot.sandbox.state import plain
from bot.sandbox.whatsapp.state import InMessage, WaMessage

if TYPE_CHECKING:
    from bot.sandbox.whatsapp.standin import WhatsAppStandIn

WINDOW = 24 * 3600
#: A tiny valid WebP-ish sticker and a JPEG-ish photo for tests that do not care.
STICKER = b"RIFF\x1a\x00\x00\x00WEBPVP8 sticker"


class WaPerson:
    """A person with WhatsApp. ``reads=True``: everything delivered is read at once."""

    def __init__(self, standin: WhatsAppStandIn, wa_id: str, name: str | None) -> None:
        self.standin = standin
        self.wa_id = wa_id
        self.name = name
        self.reads = False
        self.blocked = False
        #: What the bot sent that reached this person, oldest first.
        self.messages: list[WaMessage] = []
        #: What this person sent, oldest first.
        self.sent: list[InMessage] = []
        #: Stand-in clock time of the person's last message (opens the 24-hour window).
        self.last_inbound: float | None = None
        self.timeline: list[WaMessage | InMessage] = []  # both sides, in order
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<WaPerson {self.wa_id} {self.name!r}>"

    # -- what the person sees ----------------------------------------------
    @property
    def last(self) -> WaMessage | None:
        return self.messages[-1] if self.messages else None

    @property
    def window_open(self) -> bool:
        """Whether the bot may send free-form now (the person wrote in the last 24 h)."""
        until = self.window_until
        return until is not None and self.standin.clock() < until

    @property
    def window_until(self) -> float | None:
        return None if self.last_inbound is None else self.last_inbound + WINDOW

    def block(self) -> None:
        """Block the business: sends are accepted, then fail with 131026 (writing to the
        business again unblocks; ``standin.undeliverable`` stays as the test set it)."""
        self.blocked = True

    def unblock(self) -> None:
        self.blocked = False

    def close_window(self) -> None:
        """Forget the person's last message: free-form sends get 131047 again (also when
        the bot still thinks the window is open)."""
        self.last_inbound = None

    async def next_message(self, timeout: float = 5.0) -> WaMessage:  # noqa: ASYNC109 - mirrors asyncio.wait_for
        """The next message the person has not looked at yet, once it arrives."""
        msg = await self.standin.changed.next_in(self.messages, self._cursor, timeout)
        self._cursor += 1
        return msg

    def drain(self) -> list[WaMessage]:
        """Every message not looked at yet (and mark them seen)."""
        new = self.messages[self._cursor:]
        self._cursor = len(self.messages)
        return new

    def history(self) -> list[WaMessage | InMessage]:
        """Both sides of the chat in order (for the practice-chat page)."""
        return list(self.timeline)

    @property
    def unread(self) -> list[InMessage]:
        """What this person sent that the bot has not marked read (no blue ticks yet)."""
        return [m for m in self.sent if not m.read]

    # -- actions -----------------------------------------------------------
    async def send(self, text: str, *, reply_to: str | None = None) -> dict[str, Any]:
        """Type and send ``text`` (``reply_to``: the wamid it quotes). Writing to the
        business unblocks it, as in the app."""
        return self._post("text", {"text": {"body": text}}, text, context=reply_to)

    async def tap(self, title: str) -> dict[str, Any]:
        """Tap the button, list row or template quick reply titled ``title`` on the newest
        message that has one; the reply quotes that message (``context.id``)."""
        for msg in reversed(self.messages):
            choice = msg.choice(title)
            if choice is not None:
                return await self.tap_id(choice.id, msg.wamid, title=choice.title,
                                         kind=choice.kind, description=choice.description)
        seen = [c.title for m in self.messages[-5:] for c in m.choices]
        raise LookupError(f"no button or row {plain(title)!r}; recent choices: {seen}")

    async def tap_id(self, id: str, context_wamid: str | None = None, *, title: str = "",
                     kind: str = "button", description: str | None = None) -> dict[str, Any]:
        """Post a reply with this id, as if a button (or ``kind="row"`` / ``"quick_reply"``)
        was tapped on the message ``context_wamid`` (an old or forged one too)."""
        if context_wamid is None and self.messages:
            context_wamid = self.messages[-1].wamid
        if kind == "quick_reply":
            return self._post("button", {"button": {"payload": id, "text": title or id}},
                              title or id, context=context_wamid)
        if kind == "row":
            reply: dict[str, Any] = {"id": id, "title": title or id}
            if description:
                reply["description"] = description
            content = {"interactive": {"type": "list_reply", "list_reply": reply}}
        else:
            content = {"interactive": {"type": "button_reply",
                                       "button_reply": {"id": id, "title": title or id}}}
        return self._post("interactive", content, title or id, context=context_wamid)

    async def send_photo(self, data: bytes, caption: str = "",
                         mime_type: str = "image/jpeg") -> dict[str, Any]:
        return self._post_media("image", data, mime_type, caption=caption)

    async def send_voice(self, data: bytes,
                         mime_type: str = "audio/ogg; codecs=opus") -> dict[str, Any]:
        return self._post_media("audio", data, mime_type, voice=True)

    async def send_document(self, data: bytes, filename: str, caption: str = "",
                            mime_type: str | None = None) -> dict[str, Any]:
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return self._post_media("document", data, mime, caption=caption, filename=filename)

    async def send_sticker(self, data: bytes = STICKER) -> dict[str, Any]:
        return self._post_media("sticker", data, "image/webp", animated=False)

    async def send_location(self, latitude: float = 52.0995, longitude: float = 5.1035,
                            name: str | None = None,
                            address: str | None = None) -> dict[str, Any]:
        loc: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            loc["name"] = name
        if address:
            loc["address"] = address
        return self._post("location", {"location": loc}, name or f"{latitude}, {longitude}")

    async def send_contact(self, name: str, phone: str) -> dict[str, Any]:
        digits = "".join(ch for ch in phone if ch.isdigit())
        card = {"name": {"formatted_name": name, "first_name": name.split()[0]},
                "phones": [{"phone": phone, "wa_id": digits, "type": "CELL"}]}
        return self._post("contacts", {"contacts": [card]}, name)

    async def react(self, emoji: str = "👍", wamid: str | None = None) -> dict[str, Any]:
        """React to ``wamid`` (default the newest message from the bot)."""
        target = wamid or (self.last.wamid if self.last else "")
        return self._post("reaction", {"reaction": {"message_id": target, "emoji": emoji}},
                          emoji)

    async def send_unsupported(self) -> dict[str, Any]:
        """A message type the Cloud API does not support (a poll, a view-once photo)."""
        error = {"code": 131051, "title": "Message type unknown",
                 "message": "Message type unknown",
                 "error_data": {"details": "Message type is currently not supported."}}
        return self._post("unsupported", {"errors": [error]}, None)

    async def read(self) -> int:
        """Open the chat: every delivered message gets a *read* status. How many."""
        return self.standin._read_all(self)

    # -- plumbing ----------------------------------------------------------
    def _post_media(self, kind: str, data: bytes, mime_type: str, **extra: Any) -> dict[str, Any]:
        media = self.standin.store_media(data, mime_type, extra.get("filename"))
        part: dict[str, Any] = {"mime_type": mime_type, "sha256": media.sha256, "id": media.id}
        for key, value in extra.items():
            if value not in (None, ""):
                part[key] = value
        return self._post(kind, {kind: part}, extra.get("caption") or None)

    def _post(self, kind: str, content: dict[str, Any], text: str | None,
              context: str | None = None) -> dict[str, Any]:
        if kind != "reaction":
            self.unblock()
        return self.standin._inbound(self, kind, content, text, context)
