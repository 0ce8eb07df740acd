"""End to end through the WhatsApp stand-in: a WhatsApp person uses the same bot.

The bot runs as in production (Telegram polling the sandbox, the WhatsApp webhook on its own
port); the stand-in plays Meta. Assertions are on what the person sees and on the database.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.channels.whatsapp import ids, signature
from tests.auxil.meals import first_meal
from tests.auxil.whatsapp import WaHarness
from tests.auxil.whatsapp_e2e import diet_note_asked, dinner_tap, letter_help, send_letter_help


def texts(person) -> list[str]:
    return [m.text or "" for m in person.drain()]


async def inbox_rows(wa: WaHarness) -> int:
    return await wa.db.fetchval("SELECT COUNT(*) FROM inbox WHERE channel = 'whatsapp'")


async def test_hoi_language_room_privacy_menu(wa: WaHarness) -> None:
    henk = wa.person("Henk")
    await henk.send("Hoi")
    await wa.settle()
    question = henk.drain()[-1]
    assert "Kies uw taal" in question.text and "Nederlands" in question.rows
    await henk.tap("Nederlands")
    await wa.settle()
    assert "BuurtWerkKamer" in henk.last.text
    await henk.tap("TOP (Ondiep e.o.)")
    await wa.settle()
    assert "privacy" in henk.last.text.lower()
    assert await wa.wa_person(henk) is None  # nothing stored before the privacy statement
    await henk.tap("✅ Ik ga akkoord")
    await wa.settle()
    await henk.tap("Overslaan")
    await wa.settle()
    seen = henk.drain()
    assert any("Welkom" in (m.text or "") for m in seen)
    assert any("Wat wilt u doen?" in (m.text or "") and "🍲 Eettafel" in m.rows for m in seen)
    person = await wa.wa_person(henk)
    assert person is not None and (person.language, person.room) == ("nl", "top")
    assert [(a.channel, a.address) for a in person.addresses] == [("whatsapp", henk.wa_id)]
    assert person.telegram_id is None
    # the person's 24-hour window is open from their last message (also the ones before
    # they existed: onboarding made them, the window opened right after)
    until = person.addresses[0].window_until
    assert until is not None and until >= wa.clock.now()
    # the id rule: no WhatsApp chat id ever lands in users.telegram_id
    assert await wa.db.fetchval("SELECT COUNT(*) FROM users WHERE telegram_id >= ?",
                                (ids.BASE,)) == 0
    assert await wa.db.fetchval("SELECT COUNT(*) FROM users WHERE telegram_id IS NOT NULL"
                                ) == 0
    # typed keywords work in any language, whole message only
    await henk.send("Menü")
    await wa.settle()
    assert henk.drain()[-1].text == "Wat wilt u doen?"


async def test_a_stranger_in_turkish_is_asked_in_turkish_and_any_text_starts(wa: WaHarness
                                                                             ) -> None:
    ayse = wa.person("Ayşe", wa_id="905321234567")
    await ayse.send("merhaba, yardım lazım")
    await wa.settle()
    assert "Dilinizi seçin" in ayse.last.text
    await ayse.tap("Türkçe")
    await wa.settle()
    assert ayse.last.rows or ayse.last.buttons


async def test_meal_sign_up_with_a_guest_and_cancel(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    meal = (await first_meal(wa)).meal
    await henk.send("eten")
    await wa.settle()
    listing = henk.drain()[-1]
    assert "Eettafel in TOP" in listing.text and "nog 12 plekken" in listing.text
    await henk.tap("✍️ Aanmelden di 1 dec")
    await wa.settle()
    card = henk.drain()
    assert len(card) == 1 and "ontvangen" in card[0].text
    await henk.tap("➕ Gast")
    await wa.settle()
    card = henk.drain()
    assert len(card) == 1 and "1 gast" in card[0].text  # the new state, once
    row = await wa.db.fetchone("SELECT status, guests FROM meal_signups WHERE meal_id = ?",
                               (meal.id,))
    assert (row[0], row[1]) == ("pending", 1)
    await henk.tap("❌ Aanmelding afzeggen")
    await wa.settle()
    [question] = henk.drain()
    assert "afzeggen?" in question.text
    await henk.tap("Ja, afzeggen")
    await wa.settle()
    assert henk.drain()
    assert await wa.db.fetchval("SELECT status FROM meal_signups WHERE meal_id = ?",
                                (meal.id,)) == "cancelled"
    # the old question's "yes" again: nothing changes, a friendly answer
    await henk.tap("Ja, afzeggen")
    await wa.settle()
    assert await wa.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1


async def test_a_telegram_volunteer_confirms_a_whatsapp_residents_sign_up(wa: WaHarness
                                                                          ) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await dinner_tap(wa, henk)
    henk.drain()
    await vera.send("/tafel")
    table = await vera.next_message()
    person = await wa.wa_person(henk)
    assert f"anoniem {person.id}" in table.text
    signup = await wa.db.fetchval("SELECT id FROM meal_signups")
    await vera.press_data(f"meal:ok:{signup}")
    await wa.settle()
    told = [t for t in texts(henk) if "bevestigd" in t]
    assert len(told) == 1
    assert await wa.db.fetchval("SELECT status FROM meal_signups") == "confirmed"
    # the notice went through the outbox, on WhatsApp, with the wamid as provider_ref
    ref = await wa.db.fetchval(
        "SELECT provider_ref FROM outbox WHERE channel = 'whatsapp' AND state = 'sent'"
        " ORDER BY id DESC LIMIT 1")
    assert ref and ref.startswith("wamid.")


async def test_a_button_tapped_twice_an_old_reply_and_a_forged_id(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    meal = (await first_meal(wa)).meal
    await henk.send("eten")
    await wa.settle()
    listing = henk.drain()[-1]
    await henk.tap("✍️ Aanmelden di 1 dec")
    await henk.tap_id(f"meal:su:{meal.id}", listing.wamid, kind="row")  # a double tap
    await wa.settle()
    assert await wa.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1
    henk.drain()
    # an old list reply, from the first menu, after the conversation moved on
    await henk.tap_id("menu:meals", listing.wamid, kind="row")
    await wa.settle()
    assert henk.drain(), "an old reply gets an answer"
    # a forged id and a reply to a message the bot never sent
    for forged in ("meal:su:99999", "meal:g:1:7", "nonsense", "k" * 200):
        await henk.tap_id(forged, "wamid.never-sent")
    await wa.settle()
    answers = texts(henk)
    assert len(answers) >= 1 and all(a for a in answers)
    assert await wa.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1
    assert await wa.db.fetchval("SELECT guests FROM meal_signups") == 0


async def test_text_where_a_choice_is_expected(wa: WaHarness) -> None:
    henk = wa.person("Henk")
    await henk.send("Hoi")
    await wa.settle()
    henk.drain()
    await henk.send("ik weet het niet")  # the language question waits for a choice
    await wa.settle()
    [hint] = henk.drain()
    assert hint.text == ("Tik op een van de knoppen hierboven. Of stuur *start* om "
                         "opnieuw te beginnen.")
    assert hint.buttons == ["▶️ Start"]
    assert await wa.wa_person(henk) is None
    # the step is still there: the language list above works
    await henk.tap("Nederlands")
    await wa.settle()
    assert "BuurtWerkKamer" in henk.drain()[-1].text
    # a known person's text outside any step: the friendly hint, nothing changes
    els = await wa.resident("Els")
    await els.send("ik weet het niet")
    await wa.settle()
    assert texts(els) == ["Dat begreep ik niet. Gebruik de knoppen, of typ menu."]


async def test_a_sticker_a_location_and_a_reaction(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    cannot = "Dit kan ik hier niet lezen. Typ menu, of gebruik de knoppen."
    await henk.send_sticker()
    await wa.settle()
    assert texts(henk) == [cannot]
    await henk.send_location()
    await wa.settle()
    assert texts(henk) == [cannot]
    await henk.send_unsupported()
    await wa.settle()
    assert texts(henk) == [cannot]
    # a contact card is handed on (the phone question takes one); out of a step the
    # handlers' own answer
    await henk.send_contact("Els", "+31 6 11122233")
    await wa.settle()
    assert len(texts(henk)) == 1
    await henk.react("👍")
    await wa.settle()
    assert texts(henk) == []
    # nothing is left half: every row handled
    assert await wa.db.fetchval("SELECT COUNT(*) FROM inbox WHERE channel = 'whatsapp'"
                                " AND state = 'received'") == 0


async def test_a_5000_character_text_gets_the_too_long_answer(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await diet_note_asked(wa, henk)
    await henk.send("x" * 5000)
    await wa.settle()
    assert any("te lang" in t for t in texts(henk))
    assert await wa.db.fetchval("SELECT diet_note FROM meal_signups") is None


async def test_a_duplicated_webhook_is_handled_once(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("eten")
    await wa.settle()
    henk.drain()
    await henk.tap("✍️ Aanmelden di 1 dec")
    await wa.settle()
    assert len(henk.drain()) == 1
    again = wa.standin.redeliver_last("message")
    await wa.settle()
    assert again.ok
    assert henk.drain() == []
    assert await wa.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 1
    # every webhook posted twice from now on (statuses too): each handled once
    wa.standin.deliver_twice = True
    await henk.tap("➕ Gast")
    await wa.settle()
    assert len(henk.drain()) == 1
    assert await wa.db.fetchval("SELECT guests FROM meal_signups") == 1


async def test_a_wrong_signature_is_refused_and_nothing_stored(wa: WaHarness, caplog) -> None:
    before = await inbox_rows(wa)
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": "31611112222", "id": "wamid.forged", "timestamp": "1",
             "type": "text", "text": {"body": "Mijn adres is Geheimstraat 1"}}]}}]}]}).encode()
    async with aiohttp.ClientSession() as http:
        for header in (signature.sign("not-the-secret", body), "", "sha256=00"):
            async with http.post(wa.standin.webhook_url, data=body,
                                 headers={signature.HEADER: header}) as response:
                assert response.status == 403
        async with http.get(wa.standin.webhook_url, params={
                "hub.mode": "subscribe", "hub.verify_token": "wrong",
                "hub.challenge": "1"}) as response:
            assert response.status == 403
    assert await inbox_rows(wa) == before
    assert "Geheimstraat" not in caplog.text
    assert await wa.db.fetchval("SELECT COUNT(*) FROM users") == 0
    status, text = await wa.standin.verify()
    assert status == 200 and text


async def test_killed_after_the_inbox_write_is_handled_after_restart(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    killed = wa.kill_after_fetch()
    await henk.send("eten")
    await asyncio.wait_for(killed.wait(), 5)
    # the row was written before any 200 could be given
    row = await wa.db.fetchone(
        "SELECT state, payload IS NOT NULL FROM inbox WHERE channel = 'whatsapp'"
        " ORDER BY rowid DESC LIMIT 1")
    assert (row[0], row[1]) == ("received", 1)
    assert henk.drain() == []
    delivery = wa.standin.deliveries[-1]
    await wa.crash()
    await wa.settle()
    # Meta was not told "200" by the dying process; its retry reached the new one, which
    # knew the message (handled once, by the replay)
    assert delivery.answers[0][0] != 200 and delivery.ok
    seen = henk.drain()
    assert len([m for m in seen if "Eettafel in TOP" in (m.text or "")]) == 1
    assert await wa.db.fetchval(
        "SELECT COUNT(*) FROM inbox WHERE channel = 'whatsapp' AND state = 'received'") == 0


async def test_stop_in_a_step_presses_its_stop(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("hulp")
    await wa.settle()
    henk.drain()
    await henk.tap("📄 Een brief of formulier")
    await wa.settle()
    asked = henk.drain()
    assert asked and "Stoppen" in asked[-1].buttons, asked[-1]
    await henk.send("STOP")
    await wa.settle()
    assert any("Gestopt" in t for t in texts(henk))
    # no step open any more: "stop" opens the menu
    await henk.send("stop")
    await wa.settle()
    assert texts(henk)[-1] == "Wat wilt u doen?"


async def test_every_keyword_command_is_a_command_of_the_bot(wa: WaHarness) -> None:
    from bot.channels.whatsapp import keywords
    from bot.inbox.whatsapp import known_commands

    assert wa.app is not None
    commands = known_commands(wa.app)
    wanted = set(keywords.KEYWORDS) - {keywords.STOP, keywords.GREETING}
    assert wanted <= commands, wanted - commands


async def test_one_persons_messages_are_handled_in_order(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await henk.send("eten")
    await henk.send("menu")
    await wa.settle()
    seen = texts(henk)
    assert "Eettafel in TOP" in seen[0] and seen[-1] == "Wat wilt u doen?"


async def test_whatsapp_alone(wa_alone: WaHarness) -> None:
    wa = wa_alone
    assert wa.app is not None and wa.app.bot is wa.app.wa_bot
    assert wa.app.bot.username == "buurtbot"
    henk = await wa.resident("Henk")
    await henk.send("eten")
    await wa.settle()
    assert "Eettafel in TOP" in texts(henk)[-1]
    assert not wa.sandbox.unknown_methods


async def test_a_help_request_with_a_photo_and_a_voice_note(wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await letter_help(wa, henk)
    await henk.send_photo(b"\x89PNG\r\n\x1a\nletter", caption="deze brief")
    await wa.settle()
    assert "foto ontvangen" in henk.drain()[-1].text
    await henk.send_voice(b"OggS voice")
    await wa.settle()
    assert "spraakbericht ontvangen" in henk.drain()[-1].text
    await send_letter_help(wa, henk)
    assert "Uw vraag heeft nummer" in texts(henk)[-1]
    media = await wa.db.fetchall("SELECT kind, file_id FROM help_media ORDER BY id")
    assert [row[1][:3] for row in media] == ["wa:", "wa:"]
    assert any("Nieuwe hulpvraag" in (m.text or "") for m in vera.bot_messages)


async def test_a_failed_status_webhook_marks_the_person_unreachable(wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await dinner_tap(wa, henk)
    henk.drain()
    wa.standin.undeliverable.add(henk.wa_id)  # accepted, then a failed status (131026)
    signup = await wa.db.fetchval("SELECT id FROM meal_signups")
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press_data(f"meal:ok:{signup}")
    await wa.settle()
    person = await wa.services.users.by_id((await wa.wa_person(henk)).id)
    assert person is not None and not person.reachable
    states = {row[0] for row in await wa.db.fetchall(
        "SELECT state FROM outbox WHERE channel = 'whatsapp' AND kind = 'meal.notice'")}
    assert states == {"unreachable"}, states
    # the status rows were taken in and handled like messages (nothing left received)
    assert await wa.db.fetchval("SELECT COUNT(*) FROM inbox WHERE channel = 'whatsapp'"
                                " AND update_id LIKE 'status:%' AND state = 'received'") == 0
    # writing again makes them reachable again
    wa.standin.undeliverable.discard(henk.wa_id)
    await henk.send("menu")
    await wa.settle()
    assert (await wa.wa_person(henk)).reachable


async def test_an_arabic_resident_gets_the_menu_in_arabic(wa: WaHarness) -> None:
    amira = await wa.resident("Amira", language="ar")
    person = await wa.wa_person(amira)
    assert person.language == "ar"
    await amira.send("القائمة")
    await wa.settle()
    menu = amira.drain()[-1]
    assert "ماذا تريد" in menu.text or "تريد" in menu.text, menu.text
    assert len(menu.rows) == 5


async def test_a_handler_that_fails_tells_the_person_and_is_not_replayed(wa: WaHarness,
                                                                          monkeypatch) -> None:
    henk = await wa.resident("Henk")
    meals = wa.services.meals

    async def broken(*_args, **_kwargs):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(meals, "upcoming", broken)
    await henk.send("eten")
    await wa.settle()
    assert any("Sorry" in t or "misgegaan" in t for t in texts(henk))
    wamid = henk.sent[-1].wamid
    assert await wa.db.fetchval("SELECT state FROM inbox WHERE channel = 'whatsapp'"
                                " AND update_id = ?", (wamid,)) == "failed"


async def test_the_weekly_checkin_is_answered_with_one_tap(wa: WaHarness) -> None:
    from tests.auxil.checkins import MONDAY_10, QUESTION

    henk = await wa.resident("Henk")
    await wa.services.checkins.opt_in(await wa.wa_person(henk))
    await wa.tick(at=MONDAY_10)  # in the window: Henk wrote this morning
    await wa.settle()
    question = henk.drain()[-1]
    assert QUESTION in question.text
    await henk.tap("Goed 😊")
    await wa.settle()
    assert henk.drain(), "the tap is answered"
    row = await wa.db.fetchone("SELECT status, answer FROM checkins")
    assert (row[0], row[1]) == ("answered", "good")


async def test_forget_me_then_hoi_starts_afresh(wa: WaHarness) -> None:
    els = await wa.resident("Els")
    await els.send("vergeet mij")
    await wa.settle()
    assert "wissen?" in els.drain()[-1].text
    await els.tap("Ja, wis alles")
    await wa.settle()
    assert "gewist" in texts(els)[-1]
    assert await wa.wa_person(els) is None
    await els.send("hoi")
    await wa.settle()
    assert "Kies uw taal" in texts(els)[-1]


async def test_my_data_as_a_document(wa: WaHarness) -> None:
    """WhatsApp takes documents of its own types only: the export arrives (as text), and
    nothing was refused on the way."""
    els = await wa.resident("Els")
    await els.send("mijn gegevens")
    await wa.settle()
    seen = els.drain()
    assert "Wat wij van u bewaren" in seen[0].text
    assert [m.kind for m in seen].count("document") == 1
    assert not wa.standin.errors


async def test_meta_gets_its_200_before_the_work_is_done(wa: WaHarness, monkeypatch) -> None:
    henk = await wa.resident("Henk")
    meals = wa.services.meals
    release = asyncio.Event()
    real = meals.upcoming

    async def slow(*args, **kwargs):
        await release.wait()  # the handler is busy (a slow database, a long list)
        return await real(*args, **kwargs)

    monkeypatch.setattr(meals, "upcoming", slow)
    await henk.send("eten")
    await wa.standin.settle()  # the webhook was answered…
    assert wa.standin.deliveries[-1].ok
    assert wa.webhook.tasks, "…while the handling still runs"
    assert henk.drain() == []
    release.set()
    await wa.settle()
    assert "Eettafel in TOP" in texts(henk)[-1]


async def test_a_telegram_volunteer_links_whatsapp_by_typing_the_code(wa: WaHarness) -> None:
    """A stranger on WhatsApp types "koppel CODE" (shown on Telegram): it reaches the link
    handler as text, not the stranger's /start."""
    import re

    vera = await wa.volunteer("Vera")
    await vera.send("/koppel")
    shown = await vera.next_message()
    code = re.search(r"\b([A-Z0-9]{3}\s?[A-Z0-9]{3})\b", shown.text)
    assert code, shown.text
    phone = wa.person("Vera")
    await phone.send(f"koppel {code.group(1)}")
    await wa.settle()
    person = await wa.wa_person(phone)
    assert person is not None and person.role == "volunteer"
    assert {a.channel for a in person.addresses} == {"telegram", "whatsapp"}
    assert phone.drain(), "WhatsApp answers"


async def test_what_the_bot_handled_shows_blue_ticks(wa: WaHarness) -> None:
    """The bot marks each message it handled as read (Meta's "status": "read"): the person
    sees blue ticks, in the stand-in and on the practice chat; a reaction is not a message
    to read."""
    henk = await wa.resident("Henk")
    assert henk.unread == []  # onboarding: every message read
    await henk.send("eten")
    await henk.send_sticker()  # not handed on, answered kindly: read too
    await wa.settle()
    assert henk.unread == []
    assert [m.wamid for m in henk.sent][-2:] == wa.standin.marked_read[-2:]
    await henk.react("👍", henk.drain()[-1].wamid)
    await wa.settle()
    assert henk.unread == [henk.sent[-1]] and henk.sent[-1].kind == "reaction"
