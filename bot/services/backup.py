"""Backups of the SQLite database: consistent, verified, named by date, rotated, encrypted.

Why SQLite's online backup API and not a file copy: the bot keeps writing (WAL mode) while the
copy is made, and a copied file can be torn between pages; ``Connection.backup`` copies one
consistent snapshot. Every copy is checked with ``PRAGMA integrity_check`` before it replaces
anything, and is written to a temporary name first, so a full disk leaves the older backups as
they were and only reports the failure.

Encrypted backups use ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256) with a key derived
from the passphrase by scrypt; the file starts with a readable magic line and the salt.

Nothing here knows Telegram; ``buurtbot backup``/``restore``, the nightly tick and migrations at
start all call these functions (synchronous: run them in a thread from async code).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.store import maintenance
from bot.store.db import migration_files

MAGIC = b"BUURTBOT-BACKUP-FERNET-SCRYPT-1\n"
SALT_BYTES = 16
PLAIN_SUFFIX = ".db"
ENCRYPTED_SUFFIX = ".db.enc"
#: buurtbot-2026-11-30-030000.db(.enc): the date first, so a listing sorts by age. The one
#: taken before migrations carries UPGRADE_TAG: it is the way back to the old code.
NAME = re.compile(r"^buurtbot-(\d{4}-\d{2}-\d{2})-(\d{6})(-before-upgrade)?\.db(\.enc)?$")
UPGRADE_TAG = "-before-upgrade"
PASSPHRASE_ENV = "BUURTBOT_BACKUP_PASSPHRASE"


class BackupError(Exception):
    """A backup or restore that could not be done; the message is one clear line."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    day: date
    stamp: str  # HHMMSS
    before_upgrade: bool = False

    @property
    def encrypted(self) -> bool:
        return self.path.name.endswith(ENCRYPTED_SUFFIX)


def code_schema_version() -> int:
    """The newest migration this code knows."""
    return max(number for number, _name, _sql in migration_files())


def backup_name(now: datetime, encrypted: bool, before_upgrade: bool = False) -> str:
    return (f"buurtbot-{now:%Y-%m-%d}-{now:%H%M%S}{UPGRADE_TAG if before_upgrade else ''}"
            f"{ENCRYPTED_SUFFIX if encrypted else PLAIN_SUFFIX}")


def list_backups(folder: str | Path) -> list[BackupFile]:
    """Our backups in ``folder``, oldest first (other files are left alone)."""
    found = []
    path = Path(folder)
    if not path.is_dir():
        return []
    for entry in path.iterdir():
        match = NAME.match(entry.name)
        if match and entry.is_file():
            found.append(BackupFile(entry, date.fromisoformat(match.group(1)), match.group(2),
                                    bool(match.group(3))))
    return sorted(found, key=lambda b: (b.day, b.stamp, b.path.name))


# --- encryption ------------------------------------------------------------------------------


def _fernet(passphrase: str, salt: bytes):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(data: bytes, passphrase: str) -> bytes:
    salt = os.urandom(SALT_BYTES)
    return MAGIC + salt + _fernet(passphrase, salt).encrypt(data)


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def decrypt(blob: bytes, passphrase: str) -> bytes:
    from cryptography.fernet import InvalidToken

    if not is_encrypted(blob):
        raise BackupError("not an encrypted Buurtbot backup")
    if not passphrase:
        raise BackupError(f"this backup is encrypted: set {PASSPHRASE_ENV} to its passphrase")
    salt = blob[len(MAGIC):len(MAGIC) + SALT_BYTES]
    try:
        return _fernet(passphrase, salt).decrypt(blob[len(MAGIC) + SALT_BYTES:])
    except InvalidToken:
        raise BackupError("wrong passphrase (or the file is damaged)") from None


# --- checking ----------------------------------------------------------------------------------


def check_database(path: str | Path, name: str | None = None) -> int:
    """Integrity and schema version of a database file; returns its schema version.

    Raises :class:`BackupError` when the file is not a sound SQLite database of ours, or when
    it comes from newer code than this one (restoring it would lose what the newer code wrote).
    ``name`` is how messages call the file (default: its own name). Only for copies nobody
    else writes: opened immutable, so even a copy in WAL mode leaves no -wal/-shm files behind.
    """
    name = name or Path(path).name
    try:
        conn = maintenance.open_read_only(path, immutable=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None
    try:
        try:
            problems = maintenance.integrity_problems(conn)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{name} is not a database ({exc})") from None
        if problems != ["ok"]:
            raise BackupError(f"{name} is damaged: {problems[0]}")
        try:
            version = maintenance.schema_version(conn)
        except sqlite3.Error:
            raise BackupError(f"{name} is not a Buurtbot database") from None
    finally:
        conn.close()
    if version is None:
        raise BackupError(f"{name} is not a Buurtbot database")
    if version > code_schema_version():
        raise BackupError(
            f"{name} has schema version {version}, newer than this code "
            f"({code_schema_version()}): update Buurtbot first")
    return int(version)


# --- making ------------------------------------------------------------------------------------


def make_backup(database: str | Path, folder: str | Path, now: datetime, *,
                passphrase: str | None = None, before_upgrade: bool = False) -> Path:
    """A verified copy of ``database`` in ``folder``; returns its path.

    Written under a temporary name and renamed only when complete and checked: a failure (a
    full disk, say) removes the partial file and raises :class:`BackupError`; older backups are
    never touched here (see :func:`rotate`).
    """
    if not Path(database).exists():
        raise BackupError(f"database not found: {database}")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {out}: {exc.strerror}") from None
    final = out / backup_name(now, bool(passphrase), before_upgrade)
    fd, tmp_name = tempfile.mkstemp(prefix=".buurtbot-backup-", suffix=".partial", dir=out)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            maintenance.snapshot(database, tmp)
        except sqlite3.Error as exc:
            raise BackupError(f"copy failed: {exc}") from None
        check_database(tmp)
        if passphrase:
            sealed = encrypt(tmp.read_bytes(), passphrase)
            with open(tmp, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
        else:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, final)
        with contextlib.suppress(OSError):  # the rename itself on disk
            dir_fd = os.open(out, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise BackupError(f"writing {final.name} failed: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return final


def rotate(folder: str | Path, daily: int, weekly: int, today: date) -> list[Path]:
    """Keep the newest backup of each of the last ``daily`` days and of each of the last
    ``weekly`` ISO weeks; remove the others. Returns what was removed.

    A backup taken before an upgrade is not one of these: a nightly one made minutes later
    (already in the new schema, which the old code cannot read) must not push it out. It is
    kept as long as erased data may stay in backups (``max(daily, weekly * 7 + 6)`` days).
    """
    window = max(daily, weekly * 7 + 6)
    everything = list_backups(folder)
    backups = [b for b in everything if not b.before_upgrade]
    keep: set[Path] = {b.path for b in everything
                       if b.before_upgrade and (today - b.day).days <= window}
    newest_of_day: dict[date, BackupFile] = {}
    newest_of_week: dict[tuple[int, int], BackupFile] = {}
    for backup in backups:  # oldest first: later ones overwrite
        newest_of_day[backup.day] = backup
        newest_of_week[backup.day.isocalendar()[:2]] = backup
    for day in sorted(newest_of_day, reverse=True)[:daily]:
        keep.add(newest_of_day[day].path)
    for week in sorted(newest_of_week, reverse=True)[:weekly]:
        keep.add(newest_of_week[week].path)
    removed = []
    for backup in everything:
        if backup.path not in keep and backup.day <= today:
            with contextlib.suppress(OSError):
                backup.path.unlink()
                removed.append(backup.path)
    return removed


# --- restoring ---------------------------------------------------------------------------------


def prepare_restore(backup: str | Path, work_dir: str | Path, passphrase: str | None) -> Path:
    """Decrypt (if needed) and check ``backup``; returns a checked plain copy in ``work_dir``."""
    source = Path(backup)
    if not source.is_file():
        raise BackupError(f"file not found: {backup}")
    with open(source, "rb") as handle:
        head = handle.read(len(MAGIC))
    plain = Path(work_dir) / (source.name + ".restoring")
    try:
        plain.touch(mode=0o600)  # personal data: readable by the bot's user only
        if is_encrypted(head):
            plain.write_bytes(decrypt(source.read_bytes(), passphrase or ""))
        else:
            plain.write_bytes(source.read_bytes())
        check_database(plain, source.name)
    except BaseException:
        with contextlib.suppress(OSError):
            plain.unlink()
        raise
    return plain


def install_restored(plain: Path, database: str | Path, now: datetime) -> Path | None:
    """Put a checked copy in place of ``database``; the old file is kept beside it.

    Returns where the previous database was moved to (None if there was none). The caller has
    made sure no bot is running on ``database``.
    """
    target = Path(database)
    previous = None
    if target.exists():
        previous = target.with_name(f"{target.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        os.replace(target, previous)
    for suffix in ("-wal", "-shm"):  # journal files of the old database must not be replayed
        stale = target.with_name(target.name + suffix)
        if stale.exists():
            os.replace(stale, (previous or target).with_name(
                (previous or target).name + suffix))
    os.replace(plain, target)
    return previous
