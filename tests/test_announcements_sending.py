"""Sending within Telegram's limits: 429s, concurrency with residents, retries, crash-resume."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.clock import TZ
from bot.messaging.port import DeliveryError
from bot.sandbox import Limits
from bot.sandbox.limits import FloodControl
from bot.services.announcements import Audience, parse_moment
from bot.services.outbox import Policy
from bot.store.db import Database
from tests.auxil.announcements import (
    announcements_of,
    compose,
    report,
    send_now,
    write_broadcast,
)
from tests.auxil.harness import START, BotHarness


@pytest.fixture(autouse=True)
def quick_pacing(bot: BotHarness) -> None:
    """Flood limits are off here unless a test switches them on: pace fast, not at 30/s."""
    bot.services.outbox.set_speed(scale=20)


def limit(bot: BotHarness, scale: float = 1.0) -> None:
    """Switch on Telegram's flood limits in this test's sandbox (off for most tests)."""
    bot.sandbox.limits = Limits(scale=scale)
    bot.sandbox.flood = FloodControl(bot.sandbox.limits)
    bot.services.outbox.set_speed(29.0, scale)


async def residents(bot: BotHarness, n: int, room: str = "top") -> list:
    return [await bot.resident(f"R{i}", room=room) for i in range(n)]


async def start_sending(coordinator, text: str) -> None:  # type: ignore[no-untyped-def]
    await compose(coordinator, text)
    await coordinator.press("✅ Nu versturen")


async def test_429_is_waited_out_and_nobody_is_skipped(bot: BotHarness) -> None:
    limit(bot)
    # Pace far above the limit on purpose so Telegram answers 429.
    bot.services.outbox.set_speed(200.0, 1.0)
    coordinator = await bot.coordinator()
    people = await residents(bot, 70)
    final = await send_now(bot, coordinator, "Druk bericht.", wait=30)
    assert "Afgeleverd: 70" in final.text
    assert bot.sandbox.stats["429"] > 0
    assert await bot.db.fetchval("SELECT throttled FROM broadcasts") > 0
    assert Counter(len(announcements_of(p)) for p in people) == Counter({1: 70})


async def test_within_limits_there_are_no_429s(bot: BotHarness) -> None:
    limit(bot, scale=4)
    coordinator = await bot.coordinator()
    people = await residents(bot, 150)
    final = await send_now(bot, coordinator, "Rustig aan.", wait=30)
    assert "Afgeleverd: 150" in final.text
    assert bot.sandbox.stats["429"] == 0, list(bot.sandbox.errors)
    assert all(len(announcements_of(p)) == 1 for p in people)


async def test_a_resident_is_answered_while_a_broadcast_is_in_flight(bot: BotHarness) -> None:
    limit(bot, scale=2)
    coordinator = await bot.coordinator()
    people = await residents(bot, 300)
    chatter = await bot.resident("Praat", room="hart")
    await start_sending(coordinator, "Groot bericht.")
    await bot.sandbox.changed.wait_for(lambda: sum(len(announcements_of(p)) for p in people)
                                       >= 20, 10)
    started = time.monotonic()
    await chatter.send("/berichten")
    answer = await chatter.next_message(timeout=2)
    waited = time.monotonic() - started
    assert "berichten" in answer.text
    pending = await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND kind = 'announcement'")
    assert pending > 50, "the broadcast should still be going"
    assert waited < 1.0
    # And the progress message was edited in place while sending.
    final = await report(coordinator, wait=30)
    assert "Afgeleverd: 300" in final.text
    progress = [m for m in coordinator.bot_messages if "wordt verstuurd" in (m.text or "")
                or "klaar" in (m.text or "")]
    assert len(progress) == 1


async def test_other_failures_are_retried_with_backoff_then_reported(bot: BotHarness) -> None:
    outbox = bot.services.outbox
    policy = Policy(max_attempts=4, backoff=(timedelta(0),))
    outbox.policies["announcement"] = policy
    coordinator = await bot.coordinator()
    flaky = await bot.resident("Flaky", name="Flaky")
    broken = await bot.resident("Broken", name="Broken")
    fine = await bot.resident("Fine")
    channel = outbox.channels["telegram"]
    real = channel.send
    calls: Counter[int] = Counter()

    async def send(address, message):  # type: ignore[no-untyped-def]
        chat = int(address)
        if chat != coordinator.id:
            calls[chat] += 1
        if chat == flaky.id and calls[chat] <= 2:
            raise DeliveryError("retry", None, "timed out")
        if chat == broken.id:
            raise DeliveryError("retry", None, "server error")
        return await real(address, message)

    channel.send = send  # type: ignore[method-assign]
    final = await send_now(bot, coordinator, "Probeer het nog eens.")
    assert "Afgeleverd: 2" in final.text and "andere reden: 1" in final.text
    assert calls[flaky.id] == 3 and calls[broken.id] == policy.max_attempts
    assert calls[fine.id] == 1
    assert len(announcements_of(flaky)) == 1 and announcements_of(broken) == []
    await coordinator.press("👥 Wie is niet bereikt")
    listing = await coordinator.next_message()
    assert "Broken" in listing.text and "versturen mislukt" in listing.text


async def test_stopping_mid_broadcast_resumes_without_skips_or_doubles(bot: BotHarness) -> None:
    limit(bot)
    coordinator = await bot.coordinator()
    people = await residents(bot, 60)
    await start_sending(coordinator, "Na de herstart gaat het door.")
    await bot.sandbox.changed.wait_for(lambda: sum(len(announcements_of(p)) for p in people)
                                       >= 10, 10)
    await bot.stop()
    delivered = sum(len(announcements_of(p)) for p in people)
    assert delivered < 60
    db = Database(bot.config.database)
    await db.connect()
    left = await db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND kind = 'announcement'")
    in_flight = await db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'sending' AND kind = 'announcement'")
    states = await db.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    await db.close()
    assert left == 60 - delivered and in_flight == 0, [tuple(r) for r in states]
    await bot.start()
    limit(bot)
    final = await report(coordinator, wait=30)
    assert "Afgeleverd: 60" in final.text
    assert [len(announcements_of(p)) for p in people] == [1] * 60


async def test_after_a_crash_rows_in_flight_are_resent_and_nobody_skipped(
        bot: BotHarness) -> None:
    """A kill -9 leaves rows 'sending' (maybe sent, maybe not) and 'pending': both go out."""
    coordinator = await bot.coordinator()
    people = await residents(bot, 6)
    author = await bot.person(coordinator)
    ids = [(await bot.person(p)).id for p in people]
    await bot.stop()
    db = Database(bot.config.database)
    await db.connect()
    async with db.transaction() as conn:
        states = ["sent", "sent", "sending", "queued", "queued", "queued"]
        await write_broadcast(
            conn, author_id=author.id, coordinator_chat=coordinator.id, text="Na de crash.",
            people=[(uid, p.id, state) for uid, p, state in zip(ids, people, states,
                                                                strict=True)])
    await db.close()
    await bot.start()
    final = await report(coordinator, wait=15)
    assert "Afgeleverd: 6" in final.text
    # The two marked sent before the crash are not sent again; everyone else gets it once.
    assert [len(announcements_of(p)) for p in people] == [0, 0, 1, 1, 1, 1]


async def test_scheduling_for_later_and_cancelling(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    quiet = await bot.resident("Stil")
    await compose(coordinator, "Morgen is de kamer dicht.")
    await coordinator.press("🕒 Later versturen")
    ask = await coordinator.next_edit()
    assert "Typ een datum en tijd" in ask.text
    await coordinator.send("gisteren")
    assert "begrijp die datum niet" in (await coordinator.next_message()).text
    await coordinator.send("30-11 08:00")
    assert "al voorbij" in (await coordinator.next_message()).text
    await coordinator.send("12-12 17:00")
    confirm = await coordinator.next_message()
    assert "zaterdag 12 december" in confirm.text and "17:00" in confirm.text
    await coordinator.press(confirm.inline_keyboard[0][0]["text"])
    planned = await coordinator.next_edit()
    assert "Gepland voor" in planned.text
    assert await bot.db.fetchval("SELECT status FROM broadcasts") == "scheduled"
    # Opting out before it goes out counts.
    await bot.services.users.update(await bot.person(quiet), announcements=0)
    await bot.tick(at=datetime(2026, 12, 12, 16, 59, tzinfo=TZ))
    await bot.settle()
    assert announcements_of(fatima) == []
    await bot.tick(at=datetime(2026, 12, 12, 17, 0, tzinfo=TZ))
    final = await report(coordinator)
    assert "Afgeleverd: 1" in final.text
    assert len(announcements_of(fatima)) == 1 and announcements_of(quiet) == []
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM broadcasts") == "done"


async def test_cancel_a_planned_announcement(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    author = await bot.person(coordinator)
    broadcast, _ = await bot.services.announcements.create(
        author, draft_key="k1", chat_id=coordinator.id, audience=Audience("room", "top"),
        text="Gaat niet door.", send_at=datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    await coordinator.send("/omroep")
    intro = await coordinator.next_message()
    assert "Geplande berichten" in intro.text and "Gaat niet door." in intro.text
    await coordinator.press(intro.inline_keyboard[0][0]["text"])
    cancelled = await coordinator.next_edit()
    assert "wordt niet verstuurd" in cancelled.text
    await coordinator.next_callback_answer()  # the first press
    await coordinator.press_data(f"ann:unsched:{broadcast.id}", message=intro)
    text, alert = await coordinator.next_callback_answer()
    assert alert and "kan niet worden geannuleerd" in text
    await bot.tick(at=datetime(2026, 12, 1, 10, 5, tzinfo=TZ))
    await bot.settle()
    assert announcements_of(fatima) == []
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_erasure_removes_pending_rows(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    final = await send_now(bot, coordinator, "Hallo.")
    assert "Afgeleverd: 1" in final.text
    person = await bot.person(fatima)
    data = await bot.services.privacy.export(person)
    assert data["announcements"][0]["state"] == "sent"
    await bot.services.privacy.erase(person)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE person_id = ?", (person.id,)) == 0


@pytest.mark.parametrize(("typed", "expected"), [
    ("12-12 17:00", datetime(2026, 12, 12, 17, 0)),
    ("12/12/2026 9.30", datetime(2026, 12, 12, 9, 30)),
    ("  5-1 om 10:15 ", datetime(2027, 1, 5, 10, 15)),
    ("17:00", datetime(2026, 11, 30, 17, 0)),
    ("30-11-26 8u30", datetime(2026, 11, 30, 8, 30)),
    ("12-12 17 uur", datetime(2026, 12, 12, 17, 0)),
])
def test_parse_moment(typed: str, expected: datetime) -> None:
    assert parse_moment(typed, START) == expected.replace(tzinfo=TZ)


@pytest.mark.parametrize("typed", ["", "morgen", "31-02 10:00", "12-12 25:00", "17", "12-13 9:00"])
def test_parse_moment_refuses_nonsense(typed: str) -> None:
    assert parse_moment(typed, START) is None


async def test_a_long_429_wait_or_a_hanging_send_never_keeps_the_bot_from_stopping(
        bot: BotHarness) -> None:
    """Ctrl-C during a broadcast: the sender gives up its waits; nobody is lost or doubled."""
    import asyncio

    channel = bot.services.outbox.channels["telegram"]
    coordinator = await bot.coordinator()
    people = await residents(bot, 5)
    real = channel.send
    hang, two = asyncio.Event(), asyncio.Event()
    calls: list[int] = []

    async def send(address, message):  # type: ignore[no-untyped-def]
        if int(address) == coordinator.id:
            return await real(address, message)
        calls.append(int(address))
        if len(calls) >= 2:
            two.set()
        if len(calls) == 1:
            await hang.wait()  # a request that never comes back
        if len(calls) == 2:
            raise DeliveryError("retry", 600, "429")  # Telegram: wait ten minutes
        return await real(address, message)

    channel.send = send  # type: ignore[method-assign]
    await start_sending(coordinator, "Even geduld.")
    await asyncio.wait_for(two.wait(), 10)
    await bot.settle()
    await asyncio.wait_for(bot.stop(), 10)  # without the fix: ten minutes
    db = Database(bot.config.database)
    await db.connect()
    waiting = await db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')"
        " AND kind = 'announcement'")
    await db.close()
    assert waiting == 5 and all(announcements_of(p) == [] for p in people)
    await bot.start()
    final = await report(coordinator, wait=30)
    assert "Afgeleverd: 5" in final.text
    assert [len(announcements_of(p)) for p in people] == [1] * 5


async def test_planned_list_shows_formatted_texts_safely(bot: BotHarness) -> None:
    """A planned text with bold and '&' is listed as plain text, never half an HTML tag."""
    coordinator = await bot.coordinator()
    author = await bot.person(coordinator)
    await bot.services.announcements.create(
        author, draft_key="k2", chat_id=coordinator.id, audience=Audience("room", "top"),
        text="Koffie &amp; thee: <b>de hele week gratis in de BuurtWerkKamer</b>, kom langs!",
        send_at=datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    await coordinator.send("/omroep")
    intro = await coordinator.next_message()
    assert "Geplande berichten" in intro.text
    assert "Koffie & thee: de hele week" in intro.text and "<b>" not in intro.text
    assert not list(bot.sandbox.errors), list(bot.sandbox.errors)


async def test_a_tap_is_answered_ahead_of_a_2000_recipient_broadcast(bot: BotHarness) -> None:
    """Answers to a person's own tap go out at once, ahead of the queued broadcast, and are
    counted against the same limits (one pacer: no 429 although both share Telegram's)."""
    limit(bot, scale=2)
    coordinator = await bot.coordinator()
    people = await residents(bot, 2000)
    chatter = await bot.resident("Praat", room="hart")
    await start_sending(coordinator, "Een heel groot bericht.")
    await bot.sandbox.changed.wait_for(lambda: sum(len(announcements_of(p)) for p in people)
                                       >= 30, 20)
    pacer = bot.app.port.pacer  # type: ignore[union-attr]
    answered = pacer.answers
    await chatter.send("/berichten")
    question = await chatter.next_message(timeout=2)
    await chatter.press("🔕 Geen berichten meer", message=question)
    answer = await chatter.next_edit(timeout=2)
    assert "berichten" in answer.text.lower()
    queued = await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'announcement' AND state = 'queued'")
    assert queued > 1500, "the broadcast is still going"
    assert pacer.answers >= answered + 2  # both answers took (and were counted in) a slot
    assert bot.sandbox.stats["429"] == 0, list(bot.sandbox.errors)
