"""`buurtbot run` as the service runs it: one bot per database, a graceful SIGTERM that saves
the conversations, the web port already taken, and the systemd unit checked."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.instance_lock import InstanceLock, is_running
from tests.auxil.harness import ROOT
from tests.auxil.server import write_settings

BUURTBOT = str(Path(sys.executable).with_name("buurtbot"))


async def _spawn(settings: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTBOT_")}
    return await asyncio.create_subprocess_exec(
        BUURTBOT, "--config", str(settings), "run", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def test_a_second_bot_on_the_same_database_is_refused_with_one_line(
        tmp_path: Path, capsys) -> None:
    database = tmp_path / "buurtbot.db"
    settings = write_settings(tmp_path, database)
    with InstanceLock(database):
        assert is_running(database)
        assert cli.main(["--config", str(settings), "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "another buurtbot is already running on" in err and str(os.getpid()) in err
    assert not is_running(database)


async def test_run_stops_gracefully_on_sigterm_and_saves_the_conversation(
        sandbox, tmp_path: Path) -> None:
    database = tmp_path / "buurtbot.db"
    settings = write_settings(tmp_path, database, api_url=sandbox.api_url)
    bot = await _spawn(settings)
    try:
        await sandbox.changed.wait_for(
            lambda: any(name == "getUpdates" for name, _ in sandbox.calls), 60)
        # A second one is refused while the first runs: one line, exit 2.
        second = await _spawn(settings)
        _out, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2
        assert err.decode().strip().startswith("buurtbot: another buurtbot is already running")
        assert len(err.decode().strip().splitlines()) == 1

        fatima = sandbox.add_user("Fatima", language_code="nl")
        await fatima.send("/start")
        assert "taal" in (await fatima.next_message(timeout=30)).text
        await fatima.press("Nederlands")
        await fatima.next_edit(timeout=30)  # "Which room?": a conversation in progress
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 60)
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    assert bot.returncode == 0, (await bot.stderr.read()).decode()[-2000:]
    conn = sqlite3.connect(database)
    saved = conn.execute("SELECT COUNT(*) FROM ptb_conversations").fetchone()[0]
    draft = conn.execute("SELECT data FROM ptb_user_data WHERE user_id = ?",
                         (fatima.id,)).fetchone()
    conn.close()
    assert saved >= 1
    assert draft is not None and '"language": "nl"' in draft[0]
    assert not is_running(database)


async def test_run_with_the_web_port_taken_is_one_line_and_exit_2(
        sandbox, tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        settings = write_settings(tmp_path, tmp_path / "buurtbot.db", api_url=sandbox.api_url,
                                  extra=f"[web]\nport = {port}\n")
        bot = await _spawn(settings)
        _out, err = await asyncio.wait_for(bot.communicate(), 60)
    finally:
        taken.close()
    assert bot.returncode == 2
    lines = [line for line in err.decode().splitlines() if line.startswith("buurtbot:")]
    assert lines == [f"buurtbot: web server cannot listen on 127.0.0.1:{port}: the port is "
                     "already in use (is another program or a second bot using it?); change "
                     "web.port"]
    assert "Traceback" not in err.decode()


def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (apt install systemd) - cannot verify")
    unit = (ROOT / "deploy" / "buurtbot.service").read_text(encoding="utf-8")
    for needed in ("User=buurtbot", "WorkingDirectory=/var/lib/buurtbot",
                   "EnvironmentFile=/etc/buurtbot/env", "Restart=on-failure",
                   "KillSignal=SIGTERM", "ExecStart=/opt/buurtbot/.venv/bin/buurtbot run"):
        assert needed in unit
    # verify checks that ExecStart exists: point it at this checkout's buurtbot.
    local = tmp_path / "buurtbot.service"
    local.write_text(unit.replace("/opt/buurtbot/.venv/bin/buurtbot", BUURTBOT),
                     encoding="utf-8")
    result = subprocess.run([tool, "verify", str(local)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "buurtbot.service" not in result.stderr, result.stderr


def test_the_dockerfile_keeps_the_data_on_a_volume_and_runs_unprivileged() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'VOLUME ["/data"]' in text and "USER buurtbot" in text
    assert "BUURTBOT_DB=/data/buurtbot.db" in text and "STOPSIGNAL SIGTERM" in text
