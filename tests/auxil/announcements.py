"""Helpers for announcement tests: compose through the real buttons, wait for the report."""

from __future__ import annotations

import dataclasses

from bot.config import Config
from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness

MY_ROOM = "🏠 Iedereen in mijn BuurtWerkKamer"


async def compose(coordinator: SandboxUser, text: str, audience: str = MY_ROOM,
                  language: str | None = None) -> SandboxMessage:
    """/omroep → text → audience → the preview question (returned)."""
    await coordinator.send("/omroep")
    await coordinator.next_message()
    await coordinator.send(text)
    await coordinator.next_message()  # who?
    await coordinator.press(audience)
    if language is not None:
        await coordinator.next_edit()
        await coordinator.press(language)
    await coordinator.next_edit()  # "Preview: ..."
    await coordinator.next_message()  # the preview itself
    return await coordinator.next_message()  # recipients + buttons


async def send_now(bot: BotHarness, coordinator: SandboxUser, text: str,
                   audience: str = MY_ROOM, language: str | None = None,
                   wait: float = 20.0) -> SandboxMessage:
    """Compose, confirm, and return the final report message."""
    await compose(coordinator, text, audience, language)
    await coordinator.press("✅ Nu versturen")
    return await report(coordinator, wait)


async def report(coordinator: SandboxUser, wait: float = 20.0) -> SandboxMessage:
    while True:
        message = await coordinator.next_message(timeout=wait)
        if "Verslag" in (message.text or ""):
            return message


def announcements_of(user: SandboxUser) -> list[SandboxMessage]:
    return [m for m in user.bot_messages if "📣" in (m.text or m.caption or "")]


def with_group(config: Config, room: str, chat_id: int | None) -> Config:
    """The config with ``rooms.<room>.chat_id`` set: that room has a Telegram group."""
    rooms = dict(config.rooms)
    rooms[room] = dataclasses.replace(rooms[room], chat_id=chat_id)
    return dataclasses.replace(config, rooms=rooms)
