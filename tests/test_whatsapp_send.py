"""The WhatsApp adapter through the Cloud API stand-in: each message kind accepted as Meta
would, errors as the outbox's verdicts, status webhooks on outbox rows, media both ways.

No bot runs here: the channel, the services on an in-memory database and a PTB Bot against
the Telegram sandbox (for files) are enough, talking HTTP to 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from telegram import Bot

from bot.channels import telegram as telegram_channel
from bot.channels.telegram import media_bridge
from bot.channels.whatsapp import WhatsAppChannel, statuses, window
from bot.channels.whatsapp.errors import TemplateRefused, TokenRefused, WindowClosed
from bot.channels.whatsapp.render import MEDIA_PREFIX
from bot.clock import FrozenClock
from bot.config import WhatsAppSettings, load_config
from bot.messaging.message import Address, Attachment, Button, Key, OutMessage
from bot.messaging.port import DeliveryError
from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WaLimits, WaPerson, WhatsAppStandIn
from bot.services import Services
from bot.store import addresses as address_store
from bot.store import whatsapp_messages as map_store
from bot.store.db import Database
from tests.auxil.harness import BOT_USERNAME, START, TOKEN

ROOT = Path(__file__).resolve().parents[1]
HENK = "31612345678"
FATIMA = "31687654321"
PHOTO = b"\xff\xd8\xff\xe0" + b"a letter from the council" * 40
PDF = b"%PDF-1.4 the report" * 30


@dataclasses.dataclass
class World:
    box: Sandbox
    standin: WhatsAppStandIn
    services: Services
    channel: WhatsAppChannel
    telegram: Bot
    app: Any

    def person(self, wa_id: str = HENK, *, window: bool = True) -> WaPerson:
        p = self.standin.person(wa_id)
        if window:
            p.last_inbound = self.standin.clock()  # they wrote just now
        return p

    def statuses(self) -> list[dict[str, Any]]:
        """Every status entry the stand-in posted (or queued) so far, in order."""
        return [s for d in self.standin.deliveries if d.kind == "status"
                for e in d.payload["entry"] for c in e["changes"]
                for s in c["value"].get("statuses", [])]

    async def apply_statuses(self, wamid: str) -> list[str | None]:
        return [await statuses.apply(self.app, s) for s in self.statuses() if s["id"] == wamid]


def settings_for(standin: WhatsAppStandIn, **overrides: Any) -> WhatsAppSettings:
    return dataclasses.replace(WhatsAppSettings(
        access_token=standin.token, phone_number_id=standin.phone_number_id,
        app_secret=standin.app_secret, verify_token=standin.verify_token,
        business_account_id=standin.business_account_id, api_url=standin.api_url), **overrides)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    box = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                  limits=Limits.off())
    standin = WhatsAppStandIn(limits=WaLimits.off()).attach(box)
    await box.start(host="127.0.0.1", port=0)
    services = Services(load_config(ROOT / "buurtbot.example.toml", env={}),
                        Database(":memory:"), FrozenClock(START))
    await services.start()
    channel = WhatsAppChannel(settings_for(standin), services)
    channel.set_speed(80, scale=100)  # the pacing is not what these tests are about
    telegram = Bot(TOKEN, base_url=box.api_url, base_file_url=box.file_url)
    await telegram.initialize()
    # What WhatsAppChannel.register(app) wires in a running bot.
    channel.telegram = telegram
    media_bridge.serve_from(telegram, MEDIA_PREFIX, channel._fetch_for_telegram)
    app = SimpleNamespace(services=services, whatsapp=channel, bot=telegram)
    services.outbox.channels["whatsapp"] = channel
    services.outbox.app = app
    try:
        yield World(box, standin, services, channel, telegram, app)
    finally:
        await channel.close()
        await telegram.shutdown()
        await services.stop()
        await box.stop()


async def whatsapp_person(world: World, wa_id: str = HENK) -> int:
    """A person (registered through Telegram here) who also has this WhatsApp address."""
    person = await world.services.users.register(101, "nl", "top")
    async with world.services.db.transaction() as conn:
        await address_store.add(conn, person.id, "whatsapp", wa_id, world.services.clock.now())
    return person.id


async def reachable(world: World, wa_id: str) -> bool:
    async with world.services.db.reading() as conn:
        row = await address_store.by_address(conn, "whatsapp", wa_id)
    assert row is not None
    return bool(row.reachable)


# --- each kind accepted ----------------------------------------------------------------------


async def test_text_and_buttons_arrive_as_whatsapp_shows_them(world: World) -> None:
    henk = world.person()
    receipt = await world.channel.send(HENK, OutMessage("<b>Eettafel</b> maandag. Komt u?",
                                                        buttons=((Button("Ja", "m:y:1"),
                                                                  Button("Nee", "m:n:1")),)))
    [msg] = henk.drain()
    assert msg.kind == "interactive" and msg.text == "*Eettafel* maandag. Komt u?"
    assert msg.buttons == ["Ja", "Nee"]
    assert receipt.channel == "whatsapp" and receipt.address == HENK
    assert receipt.message_ref == msg.wamid
    # The message map: the wamid has an integer id, both ways.
    message_id = await world.channel.message_id(msg.wamid)
    async with world.services.db.reading() as conn:
        assert await map_store.wamid_of(conn, message_id) == (msg.wamid, HENK)
    tapped = await henk.tap("Ja")  # the stand-in offers exactly these to tap
    assert tapped["interactive"]["button_reply"]["id"] == "m:y:1"
    assert tapped["context"]["id"] == msg.wamid


async def test_a_list_several_lists_and_a_long_text_all_arrive_in_order(world: World) -> None:
    henk = world.person()
    days = tuple((Button(f"Dag {i}", f"d:{i}"),) for i in range(1, 12))
    await world.channel.send(HENK, OutMessage("Welke dag?", buttons=days))
    first, second = henk.drain()
    assert first.rows == [f"Dag {i}" for i in range(1, 7)]
    assert second.rows == [f"Dag {i}" for i in range(7, 12)]
    text = "\n\n".join("Uitleg " * 100 for _ in range(8))
    receipt = await world.channel.send(HENK, OutMessage(text, buttons=((Button("OK", "o:1"),),)))
    parts = henk.drain()
    assert [m.kind for m in parts] == ["text"] * (len(parts) - 1) + ["interactive"]
    assert receipt.message_ref == parts[-1].wamid  # the receipt names the one with the button
    for part in parts:  # every part is in the map (a tap on any maps to its message)
        await world.channel.message_id(part.wamid)


async def test_typed_keys_and_a_link_arrive(world: World) -> None:
    henk = world.person()
    await world.channel.send(HENK, OutMessage("Hoeveel gasten?", keys=((Key("0"), Key("1")),)))
    await world.channel.send(HENK, OutMessage("Het programma",
                                              buttons=((Button("Open", url="https://x.nl"),),)))
    keys, link = henk.drain()
    assert keys.buttons == ["0", "1"]
    assert [c.id for c in keys.choices] == ["k:0", "k:1"]
    assert link.kind == "interactive" and link.url == ("Open", "https://x.nl")


async def test_photo_document_voice_are_uploaded_from_memory_once(world: World) -> None:
    henk = world.person()
    await world.channel.send(HENK, OutMessage("Uw rapport", attachment=Attachment(
        "document", data=PDF, filename="rapport.pdf")))
    await world.channel.send(HENK, OutMessage("", attachment=Attachment("photo", data=PHOTO)))
    await world.channel.send(HENK, OutMessage("Nog eens", attachment=Attachment(
        "document", data=PDF, filename="rapport.pdf")))
    await world.channel.send(HENK, OutMessage("", attachment=Attachment("voice", data=b"OggS...")))
    doc, photo, again, voice = henk.drain()
    assert (doc.kind, photo.kind, again.kind, voice.kind) == (
        "document", "image", "document", "audio")
    assert doc.text == "Uw rapport" and doc.filename == "rapport.pdf"
    assert world.standin.media[doc.media_id].data == PDF
    assert again.media_id == doc.media_id  # uploaded once
    assert world.standin.media[photo.media_id].data == PHOTO
    assert world.standin.media[photo.media_id].mime_type == "image/jpeg"
    assert world.standin.media[voice.media_id].mime_type == "audio/ogg"


async def test_a_template_with_params_and_quick_replies(world: World) -> None:
    world.standin.add_template("belronde_question", "nl", "Hoi {{1}}, hoe gaat het?",
                               ["Goed", "Bel mij"])
    henk = world.person(window=False)  # a template goes outside the window
    receipt = await world.channel.send_template(HENK, "belronde_question", "nl", ["Henk"],
                                                ["chk:ok:3", "chk:call:3"])
    [msg] = henk.drain()
    assert msg.kind == "template" and msg.wamid == receipt.message_ref
    assert msg.template is not None and msg.template.params == ["Henk"]
    tapped = await henk.tap("Bel mij")
    assert tapped["button"]["payload"] == "chk:call:3"


# --- errors → verdicts -------------------------------------------------------------------------


async def test_window_closed_is_its_own_signal(world: World) -> None:
    world.person(window=False)
    with pytest.raises(WindowClosed) as caught:
        await world.channel.send(HENK, OutMessage("Hoi"))
    assert caught.value.verdict == "retry" and caught.value.detail == "window"


async def test_unknown_template_is_refused_for_good(world: World) -> None:
    world.person(window=False)
    with pytest.raises(TemplateRefused) as caught:
        await world.channel.send_template(HENK, "nope", "nl")
    assert caught.value.verdict == "failed" and caught.value.code == 132001


@pytest.mark.parametrize(("code", "verdict", "retry_after"), [
    (130429, "retry", 1.0), (131056, "retry", 6.0), (131000, "retry", None),
    (131049, "retry", None), (131048, "retry", None), (131026, "gone", None),
    (131051, "failed", None), (100, "failed", None)])
async def test_meta_codes_become_verdicts(world: World, code: int, verdict: str,
                                          retry_after: float | None) -> None:
    world.person()
    world.standin.fail_next(HENK, code, via="answer")
    with pytest.raises(DeliveryError) as caught:
        await world.channel.send(HENK, OutMessage("Hoi"))
    assert (caught.value.verdict, caught.value.retry_after) == (verdict, retry_after)


async def test_gone_in_the_answer_makes_the_address_unreachable(world: World) -> None:
    await whatsapp_person(world)
    world.person()
    world.standin.fail_next(HENK, 131026, via="answer")
    with pytest.raises(DeliveryError):
        await world.channel.send(HENK, OutMessage("Hoi"))
    assert not await reachable(world, HENK)


async def test_throughput_pauses_the_channel_pair_rate_only_that_person(world: World) -> None:
    world.person()
    world.person(FATIMA)
    world.standin.fail_next(HENK, 131056, via="answer")
    token = await world.channel.pace(HENK)
    with pytest.raises(DeliveryError) as caught:
        await world.channel.send(HENK, OutMessage("Hoi"))
    world.channel.paced(token, counted=False, retry_after=caught.value.retry_after)
    assert HENK in world.channel._pair_holds
    assert world.channel.pacer._paused_until < world.channel.pacer.clock() + 1  # not paused
    world.standin.fail_next(FATIMA, 130429, via="answer")
    token = await world.channel.pace(FATIMA)
    with pytest.raises(DeliveryError) as caught:
        await world.channel.send(FATIMA, OutMessage("Hoi"))
    world.channel.paced(token, counted=False, retry_after=caught.value.retry_after)
    assert world.channel.pacer._paused_until > world.channel.pacer.clock()


async def test_a_wrong_token_is_failed_and_remembered(world: World) -> None:
    world.person()
    channel = WhatsAppChannel(settings_for(world.standin, access_token="wrong"),
                              world.services)
    try:
        with pytest.raises(TokenRefused) as caught:
            await channel.send(HENK, OutMessage("Hoi"))
        assert caught.value.verdict == "failed" and channel.token_refused
    finally:
        await channel.close()


async def test_network_errors_before_and_after_sending(world: World) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    for transport, verdict in ((refuse, "retry"), (hang, "uncertain")):
        channel = WhatsAppChannel(settings_for(world.standin), world.services,
                                  transport=httpx.MockTransport(transport))
        try:
            with pytest.raises(DeliveryError) as caught:
                await channel.send(HENK, OutMessage("Hoi"))
            assert caught.value.verdict == verdict
        finally:
            await channel.close()


async def test_a_message_in_parts_that_fails_half_way_sends_only_the_rest_again(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    henk = world.person()
    text = "\n\n".join("Uitleg " * 100 for _ in range(3))  # text, then the buttons
    message = OutMessage(text, buttons=((Button("OK", "o:1"),),))
    real = world.channel.client.send
    calls = {"n": 0}

    async def second_fails(to: str, kind: str, content: dict[str, Any]) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            world.standin.fail_next(HENK, 131000, via="answer")
        return await real(to, kind, content)

    monkeypatch.setattr(world.channel.client, "send", second_fails)
    with pytest.raises(DeliveryError) as caught:
        await world.channel.send(HENK, message)
    assert caught.value.verdict == "retry"
    assert [m.kind for m in henk.drain()] == ["text"]
    await world.channel.send(HENK, message)  # the outbox's next attempt
    assert [m.kind for m in henk.drain()] == ["interactive"]  # the text not twice


# --- outbox rows and status webhooks -------------------------------------------------------------


async def enqueue(world: World, kind: str = "test.kind", **kwargs: Any) -> int:
    """A row to Henk, whose window is open in the bot's books (he wrote just now): the
    window logic sends it free-form."""
    await whatsapp_person(world)
    async with world.services.db.transaction() as conn:
        await window.open_until(conn, HENK, world.services.clock.now())
    async with world.services.db.transaction() as conn:
        row_id = await world.services.outbox.enqueue(
            conn, address=Address("whatsapp", HENK), kind=kind, ref="1", **kwargs)
    assert row_id is not None
    return row_id


async def row(world: World, row_id: int) -> Any:
    async with world.services.db.reading() as conn:
        from bot.store import outbox as outbox_store
        return await outbox_store.get(conn, row_id)


async def delivered_read(world: World, row_id: int) -> tuple[Any, Any]:
    async with world.services.db.reading() as conn:
        cursor = await conn.execute(
            "SELECT delivered_at, read_at FROM outbox WHERE id = ?", (row_id,))
        found = await cursor.fetchone()
    return found[0], found[1]


async def test_an_outbox_row_is_sent_and_its_statuses_apply_once(world: World) -> None:
    henk = world.person()
    henk.reads = True
    row_id = await enqueue(world, message=OutMessage("Herinnering: eettafel om 18:00"))
    await world.services.outbox.deliver()
    sent = await row(world, row_id)
    assert sent.state == "sent" and sent.provider_ref == henk.last.wamid
    assert await world.apply_statuses(sent.provider_ref) == [None, "delivered", "read"]
    assert await world.apply_statuses(sent.provider_ref) == [None, None, None]  # twice: no-op
    delivered, read = await delivered_read(world, row_id)
    assert delivered is not None and read is not None


async def test_read_before_delivered_changes_nothing_twice(world: World) -> None:
    world.person()
    row_id = await enqueue(world, message=OutMessage("Hoi"))
    await world.services.outbox.deliver()
    wamid = (await row(world, row_id)).provider_ref
    read = {"id": wamid, "status": "read", "timestamp": "1", "recipient_id": HENK}
    assert await statuses.apply(world.app, read) == "read"
    delivered, read_at = await delivered_read(world, row_id)
    assert delivered == read_at
    assert await statuses.apply(world.app, {**read, "status": "delivered"}) is None
    assert await statuses.apply(world.app, {**read, "status": "failed",
                                            "errors": [{"code": 131026}]}) is None
    assert (await row(world, row_id)).state == "sent"


async def test_undeliverable_status_makes_the_row_and_the_address_unreachable(
        world: World) -> None:
    world.person()
    world.standin.undeliverable.add(HENK)
    ended: list[str] = []

    async def on_final(app: Any, outbox_row: Any, state: str) -> None:
        ended.append(state)

    world.services.outbox.on_final("test.kind")(on_final)
    row_id = await enqueue(world, message=OutMessage("Hoe gaat het?"))
    await world.services.outbox.deliver()
    wamid = (await row(world, row_id)).provider_ref
    assert await world.apply_statuses(wamid) == ["unreachable"]
    assert (await row(world, row_id)).state == "unreachable"
    assert not await reachable(world, HENK)
    assert ended == ["unreachable"]  # the kind's hook: the belronde's "to call" list
    assert await world.apply_statuses(wamid) == [None] and ended == ["unreachable"]


async def test_window_closed_status_puts_the_row_back_for_the_window_logic(
        world: World) -> None:
    world.person()
    world.standin.window_failure = "status"
    rendered: list[int] = []

    def render(app: Any, outbox_row: Any, t: Any) -> OutMessage:
        rendered.append(outbox_row.id)
        return OutMessage("Nieuw bericht van de BuurtWerkKamer")

    world.services.outbox.renderer("announcement")(render)
    row_id = await enqueue(world, kind="announcement", params={"broadcast": 1})
    world.standin.people[HENK].last_inbound = None  # the window closed meanwhile
    await world.services.outbox.deliver()
    sent = await row(world, row_id)
    assert sent.state == "sent"
    assert await world.apply_statuses(sent.provider_ref) == ["queued"]
    again = await row(world, row_id)
    assert again.state == "queued" and again.provider_ref is None and again.error == "window"
    assert await world.apply_statuses(sent.provider_ref) == [None]  # once


async def test_window_closed_status_of_a_row_with_its_own_message_goes_back_too(
        world: World) -> None:
    """A row queued rendered (its message, no params) keeps the message until delivered,
    so a late 131047 can still send it (as a template or held); the window is closed in
    the bot's books too."""
    world.person(window=False)
    world.standin.window_failure = "status"
    row_id = await enqueue(world, message=OutMessage("Hoi"))
    await world.services.outbox.deliver()
    sent = await row(world, row_id)
    assert sent.state == "sent" and sent.message is not None  # kept until delivered
    assert await world.apply_statuses(sent.provider_ref) == ["queued"]
    again = await row(world, row_id)
    assert again.state == "queued" and again.message == sent.message
    assert not await window.is_open(world.services, HENK)


async def test_window_closed_status_of_a_row_that_cannot_be_rendered_again_is_failed(
        world: World) -> None:
    """Three days without a status: what the row kept is dropped (privacy), and a failed
    status after that cannot send it again."""
    world.person(window=False)
    world.standin.window_failure = "status"
    row_id = await enqueue(world, message=OutMessage("Hoi"))
    await world.services.outbox.deliver()
    wamid = (await row(world, row_id)).provider_ref
    clock = world.services.clock
    assert isinstance(clock, FrozenClock)
    assert await world.channel.forget_undelivered() == 0  # not yet
    from datetime import timedelta
    clock.advance(timedelta(days=3))
    assert await world.channel.forget_undelivered() == 1
    assert (await row(world, row_id)).message is None
    assert await world.apply_statuses(wamid) == ["failed"]
    assert (await row(world, row_id)).state == "failed"


async def test_a_delivered_free_form_row_keeps_nothing(world: World) -> None:
    henk = world.person()
    henk.reads = True
    row_id = await enqueue(world, message=OutMessage("Uw plek is bevestigd"))
    await world.services.outbox.deliver()
    sent = await row(world, row_id)
    assert sent.message is not None  # until Meta says it arrived
    assert await world.apply_statuses(sent.provider_ref) == [None, "delivered", "read"]
    assert (await row(world, row_id)).message is None


async def test_the_map_is_pruned_after_30_days_and_erased_with_the_person(
        world: World) -> None:
    person_id = await whatsapp_person(world)
    world.person()
    receipt = await world.channel.send(HENK, OutMessage("Hoi"))
    clock = world.services.clock
    assert isinstance(clock, FrozenClock)
    assert await world.channel.prune() == 0
    person = await world.services.users.by_id(person_id)
    assert person is not None
    await world.services.privacy.erase(person)
    with pytest.raises(LookupError):
        await world.channel.message_id(receipt.message_ref)
    receipt = await world.channel.send(HENK, OutMessage("Nog eens"))
    from datetime import timedelta
    clock.advance(timedelta(days=31))
    assert await world.channel.prune() == 1
    with pytest.raises(LookupError):
        await world.channel.message_id(receipt.message_ref)


# --- media both ways -------------------------------------------------------------------------


async def test_a_telegram_file_is_fetched_into_memory_and_uploaded_to_whatsapp(
        world: World) -> None:
    henk = world.person()
    record = world.box.files.add("photos", "jpg", data=PHOTO, mime_type="image/jpeg")
    await world.channel.send(HENK, OutMessage("De brief", attachment=Attachment(
        "photo", media_id=record.file_id)))
    [msg] = henk.drain()
    assert msg.kind == "image" and msg.text == "De brief"
    assert world.standin.media[msg.media_id].data == PHOTO


async def test_a_whatsapp_photo_is_fetched_and_uploaded_to_telegram_once(world: World) -> None:
    henk = world.person()
    sent = await henk.send_photo(PHOTO, caption="mijn brief")
    media_id = MEDIA_PREFIX + sent["image"]["id"]
    data, mime = await world.channel.download(media_id)  # in memory
    assert (data, mime) == (PHOTO, "image/jpeg")
    volunteer = world.box.add_user("Vera")
    message = OutMessage("Foto bij de hulpvraag", attachment=Attachment("photo", media_id=media_id))
    first = await telegram_channel.send(world.telegram, volunteer.id, message)
    assert world.box.files.get(first.photo[-1].file_id).content() == PHOTO
    world.standin.media.clear()  # the second copy needs nothing from WhatsApp
    second = await telegram_channel.send(world.telegram, volunteer.id, message)
    assert second.photo[-1].file_id == first.photo[-1].file_id


async def test_a_whatsapp_media_id_that_is_gone_is_refused_on_telegram(world: World) -> None:
    from telegram.error import BadRequest

    volunteer = world.box.add_user("Vera")
    message = OutMessage("", attachment=Attachment("voice", media_id=MEDIA_PREFIX + "404404"))
    with pytest.raises(BadRequest):
        await telegram_channel.send(world.telegram, volunteer.id, message)


# --- pacing and the token alert ------------------------------------------------------------


async def test_rows_to_one_person_keep_6_seconds_apart_answers_go_at_once(world: World) -> None:
    import time

    channel = world.channel
    channel.set_speed(80, scale=5)  # WhatsApp's numbers, five times faster: a 1.2 s gap
    assert channel.pacer.per_second == 79  # one slot of the 80 kept for answers
    channel.paced(await channel.pace(HENK), counted=True)
    began = time.monotonic()
    channel.paced(await channel.pace(FATIMA), counted=True)  # someone else: no wait
    answer = await channel.pacer.acquire_answer(int(HENK))  # an answer to Henk: at once
    channel.pacer.done(answer)
    assert time.monotonic() - began < 0.6
    channel.paced(await channel.pace(HENK), counted=True)  # Henk's next row waits its turn
    assert time.monotonic() - began >= 1.0


async def test_a_refused_token_warns_the_coordinators_one_incident_a_day(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from bot.handlers.ops import render_alert
    from bot.i18n import translator

    alerts: list[tuple[str, str, dict[str, Any]]] = []

    async def alert(job: str, incident: str, params: dict[str, Any]) -> int:
        alerts.append((job, incident, params))
        return 1

    monkeypatch.setattr(world.services.ops, "alert", alert)
    world.person()
    channel = WhatsAppChannel(settings_for(world.standin, access_token="wrong"),
                              world.services)
    try:
        for _ in range(2):
            with pytest.raises(TokenRefused):
                await channel.send(HENK, OutMessage("Hoi"))
        await asyncio.sleep(0)  # the alert is queued by a task of its own
    finally:
        await channel.close()
    assert [a[:2] for a in alerts] == [("ops_alert_whatsapp_token", "2026-11-30")] * 2
    row = SimpleNamespace(params=alerts[0][2])
    shown = render_alert(world.app, row, translator("nl"))  # type: ignore[arg-type]
    assert shown is not None and "WhatsApp" in shown.text


async def test_a_residents_photo_forwarded_on_whatsapp_is_uploaded_again_once(
        world: World) -> None:
    henk = world.person()
    fatima = world.person(FATIMA)
    sent = await henk.send_photo(PHOTO)
    message = OutMessage("Foto bij de hulpvraag", attachment=Attachment(
        "photo", media_id=MEDIA_PREFIX + sent["image"]["id"]))
    await world.channel.send(FATIMA, message)
    await world.channel.send(FATIMA, message)
    first, second = fatima.drain()
    assert first.media_id != sent["image"]["id"]  # Meta sends only what the business uploaded
    assert world.standin.media[first.media_id].data == PHOTO
    assert second.media_id == first.media_id  # uploaded once


async def test_templates_are_listed_and_created_through_the_client(world: World) -> None:
    world.standin.add_template("meal_reminder", "nl", "Morgen eettafel om {{1}}.")
    created = await world.channel.client.create_template({
        "name": "belronde_question", "language": "nl", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hoe gaat het, {{1}}?",
                        "example": {"body_text": [["Henk"]]}},
                       {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Goed"}]}]})
    assert created["status"] == "PENDING"
    listed = await world.channel.client.templates()
    found = {(t["name"], t["language"]): t["status"] for t in listed}
    assert found == {("meal_reminder", "nl"): "APPROVED", ("belronde_question", "nl"): "PENDING"}


async def test_an_upload_that_times_out_is_retried_not_counted_as_sent(world: World) -> None:
    def upload_hangs(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/media"):
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(200, json={"messages": [{"id": "wamid.x"}]})

    channel = WhatsAppChannel(settings_for(world.standin), world.services,
                              transport=httpx.MockTransport(upload_hangs))
    try:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(HENK, OutMessage("", attachment=Attachment("photo", data=PHOTO)))
        assert caught.value.verdict == "retry"
    finally:
        await channel.close()


async def test_a_broadcast_keeps_enough_sends_under_way_for_metas_round_trip(
        world: World) -> None:
    """Meta answers in about 0.3 s and allows 80 a second: Telegram's 4 sends under way
    would make 13 a second; the WhatsApp channel asks the outbox for 24."""
    import asyncio

    from bot.store import users as user_store

    under_way = 0
    most = 0
    crowd = asyncio.Event()
    release = asyncio.Event()

    async def slow_meta(request: httpx.Request) -> httpx.Response:
        nonlocal under_way, most
        under_way += 1
        most = max(most, under_way)
        if under_way >= 24:
            crowd.set()
        await release.wait()
        under_way -= 1
        return httpx.Response(200, json={"messages": [{"id": f"wamid.{id(request)}"}]})

    channel = WhatsAppChannel(settings_for(world.standin), world.services,
                              transport=httpx.MockTransport(slow_meta))
    channel.set_speed(80, scale=100)
    assert channel.in_flight == 24 * 100  # scaled like the pacer
    channel.in_flight = 24
    world.services.outbox.channels["whatsapp"] = channel
    world.services.outbox.renderer("test.broadcast")(lambda app, row, t: OutMessage("Hoi"))
    now = world.services.clock.now()
    rows = []
    async with world.services.db.transaction() as conn:
        for i in range(30):
            wa_id = str(31_611_000_000 + i)
            person = await user_store.create(conn, telegram_id=None, language="nl",
                                             room="top", now=now)
            await address_store.add(conn, person.id, "whatsapp", wa_id, now)
            await window.open_until(conn, wa_id, now)
            rows.append({"person_id": person.id, "channel": "whatsapp", "address": wa_id,
                         "params": {}})
        await world.services.outbox.enqueue_many(conn, rows, kind="test.broadcast", ref="1")
    sending = asyncio.create_task(world.services.outbox.deliver(broadcasts=True))
    try:
        await asyncio.wait_for(crowd.wait(), timeout=10)
        assert most == 24
    finally:
        release.set()
        await sending
        await channel.close()
    assert await world.services.outbox.counts("test.broadcast") == {"sent": 30}


async def test_an_answer_sent_inside_a_handlers_transaction_is_mapped_in_it(
        world: World) -> None:
    """Some handlers answer while holding the database (the lock is not re-entrant): the
    map's row goes into their transaction; a gone person is marked once it is over."""
    await whatsapp_person(world)
    world.person()
    async with world.services.db.transaction():
        receipt = await world.channel.send(HENK, OutMessage("Hoi"))
        assert await world.channel.message_id(receipt.message_ref) > 0
        world.standin.fail_next(HENK, 131026, via="answer")
        with pytest.raises(DeliveryError) as caught:
            await world.channel.send(HENK, OutMessage("Nog eens"))
        assert caught.value.verdict == "gone"
    assert await world.channel.message_id(receipt.message_ref) > 0
    assert not await reachable(world, HENK)  # queued behind the transaction, done now
