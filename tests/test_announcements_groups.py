"""Announcements also posted in a room's Telegram group: toggle, outbox, crash, removed bot."""

from __future__ import annotations

import pytest

from bot.store import broadcasts as store
from bot.store.db import Database
from tests.auxil.announcements import (
    announcements_of,
    compose,
    crashed_mid_send,
    report,
    send_now,
    with_group,
)
from tests.auxil.harness import BotHarness, make_config

GROUP_ID = -1001234567890
ALL_ROOMS = "🏘 Iedereen in alle BuurtWerkKamers"


@pytest.fixture
def config(sandbox, tmp_path):
    """TOP has a group; Hart voor Leidsche Rijn has none."""
    return with_group(make_config(sandbox, tmp_path / "buurtbot.db"), "top", GROUP_ID)


@pytest.fixture(autouse=True)
def quick_pacing(bot: BotHarness) -> None:
    bot.services.outbox.set_speed(scale=20)


def posts(chat) -> list:  # type: ignore[no-untyped-def]
    return [m for m in chat.messages if "📣" in (m.text or m.caption or "")]


async def group_rows(bot: BotHarness) -> list[tuple]:
    rows = await bot.db.fetchall(
        "SELECT json_extract(params, '$.room'), CAST(address AS INTEGER), state, attempts"
        " FROM outbox WHERE person_id IS NULL AND kind = 'announcement' ORDER BY id")
    # The report's words: a group that is gone after a try removed the bot ('blocked').
    return [(room, chat, "blocked" if state == "unreachable" and tried else state)
            for room, chat, state, tried in rows]


async def test_group_is_offered_on_by_default_and_gets_the_text_once(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    question = await compose(coordinator, "De kamer is <b>morgen</b> dicht.")
    assert "Het bericht komt ook in de groep van TOP." in question.text
    assert "☑️ Ook in de groep van TOP" in str(question.inline_keyboard)
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 1" in final.text  # people only: the group is counted apart
    assert "📢 Geplaatst in de groep van TOP." in final.text
    [post] = posts(group)
    assert "De kamer is <b>morgen</b> dicht." in post.text and "TOP" in post.text
    assert "/berichten" not in post.text  # a group cannot opt out; no personal footer
    assert len(announcements_of(fatima)) == 1
    assert await group_rows(bot) == [("top", GROUP_ID, "sent")]
    # Nothing more is sent to the group later (no second sender pass, no restart resend).
    await bot.restart()
    await bot.settle()
    assert len(posts(group)) == 1


async def test_toggle_off_posts_nothing_in_the_group(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    await compose(coordinator, "Alleen voor de mensen.")
    await coordinator.press("☑️ Ook in de groep van TOP")
    question = await coordinator.next_edit()
    assert "Het bericht komt niet in de groep van TOP." in question.text
    assert "⬜ Ook in de groep van TOP" in str(question.inline_keyboard)
    await coordinator.press("⬜ Ook in de groep van TOP")  # on again…
    assert "komt ook in de groep" in (await coordinator.next_edit()).text
    await coordinator.press("☑️ Ook in de groep van TOP")  # …and off
    await coordinator.next_edit()
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 1" in final.text and "groep" not in final.text
    assert posts(group) == [] and len(announcements_of(fatima)) == 1
    assert await group_rows(bot) == []
    assert await bot.db.fetchval("SELECT post_groups FROM broadcasts") == 0


async def test_a_room_without_a_group_gets_no_toggle(bot: BotHarness) -> None:
    coordinator = await bot.coordinator(room="hart")
    await bot.resident("Ahmed", room="hart")
    question = await compose(coordinator, "Hallo Leidsche Rijn.")
    assert "groep" not in question.text and "groep" not in str(question.inline_keyboard)
    # A forged toggle changes nothing.
    await coordinator.press_data("ann:grp", message=question)
    text = None
    while not text:  # skip the silent answers to the earlier button presses
        text, alert = await coordinator.next_callback_answer()
    assert alert and "geen Telegram-groep" in text
    await coordinator.press("✅ Nu versturen")
    await report(coordinator)
    assert await group_rows(bot) == []


async def test_volunteers_only_is_never_posted_in_the_group(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    await bot.volunteer("Vera")
    question = await compose(coordinator, "Overleg.", "🙋 Vrijwilligers van mijn BuurtWerkKamer")
    assert "groep" not in question.text
    assert posts(group) == []


async def test_all_rooms_posts_in_every_room_group(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    await bot.resident("Fatima")
    await bot.resident("Ahmed", room="hart")
    question = await compose(coordinator, "Iedereen welkom.", ALL_ROOMS)
    assert "Het bericht komt ook in de groep van TOP." in question.text  # hart has no group
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 2" in final.text and "Geplaatst in de groep van TOP" in final.text
    assert len(posts(group)) == 1


async def test_group_that_removed_the_bot_is_reported_and_nobody_marked(
        bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    admin = await bot.resident("Beheerder")
    bot.sandbox.add_chat_member(group, admin)
    fatima = await bot.resident("Fatima")
    bot.sandbox.remove_bot_from(group, by=admin)
    await bot.settle()
    while True:  # whatever the bot told the coordinator about the removal is read first
        try:
            await coordinator.next_message(timeout=0.3)
        except TimeoutError:
            break
    final = await send_now(bot, coordinator, "Kamer dicht.")
    assert "Afgeleverd: 2" in final.text and "Hebben de bot geblokkeerd: 0" in final.text
    assert "Niet geplaatst in de groep van TOP: de bot zit niet meer in die groep" in final.text
    assert posts(group) == []
    assert len(announcements_of(fatima)) == 1 and len(announcements_of(admin)) == 1
    # No person is marked unreachable because of the group.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE reachable = 0") == 0
    assert await group_rows(bot) == [("top", GROUP_ID, "blocked")]
    # The 'who was not reached' list has no group in it (nobody was missed).
    assert final.inline_keyboard is None or "Wie" not in str(final.inline_keyboard)


async def test_a_crash_mid_send_posts_in_the_group_exactly_once(bot: BotHarness) -> None:
    """kill -9 with the group post in flight: resent once on start; a sent one never again."""
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(4)]
    await crashed_mid_send(bot, coordinator, people, ["sent", "sending", "queued", "queued"],
                           groups=[("top", GROUP_ID, "sending")], post_groups=True)
    final = await report(coordinator, wait=15)
    assert "Afgeleverd: 4" in final.text and "Geplaatst in de groep van TOP" in final.text
    assert [len(announcements_of(p)) for p in people] == [0, 1, 1, 1]
    assert len(posts(group)) == 1
    await bot.restart()
    await bot.settle()
    assert len(posts(group)) == 1


async def test_scheduled_announcement_posts_in_the_group_when_it_goes_out(
        bot: BotHarness) -> None:
    from datetime import datetime

    from bot.clock import TZ
    from bot.services.announcements import Audience

    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    coordinator = await bot.coordinator()
    await bot.resident("Fatima")
    author = await bot.person(coordinator)
    await bot.services.announcements.create(
        author, draft_key="later", chat_id=coordinator.id, audience=Audience("room", "top"),
        text="Straks.", send_at=datetime(2026, 12, 1, 10, 0, tzinfo=TZ), post_groups=True)
    assert await group_rows(bot) == []  # nothing written before it is due
    await bot.tick(at=datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    final = await report(coordinator)
    assert "Geplaatst in de groep van TOP" in final.text
    assert len(posts(group)) == 1


async def test_migration_008_keeps_an_existing_outbox(tmp_path, monkeypatch) -> None:
    """An outbox written before 008 (mid-send at the upgrade) survives the table rebuild, and
    migration 020 moves it into the one outbox (in flight -> queued, attempts kept)."""
    from bot.store import db as dbmod

    every = dbmod.migration_files()
    monkeypatch.setattr(dbmod, "migration_files", lambda: [m for m in every if m[0] < 8])
    path = tmp_path / "old.db"
    old = Database(path)
    await old.connect()
    async with old.transaction() as conn:
        await conn.execute("INSERT INTO users (id, telegram_id, anon_key, created_at)"
                           " VALUES (1, 501, 'a', '2026-11-01T10:00:00+00:00')")
        await conn.execute(
            "INSERT INTO broadcasts (id, draft_key, created_by, coordinator_chat, audience,"
            " text, status, send_at, created_at) VALUES (1, 'k', 1, 501, 'room', 'Oud.',"
            " 'sending', '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00')")
        await conn.execute("INSERT INTO broadcast_outbox (broadcast_id, user_id, chat_id, state,"
                           " attempts) VALUES (1, 1, 501, 'sending', 2)")
    await old.close()
    monkeypatch.setattr(dbmod, "migration_files", lambda: [m for m in every if m[0] < 20])
    mid = Database(path)
    await mid.connect()
    rows = await (await mid.conn.execute(
        "SELECT broadcast_id, user_id, room, chat_id, state, attempts FROM broadcast_outbox"
    )).fetchall()
    assert [tuple(r) for r in rows] == [(1, 1, None, 501, "sending", 2)]
    await mid.close()
    monkeypatch.setattr(dbmod, "migration_files", lambda: every)
    new = Database(path)
    await new.connect()
    try:
        rows = await (await new.conn.execute(
            "SELECT kind, ref, person_id, address, state, attempts, priority FROM outbox"
        )).fetchall()
        assert [tuple(r) for r in rows] == [("announcement", "1", 1, "501", "queued", 2, 0)]
        async with new.transaction() as conn:
            assert (await store.get(conn, 1)).post_groups is False  # type: ignore[union-attr]
            assert (await store.counts(conn, 1))["pending"] == 1
    finally:
        await new.close()
