"""``buurtbot run`` for real: the console script, configured only through the environment,
long-polls a Bot API server (here the loopback sandbox) and answers a resident.

This is what an operator of a self-hosted Bot API server does with ``BUURTBOT_API_URL``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.app import build_application
from bot.config import load_config
from bot.sandbox import Sandbox
from tests.auxil.harness import TOKEN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "buurtbot.example.toml"


def _command() -> list[str]:
    script = Path(sys.executable).parent / "buurtbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


async def test_run_against_the_sandbox_answers_start(sandbox: Sandbox, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BUURTBOT_CONFIG": str(EXAMPLE),
        "BUURTBOT_TOKEN": TOKEN,
        "BUURTBOT_API_URL": sandbox.api_url,
        "BUURTBOT_DB": str(tmp_path / "run.db"),
        "BUURTBOT_COORDINATORS": "9001",
    }
    process = await asyncio.create_subprocess_exec(
        *_command(), "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = sandbox.add_user(first_name="Fatima", language_code="nl")
        await user.send("/start")
        welcome = await user.next_message(timeout=60)
        assert "Kies uw taal." in welcome.text
        await user.press("Nederlands")
        rooms = await user.next_edit(timeout=30)
        assert "BuurtWerkKamer" in rooms.text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
    methods = {method for method, _params in sandbox.calls}
    assert {"getMe", "getUpdates", "setMyCommands", "sendMessage"} <= methods
    assert (tmp_path / "run.db").exists()


async def test_file_downloads_follow_the_api_url(sandbox: Sandbox, tmp_path: Path) -> None:
    """``BUURTBOT_API_URL`` alone is enough: the file URL is derived from it."""
    config = load_config(EXAMPLE, env={
        "BUURTBOT_TOKEN": TOKEN,
        "BUURTBOT_API_URL": sandbox.api_url,
        "BUURTBOT_DB": str(tmp_path / "files.db"),
    })
    assert config.file_url == sandbox.file_url
    app = build_application(config, rate_limiter=False)
    user = sandbox.add_user(first_name="Fatima")
    sent = await user.send_photo(size=2048, data=b"a photo of a letter")
    async with app.bot:
        file = await app.bot.get_file(sent["photo"][-1]["file_id"])
        assert file.file_path is not None
        assert bytes(await file.download_as_bytearray()) == b"a photo of a letter"
