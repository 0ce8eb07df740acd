"""``buurtbot demo``: the real bot on the built-in sandbox, with demo people, no Telegram.

Starts the loopback Telegram sandbox, a fresh demo database (never a real one: it lives in
``demo-data/`` and is deleted at every start), the real Application against it, and demo
people in the three rooms. ``--once`` plays a short scripted walk-through and prints it, which
shows on any machine that everything works.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import OffsetClock
from bot.config import Config, load_config

DEMO_TOKEN = "424242:DEMO-TOKEN-buurtbot-sandbox"
DEMO_BOT_USERNAME = "buurtbot_demo_bot"
DEMO_COORDINATOR_ID = 7001
DEMO_DIR = Path("demo-data")
ROOT = Path(__file__).resolve().parent.parent

#: (Telegram id, first name, language, room, role, name as given)
PERSONAS = [
    (DEMO_COORDINATOR_ID, "Carla", "nl", "top", "coordinator", "Carla"),
    (7002, "Vera", "nl", "top", "volunteer", "Vera"),
    (7003, "Fatima", "nl", "top", "resident", "Fatima"),
    (7004, "Ahmed", "ar", "hart", "resident", "Ahmed"),
    (7005, "Ayşe", "tr", "verbinding", "resident", "Ayşe"),
    (7006, "John", "en", "top", "resident", None),
]


def demo_config(path: str | None = None) -> Config:
    """The example settings (or the given file), pointed at a fresh demo database."""
    source = path or os.environ.get("BUURTBOT_CONFIG")
    if source is None or not Path(source).exists():
        source = str(ROOT / "buurtbot.example.toml")
    config = load_config(source, env={})
    return dataclasses.replace(
        config,
        token=DEMO_TOKEN,
        database=str(DEMO_DIR / "demo.db"),
        coordinators=frozenset({DEMO_COORDINATOR_ID}),
    )


async def seed(app, sandbox) -> dict[int, object]:
    """Demo people in the sandbox and the database, then the features' demo data."""
    from bot.demo_data import seed_features
    from bot.handlers.commands import set_person_commands

    users = app.services.users
    people = {}
    for user_id, first_name, language, room, role, name in PERSONAS:
        user = sandbox.add_user(first_name=first_name, language_code=language,
                                user_id=user_id)
        person = await users.register(user_id, language, room, display_name=name)
        if role == "volunteer":
            person = await users.update(person, role="volunteer")
        await set_person_commands(app, person)
        people[user_id] = user
    await seed_features(app, sandbox)
    return people


@dataclasses.dataclass
class DemoSession:
    """A running demo: the sandbox (with the practice chat page), the bot and its clock."""

    app: Any
    sandbox: Any
    page: Any
    clock: OffsetClock
    people: dict[int, object]

    @property
    def url(self) -> str:
        return self.page.url


@contextlib.asynccontextmanager
async def running_demo(config: Config, port: int = 0,
                       start: datetime | None = None) -> AsyncIterator[DemoSession]:
    """Sandbox + practice page on 127.0.0.1:``port``, the real bot, demo people and data.

    ``start`` sets the bot's clock (tests use a fixed Monday); by default it is the real time.
    """
    from bot.app import build_application
    from bot.demo_control import DemoControl
    from bot.inbox.telegram import Polling
    from bot.sandbox import Limits, Sandbox
    from bot.sandbox.page import PracticePage

    sandbox = Sandbox(token=DEMO_TOKEN, bot_username=DEMO_BOT_USERNAME, bot_name="Buurtbot",
                      limits=Limits())
    page = PracticePage(sandbox)
    sandbox.mount(page.setup)
    clock = OffsetClock()
    if start is not None:
        clock.jump_to(start)
    # Message times follow the bot's clock, so a clock jump shows in the chat too.
    sandbox.clock = lambda: clock.now().timestamp()
    await sandbox.start(host="127.0.0.1", port=port)
    config = dataclasses.replace(config, api_url=sandbox.api_url, file_url=sandbox.file_url)
    app = build_application(config, clock=clock)
    app.bot_data["demo_clock"] = clock
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        polling = Polling(app, timeout=5)
        await polling.start()
        try:
            people = await seed(app, sandbox)
            page.control = DemoControl(app, sandbox, clock, page)
            yield DemoSession(app=app, sandbox=sandbox, page=page, clock=clock, people=people)
        finally:
            await polling.stop()
            await app.stop()
            await app.shutdown()
    finally:
        await sandbox.stop()


async def _run(args: argparse.Namespace) -> int:
    config = demo_config(args.config)
    port = args.port if args.port is not None else config.demo_port
    async with running_demo(config, port=0 if args.once else port) as session:
        if args.once:
            await walkthrough(session.sandbox)
            return 0
        print(f"Buurtbot demo is running. Open the practice chat in your browser: {session.url}")
        print(f"Bot API for other clients: {session.sandbox.api_url}<token>  (token {DEMO_TOKEN})")
        print("Demo people: " + ", ".join(f"{p[1]} ({p[4]}, {p[3]})" for p in PERSONAS))
        print("Stop with Ctrl-C.")
        await asyncio.Event().wait()
        return 0


async def walkthrough(sandbox) -> None:
    """A newcomer's first minute, printed as a chat transcript."""
    newcomer = sandbox.add_user(first_name="Noor", language_code="nl")

    def show(who: str, text: str, buttons: list[list[str]] | None = None) -> None:
        print(f"{who}: {text}")
        for row in buttons or []:
            print("      " + "  ".join(f"[{label}]" for label in row))

    async def say(text: str) -> None:
        show("Noor", text)
        await newcomer.send(text)

    async def press(label: str) -> None:
        show("Noor", f"(tikt op [{label}])")
        await newcomer.press(label)

    await say("/start")
    message = await newcomer.next_message()
    show("Bot", message.text, message.buttons)
    await press("Nederlands")
    message = await newcomer.next_edit()
    show("Bot", message.text, message.buttons)
    await press(message.buttons[0][0])
    message = await newcomer.next_edit()
    show("Bot", message.text, message.buttons)
    await press(message.buttons[0][0])
    message = await newcomer.next_edit()
    show("Bot", message.text, message.buttons)
    await say("Noor")
    for _ in range(2):
        message = await newcomer.next_message()
        show("Bot", message.text, message.buttons)


def fresh_demo_dir() -> None:
    """Never reuse old demo data (and never touch a real database)."""
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)


def run_demo(args: argparse.Namespace) -> int:
    fresh_demo_dir()
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print("\nDemo stopped.")
        return 0
