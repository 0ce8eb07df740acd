"""Telegram webhooks beside long polling: the sandbox POSTs updates to the bot's own server."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from bot.web import SECRET_HEADER, webhook_secret
from tests.auxil.server import PUBLIC, WebhookHarness, get


async def test_the_bot_answers_through_the_webhook(hooked: WebhookHarness, sandbox) -> None:
    assert sandbox.webhook_url == f"{PUBLIC}/telegram"
    assert sandbox.webhook_secret == webhook_secret(hooked.config.token)
    user = hooked.user("Fatima")
    await hooked.onboard(user, room="TOP (Ondiep e.o.)")  # the real onboarding, with buttons
    assert await hooked.person(user) is not None
    await user.send("/agenda")
    assert "TOP" in (await user.next_message()).text
    assert sandbox.webhook_deliveries and set(sandbox.webhook_deliveries) == {200}
    # While the webhook is set, long polling is refused (as by Telegram).
    calls = [name for name, _ in sandbox.calls]
    assert "setWebhook" in calls and "getUpdates" not in calls
    assert hooked.server is not None
    _status, body, _ = await get(hooked.server, "/healthz")
    assert '"mode": "webhook"' in body


async def test_a_wrong_secret_is_403_and_logged_without_content(
        hooked: WebhookHarness, caplog: pytest.LogCaptureFixture) -> None:
    assert hooked.server is not None
    url = f"http://127.0.0.1:{hooked.server.port}/telegram"
    forged = {"update_id": 99, "message": {"message_id": 1, "date": 0, "text": "geheim 1234",
                                           "chat": {"id": 5, "type": "private"},
                                           "from": {"id": 5, "is_bot": False,
                                                    "first_name": "Mallory"}}}
    with caplog.at_level(logging.INFO):
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
            secret = {SECRET_HEADER: webhook_secret(hooked.config.token)}
            for body in (b"not json", b"[1, 2]", b'"x"', b"null", b"{}",
                         b'{"update_id": "abc"}'):  # JSON, but no update: no 500, no traceback
                async with http.post(url, data=body, headers=secret) as response:
                    assert response.status == 400, body
    assert "geheim" not in caplog.text and "Mallory" not in caplog.text
    assert "wrong or missing secret token" in caplog.text and "Traceback" not in caplog.text
    assert "Error handling request" not in caplog.text
    await hooked.settle()
    assert await hooked.db.fetchval("SELECT COUNT(*) FROM users WHERE telegram_id = 5") == 0


async def test_the_sandbox_refuses_http_webhooks_and_getupdates_while_set(sandbox) -> None:
    from telegram import Bot
    from telegram.error import BadRequest, Conflict

    from tests.auxil.harness import TOKEN

    async with Bot(TOKEN, base_url=sandbox.api_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
            await bot.set_webhook("http://insecure.example/telegram")
        await bot.set_webhook(f"{PUBLIC}/x", secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert (await bot.get_webhook_info()).url == f"{PUBLIC}/x"
        await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""


async def test_health_reports_what_telegram_says_about_a_failing_webhook(
        hooked: WebhookHarness, sandbox) -> None:
    await hooked.tick()
    assert hooked.server is not None
    assert (await get(hooked.server, "/healthz"))[0] == 200
    sandbox.webhook_last_error = (int(sandbox.clock()), "Connection refused")
    hooked.services.ops.last_webhook_probe = None
    await hooked.tick()
    status, body, _ = await get(hooked.server, "/healthz")
    assert status == 503 and "Telegram reports: Connection refused" in body
