"""A database the bot cannot use stops ``buurtbot run`` with one line and exit code 2
(issue 12, point 25), as README promises for every start-up failure.

Run through the real console script. The read-only case needs a user the file's permissions
apply to: as root (a container) the bot is started as ``nobody`` with setpriv.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auxil.harness import TOKEN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "buurtbot.example.toml"


def _command() -> list[str]:
    script = Path(sys.executable).parent / "buurtbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _run(db: Path, *, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BUURTBOT_CONFIG": str(EXAMPLE),
        "BUURTBOT_TOKEN": TOKEN,
        "BUURTBOT_API_URL": "http://127.0.0.1:9/bot",  # never reached: the database fails first
        "BUURTBOT_DB": str(db),
    }
    prefix: list[str] = []
    if as_nobody and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file permissions do not apply")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run([*prefix, *_command(), "run"], env=env, cwd=db.parent.parent,
                          capture_output=True, text=True, timeout=120, check=False)


def _assert_one_line(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("buurtbot: database ") and words in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder other users may enter (pytest's own are private to root)."""
    base = Path(tempfile.mkdtemp(prefix="buurtbot-db-"))
    base.chmod(0o755)
    inner = base / "data"
    inner.mkdir()
    inner.chmod(0o755)
    yield inner
    for path in inner.rglob("*"):
        path.chmod(0o755)
    shutil.rmtree(base)


def test_read_only_database(folder: Path) -> None:
    db = folder / "buurtbot.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    db.chmod(0o444)
    _assert_one_line(_run(db, as_nobody=True), "read-only")


def test_database_in_a_folder_that_cannot_be_made(folder: Path) -> None:
    blocker = folder / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    _assert_one_line(_run(blocker / "buurtbot.db"), "folder")


def test_database_in_an_unwritable_folder(folder: Path) -> None:
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    _assert_one_line(_run(locked / "buurtbot.db", as_nobody=True), "")


def test_damaged_database(folder: Path) -> None:
    db = folder / "buurtbot.db"
    db.write_bytes(b"this is not sqlite " * 400)
    _assert_one_line(_run(db), "damaged")
