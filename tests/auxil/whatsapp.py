"""The WhatsApp harness: the real bot with ``[whatsapp]`` pointing at the loopback stand-in.

``wa`` (fixture, registered in tests/conftest.py) is a :class:`WaHarness`: a
:class:`~tests.auxil.harness.BotHarness` (Telegram polling the sandbox as ever, so a Telegram
volunteer works in the same bot) plus the WhatsApp Cloud API stand-in mounted on the same
sandbox under ``/wa``, the bot's WhatsApp webhook served on an ephemeral 127.0.0.1 port
(``standin.webhook_url`` set; set again after every restart) and one frozen clock shared with
the stand-in (its 24-hour window follows the test's time).

    henk = await wa.resident("Henk", room="top", language="nl")   # onboarded for real
    await henk.send("eten"); await wa.settle(); henk.last.text ...
    vera = await wa.volunteer("Vera")                               # a Telegram volunteer
    fatima = await wa.telegram_resident("Fatima")                   # a Telegram resident
    stranger = wa.person("Els")                                     # not onboarded yet
    await wa.wa_person(henk)                                        # the bot's Person

``wa_alone`` is the same without Telegram (no token: ``app.bot`` is the bridge bot).
The bot's WhatsApp pacing runs ``pace_scale`` (100) times faster than Meta's; a test of the
pacing itself sets ``wa.pace_scale = 1`` and restarts. Faults, templates and the window are
the stand-in's: ``wa.standin.fail_next(...)``, ``wa.standin.approve(...)``, ``henk.window_open``.

``await wa.settle()``: every webhook posted so far answered and handled, every update handled,
the outbox idle — and again, until nothing moves (a send posts status webhooks). No sleeps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import FrozenClock
from bot.config import WhatsAppSettings
from bot.context import BuurtApplication
from bot.sandbox import Limits, Sandbox
from tests.auxil.harness import BOT_USERNAME, TOKEN, BotHarness, make_config

#: Numbers handed out by :meth:`WaHarness.person` (Dutch mobile numbers).
_NUMBERS = itertools.count(31612340001)
#: Rounds of "wait for everything" before settle() gives up (a loop that never ends).
_ROUNDS = 50


#: The stand-in's codes for a message object Meta would refuse as built (a length, a shape,
#: an interactive value; a template's parameters): the bot must never send one (issue 14:
#: "never sends something WhatsApp will refuse"). Refusals a test provokes on purpose
#: (window, limits, fail_next, unknown templates) have other codes; a media object that is
#: gone at Meta (a GET, code 100) is not a message the bot built.
PAYLOAD_REFUSALS = frozenset({100, 131008, 131009, 132000, 132012})


def assert_meta_refused_no_payload(standin: Any) -> None:
    """After every test through the stand-in: nothing the bot built was refused."""
    refused = [error for error in standin.errors
               if error[1] in PAYLOAD_REFUSALS and str(error[0]).endswith("/messages")]
    assert not refused, f"the stand-in refused what the bot sent: {refused}"


def whatsapp_settings(standin: Any, **overrides: Any) -> WhatsAppSettings:
    return WhatsAppSettings(
        access_token=standin.token, phone_number_id=standin.phone_number_id,
        app_secret=standin.app_secret, verify_token=standin.verify_token,
        business_account_id=standin.business_account_id, api_url=standin.api_url,
        webhook_host="127.0.0.1", webhook_port=0, **overrides)


class WaHarness(BotHarness):
    """BotHarness + the WhatsApp webhook + the stand-in's people."""

    def __init__(self, sandbox: Sandbox, config: Any, clock: FrozenClock, standin: Any) -> None:
        super().__init__(sandbox, config, clock)
        self.standin = standin
        self._runner: web.AppRunner | None = None
        self.webhook_port = 0
        #: How much faster than Meta's the bot's WhatsApp pacing runs (see start()).
        self.pace_scale = 100.0

    # --- running --------------------------------------------------------------------------
    async def start(self) -> BuurtApplication:
        if self.config.telegram:
            app = await super().start()
        else:  # WhatsApp alone: no Telegram polling (app.bot is the bridge bot)
            app = await self._start_app()
            await app.start()
            self.app = app
        if self.pace_scale != 1.0 and getattr(app, "whatsapp", None) is not None:
            # Meta's pair rate (6 s between two messages to one person) sped up: the same
            # rules, in test time (a test of the pacing itself sets pace_scale = 1)
            app.whatsapp.set_speed(None, self.pace_scale)
        await self._serve(app)
        return app

    async def _serve(self, app: BuurtApplication) -> None:
        from bot.inbox.whatsapp import make_web_app

        site_app = make_web_app(app)
        self._runner = web.AppRunner(site_app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.webhook_port = self._runner.addresses[0][1]
        path = self.config.whatsapp.webhook_path
        self.standin.webhook_url = f"http://127.0.0.1:{self.webhook_port}{path}"

    @property
    def webhook(self) -> Any:
        """The running :class:`bot.inbox.whatsapp.Webhook` (its tasks)."""
        assert self._runner is not None
        from bot.inbox.whatsapp import HOOK

        return self._runner.app[HOOK]

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        await super().stop()

    async def restart_after_kill(self) -> BuurtApplication:
        """After ``kill_at`` (a Telegram method, or the stand-in's
        ``bot.sandbox.whatsapp.standin.KILL_SEND``): the dead bot's webhook and WhatsApp
        client go, a fresh bot starts on the same database."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        old = getattr(self.app, "whatsapp", None)
        if old is not None:
            self.sandbox.faults.release()  # its hanging calls are dropped first
            with contextlib.suppress(Exception):
                await old.close()
        return await super().restart_after_kill()

    async def settle(self) -> None:
        """Everything posted, handled and sent, until nothing moves any more."""
        for _ in range(_ROUNDS):
            await self.standin.settle()
            if self._runner is not None:
                await self.webhook.settle()
            assert self.app is not None
            await self.sandbox.settle()
            await self.app.update_queue.join()
            await self.services.outbox.deliver(broadcasts=True, wait_turns=True)
            if self.standin.webhooks.idle and (self._runner is None
                                               or not self.webhook.tasks) \
                    and not await self._outbox_due():
                return
        raise AssertionError("the bot and the stand-in did not settle")

    async def _outbox_due(self) -> int:
        """Rows due now or being sent (a final hook may queue a notice after a send ended:
        the next round sends it)."""
        from bot.clock import to_db

        return await self.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE state = 'sending'"
            " OR (state = 'queued' AND next_at <= ?)", (to_db(self.services.clock.now()),))

    # --- people ---------------------------------------------------------------------------
    def person(self, name: str | None = "Henk", wa_id: str | None = None) -> Any:
        """A WhatsApp person of the stand-in (a fresh number unless ``wa_id``)."""
        return self.standin.person(wa_id or str(next(_NUMBERS)), name)

    async def resident(self, name: str = "Henk", room: str | None = "top",
                       language: str = "nl", *, wa_id: str | None = None) -> Any:
        """A WhatsApp resident onboarded through the real flow: "Hoi", the language, the
        room, the privacy statement, (no) name; what the bot said is drained."""
        from bot.i18n import LANGUAGES

        person = self.person(name, wa_id)
        await person.send("Hoi")
        await self.settle()
        await person.tap(LANGUAGES[language])
        await self.settle()
        if room is not None:
            await person.tap(_choice_starting(person, self.config.rooms[room].name))
            await self.settle()
        await person.tap(_first_choice(person))  # "I agree"
        await self.settle()
        await person.tap(_first_choice(person))  # "Skip" the name
        await self.settle()
        person.drain()
        return person

    async def telegram_resident(self, first_name: str = "Fatima", room: str = "top",
                                language: str = "nl", name: str | None = None) -> Any:
        """A registered resident on Telegram (a sandbox user), made through the service."""
        return await BotHarness.resident(self, first_name, room, language, name)

    async def wa_person(self, person: Any) -> Any:
        """The bot's Person behind a stand-in person (None: not registered)."""
        from bot.channels.whatsapp import ids

        return await self.services.users.get(ids.chat_id(person.wa_id))


def _choice_starting(person: Any, start: str) -> str:
    """The title of the newest button or list row that starts with ``start`` (room buttons
    carry the area after the name, maybe shortened to WhatsApp's 20/24 characters)."""
    for message in reversed(person.messages):
        for title in [*message.buttons, *(getattr(message, "rows", None) or ())]:
            if title.startswith(start) or start.startswith(title.rstrip("…")):
                return title
    raise AssertionError(f"no choice starting {start!r}; last: {person.last}")


def _first_choice(person: Any) -> str:
    for message in reversed(person.messages):
        if message.buttons:
            return message.buttons[0]
        if getattr(message, "rows", None):
            return message.rows[0]
    raise AssertionError(f"no choice shown; last: {person.last}")


async def make_wa_harness(tmp_path: Path, clock: FrozenClock, *, telegram: bool = True,
                          **whatsapp: Any) -> tuple[WaHarness, Sandbox]:
    """A sandbox with the stand-in attached, and a harness for it (not started yet).
    ``telegram=False``: the bot runs on WhatsApp alone (no token)."""
    from bot.sandbox.whatsapp import WhatsAppStandIn

    sandbox = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                      limits=Limits.off())
    standin = WhatsAppStandIn(clock=lambda: clock.now().timestamp())
    standin.attach(sandbox)
    standin.limits_off()
    await sandbox.start(host="127.0.0.1", port=0)
    config = dataclasses.replace(make_config(sandbox, tmp_path / "buurtbot.db"),
                                 whatsapp=whatsapp_settings(standin, **whatsapp))
    if not telegram:
        config = dataclasses.replace(config, token="")
    return WaHarness(sandbox, config, clock, standin), sandbox


@contextlib.asynccontextmanager
async def running(harness: WaHarness, box: Sandbox, *, check: bool = True
                  ) -> AsyncIterator[WaHarness]:
    """``harness`` (of :func:`make_wa_harness`) started; afterwards stopped, with its stand-in
    and sandbox ``box``, and (``check``) nothing the bot built refused by the stand-in."""
    await harness.start()
    yield harness
    await harness.stop()
    await harness.standin.close()
    await box.stop()
    if check:
        assert_meta_refused_no_payload(harness.standin)
