"""The bot's web server: /healthz in its good and bad states, the live calendar feed and its
key, the port already taken."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import timedelta

import pytest

from bot.services.calendar import week_start
from bot.web import WebServer, WebServerError
from tests.auxil.calendar import events, parse_ics
from tests.auxil.harness import BotHarness, make_config
from tests.auxil.server import PUBLIC, get, start_web, with_web


@pytest.fixture
def config(sandbox, tmp_path):
    return with_web(make_config(sandbox, tmp_path / "buurtbot.db"), health_timeout=0.3)


async def test_healthz_is_200_with_the_database_tick_outbox_and_telegram(
        bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        await bot.tick()
        status, body, _ = await get(server, "/healthz")
        assert status == 200, body
        import json

        data = json.loads(body)
        assert data["status"] == "ok"
        checks = data["checks"]
        assert checks["database"]["ok"] and checks["database"]["detail"] == "reachable"
        assert checks["scheduler"]["last_tick"] == "2026-11-30T08:00:00+00:00"
        assert checks["outbox"]["backlog"] == 0
        assert checks["telegram"]["last_contact"] is not None  # getMe, getUpdates...
        assert checks["telegram"]["mode"] == "polling"
        # The tick is written down for `buurtbot doctor` (another process).
        assert await bot.db.fetchval(
            "SELECT value FROM runtime_status WHERE name = 'last_tick'") is not None
    finally:
        await server.stop()


async def test_healthz_is_503_saying_what_is_wrong(bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        await bot.tick()
        # Ten minutes without a tick or a word from Telegram.
        bot.clock.set(bot.clock.now() + timedelta(minutes=10))
        status, body, _ = await get(server, "/healthz")
        assert status == 503
        assert "scheduler: last scheduled tick 10 min ago" in body
        assert "telegram: last contact" in body
    finally:
        await server.stop()


async def test_healthz_answers_503_in_time_while_the_database_is_locked(
        bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        await bot.tick()
        release = asyncio.Event()

        async def hold() -> None:
            async with bot.db.transaction():
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        started = time.monotonic()
        status, body, _ = await get(server, "/healthz")
        took = time.monotonic() - started
        release.set()
        await holder
        assert status == 503
        assert "database: no answer within 0.3 s (locked or stuck)" in body
        assert took < 2
        status, _, _ = await get(server, "/healthz")
        assert status == 200
    finally:
        await server.stop()


async def test_feed_with_a_wrong_key_or_room_is_404_and_leaks_nothing(bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        key = await bot.services.ops.feed_key("top")
        answers = [await get(server, path) for path in (
            "/calendar/top.ics", "/calendar/top.ics?key=wrong", f"/calendar/hart.ics?key={key}",
            f"/calendar/nowhere.ics?key={key}")]
        assert {status for status, _, _ in answers} == {404}
        assert {body for _, body, _ in answers} == {"Not found\n"}
        status, body, headers = await get(server, f"/calendar/top.ics?key={key}")
        assert status == 200 and headers["Content-Type"].startswith("text/calendar")
        assert "BEGIN:VCALENDAR" in body
    finally:
        await server.stop()


async def test_feed_keeps_a_stopped_activitys_dates_as_cancelled_with_a_higher_sequence(
        bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        calendar = bot.services.calendar
        series = (await calendar.series_of("top"))[0]
        key = await bot.services.ops.feed_key("top")
        _, before, _ = await get(server, f"/calendar/top.ics?key={key}")
        uids = {str(e["UID"]): e for e in events(parse_ics(before.encode()))}
        upcoming = await calendar.upcoming_of_series(series.id, limit=3)
        ours = [f"occ-{row.id}.top@buurtbot.buurtwerkkamers.nl" for row in upcoming]
        assert all(uids[uid]["STATUS"] == "CONFIRMED" and uids[uid]["SEQUENCE"] == 0
                   for uid in ours)

        await calendar.end_series(series.id)
        _, after, _ = await get(server, f"/calendar/top.ics?key={key}")
        by_uid = {str(e["UID"]): e for e in events(parse_ics(after.encode()))}
        for uid in ours:
            event = by_uid[uid]
            assert event["STATUS"] == "CANCELLED"
            assert event["SEQUENCE"] == 1
            assert event.decoded("LAST-MODIFIED") == bot.clock.now()
        # ... while /agenda and the poster no longer show them.
        monday = week_start(bot.clock.today())
        shown = await calendar.week("top", monday + timedelta(weeks=1))
        assert not any(e.ref == f"occ:{upcoming[-1].id}" for e in shown)
    finally:
        await server.stop()


async def test_feed_and_poster_have_the_eettafel_beyond_week_three(bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        key = await bot.services.ops.feed_key("top")
        _, body, _ = await get(server, f"/calendar/top.ics?key={key}&lang=en")
        dinners = [e for e in events(parse_ics(body.encode()))
                   if str(e["UID"]).startswith("meal-")]
        last = max(e.decoded("DTSTART") for e in dinners)
        horizon = bot.services.calendar.horizon_weeks
        assert horizon > 3
        assert last.date() >= week_start(bot.clock.today()) + timedelta(weeks=horizon - 1)
        week_six = week_start(bot.clock.today()) + timedelta(weeks=5)
        assert any(e.ref.startswith("meal:") for e in
                   await bot.services.calendar.week("top", week_six))
    finally:
        await server.stop()


async def test_coordinator_shows_and_renews_the_feed_link(bot: BotHarness) -> None:
    server = await start_web(bot)
    try:
        carla = await bot.coordinator(language="en")
        await carla.send("/programma")
        await carla.next_message()
        await carla.press("🔗 Calendar link")
        shown = (await carla.next_edit()).text
        old = await bot.services.ops.feed_key("top")
        assert f"{PUBLIC}/calendar/top.ics?key={old}" in shown
        await carla.press("🔄 Make a new link")
        await carla.next_edit()
        await carla.press("Yes, make a new link")
        renewed = (await carla.next_edit()).text
        new = await bot.services.ops.feed_key("top")
        assert new != old and new in renewed
        assert (await get(server, f"/calendar/top.ics?key={old}"))[0] == 404
        assert (await get(server, f"/calendar/top.ics?key={new}"))[0] == 200
        # A resident cannot renew it: a forged button changes nothing.
        fatima = await bot.resident("Fatima")
        await fatima.send("/agenda")
        await fatima.next_message()
        await fatima.press_data("ops:feedy:top")
        await bot.settle()
        assert await bot.services.ops.feed_key("top") == new
    finally:
        await server.stop()


async def test_agenda_file_comes_with_the_feed_link(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima", language="en")
    await fatima.send("/agenda")
    await fatima.next_message()
    await fatima.press("📲 In my phone's calendar")
    document = await fatima.next_message()
    key = await bot.services.ops.feed_key("top")
    assert f"{PUBLIC}/calendar/top.ics?key={key}&lang=en" in document.caption
    assert document.document["file_name"] == "programma-top.ics"


async def test_the_web_port_already_taken_is_one_clear_line(bot: BotHarness) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        server = WebServer(bot.app)
        with pytest.raises(WebServerError) as err:
            await server.start(host="127.0.0.1", port=taken.getsockname()[1])
        assert "already in use" in str(err.value) and "\n" not in str(err.value)
    finally:
        taken.close()
