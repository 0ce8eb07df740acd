"""In-memory file store: file_id -> bytes (or only a declared size), like Telegram's.

Telegram hands out opaque ``file_id`` / ``file_unique_id`` strings and a
``file_path`` for downloads; re-sending by file_id must work, unknown ids fail.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from bot.sandbox.state import FileRecord


class FileStore:
    """All files uploaded by the bot or by fake users."""

    def __init__(self) -> None:
        self.by_id: dict[str, FileRecord] = {}
        self.by_path: dict[str, FileRecord] = {}
        self._seq = itertools.count(1)

    def add(
        self,
        kind: str,
        ext: str,
        *,
        data: bytes | None = None,
        size: int | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> FileRecord:
        """Store a file; ``size`` is taken from ``data`` when given."""
        n = next(self._seq)
        token = secrets.token_hex(6)
        rec = FileRecord(
            file_id=f"SBX{kind[:3].upper()}{n:06d}{token}",
            file_unique_id=f"U{n:06d}{token[:4]}",
            file_path=f"{kind}/file_{n}.{ext}",
            size=len(data) if data is not None else int(size or 0),
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.by_id[rec.file_id] = rec
        self.by_path[rec.file_path] = rec
        return rec

    def get(self, file_id: str) -> FileRecord | None:
        return self.by_id.get(file_id)

    @staticmethod
    def file_dict(rec: FileRecord) -> dict[str, Any]:
        """Document/Voice-like fields (``file_name``/``mime_type`` when known)."""
        out: dict[str, Any] = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.size,
        }
        if rec.file_name:
            out["file_name"] = rec.file_name
        if rec.mime_type:
            out["mime_type"] = rec.mime_type
        return out

    @staticmethod
    def photo_size(rec: FileRecord, width: int, height: int) -> dict[str, Any]:
        return {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.size,
            "width": width,
            "height": height,
        }
