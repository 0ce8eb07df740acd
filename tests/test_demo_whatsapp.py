"""`make demo` shows WhatsApp (issue 14): residents on WhatsApp next to the Telegram people.

The demo runs the WhatsApp Cloud API stand-in on its sandbox, the bot's WhatsApp webhook on a
local port and its templates approved; the practice page's JSON shows a WhatsApp chat (list
messages, reply buttons, templates, ticks) and drives it through the stand-in's driver;
``buurtbot demo --once`` gets a WhatsApp part.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.demo import HENK, SAMIRA, whatsapp_available
from bot.sandbox.page_whatsapp import format_text, outgoing_view
from tests.auxil.demo import TINY_PNG, demo_session, wait_event
from tests.auxil.demo import events as _events

pytestmark = pytest.mark.skipif(not whatsapp_available(),
                                reason="this build has no WhatsApp channel")

HENK_KEY, SAMIRA_KEY = f"wa:{HENK}", f"wa:{SAMIRA}"
VERA = 7002
WAIT = 10.0
async def _wait_event(queue: asyncio.Queue, predicate) -> dict[str, Any]:
    return await wait_event(queue, predicate, WAIT)


def _bot_message(user_id: str):
    return lambda e: (e["type"] == "message" and e["user_id"] == user_id
                      and e["message"]["from_bot"])


async def test_the_demo_starts_with_residents_on_whatsapp(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        async with http.get(demo.url + "demo/api/personas") as response:
            data = await response.json()
        assert data["channels"] == ["telegram", "whatsapp"]
        by_id = {p["id"]: p for p in data["personas"]}
        henk = by_id[HENK_KEY]
        assert henk == {"id": HENK_KEY, "name": "Henk", "role": "resident", "room": "top",
                        "room_name": "TOP", "language": "nl", "channel": "whatsapp",
                        "phone": "+31 6 12345678"}
        assert by_id[SAMIRA_KEY]["language"] == "ar"
        assert by_id[SAMIRA_KEY]["room"] == "hart"
        assert by_id[VERA]["channel"] == "telegram" and by_id[VERA]["role"] == "volunteer"

        # The bot's side: [whatsapp] pointed at the stand-in, its webhook answering there.
        settings = demo.app.services.config.whatsapp
        assert settings is not None and settings.api_url == demo.sandbox.base + "/wa"
        standin = demo.standin
        assert standin.webhook_url and standin.webhook_url.startswith("http://127.0.0.1:")
        status, text = await standin.verify(challenge="1234")
        assert (status, text) == (200, "1234")
        # Every template the bot ships was created and approved (the stand-in is Meta).
        assert standin.templates
        assert {t.status for t in standin.templates.values()} == {"APPROVED"}
        assert await demo.app.services.db.fetchval(
            "SELECT COUNT(*) FROM whatsapp_templates WHERE status != 'APPROVED'") == 0

        # Henk is a person with a WhatsApp address (no Telegram id), pending for dinner, and
        # asked for help with a photo of his letter (a WhatsApp media id, never on disk).
        db = demo.app.services.db
        person = await demo.app.services.users.by_address("whatsapp", HENK)
        assert person is not None and person.row.telegram_id is None
        meal = await demo.app.services.meals.next_meal("top")
        assert await db.fetchval(
            "SELECT status FROM meal_signups WHERE meal_id = ? AND user_id = ?",
            (meal.meal.id, person.id)) == "pending"
        media = await db.fetchval(
            "SELECT m.file_id FROM help_media m JOIN help_requests r ON r.id = m.request_id"
            " WHERE r.resident_id = ?", (person.id,))
        assert media is not None and media.startswith("wa:")
        assert media[3:] in standin.media


async def test_the_page_shows_and_drives_a_whatsapp_chat(tmp_path: Path) -> None:
    """Henk says "Hoi", gets the menu as a list message, picks a row; every step shows live
    on the page, drawn from what the stand-in saw."""
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(_events(http, url, events))
        try:
            async with http.post(url + f"demo/api/chat/{HENK_KEY}/send",
                                 json={"text": "Hoi"}) as response:
                assert response.status == 200
                sent = (await response.json())["message_id"]
            own = await _wait_event(events, lambda e: e["type"] == "message"
                                    and e["user_id"] == HENK_KEY
                                    and not e["message"]["from_bot"])
            assert own["message"]["message_id"] == sent
            assert own["message"]["html"] == "Hoi"
            menu = (await _wait_event(events, _bot_message(HENK_KEY)))["message"]
            assert menu["kind"] == "list"
            assert "Wat wilt u doen?" in menu["html"]
            rows = [row for section in menu["list"]["sections"] for row in section["rows"]]
            assert "🍲 Eettafel" in [row["title"] for row in rows]

            # The whole chat, as the page loads it: both sides, Henk's "Hoi" read (ticks).
            await demo.standin.settle()
            async with http.get(url + f"demo/api/chat/{HENK_KEY}") as response:
                chat = await response.json()
            assert chat["channel"] == "whatsapp" and chat["commands"] == []
            # His "Hoi" opened WhatsApp's 24-hour window (the stand-in's clock is the bot's).
            assert chat["window"]["open"] is True
            assert chat["window"]["until"].startswith("2026-12-01T09:00")  # 24 h on
            first, second = chat["messages"][:2]
            assert (first["from_bot"], first["status"]) == (False, "read")
            assert second["from_bot"] and second["message_id"] == menu["message_id"]

            # A row of the list: the reply quotes the menu, the bot answers with the meals.
            meals = next(row for row in rows if row["title"] == "🍲 Eettafel")
            async with http.post(url + f"demo/api/chat/{HENK_KEY}/press",
                                 json={"message_id": menu["message_id"],
                                       "button_id": meals["id"]}) as response:
                assert response.status == 200
                assert (await response.json())["pressed"] == "🍲 Eettafel"
            answer = (await _wait_event(events, _bot_message(HENK_KEY)))["message"]
            assert "Eettafel in TOP" in answer["html"]
            tapped = demo.standin.people[HENK].sent[-1]
            assert tapped.payload["interactive"]["list_reply"]["id"] == meals["id"]
            assert tapped.payload["context"]["id"] == menu["message_id"]
            # On the page the reply quotes the menu's first line, as WhatsApp shows it.
            async with http.get(url + f"demo/api/chat/{HENK_KEY}") as response:
                chat = await response.json()
            reply = next(m for m in chat["messages"] if m["message_id"] == tapped.wamid)
            assert reply["html"] == "🍲 Eettafel" and "Wat wilt u doen?" in reply["quote"]
        finally:
            reader.cancel()


async def test_a_telegram_volunteer_confirms_and_the_whatsapp_resident_gets_a_template(
        tmp_path: Path) -> None:
    """Henk never wrote (his 24-hour window is closed): Vera's confirmation from Telegram
    reaches him as an approved template, marked as one on the page, with its quick reply."""
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(_events(http, url, events))
        try:
            vera = demo.sandbox.users[VERA]
            await vera.send("/tafel")
            table = await vera.next_message()
            assert any("Henk" in line and "📱 WhatsApp" in line
                       for line in (table.text or "").splitlines())
            confirm = next(label for row in table.buttons for label in row
                           if label.startswith("✅") and "Henk" in label)
            await vera.press(confirm)
            notice = (await _wait_event(events, _bot_message(HENK_KEY)))["message"]
            assert notice["kind"] == "template"
            assert notice["template"]["name"]
            assert "bevestigd" in notice["html"]
        finally:
            reader.cancel()


async def test_a_belronde_question_as_a_template_with_quick_replies(tmp_path: Path) -> None:
    """Samira (WhatsApp, Arabic) joins the belronde on Monday afternoons: the clock jump to
    14:00 sends her weekly question as the approved template (her 24-hour window is closed),
    its answers drawn as reply buttons; a tap sends the quick reply's payload back to the
    bot, which thanks her."""
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        service = demo.app.services.checkins
        samira = await demo.app.services.users.by_address("whatsapp", SAMIRA)
        await service.opt_in(samira)
        await service.set_weekday(samira, 0)
        await service.set_daypart(samira, "afternoon")
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(_events(http, url, events))
        try:
            async with http.post(url + "demo/api/clock/jump") as response:
                state = await response.json()
            assert {"kind": "belronde", "room": "hart",
                    "room_name": "Hart voor Leidsche Rijn"} in state["ran"]
            question = (await _wait_event(events, _bot_message(SAMIRA_KEY)))["message"]
            assert question["kind"] == "template" and question["template"]["language"] == "ar"
            assert len(question["buttons"]) == 5
            reply = question["buttons"][0]
            async with http.post(url + f"demo/api/chat/{SAMIRA_KEY}/press",
                                 json={"message_id": question["message_id"],
                                       "button_id": reply["id"]}) as response:
                assert response.status == 200
            tapped = demo.standin.people[SAMIRA].sent[-1]
            assert tapped.kind == "button"
            assert tapped.payload["button"] == {"payload": reply["id"], "text": reply["title"]}
            await _wait_event(events, _bot_message(SAMIRA_KEY))
            assert await demo.app.services.db.fetchval(
                "SELECT COUNT(*) FROM checkins WHERE user_id = ? AND answer IS NOT NULL",
                (samira.id,)) == 1
        finally:
            reader.cancel()


async def test_the_dinner_reminder_reaches_henk_as_a_template(tmp_path: Path) -> None:
    """The clock control's jumps run the real ticks: TOP's meal reminder goes to Henk as the
    approved template (he has not written in 24 hours), and the page marks it as one."""
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        for _ in range(10):
            state = await demo.page.control.jump()
            if {"kind": "meal_reminder", "room": "top", "room_name": "TOP"} in state["ran"]:
                break
        else:
            raise AssertionError("never reached TOP's meal reminder")
        await demo.standin.settle()
        async with http.get(demo.url + f"demo/api/chat/{HENK_KEY}") as response:
            messages = (await response.json())["messages"]
        reminders = [m for m in messages if m["template"] is not None]
        assert len(reminders) == 1 and reminders[0]["from_bot"]
        assert reminders[0]["template"] == {"name": "buurtbot_meal_reminder", "language": "nl"}
        assert "TOP" in reminders[0]["html"]


async def test_a_new_resident_on_whatsapp_and_a_photo(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        events: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(_events(http, url, events))
        try:
            async with http.post(url + "demo/api/personas",
                                 json={"first_name": "Joke", "language": "nl",
                                       "channel": "whatsapp"}) as response:
                joke = (await response.json())["persona"]
            assert joke["channel"] == "whatsapp" and joke["role"] == "new"
            assert joke["id"].startswith("wa:316") and joke["phone"].startswith("+31 6 ")
            await _wait_event(events, lambda e: e["type"] == "personas")
            async with http.post(url + f"demo/api/chat/{joke['id']}/send",
                                 json={"text": "Hoi"}) as response:
                assert response.status == 200
            question = (await _wait_event(events, _bot_message(joke["id"])))["message"]
            assert "Kies uw taal." in question["html"]

            # A photo from the WhatsApp pane reaches the bot as WhatsApp media, and the page
            # serves it back from the stand-in's memory.
            form = aiohttp.FormData()
            form.add_field("photo", TINY_PNG, filename="brief.png", content_type="image/png")
            async with http.post(url + f"demo/api/chat/{HENK_KEY}/photo",
                                 data=form) as response:
                assert response.status == 200
            own = await _wait_event(events, lambda e: e["type"] == "message"
                                    and e["user_id"] == HENK_KEY
                                    and not e["message"]["from_bot"])
            assert own["message"]["kind"] == "image"
            async with http.get(url + own["message"]["photo"].lstrip("/")) as response:
                assert response.status == 200
                assert await response.read() == TINY_PNG
        finally:
            reader.cancel()


async def test_bad_input_on_a_whatsapp_chat_changes_nothing(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        url = demo.url
        henk = demo.standin.people[HENK]
        before = len(henk.sent)
        cases = [
            ("demo/api/chat/wa:31600000000/send", {"text": "hoi"}, 404),  # nobody
            ("demo/api/chat/wa:abc/send", {"text": "hoi"}, 404),
            (f"demo/api/chat/{HENK_KEY}/send", {"text": "  "}, 400),
            (f"demo/api/chat/{HENK_KEY}/send", {"text": "x" * 4097}, 400),
            (f"demo/api/chat/{HENK_KEY}/press", {"message_id": "wamid.nope",
                                                 "button_id": "x"}, 400),
            (f"demo/api/chat/{HENK_KEY}/press", {"message_id": 3, "row": 0, "col": 0}, 400),
            (f"demo/api/chat/{HENK_KEY}/contact", {}, 400),
            ("demo/api/personas", {"first_name": "Bram", "channel": "signal"}, 400),
        ]
        for path, body, status in cases:
            async with http.post(url + path, json=body) as response:
                assert response.status == status, path
        async with http.get(url + "demo/api/wa-media/nope") as response:
            assert response.status == 404
        assert len(henk.sent) == before


def test_whatsapp_markup_becomes_safe_html() -> None:
    assert format_text("*Eettafel* _vandaag_ ~weg~ <b>x</b>") == (
        "<b>Eettafel</b> <i>vandaag</i> <s>weg</s> &lt;b&gt;x&lt;/b&gt;")
    assert format_text("2*3*4 snake_case_name") == "2*3*4 snake_case_name"
    assert format_text("> citaat") == "<blockquote>citaat</blockquote>"
    view = outgoing_view({"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Komt u?"}, "footer": {"text": "TOP"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "a:1", "title": "Ja"}}]}}})
    assert view["kind"] == "buttons" and view["footer"] == "TOP"
    assert view["buttons"] == [{"id": "a:1", "title": "Ja"}]


def test_demo_walkthrough_has_a_whatsapp_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Henk (📱 WhatsApp): Hoi" in out
    assert "Bot → Henk (📱 WhatsApp): Hallo Henk! Wat wilt u doen?" in out
    lines = out.splitlines()
    # Vera, on Telegram, sees Henk's sign-up with the channel, confirms it...
    assert any(line.startswith(("4.", "5.", "6.")) and "⏳ Henk" in line
               and "📱 WhatsApp" in line for line in lines)
    assert any("✅ Henk" in line and "📱 WhatsApp" in line for line in lines)
    # ... and Henk gets the notice on WhatsApp.
    assert any(line.startswith("Bot → Henk (📱 WhatsApp):") and "is bevestigd" in line
               for line in lines)
