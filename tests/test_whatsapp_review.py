"""Review of issue 14 (docs/reviews/review-whatsapp.md): the resident flows the issue names
that had no end-to-end test through the WhatsApp stand-in yet — the waiting list and its
offer, a diet note, the programme — and what the review found."""

from __future__ import annotations

import builtins
import io
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.channels import telegram as telegram_channel
from bot.channels.whatsapp.render import MEDIA_PREFIX
from bot.messaging.message import Attachment, OutMessage
from tests.auxil.meals import first_meal, set_cap
from tests.auxil.whatsapp import WaHarness, make_wa_harness, running
from tests.auxil.whatsapp_e2e import diet_note_asked, dinner_tap
from tests.test_whatsapp_send import HENK, PHOTO, world

__all__ = ["world"]  # the fixture of tests/test_whatsapp_send.py


def texts(person) -> list[str]:
    return [m.text or "" for m in person.drain()]


async def test_waiting_list_then_the_offer_is_taken_with_one_tap(wa: WaHarness) -> None:
    meal = (await first_meal(wa)).meal
    await set_cap(wa, meal.id, 1)
    anna, bram = await wa.resident("Anna"), await wa.resident("Bram")
    for person, button in ((anna, "✍️ Aanmelden di 1 dec"), (bram, "⏳ Wachtlijst di 1 dec")):
        await dinner_tap(wa, person, button)
    assert any("wachtlijst" in t and "nummer 1" in t for t in texts(bram))
    anna.drain()
    await anna.tap("❌ Aanmelding afzeggen")
    await wa.settle()
    await anna.tap("Ja, afzeggen")
    await wa.settle()
    offer = [t for t in texts(bram) if "plek vrij" in t]
    assert len(offer) == 1, offer  # the offer, once (an outbox row, free-form: window open)
    bram_person = await wa.wa_person(bram)
    assert await wa.db.fetchval(
        "SELECT status FROM meal_signups WHERE user_id = ?", (bram_person.id,)) == "offered"
    await bram.tap("✅ Ja, ik kom")
    await wa.settle()
    assert any("ontvangen" in t for t in texts(bram))
    assert await wa.db.fetchval(
        "SELECT status FROM meal_signups WHERE user_id = ?", (bram_person.id,)) == "pending"


async def test_a_diet_note_is_typed_and_kept(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await diet_note_asked(wa, henk)
    await henk.send("noten")
    await wa.settle()
    assert texts(henk), "the note is answered"
    assert await wa.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"


async def test_the_programme_by_keyword(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("Programma")
    await wa.settle()
    shown = texts(henk)
    week = next(t for t in shown if "week 49" in t)
    assert "Koffie en praatje" in week and "Maandag 30 november" in week
    assert "<b>" not in week and "&amp;" not in week  # WhatsApp's markers, not HTML


async def test_a_failure_while_taking_a_message_in_logs_no_text_or_number(
        wa: WaHarness, caplog, monkeypatch) -> None:
    """An exception's message can hold what the person wrote: the webhook's own failure
    log (outside PTB's error handler) keeps file and line only (bot.log_safe)."""
    from bot.channels.whatsapp import inbound

    henk = await wa.resident("Henk")

    def broken(incoming, situation):
        raise ValueError(f"cannot read {incoming.message['text']['body']!r} "
                         f"from {incoming.wa_id}")

    monkeypatch.setattr(inbound, "to_update", broken)
    await henk.send("mijn adres is Geheimstraat 7")
    await wa.settle()
    assert "handling a webhook item failed" in caplog.text
    assert "Geheimstraat" not in caplog.text and henk.wa_id not in caplog.text


async def test_an_undeliverable_belronde_question_puts_them_on_the_to_call_list(
        wa: WaHarness) -> None:
    """131026 in a failed status webhook (accepted first, then undeliverable): the person is
    unreachable and the belronde's "to call" list has them, as for a Telegram person who
    blocked the bot."""
    from bot.store import checkins as checkin_store
    from tests.auxil.checkins import MONDAY_10

    henk = await wa.resident("Henk")
    person = await wa.wa_person(henk)
    await wa.services.checkins.opt_in(person)
    wa.standin.undeliverable.add(henk.wa_id)
    await wa.tick(at=MONDAY_10)  # in the window: free-form, accepted, then failed 131026
    await wa.settle()
    assert await wa.db.fetchval(
        "SELECT state FROM outbox WHERE kind = 'checkin.question'") == "unreachable"
    assert not (await wa.services.users.by_id(person.id)).reachable
    async with wa.services.db.reading() as conn:
        assert await checkin_store.has_open_unreachable(conn, person.id)


@pytest.fixture
async def limited(tmp_path, clock) -> AsyncIterator[WaHarness]:  # type: ignore[no-untyped-def]
    """The bot on the stand-in with a daily messaging limit of 1 conversation."""
    async with running(*await make_wa_harness(tmp_path, clock, daily_limit=1)) as harness:
        yield harness


async def test_a_belronde_beyond_the_daily_limit_goes_on_the_next_day(limited, clock
                                                                      ) -> None:
    """Two residents outside their window, a limit of 1 a day: Monday's belronde reaches
    one as a template, the other the next day — spread, not failed or on the call list."""
    from bot.channels.whatsapp import templates
    from bot.store import checkins as checkin_store
    from tests.auxil.checkins import MONDAY_10

    wa = limited
    henk, anna = await wa.resident("Henk"), await wa.resident("Anna")
    for person in (henk, anna):
        await wa.services.checkins.opt_in(await wa.wa_person(person))
    await templates.create_missing(wa.app)
    wa.standin.approve("buurtbot_belronde", "nl")
    await templates.sync(wa.app)
    monday = MONDAY_10 + timedelta(days=7)  # a week on: both windows closed
    await wa.tick(at=monday)
    await wa.settle()

    def asked() -> int:
        return sum(1 for person in (henk, anna) for m in person.messages
                   if m.kind == "template" and m.template.name == "buurtbot_belronde")

    assert asked() == 1
    await wa.tick(at=monday + timedelta(days=1))
    await wa.settle()
    assert asked() == 2
    for person in (henk, anna):
        found = await wa.wa_person(person)
        async with wa.services.db.reading() as conn:
            assert not await checkin_store.has_open_unreachable(conn, found.id)


async def test_media_cross_the_channels_in_memory_never_on_disk(world, monkeypatch) -> None:
    """Issue 14: "media by media id only, never on disk". A resident's WhatsApp photo
    forwarded to a Telegram volunteer, and a Telegram file sent on WhatsApp: no file is
    opened for writing, no temporary file is made on the way."""
    written: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def watched_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(flag in mode for flag in "wax+"):
            written.append(f"open {file} {mode}")
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(f"os.open {path}")
        return real_os_open(path, flags, *args, **kwargs)

    def no_temp(name: str):  # type: ignore[no-untyped-def]
        def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
            written.append(f"tempfile.{name}")
            raise AssertionError(f"tempfile.{name} while forwarding media")
        return refuse

    henk = world.person()
    sent = await henk.send_photo(PHOTO, caption="mijn brief")
    record = world.box.files.add("photos", "jpg", data=PHOTO, mime_type="image/jpeg")
    volunteer = world.box.add_user("Vera")
    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(io, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile",
                 "SpooledTemporaryFile", "TemporaryDirectory"):
        monkeypatch.setattr(tempfile, name, no_temp(name))
    # WhatsApp → Telegram (a volunteer sees the resident's letter)
    forwarded = await telegram_channel.send(world.telegram, volunteer.id, OutMessage(
        "Foto bij de hulpvraag",
        attachment=Attachment("photo", media_id=MEDIA_PREFIX + sent["image"]["id"])))
    # Telegram → WhatsApp (a file a coordinator sent on Telegram)
    await world.channel.send(HENK, OutMessage("De brief", attachment=Attachment(
        "photo", media_id=record.file_id)))
    monkeypatch.undo()
    assert written == []
    assert world.box.files.get(forwarded.photo[-1].file_id).content() == PHOTO
    [msg] = henk.drain()
    assert msg.kind == "image" and world.standin.media[msg.media_id].data == PHOTO


async def test_the_answer_to_a_sticker_says_what_to_type_on_whatsapp(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send_sticker()
    await wa.settle()
    [answer] = henk.drain()
    # what to type, and a button that does what typing it does
    assert answer.text == "Dit kan ik hier niet lezen. Typ menu, of gebruik de knoppen."
    assert answer.buttons == ["📋 Menu"]


def test_the_whatsapp_window_handler_is_thin() -> None:
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[1] / "bot/handlers/whatsapp_window.py"
    tree = ast.parse(source.read_text())
    stores = sorted(node.module or "" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("bot.store"))
    assert stores == [], stores
