"""PTB persistence in our own SQLite database.

Unfinished conversations (ConversationHandler states) and their drafts (``user_data``) survive a
restart. Only JSON goes in: service objects and other live things can never end up persisted.
The application writes after every handled update (``BuurtApplication.process_update``), so
what did not change is not written again: the last JSON written per user and chat is kept.
bot_data is not persisted (the application holds services itself); callback data are plain
strings, so there is nothing to persist for them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict

from bot.store.db import Database


class SqlitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, db: Database, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        #: (table, id) -> the JSON last read or written, to skip writes that change nothing
        self._written: dict[tuple[str, int], str] = {}

    # --- user data ----------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        rows = await self.db.fetchall("SELECT user_id, data FROM ptb_user_data")
        for row in rows:
            self._written["user", row[0]] = row[1]
        return defaultdict(dict, {row[0]: json.loads(row[1]) for row in rows})

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        text = json.dumps(data, default=str)
        last = self._written.get(("user", user_id))
        if last == text or (last is None and not data):
            return  # unchanged, or nothing to keep (also: just erased by /vergeetmij)
        await self.db.execute(
            "INSERT INTO ptb_user_data (user_id, data) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            (user_id, text),
        )
        self._written["user", user_id] = text

    async def drop_user_data(self, user_id: int) -> None:
        self._written.pop(("user", user_id), None)
        await self.db.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (user_id,))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    # --- chat data ----------------------------------------------------------------------
    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        rows = await self.db.fetchall("SELECT chat_id, data FROM ptb_chat_data")
        for row in rows:
            self._written["chat", row[0]] = row[1]
        return defaultdict(dict, {row[0]: json.loads(row[1]) for row in rows})

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        text = json.dumps(data, default=str)
        last = self._written.get(("chat", chat_id))
        if last == text or (last is None and not data):
            return  # unchanged, or nothing to keep (also: just erased by /vergeetmij)
        await self.db.execute(
            "INSERT INTO ptb_chat_data (chat_id, data) VALUES (?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET data = excluded.data",
            (chat_id, text),
        )
        self._written["chat", chat_id] = text

    async def drop_chat_data(self, chat_id: int) -> None:
        self._written.pop(("chat", chat_id), None)
        await self.db.execute("DELETE FROM ptb_chat_data WHERE chat_id = ?", (chat_id,))

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    # --- bot data and callback data: not persisted ---------------------------------------
    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    # --- conversations --------------------------------------------------------------------
    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.db.fetchall(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        )
        return {tuple(json.loads(row[0])): json.loads(row[1]) for row in rows}

    async def update_conversation(
        self, name: str, key: tuple[int | str, ...], new_state: object | None
    ) -> None:
        if new_state is None:
            await self.db.execute(
                "DELETE FROM ptb_conversations WHERE name = ? AND key = ?",
                (name, json.dumps(list(key))),
            )
            return
        await self.db.execute(
            "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (name, json.dumps(list(key)), json.dumps(new_state)),
        )

    async def flush(self) -> None:
        return None
