"""End to end through the WhatsApp stand-in: every resident flow of issue 14, part 2 —
announcements from a Telegram coordinator, /mijngegevens and /vergeetmij, a language change
(Arabic right to left, Tigrinya), a choice of more than 10 rows.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.channels.whatsapp import ids
from bot.clock import FrozenClock
from tests.auxil.announcements import compose, report
from tests.auxil.whatsapp import WaHarness, make_wa_harness, running
from tests.auxil.whatsapp_e2e import approve_all_templates, close_window, dinner_tap, texts

FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"


# --- announcements -------------------------------------------------------------------------

async def test_an_announcement_reaches_telegram_and_whatsapp_in_their_language(
        wa: WaHarness) -> None:
    coordinator = await wa.coordinator()
    henk = await wa.resident("Henk")                  # WhatsApp, window open, Dutch
    sara = await wa.resident("Sara", language="ar")   # WhatsApp, window closed, Arabic
    fatima = await wa.telegram_resident("Fatima")     # Telegram
    await approve_all_templates(wa)
    await close_window(wa, sara)
    preview = await compose(coordinator, "Zaterdag is er een buurtfeest!")
    # coordinator + 3 residents in TOP; the preview tells what goes as a paid template
    assert "personen krijgen het bericht" in preview.text
    assert "WhatsApp" in preview.text, preview.text
    await coordinator.press("✅ Nu versturen")
    await wa.settle()
    final = await report(coordinator)
    assert "Afgeleverd: 3" in final.text  # Henk, Sara, Fatima
    assert "Verstuurd als WhatsApp-sjabloonbericht: 1" in final.text  # Sara
    [news] = henk.drain()
    assert news.kind == "interactive" and "📣 Nieuws van TOP" in news.text
    # "/berichten" is the word to type on WhatsApp, and a button (command_hints.py)
    assert "Zaterdag is er een buurtfeest!" in news.text and "*berichten*" in news.text
    assert "/berichten" not in news.text and news.buttons == ["🔔 Berichten"]
    [tpl] = sara.drain()
    assert tpl.kind == "template" and tpl.template.language == "ar"
    assert "Zaterdag is er een buurtfeest!" in tpl.text  # the coordinator's own words
    assert any("Zaterdag is er een buurtfeest!" in (m.text or "")
               for m in fatima.bot_messages)
    rows = [tuple(r) for r in await wa.db.fetchall(
        "SELECT channel, state, template FROM outbox WHERE kind = 'announcement'"
        " AND channel = 'whatsapp' ORDER BY template")]
    assert sorted(rows, key=str) == sorted([("whatsapp", "sent", None),
                                            ("whatsapp", "sent", tpl.template.name)], key=str)


async def test_an_announcement_in_arabic_is_isolated_right_to_left(wa: WaHarness) -> None:
    coordinator = await wa.coordinator()
    sara = await wa.resident("Sara", language="ar")
    await compose(coordinator, "Zaterdag 12:00 buurtfeest")
    await coordinator.press("✅ Nu versturen")
    await wa.settle()
    [news] = sara.drain()
    assert news.text.startswith(RLM)
    assert f"{FSI}TOP{PDI}" in news.text  # the room's name isolated in the Arabic line
    assert "\u2068*الإعلانات*\u2069" in news.text  # the command's word isolated


# --- /mijngegevens and /vergeetmij ---------------------------------------------------------

async def test_my_data_on_whatsapp_shows_the_summary(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("/mijngegevens")
    await wa.settle()
    seen = henk.drain()
    summary = seen[0].text
    assert "Wat wij van u bewaren" in summary and "TOP" in summary
    assert "Nederlands" in summary


async def test_my_data_on_whatsapp_sends_the_file_too(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("/mijngegevens")
    await wa.settle()
    seen = henk.drain()
    assert not any("er ging iets mis" in (m.text or "") for m in seen)
    documents = [m for m in seen if m.kind == "document"]
    assert len(documents) == 1


async def test_forget_me_on_whatsapp_erases_the_address_and_the_message_map(
        wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await dinner_tap(wa, henk)
    me = await wa.wa_person(henk)
    before = {r[0] for r in await wa.db.fetchall(
        "SELECT wamid FROM whatsapp_messages WHERE wa_id = ?", (henk.wa_id,))}
    assert before
    henk.drain()
    await henk.send("/vergeetmij")
    await wa.settle()
    [question] = henk.drain()
    assert "wissen" in question.text.lower() or "verwijder" in question.text.lower()
    await henk.tap(question.buttons[0])  # "Yes, erase everything"
    await wa.settle()
    goodbye = texts(henk)
    assert goodbye and "*start*" in goodbye[-1] and "/start" not in goodbye[-1]
    assert await wa.wa_person(henk) is None
    row = await wa.db.fetchone("SELECT * FROM users WHERE id = ?", (me.id,))
    assert row["erased_at"] is not None and row["display_name"] is None  # anonymised
    assert await wa.db.fetchval("SELECT COUNT(*) FROM addresses WHERE address = ?",
                                (henk.wa_id,)) == 0
    left = {r[0] for r in await wa.db.fetchall(
        "SELECT wamid FROM whatsapp_messages WHERE wa_id = ?", (henk.wa_id,))}
    assert not (left & before), "the message map of before the erasure is gone"
    assert await wa.services.users.get(ids.chat_id(henk.wa_id)) is None
    # Writing again starts afresh, as a stranger.
    await henk.send("eten")
    await wa.settle()
    assert "Kies uw taal" in henk.drain()[-1].text


# --- language -------------------------------------------------------------------------------

async def choose_language(wa: WaHarness, henk, label: str) -> None:
    await henk.send("menu")
    await wa.settle()
    await henk.tap("⚙️ Instellingen en…")
    await wa.settle()
    await henk.tap("🌐 Taal")
    await wa.settle()
    assert henk.drain()[-1].rows[2] == RLM + "العربية"
    await henk.tap(label)
    await wa.settle()


async def test_language_change_to_arabic_isolates_right_to_left_on_whatsapp(wa: WaHarness
                                                                            ) -> None:
    henk = await wa.resident("Henk")
    await choose_language(wa, henk, "العربية")
    done, menu = henk.drain()
    assert done.text.startswith(RLM) and "\u2068العربية\u2069" in done.text
    assert menu.text == RLM + "ماذا تريد أن تفعل؟"
    assert all(row.startswith(RLM) for row in menu.rows)
    assert (await wa.wa_person(henk)).language == "ar"
    # Numbers and commands inside Arabic lines are isolated too (the meal list).
    await henk.send("eten")
    await wa.settle()
    listing = henk.drain()[-1]
    assert listing.text.startswith(RLM)
    assert "\u2068" in listing.text and PDI in listing.text
    assert all(len(row) <= 24 for row in listing.rows)


async def test_language_change_to_tigrinya(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await choose_language(wa, henk, "ትግርኛ")
    seen = henk.drain()
    assert seen and all(not m.text.startswith(RLM) for m in seen)
    assert (await wa.wa_person(henk)).language == "ti"
    menu = seen[-1]
    assert menu.rows and "Eettafel" not in " ".join(menu.rows)  # not Dutch any more
    # The keyword "menu" still works, in every language.
    await henk.send("menu")
    await wa.settle()
    assert henk.drain()[-1].rows == menu.rows


# --- more than 10 choices ------------------------------------------------------------------

@pytest.fixture
async def wa_many_rooms(tmp_path, clock: FrozenClock):
    """The bot on WhatsApp with 14 rooms: the room question has more than 10 choices."""
    harness, box = await make_wa_harness(tmp_path, clock)
    top = harness.config.rooms["top"]
    rooms = dict(harness.config.rooms)
    for n in range(1, 12):
        rooms[f"extra{n}"] = dataclasses.replace(
            top, id=f"extra{n}", name=f"Kamer {n:02d}", area=f"Wijk {n}", meals=(),
            chat_id=None)
    harness.config = dataclasses.replace(harness.config, rooms=rooms)
    async with running(harness, box, check=False):
        yield harness


async def test_a_choice_of_more_than_10_rooms_can_be_used_completely(wa_many_rooms) -> None:
    wa = wa_many_rooms
    assert len(wa.config.rooms) == 14
    henk = wa.person("Henk")
    await henk.send("Hoi")
    await wa.settle()
    await henk.tap("Nederlands")
    await wa.settle()
    seen = henk.drain()
    lists = [m for m in seen if m.rows]
    rows = [row for m in lists for row in m.rows]
    assert len(lists) >= 2 and all(len(m.rows) <= 10 for m in lists)
    for n in range(1, 12):  # every room can be chosen, also the ones past row 10
        assert any(row.startswith(f"Kamer {n:02d}") for row in rows), rows
    assert any(row.startswith("TOP") for row in rows)
    # The last room, from the second list, works.
    last = next(row for row in rows if row.startswith("Kamer 11"))
    await henk.tap(last)
    await wa.settle()
    await henk.tap("✅ Ik ga akkoord")
    await wa.settle()
    await henk.tap("Overslaan")
    await wa.settle()
    assert (await wa.wa_person(henk)).room == "extra11"
