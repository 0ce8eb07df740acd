"""Helpers for onboarding tests: the first steps of /start through the real buttons."""

from __future__ import annotations

from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage


async def pick_language(user: SandboxUser, language: str = "Nederlands") -> SandboxMessage:
    """/start and a language button; returns the edit that follows (the room question)."""
    await user.send("/start")
    await user.next_message()
    await user.press(language)
    return await user.next_edit()
