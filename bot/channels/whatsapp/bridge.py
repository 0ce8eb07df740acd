"""The Bot API, answered by WhatsApp: what lets the Telegram handlers answer a WhatsApp person.

Why: a handler answers with ``query.answer()``, ``message.reply_text()``, ``edit_text()`` or
``bot.send_message()`` — PTB objects bound to the bot of the update. A WhatsApp person's
update is bound to ``wa_bot`` (an ``ExtBot`` whose request object is :class:`WhatsAppBridge`,
PTB's documented extension point ``telegram.request.BaseRequest``). So every such call lands
here as a Bot API method with its parameters; the bridge turns it into a neutral
:class:`~bot.messaging.message.OutMessage`, sends it with ``WhatsAppChannel.send(wa_id,
message)`` (the adapter renders it the WhatsApp way) and answers with Telegram-shaped JSON,
so PTB and the handlers carry on as if Telegram had answered.

It is an :class:`bot.request.ObservedRequest`: only its ``transport`` differs, so "drafts
before the answer" (``before_answer``) and the record of what an update did (a refused press
changes no step) work for WhatsApp people exactly as for Telegram ones.

Rules (WA14.md): WhatsApp cannot edit, so ``editMessageText`` / ``editMessageCaption`` send
the new state as a new short message; a markup-only edit, ``deleteMessage``, the command
menu and ``sendChatAction`` do nothing (ok); ``answerCallbackQuery`` with a text sends that
text as a message, without one nothing. Errors come back Telegram-shaped (403 for an
unreachable person, 429 with ``retry_after`` for WhatsApp's rate errors, 400 otherwise) so the
existing error handling (``classify``, the answer pacer) keeps working.

Message ids: a sent message's Telegram-shaped ``message_id`` is the integer the adapter's
message map gave its wamid (``bot/store/whatsapp_messages.py``, migration 021); the inbound
side maps a reply's ``context.id`` back through the same map (:meth:`WhatsAppBridge.message_id`),
so a button press names the message it sat on, also after a restart.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError, TimedOut

from bot.channels.whatsapp import ids
from bot.channels.whatsapp.inbound import MEDIA_PREFIX, number
from bot.messaging.message import Attachment, Button, Key, OutMessage
from bot.messaging.port import DeliveryError
from bot.request import ObservedRequest

log = logging.getLogger(__name__)

#: The bot as getMe describes it on WhatsApp (an id below Telegram's range: never a chat).
BOT_USER = {"id": 1, "is_bot": True, "first_name": "Buurtbot", "username": "buurtbot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
#: Methods that are fine on WhatsApp but show nothing.
_NOTHING = {"setMyCommands", "deleteMyCommands", "setChatMenuButton", "sendChatAction",
            "editMessageReplyMarkup", "deleteMessage", "deleteMessages", "setWebhook",
            "deleteWebhook", "setMyDescription", "setMyShortDescription", "setMyName",
            "close", "logOut", "pinChatMessage", "unpinChatMessage"}
#: Stop buttons remembered per person (the "stop" keyword presses the step's Stop).
_REMEMBER = 5000
#: The msgids of the steps' Stop buttons (bot/handlers: meals, help requests, announcements).
_STOP_MSGIDS = ("Stop", "❌ Stop")


def _bare(label: str) -> str:
    """A label without its emoji and marks, for comparing: "❌ Stop" → "stop"."""
    from bot.channels.whatsapp.keywords import normalise

    return normalise("".join(ch for ch in label if ch.isalpha() or ch.isspace()))


@functools.cache
def _stop_labels() -> frozenset[str]:
    """A Stop button's label in every shipped language (its translations), and the words the
    "stop" keyword has: a button so labelled is the step's Stop."""
    from bot.channels.whatsapp.keywords import KEYWORDS, STOP
    from bot.i18n import LANGUAGES, translator

    labels = {_bare(str(translator(lang)._(msgid))) for lang in LANGUAGES
              for msgid in _STOP_MSGIDS}
    labels.update(_bare(w) for words in KEYWORDS[STOP].values() for w in words)
    return frozenset(label for label in labels if label)


def message_id_of(wamid: str) -> int:
    """A stable stand-in message id for a wamid when no message map is there (units)."""
    return number(wamid)


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def _error(code: int, description: str, retry_after: float | None = None
           ) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": max(1, round(retry_after))}
    return code, json.dumps(body).encode()


class WhatsAppBridge(ObservedRequest):
    """PTB's request object for ``wa_bot``: Bot API methods answered through WhatsApp."""

    def __init__(self, channel: Any = None, *, clock: Callable[[], float] = time.time,
                 on_contact: Callable[[], None] | None = None) -> None:
        super().__init__(connection_pool_size=1, on_contact=on_contact)
        #: The WhatsAppChannel (wa-send); set by ``bot.app.setup_whatsapp``.
        self.channel = channel
        self.clock = clock
        #: wa_id → (message id, [(label, callback data)]) of the last message with buttons.
        self._buttons: OrderedDict[str, tuple[int, list[tuple[str, str]]]] = OrderedDict()
        #: message id → what it shows now (text and buttons, as an edit would leave it)
        self._shows: OrderedDict[int, str] = OrderedDict()
        #: callback query id (the tap's wamid) → chat id: answerCallbackQuery names no chat
        self.queries: OrderedDict[str, int] = OrderedDict()

    async def initialize(self) -> None:  # no HTTP client of its own to open
        return None

    async def shutdown(self) -> None:
        return None

    # --- what the inbound side asks ---------------------------------------------------------
    def stop_of(self, wa_id: str) -> tuple[str, int] | None:
        """The Stop button of the last message with buttons sent to ``wa_id``: (data, message
        id), or None (no step with a Stop shown)."""
        remembered = self._buttons.get(wa_id)
        if remembered is None:
            return None
        message_id, buttons = remembered
        for label, data in buttons:
            if _bare(label) in _stop_labels():
                return data, message_id
        return None

    async def message_id(self, wamid: str) -> int | None:
        """The Telegram-shaped message id of a wamid: the adapter's message map (migration
        021, ``WhatsAppChannel.message_id``); None for a wamid it never sent (an old or
        forged reply)."""
        lookup = getattr(self.channel, "message_id", None)
        if lookup is None:
            return message_id_of(wamid)
        try:
            return await lookup(wamid)
        except LookupError:
            return None

    def _note_shows(self, message_id: int, message: OutMessage) -> None:
        self._shows[message_id] = _content(message)
        self._shows.move_to_end(message_id)
        while len(self._shows) > _REMEMBER:
            self._shows.popitem(last=False)

    def note_query(self, query_id: str, chat_id: int) -> None:
        """A tap is handed on: a pop-up answering it goes back to this chat."""
        self.queries[query_id] = chat_id
        while len(self.queries) > _REMEMBER:
            self.queries.popitem(last=False)

    def _note_buttons(self, wa_id: str, message_id: int, message: OutMessage) -> None:
        if message.buttons:
            self._buttons[wa_id] = (message_id, [(b.label, b.data) for row in message.buttons
                                                 for b in row if b.data is not None])
        elif message.keys or message.text:
            self._buttons.pop(wa_id, None)  # a new question without buttons: no Stop shown
            return
        self._buttons.move_to_end(wa_id)
        while len(self._buttons) > _REMEMBER:
            self._buttons.popitem(last=False)

    # --- the transport ------------------------------------------------------------------------
    async def transport(self, url: str, method: str, request_data: Any = None,
                        *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data is not None \
            else {}
        files = request_data.multipart_data if request_data is not None \
            and request_data.contains_files else {}
        try:
            return await self._answer(name, params, files)
        except DeliveryError as exc:
            return self._delivery_error(exc)

    async def _answer(self, name: str, params: dict[str, Any], files: dict[str, Any]
                      ) -> tuple[int, bytes]:
        if name == "getMe":
            return _ok(BOT_USER)
        if name in _NOTHING:
            return _ok(True)
        if name == "getChat":
            chat_id = int(params.get("chat_id", 0))
            return _ok({"id": chat_id, "type": "private"})
        if name == "getFile":
            file_id = str(params.get("file_id", ""))
            return _ok({"file_id": file_id, "file_unique_id": file_id.removeprefix(
                MEDIA_PREFIX), "file_path": file_id})
        if name == "answerCallbackQuery":
            text = params.get("text")
            chat = self.queries.get(str(params.get("callback_query_id", "")))
            if not text or chat is None:
                return _ok(True)
            # a pop-up is no new step: the step's buttons (its Stop) stay the current ones
            await self._send(chat, OutMessage(str(text)), step=False)
            return _ok(True)
        if name in ("sendMessage", "editMessageText", "editMessageCaption"):
            chat = _chat(params)
            if chat is None:
                return _error(400, "Bad Request: chat not found")
            field = "caption" if name == "editMessageCaption" else "text"
            message = OutMessage(str(params.get(field, "")), **_markup(params))
            if name == "sendMessage":
                return _ok(await self._send(chat, message))
            edited = _int(params.get("message_id"))
            if edited is not None and self._shows.get(edited) == _content(message):
                # what Telegram says for an edit to what the message shows already: no
                # second copy of the same card (a handler and a live card both refreshing)
                return _error(400, "Bad Request: message is not modified: specified new "
                              "message content and reply markup are exactly the same")
            sent = await self._send(chat, message)
            if edited is not None:
                self._note_shows(edited, message)  # its later edits compare to this state
            return _ok(sent)
        if name in ("sendPhoto", "sendDocument", "sendVoice", "sendAudio"):
            chat = _chat(params)
            if chat is None:
                return _error(400, "Bad Request: chat not found")
            kind = {"sendPhoto": "photo", "sendDocument": "document"}.get(name, "voice")
            field = {"sendPhoto": "photo", "sendDocument": "document",
                     "sendAudio": "audio"}.get(name, "voice")
            value = params.get(field)
            if value is None and field in files:  # an upload: the part has the field's name
                value = f"attach://{field}"
            attachment = _attachment(kind, value, files)
            if attachment is None:
                return _error(400, "Bad Request: there is no file in the request")
            message = OutMessage(str(params.get("caption") or ""), attachment=attachment,
                                 **_markup(params))
            return _ok(await self._send(chat, message))
        log.warning("WhatsApp bridge: %s is not answered on WhatsApp", name)
        return _error(400, f"Bad Request: {name} is not available on WhatsApp")

    async def _send(self, chat_id: int, message: OutMessage, *, step: bool = True
                    ) -> dict[str, Any]:
        """Send through the WhatsApp channel; the Telegram-shaped Message it answers."""
        if self.channel is None:
            raise DeliveryError("retry", detail="WhatsApp is not started")
        wa_id = ids.wa_id(chat_id)
        message = await self._with_language(chat_id, message)
        receipt = await self.channel.send(wa_id, message)
        ref = getattr(receipt, "message_ref", "") or ""
        message_id = (await self.message_id(ref) or 0) if ref else 0
        if step:
            self._note_buttons(wa_id, message_id, message)
        if message_id:
            self._note_shows(message_id, message)
        sent: dict[str, Any] = {"message_id": message_id, "date": int(self.clock()),
                                "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER}
        if message.attachment is None:
            sent["text"] = message.text
        elif message.text:
            sent["caption"] = message.text
        if message.buttons:
            sent["reply_markup"] = {"inline_keyboard": [
                [{"text": b.label, "callback_data": b.data} if b.url is None
                 else {"text": b.label, "url": b.url} for b in row]
                for row in message.buttons]}
        return sent

    async def _with_language(self, chat_id: int, message: OutMessage) -> OutMessage:
        """A Bot API call names no language, but a key asking for the phone number becomes
        text the adapter adds itself ("Your WhatsApp number is …", "📞 Use this number"):
        that text must be in the person's language, not the default's."""
        if message.lang is not None or not any(k.asks_phone for row in message.keys
                                                for k in row):
            return message
        users = getattr(getattr(self.channel, "services", None), "users", None)
        if users is None:
            return message
        person = await users.get(chat_id)
        if person is None or not person.language:
            return message
        return dataclasses.replace(message, lang=person.language)

    def _delivery_error(self, exc: DeliveryError) -> tuple[int, bytes]:
        """A WhatsApp failure the way Telegram would have said it (see the module docstring)."""
        if exc.retry_after:
            return _error(429, f"Too Many Requests: retry after {exc.retry_after}",
                          exc.retry_after)
        if exc.verdict == "gone":
            return _error(403, "Forbidden: bot was blocked by the user")
        if exc.verdict == "uncertain":
            raise TimedOut("WhatsApp gave no answer in time")
        if exc.verdict == "retry":
            raise NetworkError(f"WhatsApp could not be reached ({exc.detail or 'retry'})")
        return _error(400, f"Bad Request: WhatsApp refused the message ({exc.detail})")


def _content(message: OutMessage) -> str:
    return json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chat(params: dict[str, Any]) -> int | None:
    try:
        chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return chat_id if ids.is_whatsapp(chat_id) else None


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    """OutMessage fields from a Bot API reply_markup: inline buttons → buttons (callback data
    → the action string), a reply keyboard → keys, its removal → clear_keys."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            markup = None
    if not isinstance(markup, dict):
        return {}
    if "inline_keyboard" in markup:
        rows = tuple(
            tuple(Button(str(b.get("text", "")), url=b["url"]) if b.get("url")
                  else Button(str(b.get("text", "")), str(b.get("callback_data", "")))
                  for b in row if isinstance(b, dict)
                  and (b.get("url") or b.get("callback_data")))
            for row in markup["inline_keyboard"])
        return {"buttons": tuple(row for row in rows if row)}
    if "keyboard" in markup:
        keys = tuple(
            tuple(Key(str(k.get("text", "")) if isinstance(k, dict) else str(k),
                      bool(isinstance(k, dict) and k.get("request_contact"))) for k in row)
            for row in markup["keyboard"])
        return {"keys": tuple(row for row in keys if row)}
    if markup.get("remove_keyboard"):
        return {"clear_keys": True}
    return {}


def _attachment(kind: str, value: Any, files: dict[str, Any]) -> Attachment | None:
    """A file by id ("wa:…" WhatsApp's own, else a Telegram file_id the adapter fetches) or
    uploaded bytes (``attach://name`` in the multipart part)."""
    if isinstance(value, str) and value.startswith("attach://"):
        part = files.get(value.removeprefix("attach://"))
        if part is None:
            return None
        filename, content = part[0], part[1]
        data = content.read() if hasattr(content, "read") else content
        return Attachment(kind, data=bytes(data), filename=filename or None)  # type: ignore[arg-type]
    if isinstance(value, str) and value:
        return Attachment(kind, media_id=value)  # type: ignore[arg-type]
    return None
