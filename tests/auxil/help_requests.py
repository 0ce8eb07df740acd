"""Helpers for help-request tests: a resident walks the real intake with buttons."""

from __future__ import annotations

from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness


async def start_help(user: SandboxUser, kind: str = "letter") -> SandboxMessage:
    """/hulp and the kind's button; returns the question that asks for the description."""
    await user.send("/hulp")
    await user.next_message()
    await user.press_data(f"help:k:{kind}")
    return await user.next_edit()


async def to_urgency(user: SandboxUser, kind: str = "letter") -> SandboxMessage:
    """/hulp, the kind, and "next" without a description; returns the urgency question."""
    await start_help(user, kind)
    await user.press_data("help:next")
    return await user.next_edit()


async def urgency_and_contact(user: SandboxUser, urgency: str = "week",
                              contact: str = "message") -> SandboxMessage:
    """On the urgency question: press ``urgency``, then ``contact``; returns what comes next
    (the summary, or the phone question for a call)."""
    await user.press_data(f"help:w:{urgency}")
    await user.next_edit()
    await user.press_data(f"help:c:{contact}")
    return await user.next_edit()


async def ask_help(bot: BotHarness, user: SandboxUser, *, kind: str = "letter",
                   text: str | None = "Brief van de Belastingdienst", photo: bool = False,
                   urgency: str = "week", contact: str = "message") -> int:
    """Walk /hulp to the end; returns the new request's id."""
    await start_help(user, kind)
    if text:
        await user.send(text)
        await user.next_message()
    if photo:
        await user.send_photo(size=300_000)
        await user.next_message()
    await user.press_data("help:next")
    await bot.settle()
    await user.press_data(f"help:w:{urgency}")
    await bot.settle()
    await user.press_data(f"help:c:{contact}")
    await bot.settle()
    await press_send(user)
    await bot.settle()
    user.chat.skip_pending()
    return int(await bot.db.fetchval("SELECT MAX(id) FROM help_requests"))


def send_data(user: SandboxUser) -> str:
    """The callback data of the "Send" button on the summary (it carries the draft's key)."""
    for message in reversed(user.bot_messages):
        for row in message.inline_keyboard:
            for button in row:
                if button.get("callback_data", "").startswith("help:send:"):
                    return button["callback_data"]
    raise LookupError("no Send button")


async def press_send(user: SandboxUser) -> None:
    await user.press_data(send_data(user))


async def take_on(bot: BotHarness, volunteer: SandboxUser, request_id: int) -> None:
    """The volunteer taps "take on" on the request's card; the bot has done all it does."""
    await volunteer.press_data(f"help:take:{request_id}")
    await bot.settle()


async def taken(bot: BotHarness, volunteer: SandboxUser, resident: SandboxUser,
                **ask: object) -> int:
    """A request the resident asked (``ask_help``'s options) that the volunteer took on."""
    request_id = await ask_help(bot, resident, **ask)  # type: ignore[arg-type]
    await take_on(bot, volunteer, request_id)
    return request_id
