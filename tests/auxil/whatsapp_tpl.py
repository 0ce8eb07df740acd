"""Unit-test helpers for WhatsApp's window, templates and daily limit: services on an
in-memory database with a frozen clock, and a fake WhatsApp channel that keeps Meta's rules
(a free-form message outside the window is refused with 131047, an unapproved template with
132001) and records what it sent."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.whatsapp import window
from bot.clock import FrozenClock
from bot.config import WhatsAppSettings, load_config
from bot.messaging.message import OutMessage, Receipt
from bot.messaging.port import DeliveryError
from bot.services import Services
from bot.store import addresses as address_store
from bot.store import whatsapp_templates as template_store
from bot.store.db import Database
from bot.store.outbox import OutboxRow
from tests.auxil.harness import START

ROOT = Path(__file__).resolve().parents[2]


def settings(**overrides: Any) -> WhatsAppSettings:
    values: dict[str, Any] = dict(access_token="token", phone_number_id="1000",
                                  app_secret="secret", verify_token="verify",
                                  business_account_id="2000", api_url="http://graph.test")
    values.update(overrides)
    return WhatsAppSettings(**values)


class Sent:
    """One message the fake channel accepted."""

    def __init__(self, address: str, message: OutMessage | None = None,
                 template: tuple[str, str, list[str], list[str]] | None = None) -> None:
        self.address = address
        self.message = message
        self.template = template

    @property
    def kind(self) -> str:
        return "template" if self.template else "text"

    def __repr__(self) -> str:
        return f"Sent({self.address}, {self.template or self.message})"


class FakeWhatsApp:
    """The outbox's WhatsApp channel, with Meta's window and template rules."""

    def __init__(self, services: Services, wa_settings: WhatsAppSettings) -> None:
        self.services = services
        self.settings = wa_settings
        self.sent: list[Sent] = []
        #: Meta's own idea of each person's window (None: follow the database).
        self.meta_window: dict[str, bool] = {}
        #: (name, language) Meta would accept.
        self.meta_approved: set[tuple[str, str]] = set()
        self.fail_template: dict[str, int] = {}  # template name -> error code, once

    async def pace(self, address: str) -> int:
        return 0

    def paced(self, token: int, *, counted: bool, retry_after: float | None = None) -> None:
        pass

    async def send_row(self, row: OutboxRow, message: OutMessage) -> Receipt:
        return await window.send_row(self, row, message)

    async def _open(self, address: str) -> bool:
        if address in self.meta_window:
            return self.meta_window[address]
        return await window.is_open(self.services, address)

    async def send(self, address: str, message: OutMessage, *,
                   row: OutboxRow | None = None) -> Receipt:
        if not await self._open(address):
            raise DeliveryError("failed", detail="(#131047) Re-engagement message")
        self.sent.append(Sent(address, message))
        return Receipt("whatsapp", address, f"wamid.{len(self.sent)}")

    async def send_template(self, address: str, name: str, language: str,
                            body_params: list[str], button_payloads: list[str]) -> Receipt:
        code = self.fail_template.pop(name, None)
        if code is not None:
            raise DeliveryError("failed", detail=f"({code}) template refused")
        if (name, language) not in self.meta_approved:
            raise DeliveryError("failed", detail="(#132001) Template name does not exist")
        for value in body_params:
            assert "\n" not in value and "\t" not in value and "    " not in value
        self.sent.append(Sent(address, template=(name, language, body_params,
                                                 button_payloads)))
        return Receipt("whatsapp", address, f"wamid.{len(self.sent)}")

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.address == address]


@pytest.fixture
async def wa_unit() -> AsyncIterator[tuple[Services, FakeWhatsApp]]:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    wa_settings = settings()
    config = dataclasses.replace(config, whatsapp=wa_settings)
    services = Services(config, Database(":memory:"), FrozenClock(START))
    await services.start()
    channel = FakeWhatsApp(services, wa_settings)
    services.outbox.channels["whatsapp"] = channel
    yield services, channel
    await services.stop()


_next_tg = [5000]


async def person(services: Services, wa_id: str, language: str = "nl", room: str = "top",
                 name: str | None = None, *, just_now: bool = False) -> int:
    """A resident whose one address is WhatsApp ``wa_id`` (made without the spine's id rule:
    registered, then the address swapped), registered a month ago (their window closed), or
    ``just_now`` (by the message that opened it)."""
    _next_tg[0] += 1
    made = await services.users.register(_next_tg[0], language, room, name)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        await address_store.erase(conn, made.id)
        await address_store.add(conn, made.id, "whatsapp", wa_id,
                                now if just_now else now - timedelta(days=30))
    return made.id


async def writes(services: Services, wa_id: str, at: datetime | None = None) -> int:
    """The person sends a message (what the inbound webhook does): window open, held rows
    released."""
    async with services.db.transaction() as conn:
        await window.open_until(conn, wa_id, at or services.clock.now())

    class App:
        pass

    app = App()
    app.services = services  # type: ignore[attr-defined]
    return await window.opened(app, wa_id)


async def approve(services: Services, channel: FakeWhatsApp, name: str,
                  *languages: str) -> None:
    """Meta approved ``name`` in these languages (and our table knows it)."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        for language in languages or ("nl",):
            channel.meta_approved.add((name, language))
            await template_store.put(conn, name, language, template_store.APPROVED,
                                     "UTILITY", None, now)


async def enqueue(services: Services, to: int, message: OutMessage, kind: str = "test.kind",
                  ref: str = "1", params: dict[str, Any] | None = None,
                  expires_in: timedelta | None = None, priority: int = 1) -> int:
    """A row with a fixed message (``params`` kept beside it, as a meal notice has)."""
    from bot.store import outbox as outbox_store

    now = services.clock.now()
    expires = now + expires_in if expires_in else None
    async with services.db.transaction() as conn:
        address = await address_store.address_of(conn, to)
        assert address is not None
        row_id = await outbox_store.enqueue(
            conn, person_id=to, channel=address.channel, address=address.address, kind=kind,
            ref=ref, dedupe="", params=params, message=message.to_json(), priority=priority,
            next_at=now, expires_at=expires, now=now)
        assert row_id is not None
    return row_id


async def row(services: Services, row_id: int) -> OutboxRow:
    from bot.store import outbox as outbox_store

    found = await services.db.run(outbox_store.get, row_id)
    assert found is not None
    return found


def advance(services: Services, delta: timedelta) -> None:
    clock: FrozenClock = services.clock  # type: ignore[assignment]
    clock.advance(delta)
