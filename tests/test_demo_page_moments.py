"""The practice chat (issue 12, point 16): the clock jump asks every feature for its next
moment (a resident's own belronde day, planned announcements, ...), the "share my phone
number" button sends a contact, and /commands in bot messages are tappable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.clock import from_db, local
from bot.sandbox.page import command_entities, entities_to_html, message_view
from bot.services.announcements import Audience
from tests.auxil.demo import DEMO_START, demo_session

AHMED, FATIMA, CARLA = 7004, 7003, 7001


def _minute(demo):
    """The demo clock runs on in real time after a jump: compare to the minute."""
    return demo.clock.now().replace(second=0, microsecond=0)


async def test_jump_stops_at_a_residents_own_belronde_moment(tmp_path: Path) -> None:
    """Ahmed chose Tuesday afternoon: his question comes Tuesday 14:00, not at the next meal
    deadline the day after."""
    async with demo_session(tmp_path) as demo:
        service = demo.app.services.checkins
        ahmed = await demo.app.services.users.get(AHMED)
        await service.set_weekday(ahmed, 1)
        await service.set_daypart(ahmed, "afternoon")
        control = demo.page.control
        user = demo.sandbox.users[AHMED]
        tuesday_14 = (DEMO_START + timedelta(days=1)).replace(hour=14)
        for _ in range(40):
            before = len(user.bot_messages)
            state = await control.jump()
            assert _minute(demo) <= tuesday_14, "the jump went past Ahmed's moment"
            if {"kind": "belronde", "room": "hart", "room_name": "Hart voor Leidsche Rijn"} \
                    in state["ran"]:
                break
        else:
            raise AssertionError("never reached Ahmed's belronde")
        assert _minute(demo) == tuesday_14
        assert len(user.bot_messages) == before + 1
        assert await demo.app.services.db.fetchval(
            "SELECT COUNT(*) FROM checkins WHERE user_id = ? AND status = 'sent'",
            (ahmed.id,)) == 1


async def test_jump_stops_at_a_planned_announcement(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        carla = await demo.app.services.users.get(CARLA)
        at = DEMO_START.replace(hour=9, minute=45)
        await demo.app.services.announcements.create(
            carla, draft_key="demo-test", chat_id=CARLA, audience=Audience("room", "top"),
            text="Morgen is de BuurtWerkKamer dicht.", send_at=at)
        async with http.get(demo.url + "demo/api/clock") as response:
            state = await response.json()
        assert state["next"] == [{"at": at.isoformat(), "kind": "announcement", "room": "top",
                                  "room_name": "TOP"}]
        async with http.post(demo.url + "demo/api/clock/jump") as response:
            state = await response.json()
        assert _minute(demo) == at
        assert state["ran"][0]["kind"] == "announcement"
        # Delivered through the outbox to TOP's residents, e.g. Fatima.
        fatima = demo.sandbox.users[FATIMA]
        await fatima.next_message()
        while "dicht" not in (fatima.bot_messages[-1].text or ""):
            await fatima.next_message()


async def test_share_my_phone_number_sends_a_contact(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        fatima = demo.sandbox.users[FATIMA]
        # No contact button open: refused, nothing sent.
        async with http.post(demo.url + f"demo/api/chat/{FATIMA}/contact", json={}) as response:
            assert response.status == 400
        await fatima.send("/belronde")
        await fatima.next_message()
        await fatima.press_data("chk:phone", message=fatima.bot_messages[-1])
        await fatima.next_message()
        async with http.get(demo.url + f"demo/api/chat/{FATIMA}") as response:
            chat = await response.json()
        buttons = [b for row in chat["reply_keyboard"] for b in row]
        assert {"text": "📞 Mijn nummer delen", "kind": "contact"} in buttons
        async with http.post(demo.url + f"demo/api/chat/{FATIMA}/contact", json={}) as response:
            assert response.status == 200
        thanks = await fatima.next_message()
        assert fatima.phone_number in thanks.text
        mine = fatima.messages[-2]
        assert mine.raw["contact"]["phone_number"] == fatima.phone_number
        assert "text" not in mine.raw  # a contact, not the button's label as text
        person = await demo.app.services.users.get(FATIMA)
        assert person.row.phone == fatima.phone_number
        async with http.get(demo.url + f"demo/api/chat/{FATIMA}") as response:
            chat = await response.json()
        assert chat["reply_keyboard"] is None  # the keyboard is gone again
        assert fatima.phone_number in chat["messages"][-2]["html"]


async def test_commands_in_bot_messages_are_tappable(tmp_path: Path) -> None:
    async with demo_session(tmp_path) as demo, aiohttp.ClientSession() as http:
        fatima = demo.sandbox.users[FATIMA]
        await fatima.send("/bestaatniet")  # "... Tap /menu to see what I can do."
        await fatima.next_message()
        async with http.get(demo.url + f"demo/api/chat/{FATIMA}") as response:
            chat = await response.json()
        bot_messages = [m for m in chat["messages"] if m["from_bot"]]
        with_command = [m for m in bot_messages if "/" in m["html"].replace("</", "")]
        assert with_command, "the unknown-command answer names /menu"
        assert all('class="cmd"' in m["html"] for m in with_command)


def test_command_detection_matches_telegram() -> None:
    text = "Tik op /belronde of \u2068/tafel\u2069. Zie https://x.nl/a/b, 1/2 en /x@buurtbot."
    found = [text[e["offset"]:e["offset"] + e["length"]] for e in command_entities(text, [])]
    assert found == ["/belronde", "/tafel", "/x@buurtbot"]
    html = entities_to_html(text, command_entities(text, []))
    assert '<a href="#" class="cmd" data-command="/belronde">/belronde</a>' in html
    assert 'data-command="/x">/x@buurtbot</a>' in html
    # Inside code, no link; in a bold line, a link inside the bold.
    code = [{"type": "code", "offset": 0, "length": 6}]
    assert command_entities("/start", code) == []
    view = message_view({"message_id": 1, "from_bot": True, "edited": False,
                         "raw": {"text": "Typ /menu", "date": 0,
                                 "entities": [{"type": "bold", "offset": 0, "length": 9}]}})
    assert view["html"] == '<b>Typ <a href="#" class="cmd" data-command="/menu">/menu</a></b>'


async def test_jump_stops_at_help_alerts_and_the_weekly_tally(tmp_path: Path) -> None:
    """QA round 6: the demo's open help request (John's) has its 48-hour alert for the
    coordinator at its own minute, not at whatever moment comes next; Sunday 18:00 (the
    coordinators' weekly tally) is a moment too."""
    async with demo_session(tmp_path) as demo:
        created = await demo.app.services.db.fetchval("SELECT MIN(queued_at) FROM help_requests")
        alert_at = local(from_db(created) + timedelta(hours=48))
        control = demo.page.control
        kinds = {m.kind for m in await control.upcoming(demo.clock.now())}
        assert {"help_unclaimed", "tally_summary"} <= kinds
        carla = demo.sandbox.users[CARLA]
        for _ in range(40):
            state = await control.jump()
            assert _minute(demo) <= alert_at.replace(second=0, microsecond=0)
            if any(r["kind"] == "help_unclaimed" for r in state["ran"]):
                break
        else:
            raise AssertionError("never reached the 48-hour alert")
        assert any("48 uur" in (m.text or "") for m in carla.bot_messages)
