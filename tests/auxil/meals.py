"""Helpers for eettafel tests: find meals, sign up as a sandbox user, read the database."""

from __future__ import annotations

from bot.sandbox import SandboxUser
from bot.services.meals import MealView
from bot.store.meals import MealRow
from tests.auxil.harness import BotHarness


async def meals(bot: BotHarness, room: str = "top") -> list[MealView]:
    return await bot.services.meals.upcoming(room)


async def first_meal(bot: BotHarness, room: str = "top") -> MealView:
    """Top's first meal from the test start (Monday 30 Nov 09:00): Tuesday 1 Dec 17:30."""
    return (await meals(bot, room))[0]


async def open_list(user: SandboxUser) -> str:
    await user.send("/eten")
    return (await user.next_message()).text


async def sign_up(user: SandboxUser, meal_id: int) -> str:
    """The resident taps "sign up" on the /eten list; returns the card they see."""
    await open_list(user)
    await user.press_data(f"meal:su:{meal_id}")
    return (await user.next_edit()).text


async def status(bot: BotHarness, user: SandboxUser, meal_id: int) -> str | None:
    return await bot.db.fetchval(
        "SELECT s.status FROM meal_signups s JOIN users u ON u.id = s.user_id"
        " WHERE s.meal_id = ? AND u.telegram_id = ?", (meal_id, user.id))


async def seats(bot: BotHarness, meal_id: int) -> int:
    return await bot.db.fetchval(
        "SELECT COALESCE(SUM(1 + guests), 0) FROM meal_signups WHERE meal_id = ?"
        " AND status IN ('pending', 'confirmed', 'offered')", (meal_id,))


async def set_cap(bot: BotHarness, meal_id: int, cap: int) -> None:
    await bot.db.execute("UPDATE meals SET cap = ? WHERE id = ?", (cap, meal_id))


async def one_seat_and_a_waiter(
    bot: BotHarness,
) -> tuple[MealRow, SandboxUser, SandboxUser]:
    """The first meal capped at one seat: Anna has it, Bram is first on the waitlist."""
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 1)
    anna, bram = await bot.resident("Anna"), await bot.resident("Bram")
    await sign_up(anna, meal.id)
    await sign_up(bram, meal.id)
    return meal, anna, bram


async def last_answer(bot: BotHarness, user: SandboxUser) -> tuple[str, bool]:
    """The answer to the user's latest button press (text, shown as an alert)."""
    await bot.settle()
    text, alert = user.callback_answers[-1]
    return text or "", alert
