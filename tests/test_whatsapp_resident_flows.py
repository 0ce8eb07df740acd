"""End to end through the WhatsApp stand-in: every resident flow of issue 14, part 1 —
the eettafel (diet, waiting list and offers), formulierenhulp with a photo or a voice note,
the belronde (window open and closed), the programme.

The bot runs as in production (Telegram polling the sandbox, the WhatsApp webhook on its own
port); the stand-in plays Meta. Assertions are on what the person sees (texts, buttons, list
rows, templates) and on the database. Onboarding, sign-up with a guest and cancel, a
Telegram volunteer confirming and bad input are in tests/test_whatsapp_flows.py (wa-core).
"""

from __future__ import annotations

from datetime import timedelta

from tests.auxil.checkins import ANSWERS, MONDAY_10
from tests.auxil.meals import first_meal, set_cap
from tests.auxil.whatsapp import WaHarness
from tests.auxil.whatsapp_e2e import (
    WAITING_LIST,
    approve_all_templates,
    close_window,
    dinner_tap,
    letter_help,
    not_so_good,
    texts,
)

JPEG = b"\xff\xd8\xff\xe0" + b"a letter from the gemeente " * 40
OGG = b"OggS\x00\x02" + b"a voice note " * 60


async def signup_row(wa: WaHarness, person, meal_id: int):
    me = await wa.wa_person(person)
    return await wa.db.fetchone(
        "SELECT status, diet, diet_note, position FROM meal_signups"
        " WHERE meal_id = ? AND user_id = ?", (meal_id, me.id))


# --- eettafel -------------------------------------------------------------------------------

async def test_eettafel_with_a_diet_and_an_allergy_note(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    meal = (await first_meal(wa)).meal
    await dinner_tap(wa, henk)
    card = henk.drain()[-1]
    assert "Geen wensen voor het eten" in card.text
    assert {"halal", "vegetarisch", "geen varkensvlees", "allergie"} <= set(card.rows)
    await henk.tap("halal")
    await wa.settle()
    [card] = henk.drain()
    assert "✅ halal" in card.rows and "halal" in card.text
    await henk.tap("allergie")
    await wa.settle()
    [card] = henk.drain()
    assert "✅ allergie" in card.rows and "✏️ Schrijf waar u…" in card.rows
    await henk.tap("✏️ Schrijf waar u…")
    await wa.settle()
    [question] = henk.drain()
    assert "allergisch" in question.text and question.buttons == ["Stoppen"]
    await henk.send("pinda's en noten")
    await wa.settle()
    [card] = henk.drain()  # the new state, once (WhatsApp cannot edit the old card)
    assert "pinda's en noten" in card.text and "allergie" in card.text
    row = await signup_row(wa, henk, meal.id)
    assert (row[0], row[1], row[2]) == ("pending", "halal,allergy", "pinda's en noten")
    # Ticking "allergy" off forgets the note, on WhatsApp as on Telegram.
    await henk.tap("✅ allergie")
    await wa.settle()
    [card] = henk.drain()
    assert "pinda" not in card.text
    row = await signup_row(wa, henk, meal.id)
    assert (row[1], row[2]) == ("halal", None)


async def full_dinner_and_a_waiter(wa: WaHarness):
    """The first dinner capped at one seat: Henk (WhatsApp) has it, Anna (WhatsApp) waits."""
    henk, anna = await wa.resident("Henk"), await wa.resident("Anna")
    meal = (await first_meal(wa)).meal
    await set_cap(wa, meal.id, 1)
    await dinner_tap(wa, henk)
    await anna.send("eten")
    await wa.settle()
    listing = anna.drain()[-1]
    assert "vol" in listing.text and "⏳ Wachtlijst di 1 dec" in listing.rows
    await anna.tap("⏳ Wachtlijst di 1 dec")
    await wa.settle()
    [card] = anna.drain()
    assert "wachtlijst, nummer 1" in card.text
    assert (await signup_row(wa, anna, meal.id))[0] == "waiting"
    # Henk cancels: the seat frees and the offer goes to Anna, on WhatsApp.
    henk.drain()
    await henk.tap("❌ Aanmelding afzeggen")
    await wa.settle()
    await henk.tap("Ja, afzeggen")
    await wa.settle()
    assert any("afgezegd" in t for t in texts(henk))
    [offer] = anna.drain()
    assert "plek vrij" in offer.text and "12:00" in offer.text
    assert offer.buttons == ["✅ Ja, ik kom", "Nee, geef door"]
    assert (await signup_row(wa, anna, meal.id))[0] == "offered"
    return meal, henk, anna


async def test_full_dinner_waiting_list_offer_accepted_by_a_tap(wa: WaHarness) -> None:
    meal, _henk, anna = await full_dinner_and_a_waiter(wa)
    await anna.tap("✅ Ja, ik kom")
    await wa.settle()
    seen = anna.drain()
    assert seen and "ontvangen" in seen[-1].text
    assert (await signup_row(wa, anna, meal.id))[0] == "pending"
    # The same tap again (Meta retries, or a double tap): nothing twice.
    await anna.tap("✅ Ja, ik kom")
    await wa.settle()
    anna.drain()
    assert await wa.db.fetchval(
        "SELECT COUNT(*) FROM meal_signups WHERE meal_id = ? AND status IN"
        " ('pending', 'confirmed', 'offered')", (meal.id,)) == 1


async def test_full_dinner_waiting_list_offer_declined_moves_on(wa: WaHarness) -> None:
    meal, _henk, anna = await full_dinner_and_a_waiter(wa)
    cem = await wa.resident("Cem")  # joins the waiting list after Anna's offer
    await dinner_tap(wa, cem, WAITING_LIST)
    cem.drain()
    await anna.tap("Nee, geef door")
    await wa.settle()
    assert anna.drain()
    assert (await signup_row(wa, anna, meal.id))[0] == "cancelled"
    offers = [m for m in cem.drain() if "plek vrij" in (m.text or "")]
    assert len(offers) == 1 and "✅ Ja, ik kom" in offers[0].buttons
    assert (await signup_row(wa, cem, meal.id))[0] == "offered"


async def test_an_offer_outside_the_window_is_a_template_with_quick_replies(wa: WaHarness
                                                                            ) -> None:
    """Anna wrote more than 24 hours ago: the offer goes as the approved waiting-list
    template; its quick reply carries the same action as the free-form button."""
    henk, anna = await wa.resident("Henk"), await wa.resident("Anna")
    meal = (await first_meal(wa)).meal
    await set_cap(wa, meal.id, 1)
    await henk.send("eten")
    await wa.settle()
    await henk.tap("✍️ Aanmelden di 1 dec")
    await dinner_tap(wa, anna, WAITING_LIST)
    await approve_all_templates(wa)
    anna.drain()
    await close_window(wa, anna)  # as if her last message was days ago
    await henk.tap("❌ Aanmelding afzeggen")
    await wa.settle()
    await henk.tap("Ja, afzeggen")
    await wa.settle()
    [offer] = anna.drain()
    assert offer.kind == "template" and offer.template.name.startswith("buurtbot_")
    assert offer.template.language == "nl"
    assert "✅ Ja, ik kom" in offer.buttons
    await anna.tap("✅ Ja, ik kom")  # a template quick reply
    await wa.settle()
    assert (await signup_row(wa, anna, meal.id))[0] == "pending"
    assert anna.drain()


# --- formulierenhulp ------------------------------------------------------------------------

async def ask_help_with(wa: WaHarness, henk, media: str) -> int:
    """/hulp through the buttons with a photo of the letter or a voice note; the id."""
    await letter_help(wa, henk)
    henk.drain()
    if media == "photo":
        await henk.send_photo(JPEG, caption="Brief van de gemeente")
        await wa.settle()
        assert "foto ontvangen" in henk.drain()[-1].text
    else:
        await henk.send_voice(OGG)
        await wa.settle()
        assert "spraakbericht ontvangen" in henk.drain()[-1].text
    await henk.tap("Verder ➡️")
    await wa.settle()
    await henk.tap("Deze week")
    await wa.settle()
    await henk.tap("Ik kom langs tijdens de…")
    await wa.settle()
    summary = henk.drain()[-1]
    assert "1 foto of bericht erbij" in summary.text and "✅ Versturen" in summary.buttons
    await henk.tap("✅ Versturen")
    await wa.settle()
    assert any("nummer *1*" in t for t in texts(henk))
    return int(await wa.db.fetchval("SELECT MAX(id) FROM help_requests"))


def telegram_uploads(wa: WaHarness, chat_id: int, method: str) -> list[dict]:
    return [params for name, params in wa.sandbox.calls
            if name == method and str(params.get("chat_id")) == str(chat_id)]


async def test_help_request_with_a_photo_reaches_a_telegram_volunteer_who_takes_it(
        wa: WaHarness, tmp_path) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    request_id = await ask_help_with(wa, henk, "photo")
    await wa.settle()
    card = next(m for m in vera.bot_messages if "Nieuwe hulpvraag 1" in (m.text or ""))
    assert "Brief van de gemeente" not in card.text  # the words only once taken on
    await vera.press_data(f"help:take:{request_id}")
    await wa.settle()
    # Vera got the photo of the letter on Telegram: the WhatsApp bytes, re-uploaded.
    photos = telegram_uploads(wa, vera.id, "sendPhoto")
    assert photos, [name for name, _ in wa.sandbox.calls][-10:]
    stored = [rec for rec in wa.sandbox.files.by_id.values() if rec.data == JPEG]
    assert stored, "the bytes Telegram got are the letter's bytes"
    assert await wa.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                (request_id,)) == "taken"
    # The resident hears it on WhatsApp.
    notices = [t for t in texts(henk) if "Vera" in t or "opgepakt" in t]
    assert notices, henk.messages[-3:]
    # Never on disk: no file with the photo's bytes anywhere under the bot's data folder.
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix not in (".db", ".db-wal", ".db-shm"):
            assert JPEG not in path.read_bytes(), path
    # The database keeps the media id, not the bytes.
    blob = await wa.db.fetchval("SELECT COUNT(*) FROM help_requests WHERE CAST(description"
                                " AS BLOB) LIKE ?", (b"%" + JPEG[:20] + b"%",))
    assert blob == 0


async def test_help_request_with_a_voice_note_reaches_the_volunteer_as_a_voice(
        wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    request_id = await ask_help_with(wa, henk, "voice")
    await vera.press_data(f"help:take:{request_id}")
    await wa.settle()
    voices = telegram_uploads(wa, vera.id, "sendVoice")
    assert voices, [name for name, _ in wa.sandbox.calls][-10:]
    assert any(rec.data == OGG for rec in wa.sandbox.files.by_id.values())
    assert await wa.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                (request_id,)) == "taken"
    assert texts(henk)


# --- belronde ---------------------------------------------------------------------------

async def opt_in(wa: WaHarness, person) -> None:
    await wa.services.checkins.opt_in(await wa.wa_person(person))


async def test_belronde_in_the_window_is_interactive_and_one_tap_is_recorded(wa: WaHarness
                                                                             ) -> None:
    henk = await wa.resident("Henk")
    await opt_in(wa, henk)
    await wa.tick(at=MONDAY_10)
    await wa.settle()
    [question] = henk.drain()
    assert question.kind == "interactive" and "Hoe gaat het deze week met u?" in question.text
    assert question.rows == ANSWERS
    await henk.tap("Goed 😊")
    await wa.settle()
    [answer] = henk.drain()
    assert "Uw antwoord: Goed 😊" in answer.text
    me = await wa.wa_person(henk)
    assert await wa.db.fetchval("SELECT answer FROM checkins WHERE user_id = ?",
                                (me.id,)) == "good"


async def test_belronde_outside_the_window_is_the_template_and_a_quick_reply_is_recorded(
        wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    await opt_in(wa, henk)
    await approve_all_templates(wa)
    # A week later: Henk wrote nothing since, his 24 hours are long gone.
    await wa.tick(at=MONDAY_10 + timedelta(days=7))
    await wa.settle()
    [question] = henk.drain()
    assert question.kind == "template"
    assert (question.template.name, question.template.language) == ("buurtbot_belronde", "nl")
    assert question.buttons == ANSWERS and "Hoe gaat het deze week met u?" in question.text
    assert await wa.db.fetchval("SELECT template FROM outbox WHERE kind LIKE 'checkin%'"
                                " ORDER BY id DESC LIMIT 1") == "buurtbot_belronde"
    await henk.tap("Gaat wel 😐")  # the quick reply opens the window too
    await wa.settle()
    assert any("Gaat wel 😐" in t for t in texts(henk))
    me = await wa.wa_person(henk)
    assert await wa.db.fetchval("SELECT answer FROM checkins WHERE user_id = ?",
                                (me.id,)) == "okay"


async def test_belronde_not_good_escalates_to_a_volunteer_on_telegram(wa: WaHarness) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await not_so_good(wa, vera, henk)
    [answer] = henk.drain()
    assert "Een vrijwilliger belt u" in answer.text
    assert answer.buttons == ["📞 Mijn nummer delen"]  # WhatsApp: no phone given yet
    alert = await vera.next_message()
    me = await wa.wa_person(henk)
    assert "niet zo goed" in alert.text and f"bewoner {me.id}" in alert.text
    # no phone number given: the WhatsApp number is the way to reach him
    assert f"WhatsApp-nummer: +{henk.wa_id}" in alert.text
    assert alert.inline_keyboard[0][0]["callback_data"].startswith("chk:take:")
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert f"niet zo goed met bewoner {me.id}" in listing.text
    assert f"+{henk.wa_id}" in listing.text
    assert await wa.db.fetchval("SELECT answer FROM checkins WHERE user_id = ?",
                                (me.id,)) == "bad"


# --- programme ------------------------------------------------------------------------------

async def test_the_programme_by_keyword_and_by_command(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    for typed in ("agenda", "/agenda", "Agenda"):
        await henk.send(typed)
        await wa.settle()
        week, more = henk.drain()
        assert week.text.startswith("*TOP* · week 49") and "Eettafel" in week.text
        assert len(week.text) <= 4096
        assert more.rows[0] == "Volgende week ➡️" and len(more.rows) <= 10
    await henk.tap("Volgende week ➡️")
    await wa.settle()
    seen = henk.drain()
    assert any("week 50" in (m.text or "") for m in seen)
