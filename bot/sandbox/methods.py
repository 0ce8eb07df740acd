"""Bot API method handlers with Telegram's validation and error texts.

Each ``_api_<name>`` receives decoded parameters and returns the ``result`` or
raises ``ApiError``. Mixed into ``Sandbox`` (server.py), which owns the state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.html import HtmlParseError, parse_html, strip_text, utf16_len
from bot.sandbox.state import ApiError, FileRecord, SandboxChat, SandboxMessage, bad_request

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_BUTTONS = 100
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"<Upload {self.filename!r} {len(self.data)} bytes>"


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {what} specified") from None


class MethodsMixin:
    """Bot API methods. Relies on Sandbox's attributes (chats, files, flood, ...)."""

    # -- helpers -----------------------------------------------------------
    def _chat(self: Sandbox, chat_id: Any) -> SandboxChat:
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            for chat in self.chats.values():
                if not chat.is_private and (chat.username or "").lower() == name:
                    return chat
            raise bad_request("chat not found")
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(cid)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self: Sandbox, chat_id: Any) -> SandboxChat:
        chat = self._chat(chat_id)
        if chat.is_private:
            user = chat.user
            assert user is not None
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not getattr(user, "started", True):
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif not chat.bot_present:
            if chat.type == "channel":
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def _flood_check(self: Sandbox, chat: SandboxChat) -> None:
        retry = self.flood.check(chat.id, chat.is_private)
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _format(
        self, text: str, parse_mode: Any, entities: Any, *, caption: bool = False
    ) -> tuple[str, list[dict[str, Any]]]:
        """Parse markup, strip, and enforce Telegram's length limits."""
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                plain, ents = parse_html(text)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):
            plain, ents = text, list(entities) if isinstance(entities, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        plain, ents = strip_text(plain, ents)
        size = utf16_len(plain)
        if caption:
            if size > MAX_CAPTION:
                raise bad_request("message caption is too long")
        else:
            if size == 0:
                raise bad_request("message text is empty")
            if size > MAX_TEXT:
                raise bad_request("message is too long")
        return plain, ents

    def _markup(self, markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
        """Validate reply_markup like Telegram; return the decoded dict."""
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = _button_rows(markup, "inline_keyboard", "inline keyboard")
            if sum(len(r) for r in rows) > MAX_BUTTONS:
                raise bad_request("reply markup is too long")
            for row in rows:
                for button in row:
                    _check_inline_button(button)
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = _button_rows(markup, "keyboard", "keyboard")
            for row in rows:
                for button in row:
                    label = (
                        button
                        if isinstance(button, str)
                        else (button.get("text") if isinstance(button, dict) else None)
                    )
                    if not label:
                        raise bad_request(
                            "can't parse keyboard button: Text of keyboard button must be non-empty"
                        )
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _reply_to(self, chat: SandboxChat, params: dict[str, Any]) -> dict[str, Any] | None:
        rp = params.get("reply_parameters")
        if not isinstance(rp, dict) or "message_id" not in rp:
            return None
        target_chat = self._chat(rp["chat_id"]) if rp.get("chat_id") else chat
        target = target_chat.store.get(_int(rp["message_id"], "message_id"))
        if target is None or target.deleted:
            if rp.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.raw.items() if k != "reply_to_message"}

    def _bot_message(
        self: Sandbox,
        chat: SandboxChat,
        content: dict[str, Any],
        html: str | None,
        markup: dict[str, Any] | None,
        reply: dict[str, Any] | None,
    ) -> SandboxMessage:
        raw: dict[str, Any] = {"message_id": chat.next_message_id}
        if chat.type == "channel":
            raw["sender_chat"] = chat.chat_dict()
        else:
            raw["from"] = self.bot_user_dict()
        raw.update({"chat": chat.chat_dict(), "date": int(self.clock()), **content})
        chat.next_message_id += 1
        if reply is not None:
            raw["reply_to_message"] = reply
        if markup and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        msg = SandboxMessage(raw=raw, from_bot=True, html=html, reply_markup=markup)
        chat.store[msg.message_id] = msg
        chat.bot_log.append(msg)
        self.stats["messages"] += 1
        self._emit({"type": "message", "chat_id": chat.id, "message": msg.to_dict()})
        return msg

    def _edit_target(
        self: Sandbox, params: dict[str, Any], *, verb: str = "edit"
    ) -> tuple[SandboxChat, SandboxMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not simulated
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        if params.get("message_id") in (None, ""):
            raise bad_request("message identifier is not specified")
        chat = self._writable_chat(params["chat_id"])
        msg = chat.store.get(_int(params["message_id"], "message_id"))
        if msg is None or msg.deleted:
            raise bad_request(f"message to {verb} not found")
        if verb == "edit" and not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def _apply_edit(
        self: Sandbox,
        chat: SandboxChat,
        msg: SandboxMessage,
        changes: dict[str, Any],
        markup: dict[str, Any] | None,
        html: str | None,
    ) -> Any:
        old_markup = msg.raw.get("reply_markup")
        same_content = all((msg.raw.get(k) or None) == (v or None) for k, v in changes.items())
        if same_content and (markup or None) == (old_markup or None):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value in (None, []):
                msg.raw.pop(key, None)
            else:
                msg.raw[key] = value
        if markup:
            msg.raw["reply_markup"] = markup
        else:
            msg.raw.pop("reply_markup", None)
        msg.reply_markup = markup
        if html is not None:
            msg.html = html
        msg.raw["edit_date"] = int(self.clock())
        msg.edited = True
        chat.edit_log.append(msg.snapshot())
        self.stats["edits"] += 1
        self._emit({"type": "edit", "chat_id": chat.id, "message": msg.to_dict()})
        return msg.raw

    def _input_file(
        self: Sandbox, params: dict[str, Any], field: str, kind: str, ext: str
    ) -> FileRecord:
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if isinstance(value, Upload):
            limit = MAX_PHOTO_UPLOAD if kind == "photos" else MAX_UPLOAD
            if len(value.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            if len(value.data) > limit:
                raise bad_request("file is too big")
            if not value.data:
                raise bad_request("file must be non-empty")
            name = value.filename
            if name and "." in name:
                ext = name.rsplit(".", 1)[-1]
            return self.files.add(
                kind, ext, data=value.data, mime_type=value.content_type, file_name=name
            )
        if isinstance(value, str) and value:
            rec = self.files.get(value)
            if rec is not None:
                return rec
            if value.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def _send_media(self: Sandbox, params: dict[str, Any], field: str) -> dict[str, Any]:
        chat = self._writable_chat(params.get("chat_id"))
        kind, ext = {
            "photo": ("photos", "jpg"),
            "document": ("documents", "bin"),
            "voice": ("voice", "oga"),
        }[field]
        rec = self._input_file(params, field, kind, ext)
        content: dict[str, Any] = {}
        if field == "photo":
            content["photo"] = [self.files.photo_size(rec, 1280, 960)]
        elif field == "document":
            content["document"] = self.files.file_dict(rec)
        else:
            content["voice"] = {
                **self.files.file_dict(rec),
                "duration": int(params.get("duration") or 1),
            }
            content["voice"].setdefault("mime_type", "audio/ogg")
        caption = params.get("caption")
        if caption:
            plain, ents = self._format(
                str(caption), params.get("parse_mode"), params.get("caption_entities"), caption=True
            )
            if plain:
                content["caption"] = plain
            if ents:
                content["caption_entities"] = ents
        markup = self._markup(params.get("reply_markup"))
        reply = self._reply_to(chat, params)
        self._flood_check(chat)
        return self._bot_message(chat, content, caption, markup, reply).raw

    # -- methods -----------------------------------------------------------
    async def _api_getMe(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_setWebhook(self: Sandbox, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:  # an empty url removes the webhook, like deleteWebhook
            return await self._api_deleteWebhook(params)
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if params.get("allowed_updates") is not None:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if allowed else None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.set_webhook_state(url, None if secret is None else str(secret))
        return True

    async def _api_deleteWebhook(self: Sandbox, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
            self.changed.notify()
        self.set_webhook_state(None, None)
        return True

    async def _api_getWebhookInfo(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook_url and self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        if self.webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    async def _api_getUpdates(self: Sandbox, params: dict[str, Any]) -> list[dict[str, Any]]:
        if params.get("allowed_updates") is not None:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if allowed else None
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first")
        if params.get("offset") not in (None, ""):
            self._confirm(_int(params["offset"], "offset"))
        limit = max(1, min(100, _int(params.get("limit") or 100, "limit")))
        timeout = max(0.0, float(params.get("timeout") or 0))
        self._poll_generation += 1
        generation = self._poll_generation
        if not self.updates and timeout > 0 and not self._stopping:
            try:
                await self.changed.wait_for(
                    lambda: self.updates or self._stopping or self._poll_generation != generation,
                    timeout,
                )
            except TimeoutError:
                pass
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                )
        return self.updates[:limit]

    async def _api_sendMessage(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._writable_chat(params.get("chat_id"))
        text = params.get("text")
        if text in (None, ""):
            raise bad_request("message text is empty")
        plain, ents = self._format(str(text), params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"))
        reply = self._reply_to(chat, params)
        self._flood_check(chat)
        content: dict[str, Any] = {"text": plain}
        if ents:
            content["entities"] = ents
        return self._bot_message(chat, content, str(text), markup, reply).raw

    async def _api_sendPhoto(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _api_sendDocument(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _api_sendVoice(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "voice")

    async def _api_editMessageText(self: Sandbox, params: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(params)
        if "text" not in msg.raw:
            raise bad_request("there is no text in the message to edit")
        text = str(params.get("text") or "")
        plain, ents = self._format(text, params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(chat, msg, {"text": plain, "entities": ents}, markup, text)

    async def _api_editMessageCaption(self: Sandbox, params: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(params)
        if "text" in msg.raw:
            raise bad_request("there is no caption in the message to edit")
        caption = str(params.get("caption") or "")
        plain, ents = self._format(
            caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            chat, msg, {"caption": plain or None, "caption_entities": ents}, markup, caption
        )

    async def _api_editMessageReplyMarkup(self: Sandbox, params: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(params)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(chat, msg, {}, markup, None)

    async def _api_deleteMessage(self: Sandbox, params: dict[str, Any]) -> bool:
        chat = self._chat(params.get("chat_id"))
        msg = chat.store.get(_int(params.get("message_id"), "message_id"))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        if not chat.is_private and not msg.from_bot and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        msg.deleted = True
        self._emit({"type": "delete", "chat_id": chat.id, "message_id": msg.message_id})
        return True

    async def _api_answerCallbackQuery(self: Sandbox, params: dict[str, Any]) -> bool:
        query = self._queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request(QUERY_INVALID)
        query["answered"] = True
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        answer = (None if text is None else str(text), bool(params.get("show_alert", False)))
        user = query["user"]
        user.callback_answers.append(answer)
        self._emit(
            {
                "type": "callback_answer",
                "user_id": user.id,
                "text": answer[0],
                "show_alert": answer[1],
            }
        )
        return True

    async def _api_sendChatAction(self: Sandbox, params: dict[str, Any]) -> bool:
        chat = self._writable_chat(params.get("chat_id"))
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(str(action))
        self._emit({"type": "chat_action", "chat_id": chat.id, "action": action})
        return True

    async def _api_getFile(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        rec = self.files.get(str(params.get("file_id")))
        if rec is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if rec.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.size,
            "file_path": rec.file_path,
        }

    async def _api_getChat(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        return {
            **chat.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _command_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key, str(params.get("language_code") or "")

    async def _api_setMyCommands(self: Sandbox, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for cmd in commands:
            if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        self._emit({"type": "commands", "key": list(key)})
        return True

    async def _api_getMyCommands(self: Sandbox, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get(self._command_key(params), []))

    async def _api_deleteMyCommands(self: Sandbox, params: dict[str, Any]) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    async def _api_setChatMenuButton(self: Sandbox, params: dict[str, Any]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id not in (None, ""):
            chat_id = self._chat(chat_id).id
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def _api_getChatMenuButton(self: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id not in (None, ""):
            chat_id = self._chat(chat_id).id
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _set_text(self: Sandbox, params: dict[str, Any], field: str) -> bool:
        self.bot_texts[(field, str(params.get("language_code") or ""))] = str(
            params.get(field) or ""
        )
        return True

    async def _get_text(self: Sandbox, params: dict[str, Any], field: str) -> dict[str, str]:
        lang = str(params.get("language_code") or "")
        value = self.bot_texts.get((field, lang), self.bot_texts.get((field, ""), ""))
        if field == "name" and not value:
            value = self.bot_name
        return {field: value}

    async def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        return await self._set_text(params, "description")

    async def _api_getMyDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return await self._get_text(params, "description")

    async def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return await self._set_text(params, "short_description")

    async def _api_getMyShortDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return await self._get_text(params, "short_description")

    async def _api_setMyName(self, params: dict[str, Any]) -> bool:
        return await self._set_text(params, "name")

    async def _api_getMyName(self, params: dict[str, Any]) -> dict[str, str]:
        return await self._get_text(params, "name")


def _button_rows(markup: dict[str, Any], field: str, what: str) -> list[list[Any]]:
    """A keyboard's rows, refused like Telegram when they are not an array of arrays."""
    rows = markup[field]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(f'can\'t parse {what}: field "{field}" must be an Array of Arrays')
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [a for a in _INLINE_ACTIONS if a in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        if not re.match(r"^(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")
    if not button["text"]:
        raise bad_request("text buttons are unallowed in the inline keyboard")
