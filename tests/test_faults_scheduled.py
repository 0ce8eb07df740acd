"""Scheduled messages survive a short Telegram outage, and are never sent twice (issue 12,
points 22 and 23).

The sandbox answers 500 (or drops the connection after delivering) for a while; the bot's
ticks must send every scheduled message once Telegram is back, and count a message whose
request left as sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import TZ
from bot.handlers.delivery import Delivery, classify
from bot.messaging.message import OutMessage
from tests.auxil.announcements import compose
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help
from tests.auxil.meals import first_meal, sign_up
from tests.test_tally_bot import TODAY, record

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # the meal day's reminder moment
DEADLINE = datetime(2026, 12, 1, 12, 0, tzinfo=TZ)  # the cook's final list


def reminders(user) -> list:  # type: ignore[no-untyped-def]
    return [m for m in user.bot_messages if "Herinnering" in (m.text or "")]


def final_lists(user) -> list:  # type: ignore[no-untyped-def]
    return [m for m in user.bot_messages if "Definitieve lijst" in (m.text or "")]


async def test_meal_reminders_and_final_list_survive_a_500(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    diners = [await bot.resident(f"D{i}", name=f"Diner {i}") for i in range(12)]
    for diner in diners:
        await sign_up(diner, meal.id)
    await bot.settle()
    bot.sandbox.faults.error(500, methods=["sendMessage"])  # Telegram down at 09:00
    await bot.tick(at=MORNING)
    await bot.settle()
    assert sum(len(reminders(d)) for d in diners) == 0
    assert await bot.services.retries.waiting("meal.reminder") == 12
    await bot.tick(at=MORNING + timedelta(seconds=30))  # still down, not yet due: nothing lost
    bot.sandbox.faults.clear()  # back after a short while
    await bot.tick(at=MORNING + timedelta(minutes=1))
    await bot.settle()
    assert [len(reminders(d)) for d in diners] == [1] * 12
    await bot.tick(at=MORNING + timedelta(minutes=5))
    await bot.settle()
    assert [len(reminders(d)) for d in diners] == [1] * 12  # once, never twice
    assert await bot.services.retries.waiting() == 0

    bot.sandbox.faults.error(502, methods=["sendMessage"], times=1)  # the list's first try
    await bot.tick(at=DEADLINE)
    await bot.settle()
    assert final_lists(vera) == []
    await bot.restart()  # the kept message survives a restart too
    await bot.tick(at=DEADLINE + timedelta(minutes=1))
    await bot.settle()
    lists = final_lists(vera)
    assert len(lists) == 1 and "Diner 11" in lists[0].text
    await bot.tick(at=DEADLINE + timedelta(minutes=10))
    await bot.settle()
    assert len(final_lists(vera)) == 1


async def test_a_blocked_resident_is_not_retried(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima")
    await sign_up(fatima, meal.id)
    fatima.block()
    await bot.tick(at=MORNING)
    await bot.tick(at=MORNING + timedelta(minutes=1))
    await bot.settle()
    assert await bot.services.retries.waiting() == 0
    assert not (await bot.person(fatima)).row.reachable


async def test_reminder_after_the_meal_began_is_dropped(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima")
    await sign_up(fatima, meal.id)
    bot.sandbox.faults.error(500, methods=["sendMessage"])
    await bot.tick(at=MORNING)
    bot.sandbox.faults.clear()
    await bot.tick(at=meal.starts_at + timedelta(minutes=1))  # Telegram back too late
    await bot.settle()
    assert reminders(fatima) == []
    assert await bot.services.retries.waiting("meal.reminder") == 0


async def test_dropped_after_delivery_counts_as_sent(bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima")
    await sign_up(fatima, meal.id)
    bot.sandbox.faults.drop_after_delivery(methods=["sendMessage"])
    await bot.tick(at=MORNING)
    await bot.settle()
    bot.sandbox.faults.clear()
    await bot.tick(at=MORNING + timedelta(minutes=2))
    await bot.settle()
    assert len(reminders(fatima)) == 1  # delivered once, not resent
    assert await bot.services.retries.waiting() == 0


async def test_help_escalation_survives_a_500(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    resident = await bot.resident()
    waiting = await ask_help(bot, resident, kind="computer", urgency="none")
    coordinator.chat.skip_pending()
    bot.sandbox.faults.error(503, methods=["sendMessage"])
    later = bot.clock.now() + timedelta(hours=49)
    await bot.tick(at=later, only="help")
    await bot.settle()
    assert not [m for m in coordinator.bot_messages if "48 uur" in (m.text or "")]
    bot.sandbox.faults.clear()
    await bot.tick(at=later + timedelta(minutes=1))
    alert = await coordinator.next_message()
    assert f"Vraag {waiting}" in alert.text and "48 uur" in alert.text
    assert alert.button_data  # the "Open request" button came along
    await bot.tick(at=later + timedelta(minutes=30))
    await bot.settle()
    assert len([m for m in coordinator.bot_messages if "48 uur" in (m.text or "")]) == 1


async def test_tally_weekly_summary_survives_a_500(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    await record(bot, None, "top", "klussen", "activity", "klussen:x", TODAY, quantity=2)
    sunday = datetime(2026, 12, 6, 18, 5, tzinfo=TZ)
    bot.sandbox.faults.error(500, methods=["sendMessage", "sendPhoto"], seconds=3600)
    await bot.tick(only="tally", at=sunday)
    await bot.settle()
    assert not [m for m in coordinator.bot_messages if "Weektelling" in (m.text or "")]
    bot.sandbox.faults.clear()
    await bot.tick(at=sunday + timedelta(minutes=1))
    await bot.tick(at=sunday + timedelta(minutes=10))
    await bot.settle()
    assert len([m for m in coordinator.bot_messages if "Weektelling" in (m.text or "")]) == 1


async def test_belronde_summary_survives_a_429(bot: BotHarness) -> None:
    """A flood-limit answer is short-lived too (PTB's own rate limiter gives up after 3)."""
    coordinator = await bot.coordinator()
    person = await bot.person(coordinator)
    bot.sandbox.faults.error(429, methods=["sendMessage"], times=10)
    async with bot.db.transaction() as conn:
        assert await bot.services.outbox.enqueue(
            conn, to=person.id, kind="checkin:summary", ref="top:2026-W49",
            message=OutMessage("Belronde deze week: 3 gebeld."))
    await bot.tick(at=bot.clock.now() + timedelta(minutes=1), only="outbox")
    await bot.settle()
    assert await bot.services.retries.waiting("checkin:summary") == 1
    bot.sandbox.faults.clear()
    await bot.tick(at=bot.clock.now() + timedelta(minutes=3), only="outbox")
    message = await coordinator.next_message()
    assert "Belronde deze week" in message.text
    assert await bot.services.retries.waiting() == 0


def _caused(exc: Exception, cause: Exception) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(("error", "verdict"), [
    (Forbidden("Forbidden: bot was blocked by the user"), Delivery.GONE),
    (BadRequest("Bad Request: chat not found"), Delivery.GONE),
    (BadRequest("Bad Request: message is too long"), Delivery.FAILED),
    (RetryAfter(3), Delivery.RETRY),
    (NetworkError("Internal Server Error (500)"), Delivery.RETRY),
    (NetworkError("Bad Gateway"), Delivery.RETRY),
    (_caused(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("x")),
     Delivery.RETRY),
    (_caused(TimedOut(), httpx.ConnectTimeout("x")), Delivery.RETRY),
    (_caused(TimedOut("Pool timeout"), httpx.PoolTimeout("x")), Delivery.RETRY),
    (_caused(TimedOut(), httpx.ReadTimeout("x")), Delivery.UNCERTAIN),
    (_caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("x")),
     Delivery.UNCERTAIN),
    (TimedOut(), Delivery.UNCERTAIN),
])
def test_classify(error: Exception, verdict: Delivery) -> None:
    assert classify(error) is verdict


# --- announcements (point 23) ---------------------------------------------------------------


async def _compose(coordinator) -> str:  # type: ignore[no-untyped-def]
    """/omroep up to the confirm question; returns the "✅ Nu versturen" button's data."""
    confirm = await compose(coordinator, "Zaterdag is er een buurtfeest.")
    return confirm.button_data["✅ Nu versturen"]


async def test_broadcast_dropped_after_delivery_is_not_sent_twice(bot: BotHarness) -> None:
    from collections import Counter

    from tests.auxil.announcements import announcements_of, report

    bot.services.outbox.set_speed(scale=20)
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(10)]
    data = await _compose(carla)
    # Telegram delivers the first 6 announcements but the answers never come back.
    bot.sandbox.faults.drop_after_delivery(methods=["sendMessage"], times=6)
    await carla.press_data(data)
    final = await report(carla)
    assert "Afgeleverd: 10" in final.text
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 10})
    assert bot.sandbox.stats["faults"] == 6


async def test_broadcast_500_before_delivery_is_sent_again(bot: BotHarness) -> None:
    from collections import Counter

    from tests.auxil.announcements import announcements_of, report

    bot.services.outbox.set_speed(scale=20)
    from datetime import timedelta

    from bot.services.outbox import Policy

    bot.services.outbox.policies["announcement"] = Policy(4, (timedelta(0),))
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(5)]
    data = await _compose(carla)
    bot.sandbox.faults.error(500, methods=["sendMessage"], times=3)
    await carla.press_data(data)
    final = await report(carla)
    assert "Afgeleverd: 5" in final.text
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 5})


async def test_double_tap_on_send_now_makes_one_broadcast(bot: BotHarness) -> None:
    import asyncio
    from collections import Counter

    from tests.auxil.announcements import announcements_of, report

    bot.services.outbox.set_speed(scale=20)
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(4)]
    data = await _compose(carla)
    message = carla.last
    await asyncio.gather(carla.press_data(data, message=message),
                         carla.press_data(data, message=message),
                         carla.press_data(data, message=message))
    await report(carla)
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 4})
    answers = [text for text, _alert in carla.callback_answers if text]
    assert sum("al verstuurd" in a for a in answers) == 2, answers


async def test_faults_switched_on_over_http(bot: BotHarness) -> None:
    """What a tester does by hand against `make demo`: 500 for a while, then clear."""
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{bot.sandbox.base}/sandbox/faults",
                                   json={"mode": "error", "code": 500, "seconds": 60,
                                         "methods": ["sendMessage"]})
        assert answer.json() == {"ok": True, "result": 1}
        bad = await client.post(f"{bot.sandbox.base}/sandbox/faults", json={"mode": "boom"})
        assert bad.status_code == 400
        fatima = await bot.resident("Fatima")
        await fatima.send("/menu")
        await bot.settle()
        assert not fatima.bot_messages
        assert ("sendMessage", 500, "Internal Server Error") in bot.sandbox.errors
        await client.post(f"{bot.sandbox.base}/sandbox/faults", json={"clear": True})
    await fatima.send("/menu")
    assert (await fatima.next_message()).buttons


async def test_broadcast_slow_answer_is_not_sent_twice(bot: BotHarness) -> None:
    """Telegram delivers but answers too late (7 s against a 5 s wait in real life; here 1 s
    against 0.3 s): the send counts as sent and is not repeated."""
    from collections import Counter

    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    from tests.auxil.announcements import announcements_of, report

    bot.services.outbox.set_speed(scale=20)
    channel = bot.services.outbox.channels["telegram"]
    impatient = ExtBot(token=bot.config.token, base_url=bot.config.api_url,
                       base_file_url=bot.config.file_url, defaults=bot.app.bot.defaults,
                       request=HTTPXRequest(connection_pool_size=8, read_timeout=0.3))
    await impatient.initialize()
    channel.bot = impatient  # the one sender's way to Telegram, impatient
    carla = await bot.coordinator()
    people = [await bot.resident(f"R{i}") for i in range(4)]
    data = await _compose(carla)
    bot.sandbox.faults.slow(1.0, methods=["sendMessage"], times=4)
    await carla.press_data(data)
    final = await report(carla)
    assert "Afgeleverd: 4" in final.text
    await bot.settle()
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 4})
    assert bot.sandbox.stats["faults"] == 4
