"""In-memory state of the sandbox: chats, messages, files, and a wake-up signal.

Everything is plain data so tests (and a future browser page) can inspect it
directly. Messages are stored as the Telegram ``Message`` dicts the bot sees.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

#: Invisible direction marks and isolates (LRM, RLM, LRE…PDF, LRI…PDI): a person does not
#: read them, so tests compare labels and texts without them (``plain``).
_BIDI_CONTROLS = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069")


def plain(text: str) -> str:
    """``text`` without invisible direction marks and isolates."""
    return text.translate(_BIDI_CONTROLS)

if TYPE_CHECKING:
    from bot.sandbox.driver import SandboxUser


T = TypeVar("T")


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(text: str) -> ApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {text}")


class Signal:
    """A level-free "something changed" pulse that sync code can fire.

    Waiters re-check their own predicate after each pulse, so no lock is needed
    (everything runs in one event loop) and nothing ever sleep-polls.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float | None) -> Any:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """Wait until ``predicate()`` is truthy; return its value. Raises TimeoutError."""

        async def _loop() -> Any:
            while True:
                value = predicate()
                if value:
                    return value
                await self._event.wait()

        return await asyncio.wait_for(_loop(), timeout)

    async def next_in(self, log: list[T], seen: int, timeout: float | None) -> T:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """The entry of ``log`` after the ``seen`` ones a reader had, once it is there."""
        await self.wait_for(lambda: len(log) > seen, timeout)
        return log[seen]


@dataclass
class FileRecord:
    """A file known to the sandbox. ``data`` may be None for big fake uploads."""

    file_id: str
    file_unique_id: str
    file_path: str
    size: int
    data: bytes | None = None
    mime_type: str | None = None
    file_name: str | None = None

    def content(self) -> bytes:
        """The bytes; deterministic filler if only a size was declared."""
        if self.data is not None:
            return self.data
        filler = b"sandbox-file-" + self.file_unique_id.encode()
        return filler[: self.size].ljust(self.size, b"\0")


@dataclass
class SandboxMessage:
    """A message as a user sees it. ``raw`` is the Telegram Message dict given to the bot.

    The object is live: edits update it in place; ``deleted`` is set on deletion.
    """

    raw: dict[str, Any]
    from_bot: bool
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    edited: bool = False
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat"]["id"])

    @property
    def date(self) -> int:
        return int(self.raw["date"])

    @property
    def text(self) -> str | None:
        """Plain text after HTML parsing, or the caption of a media message."""
        return self.raw.get("text", self.raw.get("caption"))

    @property
    def plain_text(self) -> str | None:
        """``text`` without invisible direction marks and isolates: what a person reads."""
        text = self.text
        return None if text is None else plain(text)

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.raw.get("entities", self.raw.get("caption_entities", []))

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.raw.get("photo")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def voice(self) -> dict[str, Any] | None:
        return self.raw.get("voice")

    @property
    def sticker(self) -> dict[str, Any] | None:
        return self.raw.get("sticker")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def reply_keyboard(self) -> list[list[Any]]:
        if self.reply_markup and "keyboard" in self.reply_markup:
            return self.reply_markup["keyboard"]
        return []

    @property
    def buttons(self) -> list[list[str]]:
        """Button texts per row (inline keyboard, or reply keyboard), as a person reads them
        (without invisible direction marks; ``inline_keyboard`` has the raw labels)."""
        rows = self.inline_keyboard or self.reply_keyboard
        return [[plain(b if isinstance(b, str) else b.get("text", "")) for b in row]
                for row in rows]

    @property
    def button_data(self) -> dict[str, str]:
        """Inline button text -> callback_data (callback buttons only)."""
        return {
            b["text"]: b["callback_data"]
            for row in self.inline_keyboard
            for b in row
            if "callback_data" in b
        }

    def snapshot(self) -> SandboxMessage:
        """A frozen copy (used for edit events, so each edit keeps its own content)."""
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view for observers."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "date": self.date,
            "from_bot": self.from_bot,
            "text": self.text,
            "html": self.html,
            "buttons": self.buttons,
            "reply_markup": self.reply_markup,
            "edited": self.edited,
            "deleted": self.deleted,
            "raw": self.raw,
        }

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else "user"
        return f"<SandboxMessage {self.chat_id}/{self.message_id} {who}: {self.text!r}>"


@dataclass(eq=False)
class SandboxChat:
    """A chat (private, group, supergroup or channel) and what happened in it."""

    id: int
    type: str
    sandbox: Any = field(repr=False)
    title: str | None = None
    username: str | None = None
    user: SandboxUser | None = field(default=None, repr=False)
    members: set[int] = field(default_factory=set)
    bot_present: bool = True
    bot_is_admin: bool = False
    store: dict[int, SandboxMessage] = field(default_factory=dict, repr=False)
    bot_log: list[SandboxMessage] = field(default_factory=list, repr=False)
    edit_log: list[SandboxMessage] = field(default_factory=list, repr=False)
    actions: list[str] = field(default_factory=list, repr=False)
    next_message_id: int = 1
    _msg_cursor: int = 0
    _edit_cursor: int = 0

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def chat_dict(self) -> dict[str, Any]:
        """The Telegram ``Chat`` object."""
        if self.is_private and self.user is not None:
            return {"id": self.id, "type": "private", **self.user.name_fields()}
        out: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            out["username"] = self.username
        return out

    @property
    def messages(self) -> list[SandboxMessage]:
        """All visible messages, oldest first, edits applied, deleted ones removed."""
        return [m for m in self.store.values() if not m.deleted]

    @property
    def bot_messages(self) -> list[SandboxMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def last(self) -> SandboxMessage | None:
        """The most recent (not deleted) bot message."""
        bots = self.bot_messages
        return bots[-1] if bots else None

    async def next_message(self, timeout: float = 5.0) -> SandboxMessage:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """The next bot message not returned before by next_message (per-chat cursor)."""
        msg = await self.sandbox.changed.next_in(self.bot_log, self._msg_cursor, timeout)
        self._msg_cursor += 1
        return msg

    async def next_edit(self, timeout: float = 5.0) -> SandboxMessage:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """The next edit of a bot message here, as a snapshot taken at edit time."""
        msg = await self.sandbox.changed.next_in(self.edit_log, self._edit_cursor, timeout)
        self._edit_cursor += 1
        return msg

    def skip_pending(self) -> None:
        """Mark all bot messages/edits so far as seen by next_message/next_edit."""
        self._msg_cursor = len(self.bot_log)
        self._edit_cursor = len(self.edit_log)


class Subscribers:
    """The observers of a sandbox (or stand-in): callbacks called with every change event.
    One that raises is logged on ``log`` as "``what`` observer failed", never passed on."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._callbacks: list[Callable[[dict[str, Any]], None]] = []
        self._log = log
        self._what = what

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns an unsubscribe function."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def emit(self, event: dict[str, Any]) -> None:
        for cb in list(self._callbacks):
            try:
                cb(event)
            except Exception:
                self._log.exception("%s observer failed", self._what)
