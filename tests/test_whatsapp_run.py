"""``buurtbot run`` for real with WhatsApp: the console script as a process, its settings in a
file and the secrets in the environment, against the loopback sandbox with the WhatsApp Cloud
API stand-in (``/wa``).

WhatsApp alone starts without one call to Telegram, answers Meta's verify handshake on its
own port, answers a resident and stops cleanly on SIGTERM; both channels run side by side;
a taken webhook port is one line and exit 2 before anything starts; Telegram alone is as it
was. ``buurtbot doctor`` and ``buurtbot whatsapp check`` see the running bot's WhatsApp side.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WhatsAppStandIn
from tests.auxil.harness import BOT_USERNAME, ROOT, TOKEN

BUURTBOT = str(Path(sys.executable).with_name("buurtbot"))
EXAMPLE = ROOT / "buurtbot.example.toml"
STARTED = "buurtbot is running"


@pytest.fixture
async def meta() -> AsyncIterator[tuple[Sandbox, WhatsAppStandIn]]:
    """The sandbox (Telegram) with the WhatsApp stand-in mounted under /wa."""
    sandbox = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                      limits=Limits.off())
    standin = WhatsAppStandIn()
    standin.attach(sandbox)
    standin.limits_off()
    await sandbox.start(host="127.0.0.1", port=0)
    yield sandbox, standin
    await standin.close()
    await sandbox.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _settings(tmp_path: Path, sandbox: Sandbox, standin: WhatsAppStandIn | None, *,
              telegram: bool, port: int = 0) -> Path:
    """The example settings; WhatsApp's ids in the file, its secrets left to the environment."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('database = "buurtbot.db"', f'database = "{tmp_path / "bot.db"}"')
    text = text.replace('api_url = "https://api.telegram.org/bot"',
                        f'api_url = "{sandbox.api_url}"')
    if telegram:
        text = text.replace('token = ""', f'token = "{TOKEN}"')
    if standin is not None:
        text += (f'\n[whatsapp]\nphone_number_id = "{standin.phone_number_id}"\n'
                 f'business_account_id = "{standin.business_account_id}"\n'
                 f'api_url = "{standin.api_url}"\nwebhook_port = {port}\n')
    path = tmp_path / "buurtbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _env(standin: WhatsAppStandIn | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTBOT_")}
    if standin is not None:
        env.update({"BUURTBOT_WHATSAPP_ACCESS_TOKEN": standin.token,
                    "BUURTBOT_WHATSAPP_APP_SECRET": standin.app_secret,
                    "BUURTBOT_WHATSAPP_VERIFY_TOKEN": standin.verify_token})
    return env


class Bot:
    """A ``buurtbot run`` process whose log is read as it comes (the pipe never fills)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def spawn(cls, settings: Path, env: dict[str, str], *args: str) -> Bot:
        process = await asyncio.create_subprocess_exec(
            BUURTBOT, "--config", str(settings), *(args or ("run",)), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            async with self._new:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._new.notify_all()
        async with self._new:
            self.lines.append("")  # end of the log
            self._new.notify_all()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def wait_for_line(self, text: str, timeout: float = 90) -> str:  # noqa: ASYNC109
        async def found() -> str:
            async with self._new:
                while True:
                    for line in self.lines:
                        if text in line:
                            return line
                    if self.lines and self.lines[-1] == "" and self._reader.done():
                        raise AssertionError(f"the bot ended without {text!r}:\n{self.log}")
                    await self._new.wait()
        return await asyncio.wait_for(found(), timeout)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), 60)
        await asyncio.wait_for(self._reader, 30)
        return code

    async def ended(self) -> int:
        """The process ended by itself (a refusal at start)."""
        code = await asyncio.wait_for(self.process.wait(), 60)
        await asyncio.wait_for(self._reader, 30)
        return code

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader, 10)


async def _handshake(port: int, token: str, challenge: str = "4721") -> tuple[int, str]:
    params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/whatsapp", params=params) as response:
        return response.status, await response.text()


async def test_whatsapp_alone_starts_answers_meta_and_a_resident_and_stops_on_sigterm(
        meta: tuple[Sandbox, WhatsAppStandIn], tmp_path: Path) -> None:
    sandbox, standin = meta
    port = _free_port()
    settings = _settings(tmp_path, sandbox, standin, telegram=False, port=port)
    bot = await Bot.spawn(settings, _env(standin))
    try:
        line = await bot.wait_for_line("WhatsApp webhook on")
        assert f"http://127.0.0.1:{port}/whatsapp" in line
        await bot.wait_for_line(STARTED)
        assert "Telegram is off" in bot.log
        # Meta's subscription handshake: the challenge back, a wrong token refused.
        assert await _handshake(port, standin.verify_token) == (200, "4721")
        status, _text = await _handshake(port, "not-the-token")
        assert status == 403
        # A resident writes: the bot answers through the Cloud API (the stand-in).
        standin.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
        henk = standin.person("31612345678", "Henk")
        await henk.send("Hoi")
        first = await henk.next_message(timeout=60)
        assert "Kies uw taal" in first.text or "taal" in first.text.lower(), first
        # doctor, from another process, sees the WhatsApp side of the running bot.
        doctor = await Bot.spawn(settings, _env(standin), "doctor")
        assert doctor.process.stdout is not None
        out = (await asyncio.wait_for(doctor.process.stdout.read(), 60)).decode()
        await doctor.ended()  # (1: "last tick: never recorded", the bot started just now)
        assert f"OK   whatsapp webhook: http://127.0.0.1:{port}/whatsapp answers Meta's " \
               "verify handshake" in out, out
        assert "OK   whatsapp number: 31850001234 (Buurtbot)" in out, out
        assert "OK   last WhatsApp message:" in out, out
        assert "OK   clock sync: " in out and "from Meta's clock" in out, out
        assert "token:" not in out and "last contact with Telegram" not in out, out
        assert standin.token not in out and standin.app_secret not in out
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-3000:]
    assert "Traceback" not in bot.log, bot.log[-3000:]
    assert list(sandbox.calls) == [], "WhatsApp alone made calls to Telegram"
    # The webhook's port is free again, and the resident's message was kept and handled.
    with socket.socket() as again:  # (as the bot binds it: past connections' TIME_WAIT)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
    conn = sqlite3.connect(tmp_path / "bot.db")
    rows = conn.execute("SELECT state FROM inbox WHERE channel = 'whatsapp'").fetchall()
    conn.close()
    assert rows and all(state == "handled" for (state,) in rows)


async def test_both_channels_run_side_by_side(meta: tuple[Sandbox, WhatsAppStandIn],
                                              tmp_path: Path) -> None:
    sandbox, standin = meta
    port = _free_port()
    settings = _settings(tmp_path, sandbox, standin, telegram=True, port=port)
    bot = await Bot.spawn(settings, _env(standin))
    try:
        await bot.wait_for_line(STARTED)
        assert await _handshake(port, standin.verify_token, "99") == (200, "99")
        fatima = sandbox.add_user("Fatima", language_code="nl")
        await fatima.send("/start")
        assert "taal" in (await fatima.next_message(timeout=60)).text
        standin.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
        henk = standin.person("31612345679", "Henk")
        await henk.send("Hoi")
        assert (await henk.next_message(timeout=60)).text
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-3000:]
    assert "Traceback" not in bot.log
    assert any(method == "getUpdates" for method, _ in sandbox.calls)


async def test_a_taken_webhook_port_is_one_line_and_exit_2_before_anything_starts(
        meta: tuple[Sandbox, WhatsAppStandIn], tmp_path: Path) -> None:
    sandbox, standin = meta
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        settings = _settings(tmp_path, sandbox, standin, telegram=True, port=port)
        bot = await Bot.spawn(settings, _env(standin))
        code = await bot.ended()
    finally:
        taken.close()
    assert code == 2
    lines = [line for line in bot.lines if line.startswith("buurtbot:")]
    assert lines == [f"buurtbot: the WhatsApp webhook cannot listen on 127.0.0.1:{port}: the "
                     "port is already in use (is another program or a second bot using it?); "
                     "change whatsapp.webhook_port (BUURTBOT_WHATSAPP_WEBHOOK_PORT)"]
    assert "Traceback" not in bot.log
    assert list(sandbox.calls) == []  # refused before the bot said a word to Telegram


async def test_telegram_alone_is_unchanged(meta: tuple[Sandbox, WhatsAppStandIn],
                                           tmp_path: Path) -> None:
    sandbox, _standin = meta
    settings = _settings(tmp_path, sandbox, None, telegram=True)
    bot = await Bot.spawn(settings, _env(None))
    try:
        await bot.wait_for_line(STARTED)
        fatima = sandbox.add_user("Fatima", language_code="nl")
        await fatima.send("/start")
        assert "Kies uw taal." in (await fatima.next_message(timeout=60)).text
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.kill()
    assert code == 0, bot.log[-3000:]
    assert "WhatsApp" not in bot.log and "Traceback" not in bot.log
    assert {"getMe", "getUpdates", "sendMessage"} <= {m for m, _ in sandbox.calls}
