"""Helpers for survey and volunteer-hours tests: run a round through the real buttons."""

from __future__ import annotations

from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness

RESIDENTS = "🏠 Bewoners: vertrouwen en wonen in de buurt"
VOLUNTEERS = "🤝 Vrijwilligers: hoe tevreden ze zijn (1 tot 10)"


async def start_round(coordinator: SandboxUser, who: str = RESIDENTS, room: str = "TOP"
                      ) -> SandboxMessage:
    """/enquete → start → who → room → preview → send; returns the answer to "send"."""
    await coordinator.send("/enquete")
    await coordinator.next_message()
    await coordinator.press("▶️ Een enquête starten")
    await coordinator.next_edit()
    await coordinator.press(who)
    await coordinator.next_edit()
    await coordinator.press(room)
    preview = await coordinator.next_edit()
    assert "Dit zien zij:" in preview.text
    await coordinator.press("✅ Enquête versturen")
    return await coordinator.next_edit()


async def sent_report(coordinator: SandboxUser, wait: float = 20.0) -> SandboxMessage:
    """The coordinator's "the survey has gone out" message, once the outbox is done."""
    while True:
        message = await coordinator.next_message(timeout=wait)
        if "is verstuurd" in (message.text or "") or "has gone out" in (message.text or ""):
            return message


async def answer_all(user: SandboxUser, *labels: str) -> SandboxMessage:
    """Answer the survey message the bot sent: one label per question; returns the thanks."""
    message = await user.next_message(timeout=20)
    for label in labels:
        await user.press(label, message=message)
        message = await user.next_edit()
    return message


async def close_round(bot: BotHarness, coordinator: SandboxUser, label: str) -> SandboxMessage:
    await coordinator.send("/enquete")
    await coordinator.next_message()
    await coordinator.press(f"⏹ Sluiten: {label}")
    await _edit_with(coordinator, "Deze enquête sluiten?")
    await coordinator.press("⏹ Ja, sluiten")
    return await _edit_with(coordinator, "📊")


async def _edit_with(user: SandboxUser, text: str) -> SandboxMessage:
    """The next edit that shows ``text`` (edits left over from earlier presses are skipped)."""
    while True:
        edit = await user.next_edit()
        if text in (edit.text or ""):
            return edit


def button_data(message: SandboxMessage, text: str) -> str:
    for row in message.inline_keyboard:
        for button in row:
            if button.get("text") == text:
                return button["callback_data"]
    raise LookupError(text)


async def next_alert(user: SandboxUser) -> str:
    """The next callback answer with a text (plain acknowledgements before it are skipped)."""
    while True:
        text, alert = await user.next_callback_answer()
        if text:
            assert alert
            return text
