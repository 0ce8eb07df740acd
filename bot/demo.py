"""``buurtbot demo``: the real bot on the built-in sandbox, with demo people, no Telegram.

Starts the loopback Telegram sandbox, a fresh demo database (never a real one: it lives in
``demo-data/`` and is deleted at every start), the real Application against it, and demo
people in the three rooms. ``--once`` plays a short scripted walk-through and prints it, which
shows on any machine that everything works.

WhatsApp (issue 14): the sandbox also carries the WhatsApp Cloud API stand-in
(``bot.sandbox.whatsapp``, under ``/wa``); the bot gets a ``[whatsapp]`` table pointed at it
with demo secrets, serves its WhatsApp webhook on a local port (the stand-in posts signed
webhooks there), has its message templates created and approved, and residents on WhatsApp
are demo people too. A build without the WhatsApp channel runs the demo on Telegram alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import OffsetClock
from bot.config import Config, WhatsAppSettings, load_config

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

#: Residents on WhatsApp: (wa_id, first name, language, room, role, name as given). Made-up
#: numbers in the Dutch mobile range (+31 6); they exist only in the stand-in.
WA_PERSONAS = [
    ("31612345678", "Henk", "nl", "top", "resident", "Henk"),
    ("31623456789", "Samira", "ar", "hart", "resident", "Samira"),
]
HENK, SAMIRA = WA_PERSONAS[0][0], WA_PERSONAS[1][0]

#: The stand-in's (and so the bot's) WhatsApp settings: demo secrets, nothing real.
DEMO_WHATSAPP = {
    "access_token": "demo-wa-access-token",
    "phone_number_id": "106540352242922",
    "app_secret": "demo-wa-app-secret",
    "verify_token": "demo-wa-verify-token",
    "business_account_id": "102290129340398",
}
#: The room's WhatsApp number as people see it (a made-up 085 number).
DEMO_WA_NUMBER = "31850001234"


def whatsapp_available() -> bool:
    """This build has both the stand-in and the bot's WhatsApp webhook."""
    try:
        from bot.inbox import whatsapp as inbox
        from bot.sandbox import whatsapp as standin
    except ImportError:
        return False
    return hasattr(inbox, "make_web_app") and hasattr(standin, "WhatsAppStandIn")


def whatsapp_settings(api_url: str) -> WhatsAppSettings:
    """``[whatsapp]`` pointed at the stand-in (``api_url`` = the sandbox's url + ``/wa``)."""
    return WhatsAppSettings(**DEMO_WHATSAPP, api_url=api_url, webhook_host="127.0.0.1",
                            webhook_port=0, display_number=f"+{DEMO_WA_NUMBER}")


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


async def seed(app, sandbox, standin=None) -> dict[int | str, object]:
    """Demo people in the sandbox (and the WhatsApp stand-in) and the database, then the
    features' demo data."""
    from bot.demo_data import seed_features
    from bot.handlers.commands import set_person_commands

    users = app.services.users
    people: dict[int | str, object] = {}
    for user_id, first_name, language, room, role, name in PERSONAS:
        user = sandbox.add_user(first_name=first_name, language_code=language,
                                user_id=user_id)
        person = await users.register(user_id, language, room, display_name=name)
        if role == "volunteer":
            person = await users.update(person, role="volunteer")
        await set_person_commands(app, person)
        people[user_id] = user
    if standin is not None:
        from bot.channels.whatsapp import ids

        for wa_id, first_name, language, room, _role, name in WA_PERSONAS:
            person = standin.person(wa_id, name=first_name)
            person.reads = True  # they read what arrives: the bot sees "read" statuses
            # A WhatsApp chat id where a Telegram id is expected: the person is made with a
            # whatsapp address (the users service's id rule).
            await users.register(ids.chat_id(wa_id), language, room, display_name=name)
            people[wa_id] = person
    await seed_features(app, sandbox, standin)
    return people


@dataclasses.dataclass
class DemoSession:
    """A running demo: the sandbox (with the practice chat page), the bot and its clock."""

    app: Any
    sandbox: Any
    page: Any
    clock: OffsetClock
    people: dict[int | str, object]
    #: The WhatsApp Cloud API stand-in (None: the demo runs on Telegram alone).
    standin: Any = None

    @property
    def url(self) -> str:
        return self.page.url


@contextlib.asynccontextmanager
async def running_demo(config: Config, port: int = 0, start: datetime | None = None,
                       whatsapp: bool = True) -> AsyncIterator[DemoSession]:
    """Sandbox + practice page on 127.0.0.1:``port``, the real bot, demo people and data.

    ``start`` sets the bot's clock (tests use a fixed Monday); by default it is the real time.
    ``whatsapp``: also the WhatsApp side (when this build has it).
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
    # Message times follow the bot's clock, so a clock jump shows in the chat too (and
    # WhatsApp's 24-hour window closes when the clock jumps a day on).
    sandbox.clock = lambda: clock.now().timestamp()
    standin = None
    if whatsapp and whatsapp_available():
        from bot.sandbox.whatsapp import WhatsAppStandIn

        standin = WhatsAppStandIn(
            app_secret=DEMO_WHATSAPP["app_secret"], verify_token=DEMO_WHATSAPP["verify_token"],
            phone_number_id=DEMO_WHATSAPP["phone_number_id"],
            business_account_id=DEMO_WHATSAPP["business_account_id"],
            token=DEMO_WHATSAPP["access_token"], clock=lambda: clock.now().timestamp(),
            display_phone_number=DEMO_WA_NUMBER)
        standin.attach(sandbox)
    await sandbox.start(host="127.0.0.1", port=port)
    config = dataclasses.replace(
        config, api_url=sandbox.api_url, file_url=sandbox.file_url,
        whatsapp=whatsapp_settings(standin.api_url) if standin is not None else None)
    app = build_application(config, clock=clock)
    app.bot_data["demo_clock"] = clock
    stop_webhook: Callable[[], Awaitable[None]] | None = None
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        polling = Polling(app, timeout=5)
        await polling.start()
        try:
            if standin is not None:
                stop_webhook = await start_whatsapp(app, standin)
            people = await seed(app, sandbox, standin)
            page.control = DemoControl(app, sandbox, clock, page, standin)
            if standin is not None:
                page.attach_whatsapp(standin)
            yield DemoSession(app=app, sandbox=sandbox, page=page, clock=clock, people=people,
                              standin=standin)
        finally:
            await polling.stop()
            if stop_webhook is not None:
                standin.webhook_url = None  # the bot stops: the stand-in stops posting to it
                await stop_webhook()
            await app.stop()
            await app.shutdown()
    finally:
        await sandbox.stop()


async def start_whatsapp(app: Any, standin: Any) -> Callable[[], Awaitable[None]]:
    """The bot's WhatsApp webhook on a free local port, the stand-in posting to it, and the
    demo's message templates created (as ``buurtbot whatsapp templates`` does) and approved
    (the stand-in plays Meta's review). Returns how to stop the webhook."""
    from aiohttp import web

    from bot.inbox import whatsapp as inbox

    settings = app.services.config.whatsapp
    runner = web.AppRunner(inbox.make_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    standin.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
    await approve_templates(app, standin)
    return runner.cleanup


async def approve_templates(app: Any, standin: Any) -> None:
    """Every template the bot ships, created in the stand-in and approved there, and the
    bot's own table of them brought up to date: outside the 24-hour window the demo's
    reminders and belronde questions go as templates, as they would for real."""
    try:
        from bot.channels.whatsapp import templates
    except ImportError:
        return
    create_missing = getattr(templates, "create_missing", None)
    sync = getattr(templates, "sync", None)
    if create_missing is None or sync is None:
        return
    await create_missing(app)
    for name in sorted({name for name, _language in standin.templates}):
        standin.approve(name)
    await sync(app)


async def _run(args: argparse.Namespace) -> int:
    config = demo_config(args.config)
    port = args.port if args.port is not None else config.demo_port
    async with running_demo(config, port=0 if args.once else port) as session:
        if args.once:
            await walkthrough(session.sandbox, session.standin)
            return 0
        print(f"Buurtbot demo is running. Open the practice chat in your browser: {session.url}")
        print(f"Bot API for other clients: {session.sandbox.api_url}<token>  (token {DEMO_TOKEN})")
        print("Demo people: " + ", ".join(f"{p[1]} ({p[4]}, {p[3]})" for p in PERSONAS))
        if session.standin is not None:
            print(f"WhatsApp Cloud API stand-in: {session.standin.api_url}  (📱 WhatsApp: "
                  + ", ".join(f"{p[1]} ({p[4]}, {p[3]})" for p in WA_PERSONAS) + ")")
        print("Stop with Ctrl-C.")
        await asyncio.Event().wait()
        return 0


async def walkthrough(sandbox, standin=None) -> None:
    """A newcomer's first minute, printed as a chat transcript; then, with WhatsApp, a
    resident on WhatsApp whose dinner sign-up a volunteer confirms from Telegram."""
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
    if standin is not None:
        await whatsapp_walkthrough(sandbox, standin, show)


#: How long the walk-through waits for one answer (the bot answers at once; a slow machine).
ANSWER_WAIT = 20.0


async def whatsapp_walkthrough(sandbox, standin, show) -> None:
    """Henk writes "Hoi" on WhatsApp and gets the menu; Vera, on Telegram, finds his dinner
    sign-up with "📱 WhatsApp" and confirms it; Henk gets the notice on WhatsApp."""
    henk = standin.people[HENK]
    vera = sandbox.users[7002]
    channel = "📱 WhatsApp"

    def show_wa(message) -> None:
        text = message.plain_text or ""
        if message.template is not None:
            text = f"(📋 {message.template.name}) {text}"
        show(f"Bot → Henk ({channel})", text, [message.buttons] if message.buttons else None)
        if message.rows:
            print(f"      ☰ {message.list_button}: " + " | ".join(message.rows))

    print()
    show(f"Henk ({channel})", "Hoi")
    await henk.send("Hoi")
    show_wa(await henk.next_message(timeout=ANSWER_WAIT))
    for message in henk.drain():
        show_wa(message)

    show("Vera (✈️ Telegram)", "/tafel")
    await vera.send("/tafel")
    table = await vera.next_message(timeout=ANSWER_WAIT)
    show("Bot → Vera", table.text, table.buttons)
    confirm = next((label for row in table.buttons for label in row
                    if label.startswith("✅") and "Henk" in label), None)
    if confirm is None:
        return
    show("Vera", f"(tikt op [{confirm}])")
    await vera.press(confirm)
    table = await vera.next_edit(timeout=ANSWER_WAIT)
    show("Bot → Vera", table.text, table.buttons)
    show_wa(await henk.next_message(timeout=ANSWER_WAIT))


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
