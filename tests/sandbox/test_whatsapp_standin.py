"""The WhatsApp Cloud API stand-in behaves like Meta's at the edges.

Driven over real HTTP on 127.0.0.1: httpx plays the bot's adapter, a small aiohttp app
plays the bot's webhook (it checks the signature and records what it got).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WaLimits, WhatsAppStandIn

SECRET = "test-app-secret"
TOKEN = "test-access-token"
PHONE_ID = "106540352242922"
WABA = "102290129340398"
HENK = "31612345678"


class Clock:
    """The stand-in's clock, moved by the test."""

    def __init__(self, now: float = 1_780_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeBot:
    """The bot's webhook: checks X-Hub-Signature-256 like the real one, records payloads."""

    secret: str
    payloads: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    answers: list[int] = field(default_factory=list)  # next answers to give (then 200)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            q = request.query
            if q.get("hub.mode") == "subscribe" and q.get("hub.verify_token") == "verify-me":
                return web.Response(text=q.get("hub.challenge", ""))
            return web.Response(status=403, text="forbidden")
        raw = await request.read()
        want = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), want):
            self.refused += 1
            return web.Response(status=401)
        if self.answers:
            return web.Response(status=self.answers.pop(0))
        self.payloads.append(json.loads(raw))
        return web.Response(text="ok")

    def values(self, key: str) -> list[dict[str, Any]]:
        """Every messages[...] / statuses[...] entry received, in order."""
        out = []
        for p in self.payloads:
            for entry in p["entry"]:
                for change in entry["changes"]:
                    out.extend(change["value"].get(key, []))
        return out


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def standin(clock: Clock) -> AsyncIterator[WhatsAppStandIn]:
    sandbox = Sandbox(limits=Limits.off())
    wa = WhatsAppStandIn(app_secret=SECRET, verify_token="verify-me", phone_number_id=PHONE_ID,
                         business_account_id=WABA, token=TOKEN, clock=clock,
                         limits=WaLimits.off(), rate_clock=clock)
    wa.attach(sandbox)
    await sandbox.start()
    try:
        yield wa
    finally:
        await sandbox.stop()


@pytest.fixture
async def fake_bot(standin: WhatsAppStandIn) -> AsyncIterator[FakeBot]:
    bot = FakeBot(SECRET)
    app = web.Application()

    async def route(request: web.Request) -> web.Response:
        return await bot.handle(request)

    app.router.add_route("*", "/whatsapp", route)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    bot.url = f"http://127.0.0.1:{runner.addresses[0][1]}/whatsapp"
    standin.webhook_url = bot.url
    standin.webhooks.retry_pause = 0.01
    try:
        yield bot
    finally:
        await runner.cleanup()


@pytest.fixture
async def api(standin: WhatsAppStandIn) -> AsyncIterator[httpx.AsyncClient]:
    """The bot's adapter: base {api_url}/v21.0 with the Bearer token."""
    assert standin.sandbox is not None
    async with httpx.AsyncClient(base_url=f"{standin.sandbox.url}/wa/v21.0",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def text(to: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"body": body}, **extra}


def buttons(to: str, titles: list[str], ids: list[str] | None = None,
            body: str = "Kies maar", **extra: Any) -> dict[str, Any]:
    ids = ids or [f"b:{i}" for i in range(len(titles))]
    return {"messaging_product": "whatsapp", "to": to, "type": "interactive",
            "interactive": {"type": "button", "body": {"text": body}, **extra,
                            "action": {"buttons": [{"type": "reply",
                                                    "reply": {"id": i, "title": t}}
                                                   for t, i in zip(titles, ids, strict=True)]}}}


def listing(to: str, sections: list[dict[str, Any]], button: str = "Kies",
            body: str = "Wat wil je doen?") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "interactive",
            "interactive": {"type": "list", "body": {"text": body},
                            "action": {"button": button, "sections": sections}}}


def rows(n: int, start: int = 0, **extra: Any) -> list[dict[str, Any]]:
    return [{"id": f"r:{i}", "title": f"Rij {i}", **extra} for i in range(start, start + n)]


async def post(api: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    return await api.post(f"/{PHONE_ID}/messages", json=payload)


def assert_refused(resp: httpx.Response, code: int, status: int = 400) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code, error
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["error_data"]["details"]
    return error


# -- the basic loop: a person writes, the bot answers, taps come back -----------------------

async def test_person_text_posts_signed_webhook_and_opens_window(
        standin: WhatsAppStandIn, fake_bot: FakeBot) -> None:
    henk = standin.person(HENK, name="Henk")
    assert not henk.window_open
    sent = await henk.send("Hoi")
    await standin.settle()
    assert henk.window_open
    [payload] = fake_bot.payloads
    assert payload["object"] == "whatsapp_business_account"
    change = payload["entry"][0]["changes"][0]
    assert payload["entry"][0]["id"] == WABA and change["field"] == "messages"
    value = change["value"]
    assert value["metadata"] == {"display_phone_number": standin.display_phone_number,
                                 "phone_number_id": PHONE_ID}
    assert value["contacts"] == [{"profile": {"name": "Henk"}, "wa_id": HENK}]
    [message] = value["messages"]
    assert message == sent
    assert message["from"] == HENK and message["type"] == "text"
    assert message["text"] == {"body": "Hoi"} and message["id"].startswith("wamid.")
    assert standin.deliveries[0].answers == [(200, "ok")]


async def test_text_send_is_answered_like_meta_and_followed_by_statuses(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    henk.reads = True
    await henk.send("Hoi")
    resp = await post(api, text("+" + HENK, "Welkom bij Buurtbot"))
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    wamid = answer["messages"][0]["id"]
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "+" + HENK, "wa_id": HENK}]
    msg = await henk.next_message()
    assert (msg.kind, msg.text, msg.wamid) == ("text", "Welkom bij Buurtbot", wamid)
    assert standin.sent == [msg]
    await standin.settle()
    statuses = fake_bot.values("statuses")
    assert [(s["id"], s["status"]) for s in statuses] == [
        (wamid, "sent"), (wamid, "delivered"), (wamid, "read")]
    assert all(s["recipient_id"] == HENK for s in statuses)
    assert msg.status == "read"


async def test_buttons_tap_posts_reply_with_context(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    resp = await post(api, buttons(HENK, ["Ja", "Nee"], ["meal:yes:7", "meal:no:7"],
                                   header={"type": "text", "text": "Eettafel"},
                                   footer={"text": "TOP Ondiep"}))
    assert resp.status_code == 200, resp.text
    msg = await henk.next_message()
    assert msg.kind == "interactive" and msg.buttons == ["Ja", "Nee"]
    assert (msg.header, msg.footer, msg.text) == ("Eettafel", "TOP Ondiep", "Kies maar")
    reply = await henk.tap("Nee")
    await standin.settle()
    got = fake_bot.values("messages")[-1]
    assert got == reply
    assert got["type"] == "interactive"
    assert got["interactive"] == {"type": "button_reply",
                                  "button_reply": {"id": "meal:no:7", "title": "Nee"}}
    assert got["context"] == {"from": standin.display_phone_number, "id": msg.wamid}


async def test_list_tap_posts_list_reply(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("menu")
    sections = [{"title": "Eten", "rows": [{"id": "m:eat", "title": "Eettafel",
                                            "description": "Samen eten op donderdag"}]},
                {"title": "Hulp", "rows": [{"id": "m:help", "title": "Formulierenhulp"}]}]
    assert (await post(api, listing(HENK, sections))).status_code == 200
    msg = await henk.next_message()
    assert msg.rows == ["Eettafel", "Formulierenhulp"] and msg.list_button == "Kies"
    await henk.tap("Eettafel")
    await standin.settle()
    got = fake_bot.values("messages")[-1]
    assert got["interactive"] == {"type": "list_reply", "list_reply": {
        "id": "m:eat", "title": "Eettafel", "description": "Samen eten op donderdag"}}
    assert got["context"]["id"] == msg.wamid


async def test_tap_uses_the_newest_message_with_that_title(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    await post(api, buttons(HENK, ["Ja"], ["old"]))
    await post(api, text(HENK, "tussendoor"))
    await post(api, buttons(HENK, ["Ja"], ["new"]))
    newest = henk.messages[-1]
    await henk.tap("Ja")
    with pytest.raises(LookupError):
        await henk.tap("Misschien")
    await henk.tap_id("forged:1", context_wamid=henk.messages[0].wamid)
    await standin.settle()
    first, forged = fake_bot.values("messages")[-2:]
    assert first["interactive"]["button_reply"]["id"] == "new"
    assert first["context"]["id"] == newest.wamid
    assert forged["interactive"]["button_reply"]["id"] == "forged:1"
    assert forged["context"]["id"] == henk.messages[0].wamid


async def test_next_message_times_out_without_a_message(standin: WhatsAppStandIn) -> None:
    henk = standin.person(HENK)
    with pytest.raises(TimeoutError):
        await henk.next_message(timeout=0.05)
    assert henk.drain() == []


# -- payload checks: accepted at the limit, refused one over ---------------------------------

def _sections(n_sections: int, rows_each: int, titled: bool = True) -> list[dict[str, Any]]:
    return [{**({"title": f"Deel {s}"} if titled else {}),
             "rows": rows(rows_each, start=s * rows_each)} for s in range(n_sections)]


def _one_section(**row: Any) -> list[dict[str, Any]]:
    return [{"rows": [{"id": "r:1", "title": "Rij", **row}]}]


LIMITS: list[tuple[str, dict[str, Any], dict[str, Any], int]] = [
    ("text body 4096", text(HENK, "x" * 4096), text(HENK, "x" * 4097), 100),
    ("text body empty", text(HENK, "x"), text(HENK, ""), 131008),
    ("buttons 3", buttons(HENK, ["A", "B", "C"]), buttons(HENK, ["A", "B", "C", "D"]), 131009),
    ("button title 20", buttons(HENK, ["t" * 20]), buttons(HENK, ["t" * 21]), 131009),
    ("button title empty", buttons(HENK, ["t"]), buttons(HENK, [""]), 131009),
    ("button titles unique", buttons(HENK, ["Ja", "ja"]), buttons(HENK, ["Ja", "Ja"]), 131009),
    ("button ids unique", buttons(HENK, ["A", "B"], ["1", "2"]),
     buttons(HENK, ["A", "B"], ["1", "1"]), 131009),
    ("button id 256", buttons(HENK, ["A"], ["i" * 256]), buttons(HENK, ["A"], ["i" * 257]),
     131009),
    ("interactive body 1024", buttons(HENK, ["A"], body="b" * 1024),
     buttons(HENK, ["A"], body="b" * 1025), 100),
    ("header 60", buttons(HENK, ["A"], header={"type": "text", "text": "h" * 60}),
     buttons(HENK, ["A"], header={"type": "text", "text": "h" * 61}), 100),
    ("footer 60", buttons(HENK, ["A"], footer={"text": "f" * 60}),
     buttons(HENK, ["A"], footer={"text": "f" * 61}), 100),
    ("list button 20", listing(HENK, _sections(1, 1), button="l" * 20),
     listing(HENK, _sections(1, 1), button="l" * 21), 131009),
    ("list 10 rows", listing(HENK, _sections(1, 10)), listing(HENK, _sections(1, 11)), 131009),
    ("list 10 rows in total", listing(HENK, _sections(2, 5)), listing(HENK, _sections(2, 6)),
     131009),
    ("list 10 sections", listing(HENK, _sections(10, 1)), listing(HENK, _sections(11, 1)),
     131009),
    ("list at least one section", listing(HENK, _sections(1, 1)), listing(HENK, []), 131008),
    ("section titles when > 1", listing(HENK, _sections(1, 2, titled=False)),
     listing(HENK, _sections(2, 1, titled=False)), 131008),
    ("row title 24", listing(HENK, _one_section(title="r" * 24)),
     listing(HENK, _one_section(title="r" * 25)), 131009),
    ("row description 72", listing(HENK, _one_section(description="d" * 72)),
     listing(HENK, _one_section(description="d" * 73)), 131009),
    ("row id 200", listing(HENK, _one_section(id="i" * 200)),
     listing(HENK, _one_section(id="i" * 201)), 131009),
    ("row ids unique", listing(HENK, [{"rows": [{"id": "a", "title": "A"},
                                                 {"id": "b", "title": "A"}]}]),
     listing(HENK, [{"rows": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}]),
     131009),
    ("messaging_product", text(HENK, "x", messaging_product="whatsapp"),
     text(HENK, "x", messaging_product="telegram"), 100),
    ("recipient_type", text(HENK, "x", recipient_type="individual"),
     text(HENK, "x", recipient_type="group"), 100),
    ("to digits", text("+" + HENK, "x"), text("06-12345678x", "x"), 100),
    ("message type", text(HENK, "x", type="text"), text(HENK, "x", type="poll"), 100),
]


@pytest.mark.parametrize(("ok", "bad", "code"), [case[1:] for case in LIMITS],
                         ids=[case[0] for case in LIMITS])
async def test_payload_rule_accepts_the_limit_and_refuses_one_over(
        standin: WhatsAppStandIn, api: httpx.AsyncClient, ok: dict[str, Any],
        bad: dict[str, Any], code: int) -> None:
    await standin.person(HENK).send("Hoi")
    resp = await post(api, ok)
    assert resp.status_code == 200, resp.text
    error = assert_refused(await post(api, bad), code)
    assert error["message"].startswith(f"(#{code})")
    assert len(standin.sent) == 1
    assert standin.errors[-1][1] == code


async def test_messaging_product_is_required(standin: WhatsAppStandIn,
                                             api: httpx.AsyncClient) -> None:
    payload = text(HENK, "x")
    del payload["messaging_product"]
    assert_refused(await post(api, payload), 100)
    payload = text(HENK, "x")
    del payload["to"]
    assert_refused(await post(api, payload), 131008)
    resp = await api.post(f"/{PHONE_ID}/messages", content=b"not json",
                          headers={"Content-Type": "application/json"})
    assert_refused(resp, 100)


async def test_cta_url_and_captions(standin: WhatsAppStandIn, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    cta = {"messaging_product": "whatsapp", "to": HENK, "type": "interactive",
           "interactive": {"type": "cta_url", "body": {"text": "Het programma"},
                           "action": {"name": "cta_url", "parameters": {
                               "display_text": "Bekijk", "url": "https://example.org/p"}}}}
    assert (await post(api, cta)).status_code == 200
    assert henk.last is not None and henk.last.url == ("Bekijk", "https://example.org/p")
    cta["interactive"]["action"]["parameters"]["url"] = "not a url"
    assert_refused(await post(api, cta), 131009)

    def image(caption: str) -> dict[str, Any]:
        return {"messaging_product": "whatsapp", "to": HENK, "type": "image",
                "image": {"link": "https://example.org/a.jpg", "caption": caption}}

    assert (await post(api, image("c" * 1024))).status_code == 200
    assert henk.last is not None and henk.last.kind == "image"
    assert henk.last.caption == "c" * 1024
    assert_refused(await post(api, image("c" * 1025)), 100)
    audio = {"messaging_product": "whatsapp", "to": HENK, "type": "audio",
             "audio": {"link": "https://example.org/a.ogg", "caption": "no"}}
    assert_refused(await post(api, audio), 100)
    unknown_id = {"messaging_product": "whatsapp", "to": HENK, "type": "document",
                  "document": {"id": "999", "filename": "brief.pdf"}}
    assert_refused(await post(api, unknown_id), 131009)
    both = {"messaging_product": "whatsapp", "to": HENK, "type": "image",
            "image": {"id": "1", "link": "https://example.org/a.jpg"}}
    assert_refused(await post(api, both), 100)


# -- authentication and nodes -------------------------------------------------------------

async def test_bad_token_is_401_code_190(standin: WhatsAppStandIn) -> None:
    assert standin.sandbox is not None
    async with httpx.AsyncClient(base_url=f"{standin.sandbox.url}/wa/v21.0") as anon:
        resp = await anon.post(f"/{PHONE_ID}/messages", json=text(HENK, "x"),
                               headers={"Authorization": "Bearer wrong"})
        assert_refused(resp, 190, status=401)
        assert_refused(await anon.post(f"/{PHONE_ID}/messages", json=text(HENK, "x")), 190,
                       status=401)
        assert_refused(await anon.get(f"/{WABA}/message_templates"), 190, status=401)
    assert standin.sent == []


async def test_unknown_phone_number_id_is_refused(standin: WhatsAppStandIn,
                                                  api: httpx.AsyncClient) -> None:
    error = assert_refused(await api.post("/999/messages", json=text(HENK, "x")), 100)
    assert error["error_subcode"] == 33
    info = (await api.get(f"/{PHONE_ID}")).json()
    assert info["display_phone_number"] == standin.display_phone_number
    assert info["id"] == PHONE_ID


async def test_sending_to_the_business_number_itself_is_refused(
        standin: WhatsAppStandIn, api: httpx.AsyncClient) -> None:
    assert_refused(await post(api, text(standin.display_phone_number, "x")), 131021)


# -- the 24-hour window -------------------------------------------------------------------

async def test_free_form_outside_the_window_is_131047_templates_pass(
        standin: WhatsAppStandIn, api: httpx.AsyncClient, clock: Clock) -> None:
    standin.add_template("belronde_vraag", "nl", "Hoi {{1}}, hoe gaat het?", ["Goed", "Bel me"])
    henk = standin.person(HENK)
    # Never wrote: closed.
    error = assert_refused(await post(api, text(HENK, "Hallo")), 131047)
    assert "24 hours" in error["error_data"]["details"]
    await henk.send("Hoi")
    assert henk.window_open
    clock.advance(24 * 3600 - 1)
    assert (await post(api, text(HENK, "nog net"))).status_code == 200
    clock.advance(1)
    assert not henk.window_open
    assert_refused(await post(api, buttons(HENK, ["Ja"])), 131047)
    assert (await post(api, template(HENK, "belronde_vraag", "nl", ["Henk"]))).status_code == 200
    assert [m.kind for m in henk.messages] == ["text", "template"]
    # A tap on the template's quick reply opens the window again.
    await henk.tap("Goed")
    assert henk.window_open
    assert (await post(api, text(HENK, "Fijn!"))).status_code == 200


async def test_window_failure_as_status_webhook(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    standin.window_failure = "status"
    resp = await post(api, text(HENK, "Hallo"))
    assert resp.status_code == 200
    await standin.settle()
    [status] = fake_bot.values("statuses")
    assert status["status"] == "failed" and status["errors"][0]["code"] == 131047
    assert standin.person(HENK).messages == []


# -- templates ------------------------------------------------------------------------------

def template(to: str, name: str, lang: str, params: list[str] | None = None,
             payloads: list[str] | None = None) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    if params is not None:
        components.append({"type": "body", "parameters": [{"type": "text", "text": p}
                                                          for p in params]})
    for i, payload in enumerate(payloads or []):
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(i),
                           "parameters": [{"type": "payload", "payload": payload}]})
    return {"messaging_product": "whatsapp", "to": to, "type": "template",
            "template": {"name": name, "language": {"code": lang}, "components": components}}


def new_template(name: str = "maaltijd_herinnering", language: str = "nl",
                 body: str = "Morgen eettafel om {{1}}. Kom je?",
                 quick_replies: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    components: list[dict[str, Any]] = [{"type": "BODY", "text": body}]
    if quick_replies:
        components.append({"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": t} for t in quick_replies]})
    return {"name": name, "language": language, "category": "UTILITY",
            "components": components, **extra}


async def test_template_lifecycle_create_pending_approve_send(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    resp = await api.post(f"/{WABA}/message_templates",
                          json=new_template(quick_replies=["Ja", "Nee"]))
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "PENDING"
    listed = (await api.get(f"/{WABA}/message_templates")).json()["data"]
    assert [(t["name"], t["language"], t["status"], t["category"]) for t in listed] == [
        ("maaltijd_herinnering", "nl", "PENDING", "UTILITY")]
    assert listed[0]["components"][0]["text"].startswith("Morgen") and listed[0]["id"]
    # Pending: not usable.
    send = template(HENK, "maaltijd_herinnering", "nl", ["18:00"], ["meal:yes:3", "meal:no:3"])
    assert_refused(await post(api, send), 132001)
    standin.approve("maaltijd_herinnering")
    resp = await post(api, send)
    assert resp.status_code == 200, resp.text
    assert resp.json()["messages"][0]["message_status"] == "accepted"
    henk = standin.person(HENK)
    msg = await henk.next_message()
    assert msg.kind == "template" and msg.text == "Morgen eettafel om 18:00. Kom je?"
    assert msg.template is not None
    assert (msg.template.name, msg.template.language, msg.template.params) == (
        "maaltijd_herinnering", "nl", ["18:00"])
    assert msg.buttons == ["Ja", "Nee"]
    await henk.tap("Nee")
    await standin.settle()
    reply = fake_bot.values("messages")[-1]
    assert reply["type"] == "button"
    assert reply["button"] == {"payload": "meal:no:3", "text": "Nee"}
    assert reply["context"]["id"] == msg.wamid
    # Duplicate creation in the same language is refused.
    again = await api.post(f"/{WABA}/message_templates", json=new_template())
    assert_refused(again, 100)


async def test_template_send_errors(standin: WhatsAppStandIn, api: httpx.AsyncClient) -> None:
    standin.add_template("aankondiging", "nl", "Nieuws van {{1}}: {{2}}")
    standin.add_template("aankondiging", "en", "News from {{1}}: {{2}}", status="REJECTED")
    standin.add_template("zonder_knop", "nl", "Hallo")
    ok = template(HENK, "aankondiging", "nl", ["TOP", "open dag"])
    assert (await post(api, ok)).status_code == 200
    assert_refused(await post(api, template(HENK, "bestaat_niet", "nl", [])), 132001)
    assert_refused(await post(api, template(HENK, "aankondiging", "tr", ["a", "b"])), 132001)
    assert_refused(await post(api, template(HENK, "aankondiging", "en", ["a", "b"])), 132001)
    assert_refused(await post(api, template(HENK, "aankondiging", "nl", ["TOP"])), 132000)
    assert_refused(await post(api, template(HENK, "aankondiging", "nl", ["a", "b", "c"])),
                   132000)
    assert_refused(await post(api, template(HENK, "zonder_knop", "nl", [], ["x"])), 132000)
    assert_refused(await post(api, template(HENK, "aankondiging", "nl", ["a\nb", "c"])),
                   132012)
    standin.pause("aankondiging", "nl")
    assert_refused(await post(api, ok), 132015)
    standin.approve("aankondiging", "*")
    assert (await post(api, template(HENK, "aankondiging", "en", ["a", "b"]))).status_code \
        == 200
    standin.reject("aankondiging", "nl", reason="INVALID_FORMAT")
    listed = (await api.get(f"/{WABA}/message_templates")).json()["data"]
    nl = next(t for t in listed if t["language"] == "nl" and t["name"] == "aankondiging")
    assert (nl["status"], nl["rejected_reason"]) == ("REJECTED", "INVALID_FORMAT")
    with pytest.raises(LookupError):
        standin.approve("nergens")


async def test_quick_reply_without_payload_sends_its_text(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    standin.add_template("vraag", "nl", "Kom je?", ["Ja", "Nee"])
    assert (await post(api, template(HENK, "vraag", "nl"))).status_code == 200
    henk = standin.person(HENK)
    await henk.tap("Ja")
    await standin.settle()
    assert fake_bot.values("messages")[-1]["button"] == {"payload": "Ja", "text": "Ja"}


CREATE_LIMITS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("name 512", new_template(name="n" * 512), new_template(name="n" * 513)),
    ("name lowercase", new_template(name="meal_1"), new_template(name="Meal")),
    ("name no spaces", new_template(name="a_b"), new_template(name="a b")),
    ("body 1024", new_template(body="b" * 1024), new_template(body="b" * 1025)),
    ("variables in order", new_template(body="{{1}} en {{2}}"),
     new_template(body="{{2}} en {{1}}")),
    ("variables from 1", new_template(body="{{1}}"), new_template(body="{{2}}")),
    ("10 quick replies", new_template(quick_replies=[f"k{i}" for i in range(10)]),
     new_template(quick_replies=[f"k{i}" for i in range(11)])),
    ("quick reply 25", new_template(quick_replies=["q" * 25]),
     new_template(quick_replies=["q" * 26])),
    ("category", new_template(category="MARKETING"), new_template(category="NEWS")),
]


@pytest.mark.parametrize(("ok", "bad"), [c[1:] for c in CREATE_LIMITS],
                         ids=[c[0] for c in CREATE_LIMITS])
async def test_template_creation_rule(standin: WhatsAppStandIn, api: httpx.AsyncClient,
                                      ok: dict[str, Any], bad: dict[str, Any]) -> None:
    resp = await api.post(f"/{WABA}/message_templates", json=ok)
    assert resp.status_code == 200, resp.text
    bad = {**bad, "name": bad["name"] if bad["name"] != ok["name"] else "other_name"}
    assert_refused(await api.post(f"/{WABA}/message_templates", json=bad), 100)
    assert len(standin.templates) == 1


# -- limits -------------------------------------------------------------------------------

async def test_throughput_limit_is_130429(standin: WhatsAppStandIn, api: httpx.AsyncClient,
                                          clock: Clock) -> None:
    people = [standin.person(f"3161000000{i}") for i in range(6)]
    for p in people:
        await p.send("Hoi")
    standin.throughput = 5
    for p in people[:5]:
        assert (await post(api, text(p.wa_id, "x"))).status_code == 200
    error = assert_refused(await post(api, text(people[5].wa_id, "x")), 130429)
    assert "throughput" in error["error_data"]["details"]
    clock.advance(1.0)
    assert (await post(api, text(people[5].wa_id, "x"))).status_code == 200
    assert len(standin.sent) == 6


async def test_default_limits_are_80_per_second_and_45_burst() -> None:
    limits = WaLimits()
    assert (limits.throughput, limits.pair_burst, limits.pair_interval) == (80, 45, 6.0)
    standin = WhatsAppStandIn()
    assert standin.throughput == 80 and standin.limits.enabled


async def test_limits_run_on_their_own_clock_by_default() -> None:
    """A test jumping the window clock does not refill (or drain) the pair rate."""
    window = Clock()
    standin = WhatsAppStandIn(clock=window, limits=WaLimits(pair_burst=1))
    assert standin.rates.check(HENK) is None
    window.advance(7 * 24 * 3600)
    assert standin.rates.check(HENK) == 131056


async def test_pair_rate_burst_then_one_per_6_seconds_is_131056(
        standin: WhatsAppStandIn, api: httpx.AsyncClient, clock: Clock) -> None:
    standin.limits.enabled = True
    standin.limits.throughput = 10_000
    henk = standin.person(HENK)
    await henk.send("Hoi")
    for i in range(45):
        assert (await post(api, text(HENK, f"bericht {i}"))).status_code == 200
    assert_refused(await post(api, text(HENK, "te veel")), 131056)
    # Another person is not affected.
    await standin.person("31698765432").send("Hoi")
    assert (await post(api, text("31698765432", "x"))).status_code == 200
    clock.advance(5.9)
    assert_refused(await post(api, text(HENK, "nog niet")), 131056)
    clock.advance(0.1)
    assert (await post(api, text(HENK, "nu wel"))).status_code == 200
    assert_refused(await post(api, text(HENK, "weer niet")), 131056)
    assert len(henk.messages) == 46


# -- faults -------------------------------------------------------------------------------

async def test_undeliverable_is_accepted_then_a_failed_status_131026(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    standin.add_template("vraag", "nl", "Kom je?")
    standin.undeliverable.add(HENK)
    resp = await post(api, template(HENK, "vraag", "nl"))
    assert resp.status_code == 200
    wamid = resp.json()["messages"][0]["id"]
    await standin.settle()
    [status] = fake_bot.values("statuses")
    assert (status["id"], status["status"], status["recipient_id"]) == (wamid, "failed", HENK)
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"]
    assert standin.person(HENK).messages == []
    assert standin.sent[-1].status == "failed" and standin.sent[-1].error_code == 131026


async def test_fail_next_in_the_answer_or_the_status(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    standin.fail_next(HENK, 131000)
    standin.fail_next(HENK, 131049)
    standin.fail_next(None, 190)
    assert_refused(await post(api, text(HENK, "1")), 131000, status=500)
    resp = await post(api, text(HENK, "2"))
    assert resp.status_code == 200
    assert_refused(await post(api, text(HENK, "3")), 190, status=401)
    assert (await post(api, text(HENK, "4"))).status_code == 200
    await standin.settle()
    failed = [s for s in fake_bot.values("statuses") if s["status"] == "failed"]
    assert [(s["id"], s["errors"][0]["code"]) for s in failed] == [
        (resp.json()["messages"][0]["id"], 131049)]
    assert [m.text for m in henk.messages] == ["4"]
    assert (standin.counts["accepted"], standin.counts["failed"]) == (2, 1)
    assert (standin.counts["131000"], standin.counts["190"]) == (1, 1)
    with pytest.raises(ValueError):
        standin.fail_next(HENK, 131000, via="sometimes")


# -- webhooks: signatures, retries, duplicates, handshake -----------------------------------

async def test_every_webhook_signature_verifies_with_the_app_secret(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK, name="Fatima Ünal")
    await henk.send("Hoi، مرحبا")
    await post(api, text(HENK, "Welkom"))
    await standin.settle()
    assert fake_bot.refused == 0 and len(fake_bot.payloads) == 3
    for delivery in standin.deliveries:
        want = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.signature == f"sha256={want}"
        assert json.loads(delivery.body) == delivery.payload
        wrong = hmac.new(b"another secret", delivery.body, hashlib.sha256).hexdigest()
        assert delivery.signature != f"sha256={wrong}"


async def test_a_bot_with_the_wrong_secret_refuses_and_meta_retries(
        standin: WhatsAppStandIn, fake_bot: FakeBot) -> None:
    fake_bot.secret = "not the app secret"
    standin.webhooks.retries = 2
    await standin.person(HENK).send("Hoi")
    await standin.settle()
    [delivery] = standin.deliveries
    assert [status for status, _ in delivery.answers] == [401, 401, 401]
    assert delivery.done and not delivery.ok
    assert fake_bot.refused == 3 and fake_bot.payloads == []


async def test_non_200_is_retried_until_answered(standin: WhatsAppStandIn,
                                                 fake_bot: FakeBot) -> None:
    fake_bot.answers = [500, 503]
    await standin.person(HENK).send("Hoi")
    await standin.settle()
    [delivery] = standin.deliveries
    assert [status for status, _ in delivery.answers] == [500, 503, 200]
    assert delivery.ok and len(fake_bot.payloads) == 1


async def test_duplicate_delivery_redeliver_last_and_deliver_twice(
        standin: WhatsAppStandIn, fake_bot: FakeBot) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    again = standin.redeliver_last()
    await standin.settle()
    first, second = standin.deliveries
    assert again is second and first.body == second.body
    assert fake_bot.payloads[0] == fake_bot.payloads[1]
    standin.deliver_twice = True
    await henk.send("eten")
    await standin.settle()
    ids = [m["id"] for m in fake_bot.values("messages")]
    assert len(ids) == 4 and ids[2] == ids[3] != ids[0]
    with pytest.raises(LookupError):
        standin.redeliver_last("template")


async def test_settle_waits_for_the_url_and_times_out_without_one(
        standin: WhatsAppStandIn) -> None:
    await standin.person(HENK).send("Hoi")
    with pytest.raises(TimeoutError):
        await standin.settle(timeout=0.05)
    assert standin.deliveries[0].answers == []


async def test_verify_handshake(standin: WhatsAppStandIn, fake_bot: FakeBot) -> None:
    assert await standin.verify("verify-me", challenge="1158201444") == (200, "1158201444")
    status, _ = await standin.verify("wrong")
    assert status == 403


# -- media ----------------------------------------------------------------------------------

async def test_media_upload_info_download_and_send_by_id(
        standin: WhatsAppStandIn, api: httpx.AsyncClient) -> None:
    pdf = b"%PDF-1.4 de brief van de gemeente"
    resp = await api.post(f"/{PHONE_ID}/media",
                          data={"messaging_product": "whatsapp", "type": "application/pdf"},
                          files={"file": ("brief.pdf", pdf, "application/pdf")})
    assert resp.status_code == 200, resp.text
    media_id = resp.json()["id"]
    info = (await api.get(f"/{media_id}")).json()
    assert info["id"] == media_id and info["mime_type"] == "application/pdf"
    assert info["file_size"] == len(pdf)
    assert info["sha256"] == hashlib.sha256(pdf).hexdigest()
    got = await api.get(info["url"])
    assert got.status_code == 200 and got.content == pdf
    async with httpx.AsyncClient() as anon:
        assert (await anon.get(info["url"])).status_code == 401
    henk = standin.person(HENK)
    await henk.send("Hoi")
    doc = {"messaging_product": "whatsapp", "to": HENK, "type": "document",
           "document": {"id": media_id, "filename": "brief.pdf", "caption": "Je brief"}}
    assert (await post(api, doc)).status_code == 200
    assert henk.last is not None
    assert (henk.last.kind, henk.last.media_id, henk.last.filename) == (
        "document", media_id, "brief.pdf")
    assert (await api.delete(f"/{media_id}")).json() == {"success": True}
    assert_refused(await api.get(f"/{media_id}"), 100)


async def test_media_upload_is_checked(standin: WhatsAppStandIn, api: httpx.AsyncClient) -> None:
    resp = await api.post(f"/{PHONE_ID}/media",
                          data={"messaging_product": "whatsapp", "type": "application/x-exe"},
                          files={"file": ("a.exe", b"MZ", "application/x-exe")})
    assert_refused(resp, 131053)
    resp = await api.post(f"/{PHONE_ID}/media", data={"messaging_product": "whatsapp"},
                          files={"other": ("a.jpg", b"x", "image/jpeg")})
    assert_refused(resp, 131008)
    resp = await api.post(f"/{PHONE_ID}/media", data={"type": "image/jpeg"},
                          files={"file": ("a.jpg", b"x", "image/jpeg")})
    assert_refused(resp, 100)
    assert standin.media == {}


async def test_person_media_can_be_downloaded_by_the_bot(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    photo = b"\xff\xd8\xff\xe0 foto van de brief"
    await henk.send_photo(photo, caption="Deze brief")
    await henk.send_voice(b"OggS voice")
    await henk.send_document(b"%PDF doc", "aanmaning.pdf")
    await standin.settle()
    image, voice, document = fake_bot.values("messages")
    assert image["type"] == "image" and image["image"]["caption"] == "Deze brief"
    assert image["image"]["mime_type"] == "image/jpeg"
    assert image["image"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert voice["type"] == "audio" and voice["audio"]["voice"] is True
    assert voice["audio"]["mime_type"] == "audio/ogg; codecs=opus"
    assert document["document"]["filename"] == "aanmaning.pdf"
    assert document["document"]["mime_type"] == "application/pdf"
    info = (await api.get(f"/{image['image']['id']}")).json()
    assert (await api.get(info["url"])).content == photo


async def test_other_message_types_and_reactions(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient,
        clock: Clock) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    await post(api, text(HENK, "Welkom"))
    welcome = henk.messages[-1]
    await henk.send_location(name="TOP Ondiep")
    await henk.send_sticker()
    await henk.send_contact("Jan de Vries", "+31 6 1111 2222")
    await henk.send_unsupported()
    clock.advance(25 * 3600)
    await henk.react("👍")
    assert not henk.window_open  # a reaction does not open the window
    await standin.settle()
    location, sticker, contact, unsupported, reaction = fake_bot.values("messages")[1:]
    assert location["location"]["name"] == "TOP Ondiep"
    assert {"latitude", "longitude"} <= set(location["location"])
    assert sticker["type"] == "sticker" and sticker["sticker"]["mime_type"] == "image/webp"
    assert contact["contacts"][0]["phones"][0]["wa_id"] == "31611112222"
    assert unsupported["type"] == "unsupported" and unsupported["errors"][0]["code"] == 131051
    assert reaction["reaction"] == {"message_id": welcome.wamid, "emoji": "👍"}


async def test_mark_as_read_and_read_statuses(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    sent = await henk.send("Hoi")
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": sent["id"]}
    assert (await post(api, read)).json() == {"success": True}
    assert_refused(await post(api, {**read, "message_id": "wamid.nope"}), 100)
    await post(api, text(HENK, "een"))
    await post(api, text(HENK, "twee"))
    assert await henk.read() == 2
    assert await henk.read() == 0
    await standin.settle()
    assert [s["status"] for s in fake_bot.values("statuses")] == [
        "sent", "delivered", "sent", "delivered", "read", "read"]


# -- the practice-chat view -------------------------------------------------------------------

async def test_practice_chat_json_view(standin: WhatsAppStandIn, fake_bot: FakeBot,
                                       api: httpx.AsyncClient) -> None:
    assert standin.sandbox is not None
    base = f"{standin.sandbox.url}/wa/_sandbox"
    async with httpx.AsyncClient() as page:
        resp = await page.post(f"{base}/say", json={"wa_id": HENK, "text": "Hoi",
                                                    "name": "Henk"})
        assert resp.status_code == 200 and resp.json()["ok"]
        await post(api, buttons(HENK, ["Ja", "Nee"], ["y", "n"]))
        chats = (await page.get(f"{base}/chats")).json()["people"]
        [chat] = chats
        assert (chat["wa_id"], chat["name"], chat["window_open"]) == (HENK, "Henk", True)
        mine, bots = chat["messages"]
        assert (mine["from"], mine["text"]) == ("person", "Hoi")
        assert bots["from"] == "bot" and [c["title"] for c in bots["choices"]] == ["Ja", "Nee"]
        resp = await page.post(f"{base}/tap", json={"wa_id": HENK, "title": "Nee"})
        assert resp.status_code == 200
        resp = await page.post(f"{base}/tap", json={"wa_id": HENK, "id": "y",
                                                    "wamid": bots["wamid"]})
        assert resp.status_code == 200
        assert (await page.post(f"{base}/tap", json={"wa_id": HENK, "title": "Zo"})
                ).status_code == 404
        assert (await page.post(f"{base}/say", json={"wa_id": "abc", "text": "x"})
                ).status_code == 400
        resp = await page.post(f"{base}/photo", data={"wa_id": HENK, "caption": "brief"},
                               files={"file": ("b.jpg", b"\xff\xd8 jpg", "image/jpeg")})
        assert resp.status_code == 200
        media_id = resp.json()["message"]["image"]["id"]
        assert (await page.get(f"{base}/media/{media_id}")).content == b"\xff\xd8 jpg"
        one = (await page.get(f"{base}/chats/{HENK}")).json()
        assert [m["from"] for m in one["messages"]] == [
            "person", "bot", "person", "person", "person"]
    await standin.settle()
    taps = [m for m in fake_bot.values("messages") if m["type"] == "interactive"]
    assert [t["interactive"]["button_reply"]["id"] for t in taps] == ["n", "y"]


async def test_events_reach_the_sandbox_observers(standin: WhatsAppStandIn,
                                                  api: httpx.AsyncClient) -> None:
    assert standin.sandbox is not None
    seen: list[dict[str, Any]] = []
    standin.sandbox.subscribe(seen.append)
    await standin.person(HENK).send("Hoi")
    await post(api, text(HENK, "Welkom"))
    kinds = [(e["type"], e.get("from", e.get("status"))) for e in seen]
    assert kinds == [("wa_person", None), ("wa_message", "person"), ("wa_message", "bot"),
                     ("wa_status", "sent"), ("wa_status", "delivered")]


async def test_interactive_media_header_must_exist(standin: WhatsAppStandIn,
                                                   api: httpx.AsyncClient) -> None:
    await standin.person(HENK).send("Hoi")
    media = standin.store_media(b"\xff\xd8 jpg", "image/jpeg")
    good = buttons(HENK, ["Ja"], header={"type": "image", "image": {"id": media.id}})
    assert (await post(api, good)).status_code == 200
    bad = buttons(HENK, ["Ja"], header={"type": "image", "image": {"id": "404"}})
    assert_refused(await post(api, bad), 131009)
    assert_refused(await post(api, buttons(HENK, ["Ja"], header={"type": "image"})), 131008)
    rows_with_image = listing(HENK, _sections(1, 1))
    rows_with_image["interactive"]["header"] = {"type": "image", "image": {"id": media.id}}
    assert_refused(await post(api, rows_with_image), 131009)


async def test_close_window_makes_free_form_fail_again(standin: WhatsAppStandIn,
                                                       api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    henk.close_window()
    assert not henk.window_open
    assert_refused(await post(api, text(HENK, "Hallo")), 131047)


async def test_scale_speeds_the_limits_up(standin: WhatsAppStandIn, api: httpx.AsyncClient,
                                          clock: Clock) -> None:
    standin.limits.enabled = True
    standin.limits.throughput = 2
    standin.limits.scale = 10.0  # 2 per 0.1 s
    for i in range(3):
        await standin.person(f"3162000000{i}").send("Hoi")
    assert (await post(api, text("31620000000", "a"))).status_code == 200
    assert (await post(api, text("31620000001", "b"))).status_code == 200
    assert_refused(await post(api, text("31620000002", "c")), 130429)
    clock.advance(0.1)
    assert (await post(api, text("31620000002", "c"))).status_code == 200


async def test_statuses_follow_the_send_answer(standin: WhatsAppStandIn, fake_bot: FakeBot,
                                               api: httpx.AsyncClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A send's status webhooks are posted after its answer is written (as at Meta, the bot
    has the wamid before a status about it can arrive)."""
    posted_before_answer: list[int] = []
    seen: set[str] = set()
    write_eof = web.Response.write_eof

    async def recording(self: web.Response, data: bytes = b"") -> None:
        answer = json.loads(self.body or b"{}") if self.content_type == "application/json" \
            else {}
        if "messages" in answer and answer["messages"][0]["id"] not in seen:
            wamid = answer["messages"][0]["id"]
            seen.add(wamid)
            posted_before_answer.append(sum(
                1 for d in standin.deliveries
                if d.kind == "status" and d.value["statuses"][0]["id"] == wamid
                and (d.answers or any(d is p for p in standin.webhooks._pending))))
        await write_eof(self, data)

    monkeypatch.setattr(web.Response, "write_eof", recording)
    await standin.person(HENK).send("Hoi")
    await standin.person("31600000009").send("Hoi")
    standin.undeliverable.add("31600000009")
    for i in range(5):
        for to in (HENK, "31600000009"):
            assert (await post(api, text(to, f"bericht {i}"))).status_code == 200
            await standin.settle()
    assert posted_before_answer == [0] * 10
    assert len(fake_bot.values("statuses")) == 15


async def test_template_review_webhooks_and_status_choice(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    standin.template_webhooks = True
    standin.status_webhooks = {"failed"}
    assert (await api.post(f"/{WABA}/message_templates", json=new_template())).status_code \
        == 200
    standin.approve("maaltijd_herinnering", "nl")
    assert (await post(api, template(HENK, "maaltijd_herinnering", "nl", ["18:00"]))
            ).status_code == 200
    await standin.settle()
    [review] = [p["entry"][0]["changes"][0] for p in fake_bot.payloads]
    assert review["field"] == "message_template_status_update"
    assert review["value"]["event"] == "APPROVED"
    assert review["value"]["message_template_name"] == "maaltijd_herinnering"
    assert review["value"]["message_template_language"] == "nl"
    assert fake_bot.values("statuses") == []  # sent/delivered not posted
    assert standin.sent[-1].status == "delivered"


async def test_concurrent_delivery_posts_everything(standin: WhatsAppStandIn,
                                                    fake_bot: FakeBot) -> None:
    standin.webhooks.concurrency = 4
    people = [standin.person(f"3163000000{i}") for i in range(8)]
    for p in people:
        await p.send("Hoi")
    await standin.settle()
    assert sorted(m["from"] for m in fake_bot.values("messages")) == sorted(
        p.wa_id for p in people)
    assert all(d.ok for d in standin.deliveries)


async def test_blocked_person_gets_nothing_until_they_write(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    await henk.send("Hoi")
    henk.block()
    assert (await post(api, text(HENK, "Hallo"))).status_code == 200
    await henk.send("Ik ben er weer")
    assert (await post(api, text(HENK, "Welkom terug"))).status_code == 200
    await standin.settle()
    assert [m.text for m in henk.messages] == ["Welkom terug"]
    failed = [s for s in fake_bot.values("statuses") if s["status"] == "failed"]
    assert [s["errors"][0]["code"] for s in failed] == [131026]
    # A number in the undeliverable set stays so, also when it writes.
    standin.undeliverable.add(HENK)
    await henk.send("Hallo?")
    assert (await post(api, text(HENK, "Hoort u mij?"))).status_code == 200
    assert [m.text for m in henk.messages] == ["Welkom terug"]


async def test_a_sandbox_started_again_delivers_again(clock: Clock) -> None:
    sandbox = Sandbox(limits=Limits.off())
    standin = WhatsAppStandIn(app_secret=SECRET, clock=clock, limits=WaLimits.off())
    standin.attach(sandbox)
    got: list[bytes] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/whatsapp", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    standin.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/whatsapp"
    try:
        await sandbox.start()
        await standin.person(HENK).send("een")
        await standin.settle()
        await sandbox.stop()
        await sandbox.start()
        await standin.person(HENK).send("twee")
        await standin.settle()
        assert [json.loads(b)["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
                for b in got] == ["een", "twee"]
    finally:
        await sandbox.stop()
        await runner.cleanup()


async def test_close_leaves_no_session_open_for_a_post_still_queued(clock: Clock) -> None:
    """A webhook still queued at close() (no webhook URL, or the bot already gone) must not
    make the stand-in open a new HTTP session afterwards ("Unclosed client session")."""
    sandbox = Sandbox(limits=Limits.off())
    standin = WhatsAppStandIn(app_secret=SECRET, clock=clock, limits=WaLimits.off())
    standin.attach(sandbox)
    await sandbox.start()
    try:
        await standin.person(HENK).send("een")  # queued: no webhook URL yet
        await standin.close()
        webhooks = standin.webhooks
        assert webhooks.closed and not webhooks.active
        await standin.person(HENK).send("twee")  # queued after the close: kept, not posted
        standin.webhook_url = "http://127.0.0.1:9/whatsapp"
        assert not webhooks.active
        assert [d.done for d in standin.deliveries] == [False, False]
    finally:
        await sandbox.stop()
    assert not standin.webhooks.active


async def test_the_bots_mark_as_read_is_recorded_as_blue_ticks(
        standin: WhatsAppStandIn, fake_bot: FakeBot, api: httpx.AsyncClient) -> None:
    henk = standin.person(HENK)
    sent = await henk.send("Hoi")
    await standin.settle()
    [message] = henk.sent
    assert not message.read and henk.unread == [message]
    resp = await post(api, {"messaging_product": "whatsapp", "status": "read",
                            "message_id": sent["id"]})
    assert resp.status_code == 200 and resp.json() == {"success": True}
    assert message.read and message.read_at == clock_now(standin)
    assert standin.marked_read == [sent["id"]] and henk.unread == []
    assert message.view()["read"] is True
    # again: nothing changes; an unknown wamid is refused like Meta does
    await post(api, {"messaging_product": "whatsapp", "status": "read",
                     "message_id": sent["id"]})
    assert standin.marked_read == [sent["id"]]
    resp = await post(api, {"messaging_product": "whatsapp", "status": "read",
                            "message_id": "wamid.unknown"})
    assert resp.status_code == 400


def clock_now(standin: WhatsAppStandIn) -> float:
    return standin.clock()
