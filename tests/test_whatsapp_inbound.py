"""Units of the WhatsApp spine: payload → synthetic update, keywords in every language, the
signature, the verify handshake, the webhook's refusals, the users id rule, key_of."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update
from telegram.ext import ExtBot

from bot.channels.whatsapp import ids, inbound, keywords, signature
from bot.channels.whatsapp.bridge import WhatsAppBridge, _markup, message_id_of
from bot.config import WhatsAppSettings
from bot.inbox.telegram import key_of

WA_ID = "31612345678"
CHAT = ids.chat_id(WA_ID)


def incoming(kind: str, content: dict[str, Any], *, context: str | None = None,
             name: str = "Henk", wamid: str = "wamid.ABC") -> inbound.Incoming:
    message = {"from": WA_ID, "id": wamid, "timestamp": "1764500000", "type": kind, **content}
    if context:
        message["context"] = {"from": "31850001234", "id": context}
    return inbound.Incoming(message, {"profile": {"name": name}, "wa_id": WA_ID})


KNOWN = inbound.Situation(known=True, language="nl")


def text(body: str, situation: inbound.Situation = KNOWN) -> dict[str, Any]:
    update = inbound.to_update(incoming("text", {"text": {"body": body}}), situation)
    assert update is not None
    return update


# --- payload → update --------------------------------------------------------------------

def test_text_keeps_ids_marker_and_private_chat():
    update = text("Ik wil graag mee-eten")
    assert update["buurtbot"] == {"channel": "whatsapp", "key": "wamid.ABC", "wa_id": WA_ID}
    message = update["message"]
    assert message["text"] == "Ik wil graag mee-eten" and "entities" not in message
    assert message["chat"] == {"id": CHAT, "type": "private", "first_name": "Henk"}
    assert message["from"]["id"] == CHAT >= ids.BASE
    parsed = Update.de_json(update, None)
    assert parsed.api_kwargs["buurtbot"]["key"] == "wamid.ABC"
    assert parsed.effective_chat.id == CHAT and parsed.message.text == "Ik wil graag mee-eten"
    assert key_of(parsed) == ("whatsapp", "wamid.ABC")


def test_keyword_becomes_a_command_with_its_entity():
    message = text("Eten!")["message"]
    assert message["text"] == "/eten"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    parsed = Update.de_json(text("MENU"), None)
    assert parsed.message.text == "/menu" and parsed.message.entities[0].type == "bot_command"


def test_slash_text_keeps_its_command_entity():
    message = text("/hulp nu")["message"]
    assert message["text"] == "/hulp nu"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]


def test_a_sentence_with_a_keyword_in_it_is_text():
    assert text("ik wil eten vanavond")["message"]["text"] == "ik wil eten vanavond"


def test_a_stranger_gets_start_whatever_they_write():
    stranger = inbound.Situation(known=False)
    for body in ("Hoi", "hello", "مرحبا", "Wat is dit?", "eten"):
        assert text(body, stranger)["message"]["text"] == "/start", body
    # a known person's greeting opens the menu
    assert text("Hallo")["message"]["text"] == "/menu"
    # a command word a stranger may type stays theirs; "start CODE" keeps the code
    with_commands = inbound.Situation(known=False, commands=frozenset({"koppel", "start"}))
    assert text("Koppel AB3 K9X", with_commands)["message"]["text"] == "Koppel AB3 K9X"
    assert text("koppel", with_commands)["message"]["text"] == "koppel"
    started = text("start Xy_12-ab", with_commands)["message"]
    assert started["text"] == "/start Xy_12-ab" and started["entities"][0]["length"] == 6
    assert text("start", with_commands)["message"]["text"] == "/start"
    assert text("eten", with_commands)["message"]["text"] == "/start"
    sentence = inbound.Situation(known=False, commands=frozenset({"hulp", "koppel"}))
    assert text("help me met een brief", sentence)["message"]["text"] == "/start"


def test_stop_presses_the_steps_stop_else_menu():
    in_step = inbound.Situation(known=True, stop=("meal:stop", 4242))
    update = text("Stop", in_step)
    assert "message" not in update
    assert update["callback_query"]["data"] == "meal:stop"
    assert update["callback_query"]["message"]["message_id"] == 4242
    assert text("stop")["message"]["text"] == "/menu"


def test_button_and_list_replies_and_quick_replies_become_callback_queries():
    for kind, content in (
        ("interactive", {"interactive": {"type": "button_reply",
                                         "button_reply": {"id": "meal:su:7", "title": "Ja"}}}),
        ("interactive", {"interactive": {"type": "list_reply",
                                         "list_reply": {"id": "meal:su:7", "title": "Ja"}}}),
        ("button", {"button": {"payload": "meal:su:7", "text": "Ja"}}),
    ):
        update = inbound.to_update(
            incoming(kind, content, context="wamid.SHOWN"),
            inbound.Situation(known=True, replied_to=message_id_of("wamid.SHOWN")))
        assert update is not None
        query = update["callback_query"]
        assert query["id"] == "wamid.ABC" and query["data"] == "meal:su:7"
        assert query["message"]["message_id"] == message_id_of("wamid.SHOWN")
        parsed = Update.de_json(update, None)
        assert parsed.callback_query.data == "meal:su:7"
        assert parsed.effective_chat.id == CHAT


def test_a_key_reply_is_the_persons_own_text():
    update = inbound.to_update(incoming("interactive", {"interactive": {
        "type": "button_reply", "button_reply": {"id": "k:Geen allergie", "title": "Geen"}}}),
        KNOWN)
    assert update is not None and update["message"]["text"] == "Geen allergie"


def test_media_become_telegram_media_with_wa_file_ids():
    photo = inbound.to_update(incoming("image", {"image": {"id": "M1", "caption": "brief",
                                                            "mime_type": "image/jpeg"}}), KNOWN)
    assert photo is not None
    assert photo["message"]["photo"][0]["file_id"] == "wa:M1"
    assert photo["message"]["caption"] == "brief"
    document = inbound.to_update(incoming("document", {"document": {
        "id": "M2", "filename": "brief.pdf", "mime_type": "application/pdf"}}), KNOWN)
    assert document is not None
    assert document["message"]["document"]["file_id"] == "wa:M2"
    assert document["message"]["document"]["file_name"] == "brief.pdf"
    for kind in ("audio", "voice"):
        voice = inbound.to_update(incoming(kind, {kind: {"id": "M3",
                                                         "mime_type": "audio/ogg"}}), KNOWN)
        assert voice is not None and voice["message"]["voice"]["file_id"] == "wa:M3"
    parsed = Update.de_json(photo, None)
    assert parsed.message.photo[-1].file_id == "wa:M1"


def test_a_contact_card():
    own = inbound.to_update(incoming("contacts", {"contacts": [{
        "name": {"first_name": "Henk", "formatted_name": "Henk"},
        "phones": [{"phone": "+31 6 12345678", "wa_id": WA_ID}]}]}), KNOWN)
    assert own is not None
    assert own["message"]["contact"] == {"phone_number": "+31 6 12345678",
                                         "first_name": "Henk", "user_id": CHAT}
    other = inbound.to_update(incoming("contacts", {"contacts": [{
        "name": {"formatted_name": "Els"}, "phones": [{"phone": "+31 6 99"}]}]}), KNOWN)
    assert other is not None and "user_id" not in other["message"]["contact"]


@pytest.mark.parametrize("kind", ["location", "sticker", "video", "unsupported", "system",
                                  "order"])
def test_unsupported_kinds_are_not_handed_on(kind):
    message = incoming(kind, {kind: {}})
    assert inbound.handed_on(message) == "unsupported"
    assert inbound.to_update(message, KNOWN) is None


def test_reactions_are_ignored_and_flows_replies_unsupported():
    assert inbound.handed_on(incoming("reaction", {"reaction": {"emoji": "👍"}})) == "ignored"
    assert inbound.handed_on(incoming("interactive", {"interactive": {
        "type": "nfm_reply", "nfm_reply": {}}})) == "unsupported"


def test_messages_of_a_body():
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {
            "contacts": [{"profile": {"name": "Henk"}, "wa_id": WA_ID}],
            "messages": [{"from": WA_ID, "id": "wamid.1", "type": "text",
                          "text": {"body": "hoi"}}],
            "statuses": [{"id": "wamid.9", "status": "read"}]}},
        {"field": "account_update", "value": {}}]}]}
    messages, statuses = inbound.messages_of(body)
    assert [m.wamid for m in messages] == ["wamid.1"] and messages[0].valid
    assert messages[0].contact["profile"]["name"] == "Henk"
    assert statuses == [{"id": "wamid.9", "status": "read"}]
    assert inbound.messages_of(body, "1065")[0] == messages  # no metadata: kept
    other = json.loads(json.dumps(body))
    other["entry"][0]["changes"][0]["value"]["metadata"] = {"phone_number_id": "999"}
    assert inbound.messages_of(other, "1065") == ([], [])  # another number of the account
    assert len(inbound.messages_of(other, "999")[0]) == 1
    for bad in ({}, [], {"object": "page", "entry": []}, {"object": "whatsapp_business_account"}):
        with pytest.raises(inbound.BadBody):
            inbound.messages_of(bad)
    forged = inbound.Incoming({"from": "abc", "id": "wamid.2", "type": "text"}, None)
    assert not forged.valid


def test_a_strangers_language_is_guessed_from_the_number():
    assert inbound.language_of_number("905321234567") == "tr"
    assert inbound.language_of_number("380671234567") == "uk"
    assert inbound.language_of_number("31612345678") == "nl"
    assert inbound.language_of_number("963912345678") == "ar"


# --- keywords ----------------------------------------------------------------------------

def test_every_command_has_words_in_every_shipped_language():
    from bot.i18n import LANGUAGES

    assert set(keywords.LANGUAGES) == set(LANGUAGES)
    for command, words in keywords.KEYWORDS.items():
        for language in keywords.LANGUAGES:
            assert words.get(language), f"{command}: no word in {language}"
    assert not keywords.collisions()


@pytest.mark.parametrize("word,command", [
    ("menu", "menu"), ("Menü", "menu"), ("القائمة", "menu"), ("меню", "menu"),
    ("ሜኑ", "menu"), ("eten", "eten"), ("DINNER", "eten"), ("yemek", "eten"),
    ("عشاء", "eten"), ("ምግቢ", "eten"), ("вечеря", "eten"), ("obiad", "eten"),
    ("hulp", "hulp"), ("Help!", "hulp"), ("YARDIM", "hulp"), ("yardım", "hulp"),
    ("مساعدة", "hulp"), ("ሓገዝ", "hulp"), ("допомога", "hulp"), ("Pomoc", "hulp"),
    ("agenda", "agenda"), ("programma", "agenda"), ("розклад", "agenda"),
    ("belronde", "belronde"), ("taal", "taal"), ("język", "taal"), ("jezyk", "taal"),
    ("mijn gegevens", "mijngegevens"), ("my data", "mijngegevens"),
    ("vergeet mij", "vergeetmij"), ("usuń mnie", "vergeetmij"), ("privacy", "privacy"),
    ("prywatnosc", "privacy"), ("gizlilik", "privacy"), ("stop", "stop"), ("ДУР", None),
    ("iptal", "stop"), ("توقف", "stop"), ("hoi", "greeting"), ("Hallo!", "greeting"),
    ("merhaba", "greeting"), ("مرحبا", "greeting"), ("привіт", "greeting"),
    ("Cześć", "greeting"), ("czesc", "greeting"), ("ሰላም", "greeting"),
    ("eten en drinken", None), ("", None), ("x" * 200, None),
])
def test_keywords_match_whole_messages_case_and_accent_insensitively(word, command):
    assert keywords.command_of(word) == command


# --- signature, verify, refusals ---------------------------------------------------------

def test_signature():
    body = b'{"object":"whatsapp_business_account"}'
    good = signature.sign("secret", body)
    assert good.startswith("sha256=") and signature.valid("secret", body, good)
    assert not signature.valid("other", body, good)
    assert not signature.valid("secret", body + b" ", good)
    assert not signature.valid("secret", body, good.removeprefix("sha256="))
    assert not signature.valid("secret", body, None)
    assert not signature.valid("", body, signature.sign("", body))
    assert not signature.valid("secret", body, "sha256=ü")


class _Inbox:
    def __init__(self) -> None:
        self.taken: list[Any] = []
        self.closed = False

    async def take(self, channel: str, items: Any) -> list[str]:
        self.taken.append((channel, list(items)))
        return []  # all "seen before": nothing is handled (units only)


def _fake_app() -> SimpleNamespace:
    settings = WhatsAppSettings(access_token="t", phone_number_id="1", app_secret="s3cret",
                                verify_token="v3rify")
    return SimpleNamespace(services=SimpleNamespace(
        config=SimpleNamespace(whatsapp=settings), inbox=_Inbox()))


async def _client(app: Any) -> TestClient:
    from bot.inbox.whatsapp import make_web_app

    client = TestClient(TestServer(make_web_app(app)))
    await client.start_server()
    return client


async def test_verify_handshake():
    client = await _client(_fake_app())
    try:
        ok = await client.get("/whatsapp", params={"hub.mode": "subscribe",
                                                   "hub.verify_token": "v3rify",
                                                   "hub.challenge": "12345"})
        assert ok.status == 200 and await ok.text() == "12345"
        wrong = await client.get("/whatsapp", params={"hub.mode": "subscribe",
                                                      "hub.verify_token": "nope",
                                                      "hub.challenge": "12345"})
        assert wrong.status == 403
        assert (await client.get("/whatsapp")).status == 403
    finally:
        await client.close()


async def test_refusals_store_nothing(caplog):
    app = _fake_app()
    client = await _client(app)
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{
        "field": "messages", "value": {"messages": [{"from": WA_ID, "id": "wamid.1",
                                                     "type": "text",
                                                     "text": {"body": "geheim adres"}}]}}]}]}
                      ).encode()
    try:
        forged = await client.post("/whatsapp", data=body,
                                   headers={signature.HEADER: signature.sign("wrong", body)})
        assert forged.status == 403
        missing = await client.post("/whatsapp", data=body)
        assert missing.status == 403
        assert app.services.inbox.taken == []
        assert "geheim" not in caplog.text and "signature" in caplog.text
        junk = b"{not json"
        bad = await client.post("/whatsapp", data=junk,
                                headers={signature.HEADER: signature.sign("s3cret", junk)})
        assert bad.status == 400
        other = json.dumps({"object": "page", "entry": []}).encode()
        ignored = await client.post("/whatsapp", data=other, headers={
            signature.HEADER: signature.sign("s3cret", other)})
        assert ignored.status == 200
        assert app.services.inbox.taken == []
        good = await client.post("/whatsapp", data=body,
                                 headers={signature.HEADER: signature.sign("s3cret", body)})
        assert good.status == 200
        [(channel, items)] = app.services.inbox.taken
        assert channel == "whatsapp" and [key for key, _ in items] == ["wamid.1"]
    finally:
        await client.close()


# --- bridge markup, ids ------------------------------------------------------------------

def test_bridge_markup_to_neutral():
    inline = _markup({"reply_markup": {"inline_keyboard": [[
        {"text": "Ja", "callback_data": "meal:su:1"}, {"text": "Site", "url": "https://x"}]]}})
    [[yes, link]] = inline["buttons"]
    assert yes.data == "meal:su:1" and link.url == "https://x"
    keys = _markup({"reply_markup": json.dumps({"keyboard": [[{"text": "Geen"}], [
        {"text": "Mijn nummer", "request_contact": True}]]})})
    assert [k.label for row in keys["keys"] for k in row] == ["Geen", "Mijn nummer"]
    assert keys["keys"][1][0].asks_phone
    assert _markup({"reply_markup": {"remove_keyboard": True}}) == {"clear_keys": True}


def test_message_ids_are_stable_and_below_2_53():
    assert message_id_of("wamid.X") == message_id_of("wamid.X") < ids.BASE
    assert message_id_of("wamid.X") != message_id_of("wamid.Y")


class _Channel:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def send(self, address: str, message: Any) -> Any:
        self.sent.append((address, message))
        return SimpleNamespace(message_ref=f"wamid.out{len(self.sent)}")


async def test_bridge_answers_the_bot_api():
    channel = _Channel()
    bridge = WhatsAppBridge(channel)
    bot = ExtBot(token="whatsapp", request=bridge, get_updates_request=bridge)
    await bot.initialize()
    assert bot.username == "buurtbot"
    sent = await bot.send_message(CHAT, "<b>Hoi</b>", reply_markup={"inline_keyboard": [[
        {"text": "❌ Stop", "callback_data": "meal:stop"}]]})
    assert sent.message_id == message_id_of("wamid.out1") and sent.chat_id == CHAT
    address, message = channel.sent[0]
    assert address == WA_ID and message.text == "<b>Hoi</b>"
    assert message.buttons[0][0].data == "meal:stop"
    assert bridge.stop_of(WA_ID) == ("meal:stop", sent.message_id)
    edited = await bot.edit_message_text("Nieuw", chat_id=CHAT, message_id=sent.message_id)
    assert edited.message_id == message_id_of("wamid.out2") and channel.sent[1][1].text == "Nieuw"
    assert await bot.edit_message_reply_markup(chat_id=CHAT, message_id=1) is True
    assert await bot.delete_message(CHAT, 1) is True
    assert await bot.send_chat_action(CHAT, "typing") is True
    assert await bot.set_my_commands([("menu", "Menu")]) is True
    bridge.note_query("wamid.tap", CHAT)
    assert await bot.answer_callback_query("wamid.tap") is True
    assert len(channel.sent) == 2
    await bot.send_message(CHAT, "Stap", reply_markup={"inline_keyboard": [[
        {"text": "Stoppen", "callback_data": "help:stop"}]]})
    assert await bot.answer_callback_query("wamid.tap", text="Al gedaan") is True
    assert channel.sent[-1][1].text == "Al gedaan"
    assert bridge.stop_of(WA_ID)[0] == "help:stop"  # a pop-up leaves the step's Stop
    photo = await bot.send_photo(CHAT, photo=b"\x89PNG...", caption="kaart")
    assert channel.sent[-1][1].attachment.data == b"\x89PNG..." and photo.caption == "kaart"
    await bot.shutdown()


async def test_bridge_errors_are_telegram_shaped():
    from telegram.error import BadRequest, Forbidden, RetryAfter

    from bot.messaging.port import DeliveryError

    class Failing:
        def __init__(self, error: DeliveryError) -> None:
            self.error = error

        async def send(self, address: str, message: Any) -> Any:
            raise self.error

    for error, expected in ((DeliveryError("gone"), Forbidden),
                            (DeliveryError("retry", retry_after=6), RetryAfter),
                            (DeliveryError("failed", detail="131047"), BadRequest)):
        bridge = WhatsAppBridge(Failing(error))
        bot = ExtBot(token="whatsapp", request=bridge, get_updates_request=bridge)
        with pytest.raises(expected):
            await bot.send_message(CHAT, "x")


# --- the users id rule -------------------------------------------------------------------

async def test_a_whatsapp_chat_id_is_a_whatsapp_address(tmp_path):
    from bot.clock import FrozenClock
    from bot.config import load_config
    from bot.services.users import InviteResult, UserService
    from bot.store.db import Database
    from tests.auxil.harness import ROOT, START

    config = dataclasses.replace(load_config(ROOT / "buurtbot.example.toml", env={}),
                                 coordinators=frozenset({9001}))
    db = Database(str(tmp_path / "u.db"))
    await db.connect()
    await db.migrate()
    try:
        users = UserService(db, config, FrozenClock(START))
        person = await users.register(CHAT, "nl", "top")
        assert person.telegram_id is None
        assert [(a.channel, a.address) for a in person.addresses] == [("whatsapp", WA_ID)]
        assert (await users.get(CHAT)).id == person.id
        again = await users.register(CHAT, "tr", "top")
        assert again.id == person.id and again.language == "tr"
        assert await users.mark_unreachable(CHAT) is True
        assert await users.mark_reachable(CHAT) is True
        assert not users.is_coordinator_id(CHAT)
        telegram = await users.register(424242, "nl", "top")
        assert telegram.telegram_id == 424242
        # a volunteer invite opened on WhatsApp: a volunteer with a WhatsApp address
        coordinator = await users.register(9001, "nl", "top")
        code = await users.create_invite(coordinator, "top")
        other = ids.chat_id("31687654321")
        assert await users.check_invite(other, code) is InviteResult.OK
        used = await users.redeem_invite(other, code, "nl")
        assert used.result is InviteResult.OK and used.person.role == "volunteer"
        assert used.person.telegram_id is None
        assert [(a.channel, a.address) for a in used.person.addresses] == [
            ("whatsapp", "31687654321")]
        assert await users.check_invite(other, code) is InviteResult.ALREADY
        rows = await db.fetchall("SELECT telegram_id FROM users")
        assert all(r[0] is None or r[0] < ids.BASE for r in rows)
    finally:
        await db.close()
