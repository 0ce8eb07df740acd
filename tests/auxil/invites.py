"""Helpers for invite tests: a coordinator makes a volunteer invite link with /uitnodigen."""

from __future__ import annotations

import re

from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BOT_USERNAME, BotHarness


async def invite(bot: BotHarness, room_label: str = "TOP") -> tuple[SandboxUser, str]:
    """/uitnodigen and the room's button; returns the coordinator and the link's start payload."""
    coordinator = await bot.coordinator()
    await coordinator.send("/uitnodigen")
    await coordinator.next_message()
    await coordinator.press(room_label)
    answer = await coordinator.next_edit()
    match = re.search(rf"https://t\.me/{BOT_USERNAME}\?start=(inv_\S+)", answer.text)
    assert match, answer.text
    return coordinator, match.group(1)


async def follow_link(user: SandboxUser, payload: str,
                      language: str = "Nederlands") -> SandboxMessage:
    """The newcomer opens the invite link and picks a language; returns the next step."""
    await user.send(f"/start {payload}")
    await user.next_message()
    await user.press(language)
    return await user.next_edit()
