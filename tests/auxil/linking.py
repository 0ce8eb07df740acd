"""Helpers for the tests of people on two apps: both apps configured, a WhatsApp person,
the code /koppel shows."""

from __future__ import annotations

import dataclasses
import re

from bot.config import Config, WhatsAppSettings
from bot.messaging.message import Address
from bot.services.users import Person
from bot.store import addresses as address_store
from bot.store import users as user_store
from tests.auxil.harness import BotHarness

WA = "31612345678"
WA_ADDRESS = Address("whatsapp", WA)
CODE = re.compile(r"koppel ([A-Z0-9]{6})")


def with_whatsapp(config: Config) -> Config:
    """Telegram and WhatsApp both configured (linking has something to link)."""
    return dataclasses.replace(config, whatsapp=WhatsAppSettings(
        access_token="t", phone_number_id="1", app_secret="s", verify_token="v",
        display_number="+31 6 9999 0000"))


async def whatsapp_person(bot: BotHarness, wa_id: str = WA, *, role: str = "resident",
                          name: str | None = None, room: str = "top") -> Person:
    """A person who registered on WhatsApp (a ``whatsapp`` address, no Telegram id)."""
    async with bot.services.db.transaction() as conn:
        row = await user_store.create(conn, telegram_id=None, language="nl", room=room,
                                      now=bot.clock.now(), role=role, display_name=name)
        await address_store.add(conn, row.id, "whatsapp", wa_id, bot.clock.now())
    person = await bot.services.users.by_address("whatsapp", wa_id)
    assert person is not None
    return person


async def code_shown(user) -> str:
    """/koppel in Telegram: the code in the answer."""
    await user.send("/koppel")
    message = await user.next_message()
    found = CODE.search(message.text)
    assert found, message.text
    return found.group(1)
