"""Helpers for announcement tests: compose through the real buttons, wait for the report."""

from __future__ import annotations

import dataclasses

from bot.config import Config
from bot.sandbox import SandboxUser
from bot.sandbox.state import SandboxMessage
from tests.auxil.harness import BotHarness

MY_ROOM = "🏠 Iedereen in mijn BuurtWerkKamer"


async def compose(coordinator: SandboxUser, text: str, audience: str = MY_ROOM,
                  language: str | None = None) -> SandboxMessage:
    """/omroep → text → audience → the preview question (returned)."""
    await coordinator.send("/omroep")
    await coordinator.next_message()
    await coordinator.send(text)
    await coordinator.next_message()  # who?
    await coordinator.press(audience)
    if language is not None:
        await coordinator.next_edit()
        await coordinator.press(language)
    await coordinator.next_edit()  # "Preview: ..."
    await coordinator.next_message()  # the preview itself
    return await coordinator.next_message()  # recipients + buttons


async def send_now(bot: BotHarness, coordinator: SandboxUser, text: str,
                   audience: str = MY_ROOM, language: str | None = None,
                   wait: float = 20.0) -> SandboxMessage:
    """Compose, confirm, and return the final report message."""
    await compose(coordinator, text, audience, language)
    await coordinator.press("✅ Nu versturen")
    return await report(coordinator, wait)


async def report(coordinator: SandboxUser, wait: float = 20.0) -> SandboxMessage:
    while True:
        message = await coordinator.next_message(timeout=wait)
        if "Verslag" in (message.text or ""):
            return message


def announcements_of(user: SandboxUser) -> list[SandboxMessage]:
    return [m for m in user.bot_messages if "📣" in (m.text or m.caption or "")]


def with_group(config: Config, room: str, chat_id: int | None) -> Config:
    """The config with ``rooms.<room>.chat_id`` set: that room has a Telegram group."""
    rooms = dict(config.rooms)
    rooms[room] = dataclasses.replace(rooms[room], chat_id=chat_id)
    return dataclasses.replace(config, rooms=rooms)


async def write_broadcast(conn, *, author_id: int, coordinator_chat: int, text: str,
                          people: list[tuple[int, int, str]],
                          groups: list[tuple[str, int, str]] = (),  # type: ignore[assignment]
                          post_groups: bool = False) -> int:
    """A broadcast as a crash leaves it: the header 'sending' and its outbox rows in the
    given states ((person id, chat id, state), (room, group chat id, state))."""
    from bot.store import broadcasts as store
    from bot.store import outbox as outbox_store
    from tests.auxil.harness import START

    row = await store.create(
        conn, draft_key=f"crash-{text}", created_by=author_id,
        coordinator_chat=coordinator_chat, coordinator_language="nl", audience="room",
        room="top", language=None, text=text, photo_file_id=None, status="sending",
        send_at=START, now=START, post_groups=post_groups)
    rows = [{"person_id": pid, "channel": "telegram", "address": str(chat)}
            for pid, chat, _state in people]
    rows += [{"person_id": None, "channel": "telegram", "address": str(chat),
              "dedupe": f"group:{room}", "params": {"room": room}} for room, chat, _ in groups]
    for _ in range(2):  # written twice: still one row each
        await outbox_store.enqueue_many(conn, rows, kind="announcement", ref=str(row.id),
                                        priority=0, next_at=START, expires_at=None, now=START)
    await store.set_total(conn, row.id, len(people))
    for (_pid, chat, state) in [*people, *[(None, c, s) for _r, c, s in groups]]:
        await conn.execute(
            "UPDATE outbox SET state = ?, attempts = CASE WHEN ? = 'sent' THEN 1 ELSE 0 END"
            " WHERE kind = 'announcement' AND ref = ? AND address = ?",
            (state, state, str(row.id), str(chat)))
    return row.id
