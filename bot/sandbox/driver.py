"""``SandboxUser``: plays a human Telegram user talking to the bot.

Each action creates the Update real Telegram would send the bot and returns the
created message / callback query dict. What the user sees is read from the
private chat (``messages``, ``last``, ``next_message``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.state import SandboxChat, SandboxMessage, plain

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox


class SandboxUser:
    """A fake human user with a private chat with the bot."""

    def __init__(
        self,
        sandbox: Sandbox,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        phone_number: str | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.id = user_id
        #: What "share my phone number" sends (Telegram sends the account's own number).
        self.phone_number = phone_number or f"+316{user_id % 100_000_000:08d}"
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.started = True  # False: never wrote the bot, so it cannot message them
        self.callback_answers: list[tuple[str | None, bool]] = []
        self._answer_cursor = 0
        self.chat: SandboxChat = SandboxChat(id=user_id, type="private", sandbox=sandbox, user=self)

    def __repr__(self) -> str:
        return f"<SandboxUser {self.id} {self.first_name!r}>"

    # -- identity ---------------------------------------------------------
    def name_fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        return out

    def user_dict(self) -> dict[str, Any]:
        """The Telegram ``User`` object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": False, **self.name_fields()}
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    def block(self) -> None:
        """Block the bot: sends to this user now fail with 403, and (as on Telegram) the bot
        gets a ``my_chat_member`` update with status "kicked"."""
        if self.blocked:
            return
        self.blocked = True
        self.sandbox._my_chat_member(self.chat, self, "member", "kicked")
        self.sandbox._emit({"type": "blocked", "user_id": self.id, "blocked": True})

    def unblock(self) -> None:
        """Unblock ("Restart"): the bot gets a ``my_chat_member`` update with status "member"."""
        if not self.blocked:
            return
        self.blocked = False
        self.sandbox._my_chat_member(self.chat, self, "kicked", "member")
        self.sandbox._emit({"type": "blocked", "user_id": self.id, "blocked": False})

    # -- what the user sees ----------------------------------------------
    @property
    def messages(self) -> list[SandboxMessage]:
        return self.chat.messages

    @property
    def bot_messages(self) -> list[SandboxMessage]:
        return self.chat.bot_messages

    @property
    def last(self) -> SandboxMessage | None:
        return self.chat.last

    async def next_message(self, timeout: float = 5.0) -> SandboxMessage:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        return await self.chat.next_message(timeout)

    async def next_edit(self, timeout: float = 5.0) -> SandboxMessage:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        return await self.chat.next_edit(timeout)

    async def next_callback_answer(self, timeout: float = 5.0) -> tuple[str | None, bool]:  # noqa: ASYNC109 - public API mirrors asyncio.wait_for
        """The next answerCallbackQuery (text, show_alert) for this user's queries."""
        answer = await self.sandbox.changed.next_in(self.callback_answers, self._answer_cursor,
                                                    timeout)
        self._answer_cursor += 1
        return answer

    # -- what the user does ----------------------------------------------
    async def send(
        self,
        text: str,
        chat: SandboxChat | None = None,
        reply_to: SandboxMessage | None = None,
    ) -> dict[str, Any]:
        """Send a text message (commands get a bot_command entity)."""
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return await self.sandbox._user_message(self, chat or self.chat, content, reply_to)

    async def share_contact(self, chat: SandboxChat | None = None,
                            phone_number: str | None = None) -> dict[str, Any]:
        """Share one's own phone number (a ``request_contact`` button): a contact message."""
        contact: dict[str, Any] = {"phone_number": phone_number or self.phone_number,
                                   "first_name": self.first_name, "user_id": self.id}
        if self.last_name:
            contact["last_name"] = self.last_name
        return await self.sandbox._user_message(self, chat or self.chat, {"contact": contact})

    async def send_photo(
        self,
        size: int = 200_000,
        caption: str | None = None,
        data: bytes | None = None,
        chat: SandboxChat | None = None,
    ) -> dict[str, Any]:
        """Send a photo; Telegram delivers several sizes, the largest last."""
        sb = self.sandbox
        largest = sb.files.add("photos", "jpg", data=data, size=size, mime_type=None)
        small = sb.files.add("photos", "jpg", size=max(1, size // 20), mime_type=None)
        medium = sb.files.add("photos", "jpg", size=max(1, size // 4), mime_type=None)
        photo = [
            sb.files.photo_size(small, 90, 68),
            sb.files.photo_size(medium, 320, 240),
            sb.files.photo_size(largest, 1280, 960),
        ]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return await sb._user_message(self, chat or self.chat, content)

    async def send_voice(
        self, duration: int = 12, size: int = 30_000, chat: SandboxChat | None = None
    ) -> dict[str, Any]:
        rec = self.sandbox.files.add("voice", "oga", size=size, mime_type="audio/ogg")
        voice = {
            **self.sandbox.files.file_dict(rec),
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return await self.sandbox._user_message(self, chat or self.chat, {"voice": voice})

    async def send_document(
        self,
        filename: str = "brief.pdf",
        mime_type: str = "application/pdf",
        size: int = 50_000,
        data: bytes | None = None,
        caption: str | None = None,
        chat: SandboxChat | None = None,
    ) -> dict[str, Any]:
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        rec = self.sandbox.files.add(
            "documents", ext, data=data, size=size, mime_type=mime_type, file_name=filename
        )
        content: dict[str, Any] = {"document": self.sandbox.files.file_dict(rec)}
        if caption:
            content["caption"] = caption
        return await self.sandbox._user_message(self, chat or self.chat, content)

    async def send_sticker(
        self, emoji: str = "👍", chat: SandboxChat | None = None
    ) -> dict[str, Any]:
        rec = self.sandbox.files.add("stickers", "webp", size=20_000, mime_type="image/webp")
        sticker = {
            **self.sandbox.files.file_dict(rec),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self.sandbox._user_message(self, chat or self.chat, {"sticker": sticker})

    async def edit(self, msg: SandboxMessage | dict[str, Any], text: str) -> dict[str, Any]:
        """Edit one of the user's own text messages (edited_message update)."""
        return await self.sandbox._user_edit(self, msg, text)

    async def press(self, text: str, message: SandboxMessage | None = None) -> dict[str, Any]:
        """Press the button labelled ``text``.

        Inline callback buttons produce a callback_query; reply-keyboard buttons send
        their text as a message. Without ``message``, the most recent bot message with
        such a button is used. Raises LookupError if there is none.
        """
        candidates = [message] if message is not None else list(reversed(self._bot_msgs_all()))
        for msg in candidates:
            for row in msg.inline_keyboard:
                for button in row:
                    if plain(button.get("text", "")) == plain(text):
                        if "callback_data" not in button:
                            raise LookupError(f"button {text!r} is not a callback button")
                        return await self.press_data(button["callback_data"], message=msg)
            for row in msg.reply_keyboard:
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if plain(label or "") == plain(text):
                        if isinstance(button, dict) and button.get("request_contact"):
                            # Telegram asks "share your phone number?" and sends a contact.
                            return await self.share_contact(chat=self._chat_of(msg))
                        return await self.send(text, chat=self._chat_of(msg))
        raise LookupError(f"no button {text!r} on {'that message' if message else 'bot messages'}")

    async def press_data(self, data: str, message: SandboxMessage | None = None) -> dict[str, Any]:
        """Send a callback_query with arbitrary data (forged or stale buttons)."""
        if message is None:
            message = next(
                (m for m in reversed(self._bot_msgs_all()) if m.inline_keyboard), self.last
            )
        if message is None:
            raise LookupError("no bot message to press on")
        return await self.sandbox._callback_query(self, message, data)

    def _bot_msgs_all(self) -> list[SandboxMessage]:
        return self.chat.bot_messages

    def _chat_of(self, msg: SandboxMessage) -> SandboxChat:
        return self.sandbox.chats[msg.chat_id]


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/") or len(text) < 2:
        return []
    word = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(word.encode("utf-16-le")) // 2}]
