"""Killed while the calendar sends on its own, the bot loses nobody (issue 13, CORE13 §5).

The weekly post goes to the room's group (``calendar.post``) and to every subscriber
(``calendar.subscriber``), claimed and queued in one transaction; a coordinator calling off a
date tells everyone signed up (``calendar.changed``), queued with the cancellation. The bot is
killed at the k-th sendMessage (first, middle, last); after a restart everyone has it, only the
one in flight at the kill twice, and every outbox row is final.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.auxil.calendar import at, occurrence_id, with_chat
from tests.auxil.harness import BotHarness, assert_each_once, make_config
from tests.auxil.outbox import final_states, resume, until_killed

GROUP_ID = -1001234567890
SUN = date(2026, 12, 6)  # the weekly post moment is Sunday 17:00 by default
TUE = date(2026, 12, 1)
SUBSCRIBERS = 5
POST = "Volgende week in"
CANCELLED = "gaat niet door"


@pytest.fixture
def config(sandbox, tmp_path):
    return with_chat(make_config(sandbox, tmp_path / "buurtbot.db"), "top", GROUP_ID)


async def _subscribers(bot: BotHarness) -> list:  # type: ignore[no-untyped-def]
    users = []
    for n in range(SUBSCRIBERS):
        user = await bot.resident(f"Resident {n}")
        person = await bot.person(user)
        assert person is not None
        await bot.services.calendar.set_subscribed(person, "top", True)
        users.append(user)
    return users


def _count(messages, words: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for m in messages if words in (m.text or ""))


# The group post is queued first, then the subscribers: sendMessage 1 is the group's.
@pytest.mark.parametrize("k", [1, 3, SUBSCRIBERS + 1])
async def test_weekly_post_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    people = await _subscribers(bot)
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(only="calendar", at=at(SUN, 17, 0))
    assert bot.killed
    sent = _count(group.messages, POST) + sum(_count(p.bot_messages, POST) for p in people)
    assert sent == k  # the kill came in the middle of the run
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains=POST, in_flight_max=1)
    assert _count(group.messages, POST) == (2 if k == 1 else 1)
    twice = [p for p in people if _count(p.bot_messages, POST) == 2]
    assert twice == ([] if k == 1 else [people[k - 2]])  # exactly the one in flight
    assert await final_states(bot, "calendar.post") == {"sent": 1}
    assert await final_states(bot, "calendar.subscriber") == {"sent": SUBSCRIBERS}
    # Claimed once: the next ticks of the evening send nothing again.
    await bot.tick(only="calendar", at=at(SUN, 17, 1))
    await bot.tick(only="calendar", at=at(SUN, 20, 0))
    assert _count(group.messages, POST) + sum(_count(p.bot_messages, POST) for p in people) \
        == SUBSCRIBERS + 2


async def test_weekly_post_killed_before_it_left_sends_each_once(bot: BotHarness) -> None:
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    people = await _subscribers(bot)
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await bot.tick(only="calendar", at=at(SUN, 17, 0))
    await resume(bot)
    assert _count(group.messages, POST) == 1
    assert_each_once(bot.sandbox, people, contains=POST, in_flight_max=0)


async def _signed_up(bot: BotHarness, occ: int) -> list:  # type: ignore[no-untyped-def]
    users = []
    for n in range(SUBSCRIBERS):
        user = await bot.resident(f"Resident {n}")
        person = await bot.person(user)
        assert person is not None
        await bot.services.calendar.sign_up(person, occ)
        users.append(user)
    return users


@pytest.mark.parametrize("k", [1, 3, SUBSCRIBERS])
async def test_cancelling_a_date_tells_everyone_also_when_killed_at_a_notice(
        bot: BotHarness, k: int) -> None:
    occ = await occurrence_id(bot, "top", "Dutch lessons", TUE)
    people = await _signed_up(bot, occ)
    carla = await bot.coordinator()
    await carla.send("/programma")
    await carla.next_message()
    await carla.press_data(f"cal:po:{occ}")
    await carla.next_edit()
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await carla.press_data(f"cal:pcy:{occ}")  # "Yes, call it off"
    await until_killed(bot, 5.0)
    assert sum(_count(p.bot_messages, CANCELLED) for p in people) == k
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains=CANCELLED, in_flight_max=1)
    assert [p for p in people if _count(p.bot_messages, CANCELLED) == 2] == [people[k - 1]]
    assert await final_states(bot, "calendar.changed") == {"sent": SUBSCRIBERS}
    # The date is cancelled once, with its notices: pressing again changes nothing.
    assert await bot.db.fetchval(
        "SELECT cancelled FROM activity_occurrences WHERE id = ?", (occ,)) == 1
    await carla.press_data(f"cal:pcy:{occ}")
    assert "al afgezegd" in (await carla.next_edit()).text
    assert sum(_count(p.bot_messages, CANCELLED) for p in people) == SUBSCRIBERS + 1


async def test_group_that_refused_the_post_is_settled_by_the_next_tick(bot: BotHarness) -> None:
    """Removed while the bot was down (no my_chat_member seen): the post fails for good, the
    next tick tells the coordinator once, and adding the bot back posts the week."""
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    people = await _subscribers(bot)
    group.bot_present = False  # silently: no update reaches the bot
    await bot.tick(only="calendar", at=at(SUN, 17, 0))
    assert not _count(group.messages, POST)
    assert await final_states(bot, "calendar.post") == {"unreachable": 1}
    assert all(_count(p.bot_messages, POST) == 1 for p in people)
    await bot.tick(only="calendar", at=at(SUN, 17, 1))
    await bot.tick(only="calendar", at=at(SUN, 17, 2))
    assert _count(carla.bot_messages, "verwijderd uit de groepschat van TOP") == 1
    bot.clock.set(at(SUN, 20, 0))
    group.bot_present = True
    bot.sandbox._my_chat_member(group, carla, "left", "member")
    await bot.sandbox.changed.wait_for(lambda: _count(group.messages, POST), 5.0)
    assert _count(carla.bot_messages, "weer in de groepschat van TOP") == 1
    await bot.tick(only="calendar", at=at(SUN, 20, 5))
    await bot.tick(only="calendar", at=at(SUN + timedelta(days=1), 9, 0))
    assert _count(group.messages, POST) == 1
    assert all(_count(p.bot_messages, POST) == 1 for p in people)


async def test_coordinator_told_of_the_removal_also_when_killed_at_that_send(
        bot: BotHarness) -> None:
    """``calendar.notice``: the removal is recorded with the coordinator's notice; killed
    right at its send, the restarted bot sends it again (the one in flight: twice)."""
    group = bot.sandbox.add_group("BuurtWerkKamer TOP", chat_id=GROUP_ID)
    carla = await bot.coordinator(room="top")
    bot.kill_at(method="sendMessage", n=1, delivered=True)
    bot.sandbox.remove_bot_from(group)
    await until_killed(bot, 5.0)
    await resume(bot)
    told = _count(carla.bot_messages, "verwijderd uit de groepschat van TOP")
    assert told == 2
    assert await final_states(bot, "calendar.notice") == {"sent": 1}
    assert await bot.services.calendar.chat_gone("top")
    await bot.tick(only="calendar", at=at(SUN, 17, 0))  # the week: subscribers only, no repeat
    assert not _count(group.messages, POST)
    assert _count(carla.bot_messages, "groepschat van TOP") == told
