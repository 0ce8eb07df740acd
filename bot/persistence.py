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

from bot.handlers.ptb_compat import ConversationDict
from bot.store import ptb_state
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
        #: ("user" | "chat", id) -> the JSON last read or written, to skip writes that change
        #: nothing
        self._written: dict[tuple[str, int], str] = {}

    # --- user and chat data ---------------------------------------------------------------
    async def _load(self, kind: str) -> dict[int, dict[str, Any]]:
        async with self.db.reading() as conn:
            rows = await ptb_state.all_data(conn, kind)
        for key, text in rows:
            self._written[kind, key] = text
        return defaultdict(dict, {key: json.loads(text) for key, text in rows})

    async def _update(self, kind: str, key: int, data: dict[str, Any]) -> None:
        text = json.dumps(data, default=str)
        last = self._written.get((kind, key))
        if last == text or (last is None and not data):
            return  # unchanged, or nothing to keep (also: just erased by /vergeetmij)
        async with self.db.transaction() as conn:
            await ptb_state.put_data(conn, kind, key, text)
        self._written[kind, key] = text

    async def _drop(self, kind: str, key: int) -> None:
        self._written.pop((kind, key), None)
        async with self.db.transaction() as conn:
            await ptb_state.drop_data(conn, kind, key)

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._load("user")

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._update("user", user_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await self._load("chat")

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._update("chat", chat_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("chat", chat_id)

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
        async with self.db.reading() as conn:
            return await ptb_state.conversations(conn, name)

    async def update_conversation(
        self, name: str, key: tuple[int | str, ...], new_state: object | None
    ) -> None:
        async with self.db.transaction() as conn:
            if new_state is None:
                await ptb_state.drop_conversation(conn, name, key)
            else:
                await ptb_state.put_conversation(conn, name, key, new_state)

    async def flush(self) -> None:
        return None
