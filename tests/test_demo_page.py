"""The practice chat page's JSON API and live events, without a browser."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.i18n import LANGUAGES, RTL_LANGUAGES
from bot.sandbox.page import entities_to_html
from tests.auxil.demo import TINY_PNG, demo_session
from tests.auxil.demo import events as _events
from tests.auxil.demo import wait_event as _wait_event


async def test_page_and_api_drive_the_real_bot(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        async with http.get(url) as response:
            assert response.status == 200
            assert "Buurtbot" in await response.text()
        async with http.get(url + "demo/api/personas") as response:
            personas = (await response.json())["personas"]
        roles = {p["role"] for p in personas}
        assert {"coordinator", "volunteer", "resident"} <= roles
        assert {p["room"] for p in personas if p["role"] == "resident"} == {
            "top", "hart", "verbinding"}

        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(_events(http, url, events))
        try:
            # A new resident, from scratch.
            async with http.post(url + "demo/api/personas",
                                 json={"first_name": "Noor", "language": "nl"}) as response:
                noor = (await response.json())["persona"]
            assert noor["role"] == "new"
            await _wait_event(events, lambda e: e["type"] == "personas")
            async with http.post(url + f"demo/api/chat/{noor['id']}/send",
                                 json={"text": "/start"}) as response:
                assert response.status == 200
            event = await _wait_event(events, lambda e: e["type"] == "message"
                                      and e["message"]["from_bot"])
            assert event["user_id"] == noor["id"]
            assert "Kies uw taal." in event["message"]["html"]
            labels = [b["text"] for row in event["message"]["buttons"] for b in row]
            # The Arabic label carries a right-to-left mark (invisible on the page).
            assert labels == [("\u200f" + name if code in RTL_LANGUAGES else name)
                              for code, name in LANGUAGES.items()]
            message_id = event["message"]["message_id"]

            # Pressing a button edits the message in place: an "edit" event for the same id.
            async with http.post(url + f"demo/api/chat/{noor['id']}/press",
                                 json={"message_id": message_id, "row": 0, "col": 0}) as response:
                assert response.status == 200
            edit = await _wait_event(events, lambda e: e["type"] == "edit")
            assert edit["message"]["message_id"] == message_id
            assert "Welke BuurtWerkKamer" in edit["message"]["html"]

            # The whole chat, as the page loads it.
            async with http.get(url + f"demo/api/chat/{noor['id']}") as response:
                chat = await response.json()
            assert [m["from_bot"] for m in chat["messages"]] == [False, True]
            assert any(c["command"] == "eten" for c in chat["commands"])
        finally:
            reader.cancel()


async def test_bad_input_changes_nothing(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        fatima = 7003
        before = len(demo.sandbox.users[fatima].messages)
        cases = [
            ("demo/api/chat/424242/send", {"text": "hallo"}, 404),
            ("demo/api/chat/abc/send", {"text": "hallo"}, 404),
            (f"demo/api/chat/{fatima}/send", {"text": "   "}, 400),
            (f"demo/api/chat/{fatima}/send", {"text": "x" * 4097}, 400),
            (f"demo/api/chat/{fatima}/send", ["not", "an", "object"], 400),
            (f"demo/api/chat/{fatima}/press", {"message_id": 999, "row": 0, "col": 0}, 400),
            (f"demo/api/chat/{fatima}/press", {"message_id": "x"}, 400),
            ("demo/api/personas", {"first_name": ""}, 400),
            ("demo/api/personas", {"first_name": "x" * 65}, 400),
        ]
        for path, body, status in cases:
            async with http.post(url + path, json=body) as response:
                assert response.status == status, path
                if status == 400:
                    assert (await response.json())["error"]
        async with http.post(url + f"demo/api/chat/{fatima}/photo", data=b"") as response:
            assert response.status == 400
        async with http.get(url + "demo/api/file/nope") as response:
            assert response.status == 404
        assert len(demo.sandbox.users[fatima].messages) == before
        assert len(demo.sandbox.users) == 6


async def test_photo_upload_reaches_the_bot_and_is_served_back(tmp_path: Path) -> None:
    data = TINY_PNG
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("photo", data, filename="kapotte-lamp.png", content_type="image/png")
        form.add_field("caption", "Mijn lamp")
        async with http.post(demo.url + "demo/api/chat/7003/photo", data=form) as response:
            assert response.status == 200
        async with http.get(demo.url + "demo/api/chat/7003") as response:
            messages = (await response.json())["messages"]
        mine = messages[-1]
        assert not mine["from_bot"] and "Mijn lamp" in mine["html"]
        async with http.get(demo.url + mine["photo"].lstrip("/")) as response:
            assert await response.read() == data


async def test_clock_jumps_to_the_next_scheduled_moment_and_runs_ticks(tmp_path: Path) -> None:
    ran: list[Any] = []
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:

        async def spy(app, now):
            ran.append(now)

        demo.app.ticks["spy"] = spy
        async with http.get(demo.url + "demo/api/clock") as response:
            state = await response.json()
        # Fatima (TOP) had this week's question already; Ayşe's is De Verbinding's, at 14:00.
        assert state["next"][0]["kind"] == "belronde" and state["next"][0]["room"] == "verbinding"
        ayse = demo.sandbox.users[7005]
        before = len(ayse.bot_messages)
        async with http.post(demo.url + "demo/api/clock/jump") as response:
            state = await response.json()
        assert ran and ran[0].strftime("%a %H:%M") == "Mon 14:00"
        assert state["ran"][0]["kind"] == "belronde"
        assert len(ayse.bot_messages) == before + 1  # her weekly question, at 14:00
        assert await demo.app.services.db.fetchval(
            "SELECT COUNT(*) FROM checkins c JOIN users u ON u.id = c.user_id"
            " WHERE u.telegram_id = 7005 AND c.status = 'sent'") == 1
        assert state["next"][0]["at"] > "2026-11-30T14:00"


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("a <b> & c", [], "a &lt;b&gt; &amp; c"),
        ("bold and italic", [{"type": "bold", "offset": 0, "length": 15},
                             {"type": "italic", "offset": 9, "length": 6}],
         "<b>bold and <i>italic</i></b>"),
        ("🍲 Eten", [{"type": "bold", "offset": 3, "length": 4}], "🍲 <b>Eten</b>"),
        ("klik", [{"type": "text_link", "offset": 0, "length": 4, "url": "javascript:alert(1)"}],
         "klik"),
        ("klik", [{"type": "text_link", "offset": 0, "length": 4, "url": "https://x.nl/?a=1&b"}],
         '<a href="https://x.nl/?a=1&amp;b" target="_blank" rel="noopener noreferrer">klik</a>'),
    ],
)
def test_entities_become_safe_html(text: str, entities: list, expected: str) -> None:
    assert entities_to_html(text, entities) == expected


async def test_demo_data_has_an_open_help_request(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        if getattr(demo.app.services.help, "create", None) is None:
            pytest.skip("help requests are not in this build")
        vera = demo.sandbox.users[7002]
        await vera.send("/vragen")
        message = await vera.next_message()
        assert "Open vragen" in (message.text or "")
        assert "📄 Een brief of formulier" in (message.text or "")


async def test_demo_data_has_a_belronde_followup(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        service = getattr(demo.app.services, "checkins", None)
        if not hasattr(service, "open_followups"):
            pytest.skip("the belronde is not in this build")
        vera = await demo.app.services.users.get(7002)
        followups = await service.open_followups(vera)
        assert len(followups) == 1
        assert followups[0].name == "Fatima"


async def _open_meals(demo, room: str) -> list:
    now = demo.clock.now()
    return [v for v in await demo.app.services.meals.upcoming(room)
            if not v.meal.cancelled and v.meal.deadline_at > now]


async def test_demo_data_has_meal_signups_and_a_waitlist(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        if not hasattr(demo.app.services, "meals"):
            pytest.skip("the eettafel is not in this build")
        first, full = (await _open_meals(demo, "top"))[:2]
        db = demo.app.services.db
        rows = await db.fetchall(
            "SELECT u.telegram_id, u.display_name, s.status FROM meal_signups s"
            " JOIN users u ON u.id = s.user_id WHERE s.meal_id = ? ORDER BY s.id",
            (first.meal.id,))
        statuses = {(r[0], r[1]): r[2] for r in rows}
        assert statuses[(7003, "Fatima")] == "pending"  # Vera confirms her in the walk-through
        assert statuses[(7006, None)] == "confirmed"
        assert statuses[(None, "Mevrouw Jansen")] == "confirmed"
        # The meal after it is full, with John first on the waiting list.
        view = await demo.app.services.meals.view(full.meal.id)
        assert view is not None and view.free == 0 and view.waiting == 1
        john = await db.fetchval(
            "SELECT s.status FROM meal_signups s JOIN users u ON u.id = s.user_id"
            " WHERE s.meal_id = ? AND u.telegram_id = 7006", (full.meal.id,))
        assert john == "waiting"

        # What Vera and Fatima see.
        vera, fatima = demo.sandbox.users[7002], demo.sandbox.users[7003]
        await vera.send("/tafel")
        table = await vera.next_message()
        assert "⏳ Fatima" in table.text and "Mevrouw Jansen" in table.text
        assert ["✅ Fatima", "✖️ Fatima"] in table.buttons
        await fatima.send("/eten")
        listing = await fatima.next_message()
        assert "u bent aangemeld" in listing.text and "vol, 1 wacht" in listing.text
        assert any(label.startswith("⏳ Wachtlijst") for row in listing.buttons
                   for label in row)
        # Every resident persona has a meal in their own room.
        for telegram_id in (7004, 7005):
            person = await demo.app.services.users.get(telegram_id)
            assert any(row.status == "pending"
                       for row in (await demo.app.services.meals.my_signups(person)).values())


async def test_meal_deadline_moment_is_the_meals_own_and_sends_the_cooks_list(
        tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo:
        if not hasattr(demo.app.services, "meals"):
            pytest.skip("the eettafel is not in this build")
        control = demo.page.control
        now = demo.clock.now()
        stored = []
        for room in demo.app.services.config.rooms:
            stored += [(v.meal.deadline_at, room) for v in await _open_meals(demo, room)]
        stored.sort()
        moments = [(m.at, m.room) for m in await control.upcoming(now)
                   if m.kind == "meal_deadline"]
        assert moments == stored
        # Jump moment by moment until TOP's first deadline: Tuesday 12:00.
        vera = demo.sandbox.users[7002]
        before = len(vera.messages)
        for _ in range(40):
            state = await control.jump()
            if {"kind": "meal_deadline", "room": "top", "room_name": "TOP"} in state["ran"]:
                break
        else:
            raise AssertionError("never reached TOP's meal deadline")
        assert demo.clock.now().strftime("%a %H:%M") == "Tue 12:00"
        final = [m for m in vera.messages[before:] if "Definitieve lijst" in (m.text or "")]
        assert len(final) == 1
        # With WhatsApp, Henk (a resident on WhatsApp) is on the list too, with the channel.
        taken = 5 if demo.standin is not None else 4
        assert "⏳ Fatima" in final[0].text and f"{taken} van 12 plekken bezet" in final[0].text
        if demo.standin is not None:
            assert any("⏳ Henk" in line and "📱 WhatsApp" in line
                       for line in final[0].text.splitlines())


def test_the_practice_page_offers_every_shipped_language() -> None:
    """The new-resident form on the practice page lists the same languages as the bot."""
    import re

    from bot.sandbox import page

    html = (Path(page.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    select = html.split('class="new-lang"', 1)[1].split("</select>", 1)[0]
    assert dict(re.findall(r'<option value="(\w+)">([^<]+)</option>', select)) == LANGUAGES
