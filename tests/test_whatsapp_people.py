"""WhatsApp residents on volunteers' lists, their phone number, the privacy statement, export
and erase (issue 14).

A WhatsApp resident is a person with a ``whatsapp`` address; volunteers read the lists on
Telegram through the sandbox. (The WhatsApp side end to end comes with wa-core's harness.)
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.channels.whatsapp import ids
from bot.handlers.onboarding import privacy_text
from bot.handlers.people_labels import WHATSAPP_BADGE
from bot.i18n import translator
from bot.messaging.message import Address
from bot.store import addresses as address_store
from bot.store import ptb_state
from tests.auxil.checkins import worried
from tests.auxil.harness import make_config
from tests.auxil.linking import WA, WA_ADDRESS, code_shown, whatsapp_person, with_whatsapp
from tests.auxil.meals import first_meal, sign_up
from tests.auxil.whatsapp_e2e import dinner_tap

NUMBER = "+" + WA


@pytest.fixture
def config(sandbox, tmp_path):
    """Both apps configured."""
    return with_whatsapp(make_config(sandbox, tmp_path / "buurtbot.db"))


async def test_the_dinner_list_shows_who_is_on_whatsapp(bot) -> None:
    meal = (await first_meal(bot)).meal
    henk = await whatsapp_person(bot, name="Henk")
    await bot.services.meals.sign_up(henk, meal.id)
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    vera = await bot.volunteer("Vera")
    await vera.send("/tafel")
    table = (await vera.next_message()).text
    henk_line = next(line for line in table.splitlines() if "Henk" in line)
    fatima_line = next(line for line in table.splitlines() if "Fatima" in line)
    assert f"Henk · {WHATSAPP_BADGE}" in henk_line
    assert "WhatsApp" not in fatima_line
    assert NUMBER not in table and WA not in table  # no phone numbers on the dinner list


async def test_a_help_request_card_shows_the_app(bot) -> None:
    henk = await whatsapp_person(bot, name="Henk")
    submitted = await bot.services.help.create(
        henk, kind="letter", description="Brief van de gemeente", media=[], urgency="week",
        chosen_date=None, contact="message", phone=None)
    request_id = submitted.request.id
    vera = await bot.volunteer("Vera")
    await vera.send("/vragen")
    await vera.next_message()
    await vera.press_data(f"help:take:{request_id}")  # the card of a request she took on
    await bot.settle()
    card = "\n".join(m.text or "" for m in vera.bot_messages)
    assert f"Henk · {WHATSAPP_BADGE}" in card
    assert NUMBER not in card and WA not in card  # the card shows only a phone they typed


async def test_the_call_list_offers_the_whatsapp_number_only_without_a_phone(bot) -> None:
    fatima = await worried(bot, "Fatima", name="Fatima")
    person = await bot.person(fatima)
    vera = await bot.volunteer("Vera")

    async def call_list() -> str:
        await vera.send("/menu")
        await vera.next_message()
        await vera.press_data("menu:followups")
        return (await vera.next_edit()).text

    before = await call_list()
    assert "We hebben geen telefoonnummer" in before and "WhatsApp" not in before
    # She uses WhatsApp too (linked): the call card offers her WhatsApp number, as a link.
    async with bot.db.transaction() as conn:
        await address_store.add(conn, person.id, "whatsapp", WA, bot.clock.now())
    on_whatsapp = await call_list()
    assert f"WhatsApp-nummer: {NUMBER}" in on_whatsapp
    link = next(e for e in vera.last.entities if e.get("type") == "text_link")
    assert link["url"] == f"https://wa.me/{WA}"
    # A phone number she gave herself wins; the WhatsApp number is not shown then.
    await bot.services.checkins.set_phone(person, "06 1111 2222")
    with_phone = await call_list()
    assert "0611112222" in with_phone and NUMBER not in with_phone
    assert WHATSAPP_BADGE in with_phone


async def test_vrijwilligers_shows_the_app(bot) -> None:
    carla = await bot.coordinator()
    await whatsapp_person(bot, role="volunteer", name="Henk")
    await bot.volunteer("Vera", name="Vera")
    await carla.send("/vrijwilligers")
    text = (await carla.next_message()).text
    assert f"Henk · {WHATSAPP_BADGE}" in text
    vera_line = next(line for line in text.splitlines() if line.startswith("• Vera"))
    assert "WhatsApp" not in vera_line
    assert NUMBER not in text


def test_the_privacy_statement_names_who_carries_the_messages() -> None:
    t = translator("nl")
    on_whatsapp = privacy_text(t, None, ["whatsapp"])
    assert "Op WhatsApp brengt WhatsApp (Meta) de berichten" in on_whatsapp
    assert "Telegram" not in on_whatsapp
    on_telegram = privacy_text(t, None, ["telegram"])
    assert "Op Telegram brengt Telegram de berichten" in on_telegram
    assert "Meta" not in on_telegram
    both = privacy_text(translator("ar"), 7, ["telegram", "whatsapp"])
    assert "Meta" in both and "Telegram" in both


async def test_privacy_shown_on_telegram_says_telegram(bot) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/privacy")
    text = (await fatima.next_message()).text
    assert "Op Telegram brengt Telegram de berichten" in text and "Meta" not in text


async def test_export_has_the_apps_and_the_whatsapp_number(bot) -> None:
    fatima = await bot.resident("Fatima", name="Fatima")
    code = await code_shown(fatima)
    await bot.services.linking.redeem(WA_ADDRESS, code)
    await fatima.next_message()  # "your WhatsApp is now linked"
    await fatima.send("/mijngegevens")
    summary = (await fatima.next_message()).text
    assert f"Apps: Telegram en WhatsApp ({NUMBER})" in summary
    document = await fatima.next_message()
    data = json.loads(bot.sandbox.document_bytes(document))
    addresses = data["profile"]["addresses"]
    assert {a["channel"] for a in addresses} == {"telegram", "whatsapp"}
    assert next(a for a in addresses if a["channel"] == "whatsapp")["number"] == NUMBER
    assert not any("number" in a for a in addresses if a["channel"] == "telegram")
    assert data["profile"]["linked_channels"] is True
    assert data["linking"]["codes"][0]["used_at"] is not None
    # Export is as on Telegram otherwise: one place messages go.
    assert sum(a["messages_go_here"] for a in addresses) == 1


async def test_erase_removes_everything_whatsapp(bot, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fatima = await bot.resident("Fatima", name="Fatima")
    person = await bot.person(fatima)
    code = await code_shown(fatima)
    await bot.services.linking.redeem(WA_ADDRESS, code)
    await fatima.next_message()
    await bot.services.linking.create_code(person, Address.telegram(fatima.id))
    await bot.services.linking.redeem(WA_ADDRESS, "WRONG1")  # a wrong try from her number
    # Something of hers kept under her WhatsApp chat (a draft, as PTB keeps it).
    wa_chat = ids.chat_id(WA)
    async with bot.db.transaction() as conn:
        await ptb_state.put_data(conn, "user", wa_chat, json.dumps({"help": {"text": "brief"}}))
    await fatima.send("/vergeetmij")
    await fatima.next_message()
    await fatima.press("Ja, wis alles")
    await fatima.next_edit()
    await bot.settle()
    for sql, params in (
        ("SELECT COUNT(*) FROM addresses WHERE person_id = ?", (person.id,)),
        ("SELECT COUNT(*) FROM addresses WHERE address = ?", (WA,)),
        ("SELECT COUNT(*) FROM link_codes WHERE person_id = ?", (person.id,)),
        ("SELECT COUNT(*) FROM link_tries WHERE address = ?", (WA,)),
        ("SELECT COUNT(*) FROM outbox WHERE address = ?", (WA,)),
    ):
        assert await bot.db.fetchval(sql, params) == 0, sql
    async with bot.db.reading() as conn:
        assert not await ptb_state.data_of(conn, "user", wa_chat)
    assert await bot.services.users.by_address("whatsapp", WA) is None
    # Never a phone number in the logs.
    # (The bot's own loggers at every level, and everything at INFO and up: what an
    # operator's log holds. aiosqlite's DEBUG lines echo SQL parameters and are never on.)
    assert not [r.getMessage() for r in caplog.records
                if WA in r.getMessage() and (r.name.startswith("bot") or r.levelno >= 20)]


@pytest.mark.parametrize("language", ["nl", "en", "ar", "tr", "ti", "uk", "pl"])
def test_new_texts_are_translated(language: str) -> None:
    t = translator(language)
    if language != "en":
        assert t._("🔗 Link your other app") != "🔗 Link your other app"
        assert "Meta" in privacy_text(t, None, ["whatsapp"])


# --- end to end through the WhatsApp stand-in (tests/auxil/whatsapp.py) ----------------------


def wa_texts(person) -> list[str]:
    return [m.text or "" for m in person.drain()]


async def test_e2e_a_whatsapp_sign_up_on_the_telegram_dinner_list(wa) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await dinner_tap(wa, henk)
    await vera.send("/tafel")
    table = (await vera.next_message()).text
    person = await wa.wa_person(henk)
    assert f"anoniem {person.id} · {WHATSAPP_BADGE}" in table
    assert henk.wa_id not in table


async def test_e2e_privacy_on_whatsapp_names_meta(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("privacy")
    await wa.settle()
    text = henk.last.text
    assert "Op WhatsApp brengt WhatsApp (Meta) de berichten" in text
    assert "Op Telegram" not in text


async def test_e2e_my_data_and_erase_on_whatsapp(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("koppel")  # a link code of theirs
    await wa.settle()
    await henk.send("mijngegevens")
    await wa.settle()
    seen = henk.drain()
    assert any(f"Apps: WhatsApp (+{henk.wa_id})" in (m.text or "") for m in seen)
    assert any(m.kind == "document" for m in seen)
    person = await wa.wa_person(henk)
    assert await wa.db.fetchval("SELECT COUNT(*) FROM whatsapp_messages WHERE wa_id = ?",
                                (henk.wa_id,)) > 0
    await henk.send("vergeetmij")
    await wa.settle()
    await henk.tap("Ja, wis alles")
    await wa.settle()
    assert any("gewist" in t for t in wa_texts(henk))
    for sql in ("SELECT COUNT(*) FROM addresses WHERE address = ?",
                "SELECT COUNT(*) FROM link_tries WHERE address = ?"):
        assert await wa.db.fetchval(sql, (henk.wa_id,)) == 0, sql
    assert await wa.db.fetchval("SELECT COUNT(*) FROM link_codes WHERE person_id = ?",
                                (person.id,)) == 0
    # The message map keeps no row of the number, not even the goodbye's (forgotten once it
    # went out).
    assert await wa.db.fetchval(
        "SELECT COUNT(*) FROM whatsapp_messages WHERE wa_id = ?", (henk.wa_id,)) == 0
    assert await wa.wa_person(henk) is None
    async with wa.db.reading() as conn:
        assert not await ptb_state.data_of(conn, "user", ids.chat_id(henk.wa_id))
