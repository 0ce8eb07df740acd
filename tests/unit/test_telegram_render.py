"""The Telegram adapter renders a neutral message as the bot always spoke, and maps errors to
one verdict each."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.telegram import TelegramChannel, send
from bot.i18n import RLM
from bot.messaging.message import Attachment, Button, OutMessage
from bot.messaging.port import DeliveryError


class FakeBot:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, tuple, dict[str, Any]]] = []
        self.error = error

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            if self.error is not None:
                raise self.error
            return True
        return call


async def test_text_with_rtl_marks_and_keyboard() -> None:
    bot = FakeBot()
    msg = OutMessage("<b>مرحبا</b>\n12:00", ((Button("⬅️ رجوع", "menu:main"),),
                                             (Button("Site", url="https://x.nl"),)), lang="ar")
    await send(bot, 5, msg)
    name, args, kwargs = bot.calls[0]
    assert name == "send_message" and args[0] == 5
    assert args[1] == f"{RLM}<b>مرحبا</b>\n{RLM}12:00"
    rows = kwargs["reply_markup"].inline_keyboard
    assert rows[0][0].text == RLM + "⬅️ رجوع" and rows[0][0].callback_data == "menu:main"
    assert rows[1][0].url == "https://x.nl"


async def test_dutch_text_unchanged_no_keyboard() -> None:
    bot = FakeBot()
    await send(bot, 5, OutMessage("Hoi <i>daar</i>", lang="nl"))
    assert bot.calls[0][1] == (5, "Hoi <i>daar</i>") and bot.calls[0][2]["reply_markup"] is None


@pytest.mark.parametrize(("kind", "method", "field"), [
    ("photo", "send_photo", "photo"), ("document", "send_document", "document"),
    ("voice", "send_voice", "voice")])
async def test_attachments_by_file_id_with_caption(kind: str, method: str, field: str) -> None:
    bot = FakeBot()
    await send(bot, 5, OutMessage("cap", attachment=Attachment(kind, media_id="F1")))
    name, _args, kwargs = bot.calls[0]
    assert name == method and kwargs[field] == "F1" and kwargs["caption"] == "cap"


async def test_generated_file_as_bytes_keeps_its_name() -> None:
    bot = FakeBot()
    await send(bot, 5, OutMessage("", attachment=Attachment("document", data=b"%PDF",
                                                              filename="a.pdf")))
    document = bot.calls[0][2]["document"]
    assert document.read() == b"%PDF" and document.name == "a.pdf"
    assert bot.calls[0][2]["caption"] is None


@pytest.mark.parametrize(("error", "verdict", "retry_after"), [
    (Forbidden("Forbidden: bot was blocked by the user"), "gone", None),
    (BadRequest("Bad Request: chat not found"), "gone", None),
    (BadRequest("Bad Request: message is too long"), "failed", None),
    (RetryAfter(7), "retry", 7.0),
    (NetworkError("Bad Gateway"), "retry", None),
])
async def test_channel_verdicts(error: Exception, verdict: str, retry_after: float | None
                                ) -> None:
    channel = TelegramChannel(FakeBot(error))
    with pytest.raises(DeliveryError) as caught:
        await channel.send("5", OutMessage("x"))
    assert caught.value.verdict == verdict and caught.value.retry_after == retry_after
