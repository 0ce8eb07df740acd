"""``app.port`` with two channels: each call goes to the Telegram port or the WhatsApp port.

Why: handlers answer through ``context.port`` / ``handlers.common.reply`` without knowing the
channel. A WhatsApp person's update carries ``api_kwargs["buurtbot"]`` (see
:mod:`bot.channels.whatsapp.inbound`) and their chat id is at or above
:data:`bot.channels.whatsapp.ids.BASE`; either tells the router which port answers. The
WhatsApp port is a :class:`~bot.channels.telegram.port.TelegramPort` on ``wa_bot`` (whose
request object is the bridge), so answers keep every rule of the Telegram port (edit or
send anew, pop-ups once, the answer pacer) and WhatsApp's own limits live in its pacer.
"""

from __future__ import annotations

from typing import Any

from bot.channels.telegram.port import TelegramPort
from bot.channels.whatsapp import ids
from bot.channels.whatsapp.inbound import buurtbot_of
from bot.messaging.message import OutMessage, Receipt
from bot.services.pacing import Pacer


class _PerPerson:
    """The WhatsApp channel's pacer as the Telegram port uses it: the port names a chat by
    its chat id (2**53 + number), the outbox by the wa_id; both must count against the same
    person (Meta's pair rate counts every message to them), so chat ids become numbers."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer

    @staticmethod
    def _key(chat_id: int | None) -> int | None:
        return int(ids.wa_id(chat_id)) if chat_id is not None and ids.is_whatsapp(chat_id) \
            else chat_id

    async def acquire_answer(self, chat_id: int | None) -> int:
        return await self._pacer.acquire_answer(self._key(chat_id))

    async def acquire(self, chat_id: int | None) -> int:
        return await self._pacer.acquire(self._key(chat_id))

    def __getattr__(self, name: str) -> Any:  # done, refund, pause, reserve, answers …
        return getattr(self._pacer, name)


class WhatsAppPort(TelegramPort):
    """The Telegram port's logic on ``wa_bot``; addresses may be chat ids or wa_ids."""

    channel = "whatsapp"

    def __init__(self, bot: Any, whatsapp: Any, pacer: Pacer | None = None) -> None:
        self._whatsapp = whatsapp
        self._own_pacer = pacer or Pacer(80.0)
        super().__init__(bot, channel=self)  # type: ignore[arg-type]

    @property
    def pacer(self) -> Pacer:
        """The channel's one pacer (it may be replaced: ``set_speed``), shared with the
        outbox sender."""
        return _PerPerson(getattr(self._whatsapp, "pacer", None) or self._own_pacer)  # type: ignore[return-value]

    async def send(self, address: str, message: OutMessage) -> Receipt:
        """A message outside the outbox (a progress line), paced like an answer."""
        wa_id = ids.wa_id(address) if ids.is_whatsapp(address) else str(address)
        pacer = self.pacer
        token = await pacer.acquire_answer(int(wa_id))
        try:
            receipt = await self._whatsapp.send(wa_id, message)
        finally:
            pacer.done(token)
        # later edits (port.edit) name the chat: a WhatsApp chat id routes back here
        ref = receipt.message_ref
        message_id = await self.bot.request.message_id(ref) if ref else None
        return Receipt("whatsapp", str(ids.chat_id(wa_id)),
                       str(message_id) if message_id is not None else "")

    async def edit(self, receipt: Receipt, message: OutMessage) -> bool:
        """An edit of a message sent before, outside the person's own action (a live meal
        card brought up to date, a coordinator's progress line): WhatsApp cannot edit, and a
        new copy of the card would only repeat the notice that goes with the change (and, out
        of the 24-hour window, be refused). So nothing is sent; the message stays "kept"
        (True). Answers to the person's own tap still show the new state (``answer``)."""
        return True

    async def set_commands(self, commands: list[tuple[str, str]], *,
                           language: str | None = None, chat: str | None = None,
                           quiet: bool = False) -> bool:
        """WhatsApp has no command menu (the keywords stand in): nothing to do."""
        return True


class PortRouter:
    """Same methods as :class:`TelegramPort`; picks the channel per call."""

    channel = "router"

    def __init__(self, telegram: TelegramPort | None, whatsapp: TelegramPort | None) -> None:
        self.telegram = telegram
        self.whatsapp = whatsapp

    # --- choosing -------------------------------------------------------------------------
    def _by_update(self, update: Any) -> TelegramPort:
        if buurtbot_of(update) is not None:
            return self._wa()
        chat = getattr(update, "effective_chat", None)
        return self._by_chat(getattr(chat, "id", None))

    def _by_chat(self, chat: int | str | None) -> TelegramPort:
        if ids.is_whatsapp(chat):
            return self._wa()
        if self.telegram is None:  # WhatsApp alone: nothing else there
            return self._wa()
        return self.telegram

    def _wa(self) -> TelegramPort:
        if self.whatsapp is None:
            raise RuntimeError("a WhatsApp chat, but WhatsApp is not set up")
        return self.whatsapp

    def port_for(self, target: Any) -> TelegramPort:
        """The port of an update, a chat id or an address."""
        if isinstance(target, (int, str)) or target is None:
            return self._by_chat(target)
        return self._by_update(target)

    # --- the Port's methods ----------------------------------------------------------------
    @property
    def pacer(self) -> Pacer:
        return (self.telegram or self._wa()).pacer

    @property
    def answered(self) -> dict[str, None]:
        return (self.telegram or self._wa()).answered

    async def answer(self, update: Any, message: OutMessage) -> Receipt | None:
        return await self._by_update(update).answer(update, message)

    async def popup(self, update: Any, text: str, alert: bool = False) -> None:
        await self._by_update(update).popup(update, text, alert)

    async def send(self, address: str, message: OutMessage) -> Receipt:
        return await self._by_chat(address).send(address, message)

    async def answer_text(self, update: Any, text: str, reply_markup: Any = None, *,
                          edit: bool = True) -> Any:
        return await self._by_update(update).answer_text(update, text, reply_markup, edit=edit)

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        return await self._by_chat(chat_id).say(chat_id, text, **kwargs)

    async def reply_to(self, message: Any, text: str) -> None:
        await self._by_chat(getattr(message, "chat_id", None)).reply_to(message, text)

    async def edit(self, receipt: Receipt, message: OutMessage) -> bool:
        if receipt.channel == "whatsapp" or ids.is_whatsapp(receipt.address):
            return await self._wa().edit(receipt, message)
        return await self._by_chat(receipt.address).edit(receipt, message)

    async def set_commands(self, commands: list[tuple[str, str]], *,
                           language: str | None = None, chat: str | None = None,
                           quiet: bool = False) -> bool:
        if chat is None and self.telegram is None:
            return True
        return await self._by_chat(chat).set_commands(commands, language=language, chat=chat,
                                                      quiet=quiet)
