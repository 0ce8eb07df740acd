"""One bot per database: an exclusive lock on ``<database>.lock`` while ``buurtbot run`` runs.

Why: two bots on one database would both send the outbox and fight over Telegram's getUpdates
(409 Conflict). ``fcntl.flock`` is released by the kernel when the process dies, also after
kill -9, so a crash never leaves a stale lock behind. ``buurtbot restore`` uses the same lock to
refuse replacing the database of a running bot.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds the database's lock; the message is one clear line."""


def lock_path(database: str | Path) -> Path:
    path = Path(database)
    return path.with_name(path.name + ".lock")


class InstanceLock:
    def __init__(self, database: str | Path) -> None:
        self.database = str(database)
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise AlreadyRunning(
                f"another buurtbot is already running on {self.database}{who}; stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_running(database: str | Path) -> bool:
    """True when a bot holds the lock of ``database`` right now."""
    path = lock_path(database)
    if not path.exists():
        return False
    try:
        with InstanceLock(database):
            return False
    except AlreadyRunning:
        return True
