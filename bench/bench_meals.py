"""Benchmark: 200 residents tap "sign up" for one 12-seat meal at the same moment.

Runs the real Buurtbot application (PTB, SQLite, the eettafel handlers) against the in-process
loopback sandbox, then the same burst of button presses against a bare PTB echo bot on the same
sandbox. Prints the seats taken (must be 12), the waitlist (must be 188), the median and p99
time from tap to the edited answer, and Buurtbot's updates per second as a ratio of the echo
bot's (target: at least 0.5).

    .venv/bin/python bench/bench_meals.py [--residents 200] [--cap 12]

Not a test: it measures; the invariant itself is tested in tests/test_meals.py.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.common import Burst, percentile, start_polling, stop_app  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.clock import TZ, FrozenClock  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.sandbox import Limits, Sandbox, SandboxUser  # noqa: E402

TOKEN = "123456:BENCH-TOKEN-abcdefghij"
#: Monday 30 November 2026, 09:00: the next meal of room "top" is Tuesday 17:30.
START = FrozenClock(None).now().replace(year=2026, month=11, day=30, hour=9, minute=0,
                                        second=0, microsecond=0, tzinfo=TZ)


async def tap_all(users: list[SandboxUser], data: str, wait: float) -> Burst:
    """Every user presses ``data`` at once; time each press until its message is edited."""
    latencies: list[float] = []

    async def one(user: SandboxUser) -> None:
        began = time.perf_counter()
        await user.press_data(data)
        await user.next_edit(timeout=wait)
        latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(one(user) for user in users))
    return Burst(latencies, time.perf_counter() - began)


async def bench_buurtbot(sandbox: Sandbox, residents: int, cap: int, db_path: Path,
                         wait: float) -> tuple[Burst, int, int]:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    config = dataclasses.replace(config, token=TOKEN, api_url=sandbox.api_url,
                                 file_url=sandbox.file_url, database=str(db_path),
                                 coordinators=frozenset())
    app = build_application(config, clock=FrozenClock(START), rate_limiter=False)
    await start_polling(app)
    services = app.services  # type: ignore[attr-defined]
    try:
        meal = (await services.meals.upcoming("top"))[0].meal
        await services.db.execute("UPDATE meals SET cap = ? WHERE id = ?", (cap, meal.id))
        users = [sandbox.add_user(first_name=f"Bewoner {i}", language_code="nl")
                 for i in range(residents)]
        for user in users:
            await services.users.register(user.id, "nl", "top")
        # Everyone opens /eten first (not timed): the message their button sits on.
        await asyncio.gather(*(user.send("/eten") for user in users))
        await asyncio.gather(*(user.next_message(timeout=wait) for user in users))
        burst = await tap_all(users, f"meal:su:{meal.id}", wait)
        seated = await services.db.fetchval(
            "SELECT COALESCE(SUM(1 + guests), 0) FROM meal_signups WHERE meal_id = ?"
            " AND status IN ('pending', 'confirmed', 'offered')", (meal.id,))
        waiting = await services.db.fetchval(
            "SELECT COUNT(*) FROM meal_signups WHERE meal_id = ? AND status = 'waiting'",
            (meal.id,))
    finally:
        await stop_app(app)
    return burst, int(seated), int(waiting)


async def _echo_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    button = InlineKeyboardButton("tap", callback_data="x")
    await update.message.reply_text("echo", reply_markup=InlineKeyboardMarkup([[button]]))


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"echo: {query.data}")


async def bench_echo(sandbox: Sandbox, residents: int, wait: float) -> Burst:
    """The same burst against the barest PTB bot: answer the query, edit the message.

    Its connection pool is kept small: with PTB's default of 256, the echo bot opens ~200
    connections at once inside this one event loop and spends seconds on that, which would make
    the baseline look slower than it is (Buurtbot reuses a few connections, paced by its
    database lock). A fast baseline keeps the ratio honest.
    """
    app: Application = (ApplicationBuilder().token(TOKEN).base_url(sandbox.api_url)
                        .base_file_url(sandbox.file_url).concurrent_updates(True)
                        .connection_pool_size(8).build())
    app.add_handler(MessageHandler(filters.TEXT, _echo_start))
    app.add_handler(CallbackQueryHandler(_echo_press))
    await start_polling(app)
    try:
        users = [sandbox.add_user(first_name=f"Echo {i}", language_code="nl")
                 for i in range(residents)]
        await asyncio.gather(*(user.send("/start") for user in users))
        await asyncio.gather(*(user.next_message(timeout=wait) for user in users))
        return await tap_all(users, "x", wait)
    finally:
        await stop_app(app)


def report(name: str, burst: Burst) -> None:
    print(f"{name:>9}: {len(burst.latencies)} taps in {burst.wall:.2f} s = "
          f"{burst.per_second:.0f} updates/s; tap→answer median "
          f"{statistics.median(burst.latencies) * 1000:.0f} ms, "
          f"p99 {percentile(burst.latencies, 99) * 1000:.0f} ms")


def new_sandbox() -> Sandbox:
    return Sandbox(token=TOKEN, bot_username="buurtbot_bench_bot", bot_name="Buurtbot",
                   limits=Limits.off(), max_calls=100_000)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter("ignore")  # PTB's per_message hint for conversations
    # A fresh sandbox of the same kind for each bot, so neither pays for the other's chats.
    sandbox = new_sandbox()
    await sandbox.start(host="127.0.0.1", port=0)
    try:
        with tempfile.TemporaryDirectory() as folder:
            burst, seated, waiting = await bench_buurtbot(
                sandbox, args.residents, args.cap, Path(folder) / "bench.db", args.timeout)
    finally:
        await sandbox.stop()
    sandbox = new_sandbox()
    await sandbox.start(host="127.0.0.1", port=0)
    try:
        echo = await bench_echo(sandbox, args.residents, args.timeout)
    finally:
        await sandbox.stop()
    expected_wait = max(0, args.residents - args.cap)
    print(f"residents: {args.residents}, cap: {args.cap}")
    print(f"seats taken: {seated} (expected {min(args.cap, args.residents)})")
    print(f"waitlisted: {waiting} (expected {expected_wait})")
    report("buurtbot", burst)
    report("echo bot", echo)
    ratio = burst.per_second / echo.per_second if echo.per_second else 0.0
    print(f"ratio buurtbot/echo: {ratio:.2f} (target ≥ 0.50)")
    ok = seated == min(args.cap, args.residents) and waiting == expected_wait
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=200, help="people tapping (200)")
    parser.add_argument("--cap", type=int, default=12, help="seats at the meal (12)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for any one answer (120)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
