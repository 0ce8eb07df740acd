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
                         limits=WaLimits.off())
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
    app.router.add_route("*", "/whatsapp", bot.handle)
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
