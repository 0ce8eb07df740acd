"""The room's door on WhatsApp (issue 14): the QR code that opens WhatsApp with "Hoi TOP 👋",
the greeting that starts the bot with that room, a person of one room who scans another
room's code (both channels), coordinators named by their WhatsApp number, and rows for a
channel that is not set up."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from bot import cli
from bot.channels.whatsapp import door, ids, inbound, keywords
from bot.config import ConfigError, coordinator_id, load_config
from bot.messaging.message import Address, OutMessage
from bot.services.ops_door_sign import render, sign_links
from bot.store import outbox as outbox_store
from tests.auxil.harness import BOT_USERNAME, ROOT, TOKEN, BotHarness
from tests.auxil.server import write_settings
from tests.auxil.whatsapp import WaHarness, make_wa_harness, running

NUMBER = "+31 6 1234 5678"
FORMS = door.room_forms([("top", "TOP"), ("hart", "Hart voor Leidsche Rijn"),
                         ("verbinding", "De Verbinding")])


def _decode(png: bytes) -> list[str]:
    return sorted(code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


def _greeting_of(link: str) -> str:
    """The text a phone fills in when it opens this wa.me link."""
    return parse_qs(urlsplit(link).query)["text"][0]


@pytest.fixture
async def wa_door(tmp_path, clock):
    """Both channels, and the room's WhatsApp number set (the sign carries both codes)."""
    async with running(*await make_wa_harness(tmp_path, clock, display_number=NUMBER),
                       check=False) as harness:
        yield harness


@pytest.fixture
async def wa_door_alone(tmp_path, clock):
    """WhatsApp alone, with the number set and a coordinator on WhatsApp."""
    harness, box = await make_wa_harness(tmp_path, clock, telegram=False,
                                         display_number=NUMBER)
    harness.config = dataclasses.replace(
        harness.config, coordinators=frozenset({ids.chat_id("31699990001")}))
    async with running(harness, box, check=False):
        yield harness


# --- units: the link and the greeting ---------------------------------------------------------


def test_the_wa_me_link_carries_the_room_greeting() -> None:
    assert door.wa_number("+31 6 1234 5678") == "31612345678"
    assert door.wa_number("06 1234 5678") == "31612345678"  # written the Dutch way
    assert door.wa_number("0031 6 1234 5678") == "31612345678"
    link = door.wa_link(NUMBER, "TOP")
    assert link == "https://wa.me/31612345678?text=Hoi%20TOP%20%F0%9F%91%8B"
    assert _greeting_of(link) == "Hoi TOP 👋"


@pytest.mark.parametrize("text, room", [
    ("Hoi TOP 👋", "top"), ("hoi top", "top"), ("Hallo, TOP!", "top"), ("Hello top", "top"),
    ("Goedemorgen De Verbinding", "verbinding"), ("hoi verbinding", "verbinding"),
    ("Hoi Hart voor Leidsche Rijn 👋", "hart"), ("start top", "top"), ("Start HART", "hart"),
    ("مرحبا TOP", "top"), ("Merhaba TOP", "top"), ("ሰላም TOP", "top"), ("Привіт TOP", "top"),
    ("Cześć TOP", "top"), ("Dzień dobry TOP", "top"), ("good morning, top", "top"),
])
def test_a_greeting_with_a_room_names_it_in_every_language(text: str, room: str) -> None:
    assert door.room_of(text, FORMS) == room


@pytest.mark.parametrize("text", [
    "Hoi", "Hoi daar", "TOP", "ik wil naar top", "top hoi", "Hoi Utrecht", "eten top", "",
    "hoi " + "top " * 40,
])
def test_other_text_names_no_room(text: str) -> None:
    assert door.room_of(text, FORMS) is None


def test_every_shipped_language_has_a_greeting_the_door_understands() -> None:
    for language, words in keywords.KEYWORDS[keywords.GREETING].items():
        assert door.room_of(f"{words[0]} TOP", FORMS) == "top", language


def test_the_greeting_becomes_start_with_the_room_for_strangers_and_known_people() -> None:
    message = {"from": "31612345678", "id": "wamid.1", "timestamp": "1700000000",
               "type": "text", "text": {"body": "Hoi TOP 👋"}}
    for known in (False, True):
        update = inbound.to_update(inbound.Incoming(message, None),
                                   inbound.Situation(known=known, rooms=FORMS))
        assert update is not None
        assert update["message"]["text"] == "/start top"
        assert update["message"]["entities"][0] == {"type": "bot_command", "offset": 0,
                                                    "length": 6}
    plain = {**message, "text": {"body": "Hoi"}}
    update = inbound.to_update(inbound.Incoming(plain, None),
                               inbound.Situation(known=True, rooms=FORMS))
    assert update is not None and update["message"]["text"] == "/menu"


# --- units: the sign ---------------------------------------------------------------------------


def _config(**whatsapp):
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    from tests.auxil.whatsapp import whatsapp_settings

    class _Standin:  # what whatsapp_settings reads
        token = "t"
        phone_number_id = "1"
        app_secret = "s"
        verify_token = "v"
        business_account_id = "2"
        api_url = "http://127.0.0.1:1/wa"

    return dataclasses.replace(config, token="123:abc",
                               whatsapp=whatsapp_settings(_Standin, **whatsapp))


def test_the_sign_has_a_code_per_channel_the_bot_runs_on() -> None:
    both = _config(display_number=NUMBER)
    room = both.rooms["top"]
    links = sign_links(both, room, BOT_USERNAME)
    assert [link.channel for link in links] == ["WhatsApp", "Telegram"]
    assert [link.shown for link in links] == [NUMBER, f"t.me/{BOT_USERNAME}"]
    assert _decode(render(room, links, "png")) == sorted(link.url for link in links)
    svg = render(room, links, "svg").decode()
    assert svg.count("<path ") == 2 and ">WhatsApp<" in svg and ">Telegram<" in svg
    assert render(room, links, "pdf").startswith(b"%PDF")
    # WhatsApp alone: one code, the number under it.
    alone = sign_links(dataclasses.replace(both, token=""), room, None)
    assert [(link.channel, link.shown) for link in alone] == [("WhatsApp", f"WhatsApp {NUMBER}")]
    assert _decode(render(room, alone, "png")) == [door.wa_link(NUMBER, "TOP")]
    # No number: Telegram as before, the full link under the code.
    telegram = sign_links(_config(), room, BOT_USERNAME)
    assert [(link.channel, link.shown) for link in telegram] == [
        ("Telegram", f"https://t.me/{BOT_USERNAME}?start=top")]


def _whatsapp_table(number: str = NUMBER) -> str:
    return ('[whatsapp]\naccess_token = "tok"\nphone_number_id = "106540352242922"\n'
            f'app_secret = "sec"\nverify_token = "ver"\ndisplay_number = "{number}"\n')


def test_buurtbot_qr_prints_both_codes(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db", extra=_whatsapp_table())
    out = tmp_path / "door.png"
    assert cli.main(["--config", str(settings), "qr", "--room", "hart", "--format", "png",
                     "--out", str(out), "--username", BOT_USERNAME]) == 0
    printed = capsys.readouterr().out
    wa_link = door.wa_link(NUMBER, "Hart voor Leidsche Rijn")
    assert "two QR codes" in printed and wa_link in printed
    assert _decode(out.read_bytes()) == sorted(
        [wa_link, f"https://t.me/{BOT_USERNAME}?start=hart"])


def test_buurtbot_qr_on_whatsapp_alone_needs_no_username(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db", extra=_whatsapp_table())
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        f'token = "{TOKEN}"', 'token = ""', 1), encoding="utf-8")
    assert not load_config(settings, env={}).telegram
    out = tmp_path / "door.png"
    assert cli.main(["--config", str(settings), "qr", "--room", "top", "--format", "png",
                     "--out", str(out)]) == 0
    assert _decode(out.read_bytes()) == [door.wa_link(NUMBER, "TOP")]


def test_a_display_number_that_is_no_phone_number_is_refused(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db",
                              extra=_whatsapp_table("wa.me/31612345678"))
    assert cli.main(["--config", str(settings), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert "whatsapp.display_number" in err and len(err.splitlines()) == 1


# --- end to end: scanning the door -------------------------------------------------------------


async def test_a_stranger_scans_the_whatsapp_code_and_gets_that_room(wa_door: WaHarness) -> None:
    wa = wa_door
    room = wa.config.rooms["hart"]
    links = sign_links(wa.config, room, BOT_USERNAME)
    wa_link = next(link.url for link in links if link.channel == "WhatsApp")
    assert wa_link in _decode(render(room, links, "png"))
    els = wa.person("Els")
    await els.send(_greeting_of(wa_link))  # the phone filled it in; Els taps send
    await wa.settle()
    assert "Nederlands" in els.last.rows + els.last.buttons
    await els.tap("Nederlands")
    await wa.settle()
    privacy = els.drain()[-1]
    assert "/vergeetmij" in (privacy.text or "") or "vergeetmij" in (privacy.text or "")
    assert not any(r.startswith("TOP") for r in privacy.rows + privacy.buttons), \
        "the room step is skipped"
    await els.tap(privacy.buttons[0])  # I agree
    await wa.settle()
    await els.tap(els.last.buttons[0])  # Skip the name
    await wa.settle()
    person = await wa.wa_person(els)
    assert person is not None and person.room == "hart"
    assert any("Hart voor Leidsche Rijn" in (m.text or "") for m in els.drain())


async def test_the_coordinator_gets_a_sign_with_both_codes(wa_door: WaHarness) -> None:
    carla = await wa_door.coordinator(language="en")
    await carla.send("/qr")
    await carla.next_message()
    await carla.press("TOP")
    sign = await carla.next_message()
    assert sign.document["file_name"] == "qr-top.pdf"
    assert "One QR code opens WhatsApp, the other Telegram" in sign.caption
    assert door.wa_link(NUMBER, "TOP") in sign.caption
    assert f"https://t.me/{BOT_USERNAME}?start=top" in sign.caption


async def test_a_coordinator_on_whatsapp_alone(wa_door_alone: WaHarness) -> None:
    """Named by their number in bot.coordinators: the coordinator role, found as the rooms'
    coordinator, and the door sign (only the WhatsApp code: Telegram does not run)."""
    wa = wa_door_alone
    carla = await wa.resident("Carla", room="top", wa_id="31699990001")
    person = await wa.wa_person(carla)
    assert person.role == "coordinator"
    assert [p.id for p in await wa.services.users.coordinators("hart")] == [person.id]
    await carla.send("/qr")
    await wa.settle()
    await carla.tap("TOP")
    await wa.settle()
    sign = next(m for m in carla.drain() if m.kind == "document")
    assert sign.filename == "qr-top.pdf"
    assert wa.standin.media[sign.media_id].data.startswith(b"%PDF")
    assert door.wa_link(NUMBER, "TOP") in (sign.caption or "")
    assert "t.me/" not in (sign.caption or "")
    # An ordinary resident on WhatsApp is no coordinator and gets no sign.
    henk = await wa.resident("Henk")
    assert (await wa.wa_person(henk)).role == "resident"
    await henk.send("/qr")
    await wa.settle()
    assert not any(m.kind == "document" for m in henk.drain())


# --- a person of one room who scans another room's code ----------------------------------------


async def test_whatsapp_another_rooms_code_asks_before_switching(wa_door: WaHarness) -> None:
    wa = wa_door
    henk = await wa.resident("Henk", room="top")
    await henk.send("Hoi TOP 👋")  # their own room: just the menu
    await wa.settle()
    assert not any("overstappen" in (m.text or "") for m in henk.drain())
    await henk.send("Hoi Hart voor Leidsche Rijn 👋")
    await wa.settle()
    question = henk.drain()[-1]
    assert question.text == ("U staat ingeschreven bij TOP. Wilt u overstappen naar "
                             "Hart voor Leidsche Rijn?")
    assert question.buttons == ["✅ Ja, overstappen", "Nee, blijven"]
    assert (await wa.wa_person(henk)).room == "top", "nothing changed before the choice"
    await henk.tap("Nee, blijven")
    await wa.settle()
    assert "Uw BuurtWerkKamer blijft TOP" in henk.drain()[0].text
    assert (await wa.wa_person(henk)).room == "top"
    await henk.send("hoi hart voor leidsche rijn")
    await wa.settle()
    assert "overstappen" in henk.drain()[-1].text
    await henk.tap("✅ Ja, overstappen")
    await wa.settle()
    assert "Uw BuurtWerkKamer is nu Hart voor Leidsche Rijn" in henk.drain()[0].text
    assert (await wa.wa_person(henk)).room == "hart"
    # One person, one row: the same number did not become a second resident.
    assert await wa.db.fetchval("SELECT COUNT(*) FROM addresses WHERE channel = 'whatsapp'"
                                " AND address = ?", (henk.wa_id,)) == 1


async def test_telegram_another_rooms_link_asks_the_same(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima", room="top")
    await fatima.send("/start verbinding")
    question = await fatima.next_message()
    assert question.text == ("U staat ingeschreven bij TOP. Wilt u overstappen naar "
                             "De Verbinding?")
    assert (await bot.person(fatima)).room == "top"
    await fatima.press("✅ Ja, overstappen")
    assert "De Verbinding" in (await fatima.next_edit()).text
    assert (await bot.person(fatima)).room == "verbinding"
    await fatima.send("/start verbinding")  # the room they are in: the menu, no question
    assert "overstappen" not in (await fatima.next_message()).text


async def test_a_volunteer_is_sent_to_the_coordinator(bot: BotHarness) -> None:
    vera = await bot.resident("Vera", room="top", name="Vera")
    await bot.services.users.update(await bot.person(vera), role="volunteer")
    await vera.send("/start hart")
    answer = await vera.next_message()
    assert "Vraag uw coördinator" in answer.text
    assert (await bot.person(vera)).room == "top"


# --- coordinators by WhatsApp number in the settings -------------------------------------------


def test_coordinators_take_whatsapp_numbers() -> None:
    assert coordinator_id(123456789, "bot.coordinators") == 123456789
    assert coordinator_id("+31 6 1234 5678", "bot.coordinators") == ids.chat_id("31612345678")
    assert coordinator_id("31612345678", "E", from_env=True) == 31612345678  # as before


@pytest.mark.parametrize("value, problem", [
    ("31612345678", "is ambiguous"), ("+316", "is not a WhatsApp number"),
    ("Carla", "neither a Telegram user id nor a WhatsApp number"), (True, "expected"),
    (1 << 60, "expected"),
])
def test_coordinators_that_mean_nothing_clear_are_refused(value, problem) -> None:
    with pytest.raises(ConfigError, match=problem):
        coordinator_id(value, "bot.coordinators")


def test_coordinators_in_the_file_and_the_environment(tmp_path: Path, capsys,
                                                       monkeypatch) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("coordinators = []",
                                     'coordinators = [9001, "+31 6 1234 5678"]', 1),
                        encoding="utf-8")
    config = load_config(settings, env={})
    assert config.coordinators == {9001, ids.chat_id("31612345678")}
    config = load_config(settings, env={"BUURTBOT_COORDINATORS": "42, +31699990001"})
    assert config.coordinators == {42, ids.chat_id("31699990001")}
    assert cli.main(["--config", str(settings), "check-config"]) == 0
    capsys.readouterr()
    for env, shown in (("42,0612345678", "'0612345678' is ambiguous"),
                       ("42,Carla", "'Carla' is neither")):
        monkeypatch.setenv("BUURTBOT_COORDINATORS", env)
        assert cli.main(["--config", str(settings), "check-config"]) == 2
        err = capsys.readouterr().err.strip()
        assert f"BUURTBOT_COORDINATORS: {shown}" in err and len(err.splitlines()) == 1
    monkeypatch.delenv("BUURTBOT_COORDINATORS")
    settings.write_text(text.replace("coordinators = []", 'coordinators = ["31612345678"]', 1),
                        encoding="utf-8")
    assert cli.main(["--config", str(settings), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert "bot.coordinators: '31612345678' is ambiguous" in err and len(err.splitlines()) == 1


async def test_a_whatsapp_coordinator_is_staff_everywhere(wa: WaHarness) -> None:
    """Left out of the residents' audiences like a Telegram coordinator (store SQL)."""
    from bot.store import audiences

    henk = await wa.resident("Henk", room="top")
    carla = await wa.resident("Carla", room="top")
    staff = await wa.wa_person(carla)
    async with wa.services.db.transaction() as conn:
        members = await audiences.survey(conn, role="resident", rooms=["top"],
                                         coordinators=[ids.chat_id(carla.wa_id)],
                                         announcements_only=False)
    assert staff.id not in [m.user_id for m in members]
    assert (await wa.wa_person(henk)).id in [m.user_id for m in members]


# --- WhatsApp alone: a Telegram row ends at once -----------------------------------------------


async def test_a_telegram_group_post_on_whatsapp_alone_is_skipped(tmp_path, clock) -> None:
    from bot.services.calendar_post import POST_KIND, queue_week

    harness, _box = await make_wa_harness(tmp_path, clock, telegram=False)
    top = dataclasses.replace(harness.config.rooms["top"], chat_id=-1001234567890)
    harness.config = dataclasses.replace(harness.config,
                                         rooms={**harness.config.rooms, "top": top})
    await harness.start()
    try:
        wa = harness
        today = wa.clock.now().date()
        monday = date.fromordinal(today.toordinal() + 7 - today.weekday())
        await queue_week(wa.services, "top", monday)
        async with wa.services.db.transaction() as conn:
            row_id = await wa.services.outbox.enqueue(
                conn, address=Address("telegram", "-1001234567890"), kind="test.note",
                ref=1, message=OutMessage("hello group"))
        await wa.settle()
        async with wa.services.db.transaction() as conn:
            rows = [await outbox_store.get(conn, row_id),
                    *await outbox_store.for_kind(conn, POST_KIND)]
        skipped = (outbox_store.SKIPPED, "no telegram channel: not set up")
        assert [(r.state, r.error) for r in rows] == [skipped, skipped]
        assert not wa.sandbox.unknown_methods
    finally:
        await harness.stop()
        await harness.standin.close()


def test_whatsapp_coordinators_on_whatsapp_alone_need_no_note(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db", extra=_whatsapp_table())
    text = settings.read_text(encoding="utf-8").replace(f'token = "{TOKEN}"', 'token = ""', 1)
    for coordinators, noted in (('["+31612345678"]', False), ('[9001, "+31612345678"]', True)):
        settings.write_text(text.replace("coordinators = []", f"coordinators = {coordinators}",
                                         1), encoding="utf-8")
        assert cli.main(["--config", str(settings), "check-config"]) == 0
        out = capsys.readouterr().out
        assert ("bot.coordinators are Telegram user ids and Telegram is off" in out) is noted



def test_whatsapp_alone_without_a_number_says_what_to_set(tmp_path: Path, capsys) -> None:
    table = _whatsapp_table().replace(f'display_number = "{NUMBER}"\n', "")
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db", extra=table)
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        f'token = "{TOKEN}"', 'token = ""', 1), encoding="utf-8")
    out = tmp_path / "door.pdf"
    assert cli.main(["--config", str(settings), "qr", "--room", "top", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "whatsapp.display_number is not set" in err and len(err.splitlines()) == 1
    assert not out.exists()
