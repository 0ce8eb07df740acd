"""Helpers for belronde tests: opt people in quickly and find their weekly message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import TZ
from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness

MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # TOP's default moment (mon 10:00)
QUESTION = "Hoe gaat het deze week met u?"
ANSWERS = ["Goed 😊", "Gaat wel 😐", "Niet zo goed 😟", "Bel me even 📞", "Ik kom langs 🚶"]


async def opt_in(bot: BotHarness, user: SandboxUser, **fields: object) -> None:
    """Join the belronde through the service (fast), optionally with settings."""
    service = bot.services.checkins
    person = await bot.person(user)
    assert person is not None
    await service.opt_in(person)
    if "weekday" in fields:
        await service.set_weekday(person, fields["weekday"])  # type: ignore[arg-type]
    if "daypart" in fields:
        await service.set_daypart(person, fields["daypart"])  # type: ignore[arg-type]
    if fields.get("extra_attention"):
        async with bot.db.transaction() as conn:
            await conn.execute("UPDATE checkin_subscriptions SET extra_attention = 1"
                               " WHERE user_id = ?", (person.id,))


async def asked(bot: BotHarness, *users: SandboxUser) -> list[SandboxMessage]:
    """Opt each one in, run Monday 10:00's tick and read each one's check-in, in order."""
    for user in users:
        await opt_in(bot, user)
    await bot.tick(at=MONDAY_10)
    return [await user.next_message() for user in users]


async def answer(user: SandboxUser, label: str) -> SandboxMessage:
    """Tap one of the check-in's answers (``ANSWERS``); returns the edit the tap makes."""
    assert label in ANSWERS, label
    await user.press(label)
    return await user.next_edit()


async def worried(bot: BotHarness, first_name: str, **resident: Any) -> SandboxUser:
    """A resident (``bot.resident``'s options) who answered this Monday's check-in "not so
    good": the room's volunteers now have a follow-up to call."""
    user = await bot.resident(first_name, **resident)
    await asked(bot, user)
    await answer(user, "Niet zo goed 😟")
    return user


async def belronde_press(user: SandboxUser, label: str) -> SandboxMessage:
    """/belronde and a button on its first message; returns the edit the press makes."""
    await user.send("/belronde")
    await user.next_message()
    await user.press(label)
    return await user.next_edit()


def checkins_of(user: SandboxUser) -> list[SandboxMessage]:
    """Every weekly check-in message this person received."""
    return [m for m in user.bot_messages if m.text and QUESTION in m.text]


async def count_rows(bot: BotHarness, table: str, where: str = "1", params: tuple = ()) -> int:
    return await bot.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)


async def last_answer(bot: BotHarness, user: SandboxUser) -> tuple[str | None, bool]:
    """The latest answer to this person's button press (earlier, silent ones skipped)."""
    await bot.settle()
    assert user.callback_answers, "no button press was answered"
    user._answer_cursor = len(user.callback_answers)
    return user.callback_answers[-1]


async def no_hours_question(bot: BotHarness, volunteer: SandboxUser) -> None:
    """Switch off the weekly hours question (Monday morning too) for a volunteer whose
    belronde notices a test reads in order."""
    person = await bot.person(volunteer)
    assert person is not None
    await bot.services.volunteer_work.set_asking(person, False)


async def vera_and(bot: BotHarness, name: str, **fields: object
                   ) -> tuple[SandboxUser, SandboxUser]:
    """Vera, a volunteer of TOP without the hours question (so her belronde notices come in
    order), and the resident ``name`` in the belronde (``opt_in``'s settings)."""
    vera = await bot.volunteer("Vera", name="Vera")
    await no_hours_question(bot, vera)
    resident = await bot.resident(name, name=name)
    await opt_in(bot, resident, **fields)
    return vera, resident


async def done_with_note(bot: BotHarness, volunteer: SandboxUser, button: str, note: str) -> None:
    """The last step of a follow-up call: ``button`` asks for a note, the volunteer types
    ``note``, is thanked, and the follow-up is done with that note."""
    await volunteer.press(button)
    ask = await volunteer.next_edit()
    assert "notitie" in ask.text
    await volunteer.send(note)
    done = await volunteer.next_message()
    assert "Dank u voor het bellen" in done.text
    row = await bot.db.fetchone("SELECT done_at, note FROM checkin_followups")
    assert row["done_at"] is not None and row["note"] == note
