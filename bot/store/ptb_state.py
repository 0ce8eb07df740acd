"""SQL for what the chat framework keeps between restarts: drafts (``user_data``,
``chat_data``) and the step of every open conversation.

Rows are keyed the way the framework keys them: a user's or chat's Telegram id, and a
conversation's name plus its key (a tuple of ids, stored as a JSON list). The encoding of that
key lives here only, so the persistence layer and the privacy eraser can never disagree on it.
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

#: The table for each kind of data the persistence keeps per id.
_TABLES = {"user": ("ptb_user_data", "user_id"), "chat": ("ptb_chat_data", "chat_id")}


def _table(kind: str) -> tuple[str, str]:
    if kind not in _TABLES:
        raise ValueError(f"no such data: {kind!r}")
    return _TABLES[kind]


async def all_data(conn: aiosqlite.Connection, kind: str) -> list[tuple[int, str]]:
    """Every (id, JSON text) of ``kind`` ("user" or "chat")."""
    table, column = _table(kind)
    cursor = await conn.execute(f"SELECT {column}, data FROM {table}")
    return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def data_of(conn: aiosqlite.Connection, kind: str, key: int) -> dict[str, Any] | None:
    """The data kept for one user or chat, or None."""
    table, column = _table(kind)
    cursor = await conn.execute(f"SELECT data FROM {table} WHERE {column} = ?", (key,))
    row = await cursor.fetchone()
    return json.loads(row[0]) if row else None


async def put_data(conn: aiosqlite.Connection, kind: str, key: int, text: str) -> None:
    table, column = _table(kind)
    await conn.execute(
        f"INSERT INTO {table} ({column}, data) VALUES (?, ?)"
        f" ON CONFLICT ({column}) DO UPDATE SET data = excluded.data",
        (key, text),
    )


async def drop_data(conn: aiosqlite.Connection, kind: str, key: int) -> None:
    table, column = _table(kind)
    await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))


def _key(key: tuple[int | str, ...]) -> str:
    return json.dumps(list(key))


async def conversations(conn: aiosqlite.Connection, name: str
                        ) -> dict[tuple[int | str, ...], object]:
    """The open steps of conversation ``name``: key → state."""
    cursor = await conn.execute(
        "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
    )
    return {tuple(json.loads(row[0])): json.loads(row[1]) for row in await cursor.fetchall()}


async def put_conversation(conn: aiosqlite.Connection, name: str, key: tuple[int | str, ...],
                           state: object) -> None:
    await conn.execute(
        "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)"
        " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
        (name, _key(key), json.dumps(state)),
    )


async def drop_conversation(conn: aiosqlite.Connection, name: str,
                            key: tuple[int | str, ...]) -> None:
    await conn.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?",
                       (name, _key(key)))


async def forget_person(conn: aiosqlite.Connection, telegram_id: int) -> None:
    """Everything kept for one person (/vergeetmij): their drafts, their private chat's data
    and their open conversations (keyed per user, or per chat and user in a private chat,
    whose id is the user's)."""
    await drop_data(conn, "user", telegram_id)
    await drop_data(conn, "chat", telegram_id)
    await conn.execute(
        "DELETE FROM ptb_conversations WHERE key IN (?, ?)",
        (_key((telegram_id, telegram_id)), _key((telegram_id,))),
    )
