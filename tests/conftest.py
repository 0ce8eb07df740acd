"""Fixtures: a fresh sandbox, settings, a controllable clock and the running bot per test."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.sandbox import Limits, Sandbox
from tests.auxil.harness import BOT_USERNAME, START, TOKEN, BotHarness, make_config
from tests.auxil.server import PUBLIC, WebhookHarness, with_web


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                  limits=Limits.off())
    await box.start(host="127.0.0.1", port=0)
    yield box
    await box.stop()
    assert not box.unknown_methods, f"the bot called unknown methods: {box.unknown_methods}"
    assert not box.spec_violations, f"parameters not in the Bot API: {box.spec_violations}"


@pytest.fixture
def config(sandbox: Sandbox, tmp_path):
    return make_config(sandbox, tmp_path / "buurtbot.db")


@pytest.fixture
async def bot(sandbox: Sandbox, config, clock: FrozenClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(sandbox, config, clock)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
def webhook_config(sandbox: Sandbox, tmp_path):
    """Settings for webhook mode: Telegram posts updates to the bot's own web server."""
    return dataclasses.replace(with_web(make_config(sandbox, tmp_path / "buurtbot.db")),
                               webhook_url=f"{PUBLIC}/telegram")


@pytest.fixture
async def hooked(sandbox: Sandbox, webhook_config, clock: FrozenClock
                 ) -> AsyncIterator[WebhookHarness]:
    """The bot running in webhook mode (``webhook_config``)."""
    harness = WebhookHarness(sandbox, webhook_config, clock)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def wa(tmp_path, clock: FrozenClock):
    """The bot with WhatsApp on the stand-in (tests/auxil/whatsapp.py): ``wa.person()``,
    ``await wa.resident("Henk")``, ``await wa.settle()``; Telegram users as with ``bot``."""
    from tests.auxil.whatsapp import make_wa_harness, running

    async with running(*await make_wa_harness(tmp_path, clock)) as harness:
        yield harness


@pytest.fixture
async def wa_alone(tmp_path, clock: FrozenClock):
    """The bot on WhatsApp alone (no Telegram token): ``app.bot`` is the bridge bot."""
    from tests.auxil.whatsapp import make_wa_harness, running

    async with running(*await make_wa_harness(tmp_path, clock, telegram=False)) as harness:
        yield harness
