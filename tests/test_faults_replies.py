"""A slow answer from Telegram to the bot's own reply does not break a flow (issue 12, QA).

Telegram delivers the reply but answers after 7 s, beyond PTB's 5 s wait: the handler must
carry on as if it was sent (the step advances, no "Sorry"), as scheduled sends already do
(``bot.handlers.delivery.classify``). The fix lives in the request layer (``bot.request``),
so every handler is covered; these tests walk two flows a resident meets.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.request import ObservedRequest, _current, watch
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness

SLOW = 7.0  # seconds; PTB gives up after 5


def sorry(user: SandboxUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages if "ging iets mis" in (m.text or "")]


async def test_a_slow_answer_mid_intake_still_advances_the_step(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/hulp")
    await fatima.next_message()
    bot.sandbox.faults.slow(SLOW, methods=["editMessageText"], times=1)
    await fatima.press_data("help:k:letter")
    question = await fatima.next_edit()  # delivered at once; the answer comes late
    assert question.buttons
    await bot.settle()
    assert bot.sandbox.stats["faults"] == 1
    await fatima.send("Brief van de gemeente over huurtoeslag")
    ack = await fatima.next_message()
    assert "ging iets mis" not in (ack.text or "")
    await fatima.press_data("help:next")
    await bot.settle()
    assert sorry(fatima) == []
    assert fatima.last.buttons  # the next question (how urgent), with its buttons
    data = [b.get("callback_data", "") for row in fatima.last.inline_keyboard for b in row]
    assert any(d.startswith("help:w:") for d in data)


async def test_a_slow_answer_to_a_typed_text_still_advances_the_step(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/hulp")
    await fatima.next_message()
    await fatima.press_data("help:k:letter")
    await fatima.next_edit()
    bot.sandbox.faults.slow(SLOW, methods=["sendMessage"], times=1)
    await fatima.send("Brief van de gemeente")
    await fatima.next_message()
    await bot.settle()
    await fatima.press_data("help:next")
    await bot.settle()
    assert sorry(fatima) == []
    data = [b.get("callback_data", "") for row in fatima.last.inline_keyboard for b in row]
    assert any(d.startswith("help:w:") for d in data)


async def test_a_slow_answer_in_onboarding_still_takes_the_name(bot: BotHarness) -> None:
    amal = bot.user("Amal")
    await amal.send("/start")
    await amal.next_message()
    await amal.press("Nederlands")
    await amal.next_edit()
    await amal.press(amal.last.buttons[0][0], message=amal.last)  # TOP
    await amal.next_edit()
    bot.sandbox.faults.slow(SLOW, methods=["editMessageText"], times=1)
    await amal.press(amal.last.buttons[0][0])  # "I agree": the name question comes late
    await amal.next_edit()
    await bot.settle()
    await amal.send("Amal")
    await bot.settle()
    assert sorry(amal) == []
    person = await bot.services.users.get(amal.id)
    assert person is not None and person.row.display_name == "Amal"


async def test_a_dropped_answer_mid_intake_still_advances_the_step(bot: BotHarness) -> None:
    """The connection closes after Telegram delivered the edit: the same as a late answer."""
    fatima = await bot.resident("Fatima")
    await fatima.send("/hulp")
    await fatima.next_message()
    bot.sandbox.faults.drop_after_delivery(methods=["editMessageText"], times=1)
    await fatima.press_data("help:k:letter")
    await fatima.next_edit()
    await bot.settle()
    await fatima.send("Brief van de gemeente")
    await fatima.next_message()
    await fatima.press_data("help:next")
    await bot.settle()
    assert sorry(fatima) == []
    data = [b.get("callback_data", "") for row in fatima.last.inline_keyboard for b in row]
    assert any(d.startswith("help:w:") for d in data)


class _Flaky(ObservedRequest):
    """The HTTP layer below ObservedRequest, scripted: raise each error in turn, then answer."""

    def __init__(self, *errors: Exception) -> None:
        super().__init__()
        self.errors = list(errors)
        self.calls = 0

    async def _send(self) -> tuple[int, bytes]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 200, b'{"ok": true, "result": {"real": true}}'


def _caused(exc: Exception, cause: Exception) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def make(*errors: Exception) -> _Flaky:
        request = _Flaky(*errors)

        async def below(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return await request._send()

        monkeypatch.setattr(HTTPXRequest, "do_request", below)
        return request

    return make


async def test_a_reply_that_never_left_is_tried_once_more(flaky) -> None:  # type: ignore[no-untyped-def]
    request = flaky(_caused(NetworkError("no connection"), httpx.ConnectError("x")))
    activity = watch(user_id=1, press=True)
    code, body = await request.do_request("http://x/bot1/sendMessage", "POST")
    assert (code, request.calls) == (200, 2) and b"real" in body
    assert activity.visible


async def test_a_reply_that_never_left_twice_is_reported(flaky) -> None:  # type: ignore[no-untyped-def]
    request = flaky(_caused(NetworkError("a"), httpx.ConnectError("x")),
                    _caused(NetworkError("b"), httpx.ConnectError("y")))
    activity = watch(user_id=1, press=True)
    with pytest.raises(NetworkError):  # the error handler tells the person kindly
        await request.do_request("http://x/bot1/sendMessage", "POST")
    assert request.calls == 2 and not activity.visible


async def test_a_reply_that_left_without_an_answer_counts_as_sent(flaky) -> None:  # type: ignore[no-untyped-def]
    request = flaky(_caused(TimedOut(), httpx.ReadTimeout("x")))
    activity = watch(user_id=1, press=True)
    code, body = await request.do_request("http://x/bot1/editMessageText", "POST")
    assert (code, request.calls) == (200, 1) and b'"result": true' in body
    assert activity.visible  # the step may advance


async def test_a_scheduled_send_is_left_to_the_delivery_rules(flaky) -> None:  # type: ignore[no-untyped-def]
    request = flaky(_caused(TimedOut(), httpx.ReadTimeout("x")))
    _current.set(None)  # a tick: no update being handled; classify() decides in the outbox sender
    with pytest.raises(TimedOut):
        await request.do_request("http://x/bot1/sendMessage", "POST")


async def test_a_task_started_by_a_handler_keeps_its_own_delivery_rules(flaky) -> None:  # type: ignore[no-untyped-def]
    """The announcement sender starts while a coordinator's press is handled and inherits
    its record; its sends are no answer to that press (transport.py wants a real Message)."""
    request = flaky(_caused(TimedOut(), httpx.ReadTimeout("x")))
    watch(user_id=1, press=True)

    async def sender() -> None:
        await request.do_request("http://x/bot1/sendMessage", "POST")

    with pytest.raises(TimedOut):
        await asyncio.create_task(sender())
