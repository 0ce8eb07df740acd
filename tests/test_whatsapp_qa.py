"""Outside QA of the WhatsApp side (issue 14), end to end through the stand-in: residents in
five languages typing their own words, what the bot tells a WhatsApp resident to type, and
what the coordinator's announcement preview promises about paid templates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auxil.announcements import compose
from tests.auxil.whatsapp_e2e import approve_template, letter_help, send_letter_help

# (language, the word for the menu, the word for the eettafel, a word of the menu's answer)
WORDS = [
    ("ar", "قائمة", "اكل", "العشاء المشترك"),
    ("ti", "ሜኑ", "ምግቢ", None),
    ("pl", "Menu!", "obiad", None),
    ("uk", "МЕНЮ", "вечеря", None),
    ("tr", "Menü", "YEMEK", None),
]


@pytest.mark.parametrize(("language", "menu", "eten", "meal_word"), WORDS)
async def test_residents_type_their_own_words_for_menu_and_eettafel(
        wa, language: str, menu: str, eten: str, meal_word: str | None) -> None:
    person = await wa.resident("Samira", room="top", language=language)
    await person.send(menu)
    await wa.settle()
    shown = person.drain()
    assert shown and shown[-1].kind == "interactive" and len(shown[-1].rows) >= 4, shown
    await person.send(eten)
    await wa.settle()
    card = person.drain()[-1]
    assert "17:30" in (card.text or ""), card  # the eettafel card: TOP's meals at 17:30
    if language == "ar":
        # right to left: the time is isolated (FSI/LRI … PDI), the line marked RTL
        assert "\u206817:30\u2069" in card.text and card.text.startswith("\u200f"), card.text
        assert meal_word in card.text


async def test_what_the_bot_tells_a_whatsapp_resident_to_type_can_be_typed_there(wa) -> None:
    """WhatsApp has no command menu and "/menu" is no link there: the contract's answer to
    a sticker is "I can't read this here. Type menu, or use the buttons." The bot says
    "Tap /menu", which a WhatsApp resident cannot tap."""
    henk = await wa.resident("Henk", room="top")
    await henk.send_sticker()  # the webhook's own answer
    await wa.settle()
    assert henk.drain()[-1].text == "Dit kan ik hier niet lezen. Typ menu, of gebruik de knoppen."
    await henk.send("misschien")  # text where a button is expected
    await wa.settle()
    assert henk.drain()[-1].text == "Dat begreep ik niet. Gebruik de knoppen, of typ menu."
    await henk.tap_id("meal:signup:999999", "wamid.NEVERSENT")  # a forged reply
    await wa.settle()
    assert henk.drain()[-1].text == "Deze knop werkt niet meer. Typ menu om opnieuw te beginnen."
    await henk.send("/bestaatniet")
    await wa.settle()
    assert "Typ menu om te zien wat ik kan doen." in henk.drain()[-1].text


async def test_the_preview_does_not_promise_a_cost_for_what_cannot_go_out(wa, clock) -> None:
    """No template is approved yet (the operator has not run ``whatsapp templates
    --create``, or Meta is still reviewing): a WhatsApp resident whose window is closed gets
    nothing now (the row waits), yet the preview only says "gets it as a paid template"."""
    await wa.resident("Henk", room="top")
    carla = await wa.coordinator()
    clock.advance(timedelta(hours=25))  # Henk's 24-hour window is closed
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    text = question.text or ""
    # what a coordinator needs to know before sending: it cannot reach Henk now
    assert "📱 1 persoon gebruikt WhatsApp" in text, text
    assert "nog geen sjabloon goedgekeurd: het bericht wacht" in text, text
    assert "krijgt het als sjabloonbericht" not in text, text


async def test_with_the_general_template_approved_the_preview_says_template(wa, clock
                                                                            ) -> None:
    from bot.channels.whatsapp import templates

    await wa.resident("Henk", room="top")
    carla = await wa.coordinator()
    await templates.create_missing(wa.app)
    wa.standin.approve(templates.GENERIC, "nl")  # not the announcement's own: the generic
    await templates.sync(wa.app)
    clock.advance(timedelta(hours=25))
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    assert "Die krijgt het als sjabloonbericht" in question.text, question.text
    assert "wacht" not in question.text, question.text


async def test_a_tigrinya_resident_outside_the_window_gets_the_english_template(wa, clock
                                                                              ) -> None:
    tesfay = await wa.resident("Tesfay", room="top", language="ti")
    carla = await wa.coordinator()
    await approve_template(wa, "buurtbot_announcement")
    clock.advance(timedelta(hours=25))
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    assert "📱 1 persoon gebruikt WhatsApp" in question.text  # (English: not said here)
    await carla.press("✅ Nu versturen")
    await wa.settle()
    last = tesfay.last
    assert last.kind == "template" and last.template.language == "en", last
    assert "open huis" in last.text


async def test_an_old_sign_up_button_from_last_week_signs_nobody_up(wa, clock) -> None:
    henk = await wa.resident("Henk", room="top")
    await henk.send("eten")
    await wa.settle()
    card = henk.drain()[-1]
    first = next(t for t in card.rows + card.buttons if t.startswith("✍️ Aanmelden"))
    clock.advance(timedelta(days=8))  # that meal is over
    await henk.tap(first)
    await wa.settle()
    said = [m.text for m in henk.drain()]
    assert await wa.db.fetchval("SELECT COUNT(*) FROM meal_signups") == 0, said
    assert said, "no answer to the old button"


async def test_an_arabic_resident_is_offered_her_own_number_in_arabic(wa) -> None:
    samira = await wa.resident("Samira", room="hart", language="ar")
    await samira.send("/belronde")
    await wa.settle()
    await samira.tap("\u200f✅ نعم، من فضلك")
    await wa.settle()
    samira.drain()
    phone = next(t for t in samira.last.rows + samira.last.buttons if "📞" in t)
    await samira.tap(phone)
    await wa.settle()
    shown = samira.drain()[-1]
    # all in Arabic (not "Uw WhatsApp-nummer is …"), her number isolated, the button too
    assert "Uw WhatsApp-nummer" not in shown.text, shown.text
    assert f"\u2068+{samira.wa_id}\u2069" in shown.text, shown.text
    assert "\u200f📞 استخدم هذا الرقم" in shown.buttons, shown.buttons


@pytest.mark.parametrize("gone", [False, True])
async def test_a_whatsapp_residents_photo_reaches_the_telegram_volunteer(wa, gone: bool
                                                                        ) -> None:
    """The photo of a letter a resident sends on WhatsApp reaches the volunteer on Telegram
    who takes the request on (fetched from Meta, uploaded, never on disk). When Meta no
    longer has it (expired, or a media id that never was), the request still arrives and
    nothing is retried for ever."""
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await letter_help(wa, henk)
    await henk.send_photo(b"\x89PNG\r\n\x1a\nletter", caption="deze brief")
    await wa.settle()
    if gone:
        wa.standin.media.clear()  # Meta no longer has it
    await send_letter_help(wa, henk)
    assert "Uw vraag heeft nummer" in (henk.drain()[-1].text or "")
    notices = [m for m in vera.bot_messages if "hulpvraag" in (m.text or "")]
    assert notices, [m.text for m in vera.bot_messages]
    await vera.press("✋ Ik pak 'm op", notices[-1])
    await wa.settle()
    states = [tuple(r) for r in await wa.db.fetchall(
        "SELECT state FROM outbox WHERE kind = 'help.media'")]
    photos = [m for m in vera.bot_messages if m.photo or m.document]
    if gone:
        assert states == [("failed",)] and photos == [], (states, photos)
    else:
        assert states == [("sent",)], states
        assert len(photos) == 1
