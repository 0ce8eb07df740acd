"""A hand-made participation data set for 2021 whose right answer is worked out by hand.

Three residents with repeated visits (one of them erases their data halfway the year), a
walk-in by code, anonymous counted walk-ins, a volunteer, a referral, check-in calls, a resident
who only registered, and records just outside the year that must not count.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import TZ
from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness


async def press_for_answer(
    bot: BotHarness, user: SandboxUser, data: str
) -> tuple[str | None, bool]:
    """Press button ``data`` and return the callback answer to *that* press (text, alert).

    Earlier presses may have left answers unread; they are skipped, not mistaken for this one.
    """
    await bot.settle()
    user._answer_cursor = len(user.callback_answers)
    await user.press_data(data)
    return await user.next_callback_answer()


async def rapport(coordinator: SandboxUser, period: str, room: str = "TOP") -> SandboxMessage:
    """/rapport, a period and a room; returns the summary (the PDF is the next message)."""
    await coordinator.send("/rapport")
    await coordinator.next_message()
    await coordinator.press(period)
    await coordinator.next_edit()
    await coordinator.press(room)
    return await coordinator.next_edit()


async def record(bot: BotHarness, key: str | None, room: str, category: str, source: str,
                 source_id: str | None, day: date, quantity: int = 1) -> None:
    async with bot.db.transaction() as conn:
        await bot.services.participation.record(
            conn, person_key=key, room=room, category=category, source=source,
            source_id=source_id, occurred_on=day, quantity=quantity)


async def registered(bot: BotHarness, name: str | None, room: str, created: date,
                     role: str = "resident"):
    """A person registered on ``created`` (the clock is moved back for it, then restored)."""
    saved = bot.clock.now()
    bot.clock.set(datetime.combine(created, datetime.min.time(), TZ).replace(hour=11))
    user = bot.user(name or "X")
    person = await bot.services.users.register(user.id, "nl", room, display_name=name)
    if role != "resident":
        person = await bot.services.users.update(person, role=role)
    bot.clock.set(saved)
    return user, person


async def seed_2021(bot: BotHarness) -> dict[str, str]:
    """Write the data set; returns name → anonymous key."""
    _, a = await registered(bot, "Anna", "top", date(2020, 12, 1))
    _, b = await registered(bot, "Bilal", "top", date(2021, 1, 5))
    _, c = await registered(bot, None, "top", date(2020, 6, 1))
    _, d = await registered(bot, "Dirk", "hart", date(2020, 3, 1))
    _, e = await registered(bot, "Eva", "top", date(2021, 4, 1))  # registered, never came
    _, v = await registered(bot, "Vera", "top", date(2020, 1, 1), role="volunteer")
    A, B, C, D, V = (p.row.anon_key for p in (a, b, c, d, v))
    walkin = "walkin:top:AB12"
    y = 2021
    # Anna: before the year, three dinners, two letters; and once in 2022.
    await record(bot, A, "top", "sociale_ontmoeting", "meal", "meal:0", date(2020, 12, 10))
    for n, day in enumerate((date(y, 1, 5), date(y, 1, 12), date(y, 2, 2)), start=1):
        await record(bot, A, "top", "sociale_ontmoeting", "meal", f"meal:{n}", day)
    await record(bot, A, "top", "formulieren", "help", "help:10", date(y, 3, 1))
    await record(bot, A, "top", "formulieren", "help", "help:11", date(y, 4, 1))
    await record(bot, A, "top", "sociale_ontmoeting", "meal", "meal:99", date(2022, 1, 3))
    # Bilal: new this year; a dinner, two odd jobs, two check-in calls; erases in June.
    await record(bot, B, "top", "sociale_ontmoeting", "meal", "meal:1", date(y, 1, 5))
    await record(bot, B, "top", "klussen", "help", "help:20", date(y, 2, 10))
    await record(bot, B, "top", "klussen", "help", "help:21", date(y, 5, 1))
    await record(bot, B, "top", "contact", "checkin", "chk:1", date(y, 2, 1))
    await record(bot, B, "top", "contact", "checkin", "chk:2", date(y, 2, 8))
    # C (no name): language class, a referral, and a dinner at Hart; language before the year.
    await record(bot, C, "top", "taal", "activity", "occ:9:2020-12-31", date(2020, 12, 31))
    await record(bot, C, "top", "taal", "activity", "occ:5:2021-03-03", date(y, 3, 3))
    await record(bot, C, "top", "referral", "referral", "ref:1", date(y, 3, 4))
    await record(bot, C, "hart", "sociale_ontmoeting", "meal", "meal:50", date(y, 6, 1))
    # A walk-in with a code: twice at the coffee morning, once at the computer class.
    await record(bot, walkin, "top", "sociale_ontmoeting", "activity", "occ:1:2021-01-05",
                 date(y, 1, 5))
    await record(bot, walkin, "top", "sociale_ontmoeting", "activity", "occ:1:2021-01-12",
                 date(y, 1, 12))
    await record(bot, walkin, "top", "computer", "activity", "occ:2:2021-01-12", date(y, 1, 12))
    # Counted-only walk-ins.
    await record(bot, None, "top", "sociale_ontmoeting", "activity", "occ:1:2021-01-05",
                 date(y, 1, 5), quantity=5)
    await record(bot, None, "top", "klussen", "activity", "klussen:2021-07-01", date(y, 7, 1),
                 quantity=3)
    await record(bot, None, "hart", "taal", "activity", "taal:2021-10-10", date(y, 10, 10),
                 quantity=4)
    # Dirk at Hart: work and debts.
    await record(bot, D, "hart", "werk", "help", "help:30", date(y, 11, 1))
    await record(bot, D, "hart", "schulden", "help", "help:31", date(y, 11, 2))
    # The volunteer's own work (not a participant).
    await record(bot, V, "top", "volunteer", "volunteer", "turf:occ:1:2021-01-05", date(y, 1, 5))
    await record(bot, V, "top", "volunteer", "volunteer", "turf:occ:1:2021-01-12", date(y, 1, 12))
    # Bilal erases everything in June: the anonymous key stays, so 2021 still counts him.
    person = await bot.services.users.by_id(b.id)
    await bot.services.privacy.erase(person)
    return {"A": A, "B": B, "C": C, "D": D, "E": e.row.anon_key, "V": V, "walkin": walkin}
