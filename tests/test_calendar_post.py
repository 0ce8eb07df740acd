"""The weekly post: once per room per week, across restarts, catch-up, no chat, lost chat."""

from __future__ import annotations

from datetime import date

import pytest

from bot.sandbox.state import ApiError
from tests.auxil.calendar import at, press_answer, with_chat
from tests.auxil.harness import COORDINATOR_ID, BotHarness, make_config

GROUP_ID = -1001234567890
SUN = date(2026, 12, 6)  # the weekly post moment is Sunday 17:00 by default


@pytest.fixture
def config(sandbox, tmp_path):
    return with_chat(make_config(sandbox, tmp_path / "buurtbot.db"), "top", GROUP_ID)


async def _subscribe(bot: BotHarness, name: str = "Fatima", room: str = "top"):
    user = await bot.resident(name, room=room)
    await user.send("/agenda")
    await user.next_message()
    answer, _ = await press_answer(user, f"cal:sub:{room}:1")
    assert "elke week" in answer
    return user


def _posts(messages) -> list:
    return [m for m in messages if "Volgende week in" in (m.text or "")]


async def test_posted_once_to_group_and_subscribers_across_restart(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    fatima = await _subscribe(bot)
    await bot.tick(at=at(SUN, 16, 59))
    assert not _posts(group.messages) and not _posts(fatima.bot_messages)
    await bot.tick(at=at(SUN, 17, 0))
    posts = _posts(group.messages)
    assert len(posts) == 1
    assert "week 50: 7 december tot en met 13 december" in posts[0].text
    assert "Maandag 7 december" in posts[0].text and "Koffie en praatje (inloop)" in posts[0].text
    assert "17:30–19:30  Eettafel" in posts[0].text  # the eettafel's meals are in the post
    assert len(_posts(fatima.bot_messages)) == 1
    await bot.tick(at=at(SUN, 17, 1))
    await bot.restart()
    await bot.tick(at=at(SUN, 18, 0))
    await bot.settle()
    assert len(_posts(group.messages)) == 1 and len(_posts(fatima.bot_messages)) == 1
    # Next week's post goes out a week later.
    await bot.tick(at=at(date(2026, 12, 13), 17, 5))
    assert len(_posts(group.messages)) == 2
    assert "week 51" in _posts(group.messages)[1].text


async def test_missed_post_goes_out_once_if_the_week_has_not_started(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    fatima = await _subscribe(bot)
    await bot.stop()  # down over the post moment
    bot.clock.set(at(SUN, 23, 30))
    await bot.start()
    await bot.tick()
    await bot.tick()
    assert len(_posts(group.messages)) == 1 and len(_posts(fatima.bot_messages)) == 1
    # Down all of the next Sunday: on Monday that week has started, so nothing is sent late.
    await bot.tick(at=at(date(2026, 12, 14), 8, 0))
    assert len(_posts(group.messages)) == 1


async def test_unsubscribed_residents_get_nothing(bot: BotHarness) -> None:
    bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    fatima = await _subscribe(bot)
    await press_answer(fatima, "cal:sub:top:0")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM calendar_subscriptions") == 0
    await bot.tick(at=at(SUN, 17, 0))
    assert not _posts(fatima.bot_messages)


async def test_room_without_chat_posts_to_subscribers_and_tells_coordinator_once(
        bot: BotHarness) -> None:
    bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="hart")
    anna = await _subscribe(bot, "Anna", room="hart")
    await bot.tick(at=at(SUN, 17, 0))
    posts = _posts(anna.bot_messages)
    assert len(posts) == 1 and "Hart voor Leidsche Rijn" in posts[0].text
    warnings = [m for m in carla.bot_messages if "rooms.hart.chat_id" in (m.text or "")]
    assert len(warnings) == 1 and "geen groepschat" in warnings[0].text
    await bot.tick(at=at(date(2026, 12, 13), 17, 0))
    assert len(_posts(anna.bot_messages)) == 2
    assert len([m for m in carla.bot_messages if "rooms.hart.chat_id" in (m.text or "")]) == 1


async def test_group_that_removed_the_bot_tells_coordinator_and_loses_nothing(
        bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    fatima = await _subscribe(bot)
    bot.sandbox.remove_bot_from(group)
    await bot.settle()
    await bot.tick(at=at(SUN, 17, 0))
    assert not _posts(group.messages)
    assert len(_posts(fatima.bot_messages)) == 1
    lost = [m for m in carla.bot_messages if "groepschat van TOP" in (m.text or "")]
    assert len(lost) == 1
    await bot.tick(at=at(SUN, 17, 30))
    assert len([m for m in carla.bot_messages if "groepschat van TOP" in (m.text or "")]) == 1
    assert carla.id == COORDINATOR_ID


async def test_subscriber_who_blocked_the_bot_does_not_stop_the_post(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    gone = await _subscribe(bot, "Gone")
    fatima = await _subscribe(bot, "Fatima")
    gone.block()
    await bot.tick(at=at(SUN, 17, 0))
    assert len(_posts(group.messages)) == 1 and len(_posts(fatima.bot_messages)) == 1
    assert not (await bot.person(gone)).row.reachable


def _said(user, words: str) -> list:
    return [m for m in user.bot_messages if words in (m.text or "")]


async def _wait_for(bot: BotHarness, ready) -> None:
    await bot.sandbox.changed.wait_for(ready, 5.0)


async def test_group_removing_the_bot_tells_coordinator_at_once_and_re_adding_posts_the_week(
        bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    fatima = await _subscribe(bot)
    bot.clock.set(at(date(2026, 12, 5), 11, 0))  # Saturday, before the post
    bot.sandbox.remove_bot_from(group)
    # Told at once, not only when the post fails on Sunday.
    await _wait_for(bot, lambda: _said(carla, "verwijderd uit de groepschat van TOP"))
    await bot.tick(at=at(SUN, 17, 0))
    await bot.tick(at=at(SUN, 17, 1))
    assert not _posts(group.messages) and len(_posts(fatima.bot_messages)) == 1
    assert len(_said(carla, "groepschat van TOP")) == 1  # the failed post does not repeat it
    # Added back before the week starts: the group still gets this week's post, once.
    bot.clock.set(at(SUN, 20, 0))
    group.bot_present = True
    bot.sandbox._my_chat_member(group, carla, "left", "member")
    await _wait_for(bot, lambda: _posts(group.messages))
    assert "week 50" in _posts(group.messages)[0].text
    assert len(_said(carla, "weer in de groepschat van TOP")) == 1
    await bot.tick(at=at(SUN, 20, 5))
    await bot.restart()
    await bot.tick(at=at(SUN, 21, 0))
    assert len(_posts(group.messages)) == 1 and len(_posts(fatima.bot_messages)) == 1
    # The next week goes to the group as usual.
    await bot.tick(at=at(date(2026, 12, 13), 17, 0))
    assert len(_posts(group.messages)) == 2


async def test_group_removing_the_bot_after_the_week_started_posts_nothing_late(
        bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    bot.sandbox.remove_bot_from(group)
    await _wait_for(bot, lambda: _said(carla, "groepschat van TOP"))
    await bot.tick(at=at(SUN, 17, 0))
    bot.clock.set(at(date(2026, 12, 8), 10, 0))  # Tuesday: the week has begun
    group.bot_present = True
    bot.sandbox._my_chat_member(group, carla, "left", "member")
    await _wait_for(bot, lambda: _said(carla, "weer in de groepschat"))
    await bot.settle()
    assert not _posts(group.messages)


async def test_group_post_failing_for_a_moment_is_retried_and_posted_once(
        bot: BotHarness, monkeypatch) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    fatima = await _subscribe(bot)
    real = type(bot.sandbox)._api_sendMessage
    failures = {"left": 2}

    async def flaky(self, params):
        if int(params.get("chat_id", 0)) == GROUP_ID and failures["left"]:
            failures["left"] -= 1
            raise ApiError(502, "Bad Gateway")
        return await real(self, params)

    monkeypatch.setattr(type(bot.sandbox), "_api_sendMessage", flaky)
    await bot.tick(at=at(SUN, 17, 0))
    assert not _posts(group.messages) and len(_posts(fatima.bot_messages)) == 1
    await bot.tick(at=at(SUN, 17, 1))
    assert not _posts(group.messages)
    # The outbox waits 1 minute, then 2, before the next attempts (its backoff).
    await bot.tick(at=at(SUN, 17, 2))
    assert not _posts(group.messages)
    await bot.tick(at=at(SUN, 17, 3))
    assert len(_posts(group.messages)) == 1
    await bot.tick(at=at(SUN, 17, 4))
    await bot.restart()
    await bot.tick(at=at(SUN, 18, 0))
    assert len(_posts(group.messages)) == 1 and len(_posts(fatima.bot_messages)) == 1
    assert not _said(carla, "groepschat van TOP")  # a hiccup is not the coordinator's problem
