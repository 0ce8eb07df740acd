"""Issue 12, tried from outside (QA round 6): defects found in a real run, one test each."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import TZ
from bot.sandbox import Sandbox, SandboxUser
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.help_requests import ask_help
from tests.auxil.meals import first_meal, sign_up

EXAMPLE = Path(__file__).resolve().parents[1] / "buurtbot.example.toml"


async def test_coordinator_takes_on_a_request_of_a_room_without_coordinator(
    bot: BotHarness,
) -> None:
    """A room without its own coordinator alerts every coordinator; Carla (home room TOP)
    opens Hart's waiting request from the 48-hour alert and taps "Take on". That used to
    check her role inside the taking transaction, which waited for itself: the press never
    finished and the whole bot stopped answering everyone."""
    carla = await bot.coordinator(room="top")
    ahmed = await bot.resident("Ahmed", room="hart", name="Ahmed")
    fatima = await bot.resident("Fatima", room="top", name="Fatima")
    waiting = await ask_help(bot, ahmed, kind="computer", urgency="none")
    carla.chat.skip_pending()
    await bot.tick(at=bot.clock.now() + timedelta(hours=49), only="help")
    alert = await carla.next_message()
    assert f"Vraag {waiting}" in alert.text
    await carla.press(f"Open vraag {waiting}", message=alert)
    card = await carla.next_edit()
    await carla.press("✋ Oppakken", message=card)
    await asyncio.wait_for(bot.settle(), timeout=10)
    row = await bot.db.fetchone("SELECT status, volunteer_id FROM help_requests WHERE id = ?",
                                (waiting,))
    assert row["status"] == "taken"
    told = await ahmed.next_message()
    assert "Carla" in told.text
    # And the bot still answers everyone.
    await fatima.send("/menu")
    assert (await fatima.next_message()).buttons


async def test_a_nested_transaction_fails_at_once_instead_of_stopping_the_bot(
    bot: BotHarness,
) -> None:
    """The database lock is not re-entrant; asking for it inside one's own transaction
    must raise, not wait for ever (which stops every update and tick)."""
    import pytest

    from bot.store.db import NestedTransaction

    db = bot.services.db
    with pytest.raises(NestedTransaction):
        async with db.transaction(), asyncio.timeout(5):
            await db.fetchval("SELECT 1")
    with pytest.raises(NestedTransaction):
        async with db.transaction():
            async with asyncio.timeout(5), db.transaction():
                pass
    assert await db.fetchval("SELECT 1") == 1


def _run_bot(api_url: str, token: str, db: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "buurtbot"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BUURTBOT_CONFIG": str(EXAMPLE),
           "BUURTBOT_TOKEN": token, "BUURTBOT_API_URL": api_url, "BUURTBOT_DB": db}
    return subprocess.run([*command, "run"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


async def test_a_refused_token_or_no_telegram_at_start_is_one_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Like a wrong setting or a bad database, a token Telegram refuses (or no Bot API at
    all) stops `buurtbot run` with one line and code 2: no traceback, never the token."""
    wrong = "123456:AAEabcdefghijklmnopqrstuvwxyz012345"  # well-formed, not the sandbox's
    for url, words in ((sandbox.api_url, "refused the token"),
                       ("http://127.0.0.1:9/bot", "cannot reach the Bot API")):
        result = await asyncio.to_thread(_run_bot, url, wrong, str(tmp_path / "t.db"))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and wrong not in result.stderr
        ours = [line for line in result.stderr.splitlines() if line.startswith("buurtbot:")]
        assert len(ours) == 1 and words in ours[0], result.stderr


async def _next_two_meal_ticks(bot: BotHarness) -> None:
    """The restarted bot's next two meal ticks, a minute apart, and all they send."""
    for _ in range(2):
        await bot.tick(at=bot.clock.now() + timedelta(minutes=1), only="meals")
        await bot.settle()


def _one_each(users: list[SandboxUser], words: str) -> None:
    for user in users:
        got = [m for m in user.bot_messages if words in (m.text or "")]
        assert len(got) == 1, user.first_name


async def test_a_kill_during_the_morning_reminders_loses_none_and_repeats_none(
    bot: BotHarness,
) -> None:
    """Killed while the 09:00 reminders went out, one by one: the bot had marked the meal's
    reminders as done before sending any, so whoever was not reached yet never got one.
    Now each sign-up is claimed just before its own reminder; the rest follow on the next
    tick, once. Someone who signs up after the run started gets no "reminder"."""
    people = [await bot.resident(f"R{i}", name=f"R{i}") for i in range(3)]
    meal = await first_meal(bot)  # Tuesday 1 December 17:30
    for user in people:
        await sign_up(user, meal.meal.id)
        user.chat.skip_pending()
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    # The run begins (its transaction commits) and the process dies before sending anything.
    await bot.services.meals.tick(bot.clock.now())
    await bot.crash()
    bot.clock.set(datetime(2026, 12, 1, 9, 5, tzinfo=TZ))
    late = await bot.resident("Late", name="Late")
    await sign_up(late, meal.meal.id)
    await _next_two_meal_ticks(bot)
    # Everyone once; only the reminder in flight at the kill (if any) may arrive twice.
    assert_each_once(bot.sandbox, people, contains="Herinnering")
    assert not [m for m in late.bot_messages if "Herinnering" in (m.text or "")]


async def test_a_kill_as_the_final_list_goes_out_still_gives_every_volunteer_one(
    bot: BotHarness,
) -> None:
    """The same for the cook's final list at the sign-up deadline: the meal was marked
    "list sent" before anyone had it; a crash then meant no list for anybody."""
    volunteers = [await bot.volunteer(f"V{i}", name=f"V{i}") for i in range(2)]
    fatima = await bot.resident("Fatima", name="Fatima")
    meal = await first_meal(bot)
    await sign_up(fatima, meal.meal.id)
    bot.clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.services.meals.tick(bot.clock.now())  # committed; killed before sending
    await bot.crash()
    await _next_two_meal_ticks(bot)
    _one_each(volunteers, "Definitieve lijst")
