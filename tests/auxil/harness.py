"""End-to-end test harness: the real PTB Application, long polling the loopback sandbox.

A test plays residents, volunteers and coordinators as sandbox users, awaits what the bot
answers (no sleeps: the sandbox signals each message) and looks into the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.clock import TZ, FrozenClock
from bot.config import Config, load_config
from bot.context import BuurtApplication
from bot.inbox.telegram import Polling
from bot.jobs import run_ticks
from bot.sandbox import Sandbox, SandboxUser
from bot.services.users import Person

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-TOKEN-abcdefghij"
BOT_USERNAME = "buurtbot_test_bot"
COORDINATOR_ID = 9001
#: Monday 30 November 2026, 09:00 in Amsterdam.
START = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def make_config(sandbox: Sandbox, db_path: Path, **overrides: Any) -> Config:
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    return dataclasses.replace(
        config,
        token=TOKEN,
        api_url=sandbox.api_url,
        file_url=sandbox.file_url,
        database=str(db_path),
        coordinators=frozenset({COORDINATOR_ID}),
        **overrides,
    )


class BotHarness:
    """Starts, stops and restarts the bot; plays people; controls time."""

    def __init__(self, sandbox: Sandbox, config: Config, clock: FrozenClock) -> None:
        self.sandbox = sandbox
        self.config = config
        self.clock = clock
        self.app: BuurtApplication | None = None
        self.polling: Polling | None = None
        #: Set at the moment of a kill (kill_at); crash() finishes it and starts afresh.
        self.killed = False
        self._kill: asyncio.Task[None] | None = None
        self._ticks: set[asyncio.Task[None]] = set()

    @property
    def services(self):
        assert self.app is not None
        return self.app.services

    @property
    def db(self):
        return self.services.db

    async def _start_app(self) -> BuurtApplication:
        """The initialised Application, not yet started (polling or a webhook goes on top)."""
        app = build_application(self.config, clock=self.clock)
        # Tests run ticks themselves (see tick()); the repeating job must not fire on its own.
        await app.initialize()
        if app.post_init:  # run_polling() would do this; we drive the pieces ourselves
            await app.post_init(app)
        assert app.job_queue is not None
        for job in app.job_queue.get_jobs_by_name("tick"):
            job.schedule_removal()
        return app

    async def start(self) -> BuurtApplication:
        app = await self._start_app()
        await app.start()  # first: it handles what the inbox kept, then polling fetches more
        self.polling = Polling(app, timeout=1, first_pause=0.05)
        await self.polling.start()
        self.app = app
        return app

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        if self.polling is not None:
            polling, self.polling = self.polling, None
            await polling.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def restart(self) -> BuurtApplication:
        await self.stop()
        return await self.start()

    async def crash(self) -> BuurtApplication:
        """A stand-in for ``kill -9``, then a fresh start.

        A clean stop writes PTB's persistence one last time (conversation states and drafts);
        a killed process does not. So everything the persistence would write from now on is
        dropped before the bot stops: only what was already in the database survives.
        After :meth:`kill_at` fired, the bot's tasks are already gone: nothing is stopped
        cleanly, the old application is dropped and a fresh one starts on the same database
        (its outbox sender resumes what was queued or in flight).
        """
        if self.killed:
            return await self.restart_after_kill()
        self._freeze_persistence()
        await self.stop()
        return await self.start()

    def kill_at(self, method: str = "sendMessage", n: int = 1, *, delivered: bool = True
                ) -> None:
        """The ``n``-th ``method`` call from now on is the moment the process dies.

        The sandbox delivers that call (or not, ``delivered=False``) and then answers nothing
        any more; at that moment every task of the bot (ticks run by :meth:`tick`, the outbox
        sender, update handlers, polling) is cancelled and persistence and the database are
        frozen, so nothing the process would do after that moment happens. Then ``await
        bot.crash()``.
        """
        def on_kill() -> None:
            self.killed = True
            self._freeze_persistence()
            self._freeze_database()
            self._kill = asyncio.get_running_loop().create_task(self._cancel_bot_tasks())
            self.sandbox.changed.notify()  # whoever waits for ``killed`` looks again

        self.sandbox.faults.kill_at(method, n, delivered=delivered, on_kill=on_kill)

    async def restart_after_kill(self) -> BuurtApplication:
        assert self.killed and self.app is not None
        if self._kill is not None:
            await self._kill
        old, self.app = self.app, None
        self.sandbox.faults.release()  # the dead process's calls are dropped, not answered
        with contextlib.suppress(Exception):
            await old.bot.shutdown()  # closes its HTTP pools; calls nothing
        with contextlib.suppress(Exception):
            if old.job_queue is not None and old.job_queue.scheduler.running:
                old.job_queue.scheduler.shutdown(wait=False)
        await old.services.db.close()  # a dead process's open transaction is rolled back
        self.killed, self._kill = False, None
        return await self.start()

    def _freeze_database(self) -> None:
        assert self.app is not None
        db = self.app.services.db

        async def never(*_args: Any, **_kwargs: Any) -> Any:
            await asyncio.Event().wait()

        @contextlib.asynccontextmanager
        async def frozen() -> Any:
            await asyncio.Event().wait()
            yield None

        db.transaction = frozen  # type: ignore[method-assign]
        for name in ("fetchall", "fetchone", "execute"):
            setattr(db, name, never)

    async def _cancel_bot_tasks(self) -> None:
        """Cancel every task that belongs to the bot (PTB names its own tasks)."""
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks()
                 if task is not current and (task in self._ticks or _of_the_bot(task))]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def kill_when_answered(self, user: Any) -> None:
        """Make the kill happen the moment the bot's next message or edit reaches ``user``:
        nothing the persistence writes after that survives. Then call :meth:`crash`."""
        def on_event(event: dict[str, Any]) -> None:
            message = event.get("message") or {}
            if event.get("type") in ("message", "edit") and event.get("chat_id") == user.id \
                    and message.get("from_bot"):
                unsubscribe()
                self._freeze_persistence()

        unsubscribe = self.sandbox.subscribe(on_event)

    def kill_after_fetch(self) -> asyncio.Event:
        """Make the kill happen the moment the bot has written the next update(s) it fetched
        (or got by webhook) to its inbox: before Telegram is told they arrived and before any
        handler runs. The event is set at that moment; then call :meth:`crash`."""
        return self.services.inbox.kill_after_accept()

    def _freeze_persistence(self) -> None:
        assert self.app is not None and self.app.persistence is not None
        persistence = self.app.persistence
        self.app.services.inbox.freeze()  # a killed process marks no update handled either

        async def dropped(*_args: Any, **_kwargs: Any) -> None:
            return None

        for name in ("update_user_data", "update_chat_data", "update_bot_data",
                     "update_conversation", "update_callback_data", "drop_user_data",
                     "drop_chat_data", "flush"):
            setattr(persistence, name, dropped)

    async def settle(self) -> None:
        """Every update so far fetched by the bot and fully handled, and the notices they
        queued sent (a notice to someone who just got a message waits for their turn — a
        second on Telegram — in the outbox, not in the handler that queued it)."""
        assert self.app is not None
        await self.sandbox.settle()
        await self.app.update_queue.join()
        if not self.killed:  # a killed bot sends nothing more (its database is frozen)
            await self.services.outbox.deliver(broadcasts=False, wait_turns=True)

    async def tick(self, at: datetime | None = None, only: str | None = None) -> None:
        """Move the clock (optionally) and run every feature's scheduled work once."""
        if at is not None:
            self.clock.set(at)
        assert self.app is not None
        # A task of its own, so that a kill (kill_at) can drop it like the rest of the bot.
        task = asyncio.get_running_loop().create_task(run_ticks(self.app, only=only),
                                                      name="harness:tick")
        self._ticks.add(task)
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not (self.killed and task.cancelled()) or (current and current.cancelling()):
                raise
        finally:
            self._ticks.discard(task)

    # --- people ------------------------------------------------------------------------

    def user(self, first_name: str = "Fatima", language_code: str = "nl", **kwargs: Any
             ) -> SandboxUser:
        return self.sandbox.add_user(first_name=first_name, language_code=language_code,
                                     **kwargs)

    async def onboard(self, user: SandboxUser, *, language: str = "Nederlands",
                      room: str | None = "TOP", name: str | None = None) -> None:
        """Walk the real onboarding with buttons, as a person would."""
        await user.send("/start")
        await user.next_message()
        await user.press(language)
        if room is not None:
            await user.next_edit()
            await user.press(room, message=user.last)
        await user.next_edit()
        await user.press(user.last.buttons[0][0])  # "I agree"
        await user.next_edit()
        if name:
            await user.send(name)
        else:
            await user.press(user.last.buttons[0][0])  # "Skip"
        await self.settle()
        user.drain() if hasattr(user, "drain") else None

    async def resident(self, first_name: str = "Fatima", room: str = "top",
                       language: str = "nl", name: str | None = None) -> SandboxUser:
        """A registered resident, created directly through the service (fast)."""
        user = self.user(first_name, language)
        await self.services.users.register(user.id, language, room, display_name=name)
        return user

    async def volunteer(self, first_name: str = "Vera", room: str = "top",
                        language: str = "nl", name: str | None = "Vera") -> SandboxUser:
        """A volunteer on Telegram (the sandbox); a Telegram resident made a volunteer, also
        in a harness whose ``resident`` is on another channel (WhatsApp)."""
        user = await BotHarness.resident(self, first_name, room, language, name)
        person = await self.services.users.get(user.id)
        await self.services.users.update(person, role="volunteer")
        return user

    async def coordinator(self, room: str = "top", language: str = "nl") -> SandboxUser:
        user = self.sandbox.add_user(first_name="Carla", language_code=language,
                                     user_id=COORDINATOR_ID)
        await self.services.users.register(user.id, language, room, display_name="Carla")
        return user

    async def person(self, user: SandboxUser) -> Person | None:
        return await self.services.users.get(user.id)


def _of_the_bot(task: asyncio.Task[Any]) -> bool:
    """A task the bot process runs: PTB's (update fetching, handlers, polling) or the bot's
    own (the outbox sender), judged by the module its coroutine runs in."""
    if task.get_name() == "outbox" or task.get_name().startswith(("Application:", "Updater:")):
        return True
    frame = getattr(task.get_coro(), "cr_frame", None)
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.startswith("telegram") or (module.startswith("bot.")
                                             and not module.startswith("bot.sandbox"))


def assert_each_once(sandbox: Sandbox, recipients: Iterable[SandboxUser], *, contains: str,
                     in_flight_max: int = 1) -> None:
    """After a kill and a restart: every recipient got the message containing ``contains`` at
    least once; at most ``in_flight_max`` of them (the one in flight at the kill) twice."""
    counts = {user.id: sum(1 for m in user.bot_messages if contains in (m.text or m.caption or ""))
              for user in recipients}
    missing = [uid for uid, n in counts.items() if n == 0]
    twice = [uid for uid, n in counts.items() if n > 1]
    assert not missing, f"never got {contains!r}: {missing} (counts {counts})"
    assert len(twice) <= in_flight_max and all(counts[u] == 2 for u in twice), \
        f"got {contains!r} more than once: {twice} (counts {counts})"
