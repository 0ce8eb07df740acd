"""Issue 12.4-6: a photo sent out of the blue starts a request, the due-date step asks for
the date by which it must be done (in any digits and month names), steps fit the kind of
question, and phone numbers typed in Arabic-Indic or Persian digits are accepted."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.clock import TZ
from bot.digits import ascii_digits, whole_number
from bot.handlers.calendar.flow import parse_date_text
from bot.i18n import LANGUAGES, translator
from bot.services.announcements_rules import parse_moment
from bot.services.calendar_programme import parse_time_text
from bot.services.checkins import normalise_phone
from bot.services.help_requests_rules import DateProblem, clean_phone, parse_due_date
from tests.auxil.checkins import answer, opt_in
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import press_send, to_urgency

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("typed", [
    "15 december", "15 dec", "15 Dec.", "15-12", "15/12", "15.12", "15-12-2026", "2026-12-15",
    "15 december 2026", "voor 15 december", "december 15", "١٥/١٢", "١٥-١٢-٢٠٢٦", "۱۵/۱۲",
    "١٥ ديسمبر", "١٥ كانون الأول", "۱۵ دسامبر", "15 Aralık", "15 ARALIK", "15 aralik",
    "15 грудня", "15 Грудня", "15 грудень", "15 груд.", "15 декабря",
])
def test_due_dates_as_people_type_them(typed: str) -> None:
    assert parse_due_date(typed, TODAY) == date(2026, 12, 15)


@pytest.mark.parametrize("typed, expected", [
    ("1 november", DateProblem.PAST), ("15", DateProblem.INVALID),
    ("morgen", DateProblem.INVALID), ("32 december", DateProblem.INVALID),
    ("15 december 2028", DateProblem.TOO_FAR), ("", DateProblem.INVALID),
])
def test_due_dates_we_cannot_use(typed: str, expected: DateProblem) -> None:
    assert parse_due_date(typed, TODAY) is expected


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_example_we_show_is_accepted_in_every_language(language: str) -> None:
    example = translator(language).date(date(2026, 12, 7), "d MMMM")
    assert parse_due_date(example, TODAY) == date(2026, 12, 7)


def test_one_digit_normalisation_for_every_typed_number() -> None:
    assert ascii_digits("٠٦١٢٣٤٥٦٧٨") == ascii_digits("۰۶۱۲۳۴۵۶۷۸") == "0612345678"
    assert clean_phone("٠٦ ١٢٣٤٥٦٧٨") == "06 12345678"
    assert clean_phone("۰۶۱۲۳۴۵۶۷۸") == "0612345678"
    assert normalise_phone("\u2068+٣١ ٦ ١٢٣٤٥٦٧٨\u2069") == "+31612345678"
    assert whole_number("١٢") == 12 and whole_number("²") is None and whole_number("") is None
    assert parse_time_text("١٧:٣٠") == time(17, 30) and parse_time_text("²:00") is None
    assert parse_date_text("٢٤-١٢", TODAY) == date(2026, 12, 24)
    assert parse_moment("١٢-١٢ ١٧:٠٠", datetime(2026, 11, 30, 9, 0, tzinfo=TZ)) == datetime(
        2026, 12, 12, 17, 0, tzinfo=TZ)


async def _start(bot: BotHarness, kind_button: str):
    resident = await bot.resident()
    await resident.send("/hulp")
    await resident.next_message()
    await resident.press(kind_button)
    return resident, await resident.next_edit()


async def test_due_date_step_asks_by_when_and_accepts_a_month_name(bot: BotHarness) -> None:
    resident, ask = await _start(bot, "📄 Een brief of formulier")
    assert "foto van de brief" in ask.text
    await resident.press("Verder ➡️")
    when = await resident.next_edit()
    labels = [b for row in when.buttons for b in row]
    assert "📅 Voor een bepaalde datum" in labels and "Een datum op de brief" not in labels
    await resident.press("📅 Voor een bepaalde datum")
    question = await resident.next_edit()
    assert "Voor welke datum moet het klaar zijn?" in question.text
    assert "Welke datum staat op de brief" not in question.text
    await resident.send("15 dec")
    assert "bereiken" in (await resident.next_message()).text
    await resident.press("Stuur mij hier een bericht")
    assert "dinsdag 15 december" in (await resident.next_edit()).text
    await press_send(resident)
    await bot.settle()
    assert await bot.db.fetchval("SELECT due_on FROM help_requests") == "2026-12-15"


async def test_arabic_resident_types_date_and_phone_in_arabic_digits(bot: BotHarness) -> None:
    resident = await bot.resident("Amal", language="ar")
    await to_urgency(resident)
    await resident.press_data("help:w:date")
    question = await resident.next_edit()
    assert "\u2068" in question.text  # the example date is isolated in right-to-left text
    await resident.send("١٥ ديسمبر")
    await resident.next_message()
    await resident.press_data("help:c:call")
    await resident.next_edit()
    await resident.send("٠٦١٢٣٤٥٦٧٨")
    summary = await resident.next_message()
    assert "0612345678" in summary.text
    await press_send(resident)
    await bot.settle()
    row = await bot.db.fetchone("SELECT due_on, phone FROM help_requests")
    assert tuple(row) == ("2026-12-15", "0612345678")
    person = await bot.person(resident)
    assert person.row.phone == "0612345678"


async def test_belronde_phone_in_persian_digits_is_accepted(bot: BotHarness) -> None:
    """The belronde's own number step uses the same digit normalisation."""
    await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, user)
    await bot.tick(at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    await user.next_message()
    await answer(user, "Bel me even 📞")
    await user.press("📞 Mijn nummer delen")
    await user.next_message()
    await user.send("۰۶-۱۲۳۴ ۵۶۷۸")
    assert "0612345678" in (await user.next_message()).text
    assert (await bot.person(user)).row.phone == "0612345678"


async def test_computer_and_odd_job_steps_do_not_speak_of_a_letter(bot: BotHarness) -> None:
    for kind in ("💻 Computer of telefoon", "🔧 Een klusje in huis"):
        resident, ask = await _start(bot, kind)
        assert "brief" not in ask.text.lower()
        await resident.press("Verder ➡️")
        await resident.next_edit()
        await resident.press("📅 Voor een bepaalde datum")
        question = await resident.next_edit()
        assert "brief" not in question.text.lower()
        assert "Voor welke datum moet het klaar zijn?" in question.text
        await resident.send_photo(size=20 * 1024 * 1024 + 1)  # in the date step: a button hint
        await resident.next_message()


async def test_photo_out_of_the_blue_offers_a_request_with_it(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    await resident.send_photo(size=400_000, caption="Brief van Eneco")
    offer = await resident.next_message()
    assert "Wilt u hulp bij deze brief?" in offer.text
    assert "Bununla" not in offer.text and "kan hier niets mee" not in offer.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0
    await resident.press("✅ Ja, hulp vragen")
    kinds = await resident.next_edit()
    assert "Waar wilt u hulp bij?" in kinds.text
    await resident.press("💶 Rekeningen en schulden")
    details = await resident.next_edit()
    assert "Ik bewaar wat u mij stuurde" in details.text
    await resident.press("Verder ➡️")
    await resident.next_edit()
    await resident.press("Geen haast")
    await resident.next_edit()
    await resident.press("Stuur mij hier een bericht")
    summary = await resident.next_edit()
    assert "Eneco" in summary.text and "1 foto" in summary.text
    await press_send(resident)
    await bot.settle()
    row = await bot.db.fetchone("SELECT id, kind, description FROM help_requests")
    assert (row["kind"], row["description"]) == ("debts", "Brief van Eneco")
    media = await bot.db.fetchall("SELECT kind FROM help_media WHERE request_id = ?",
                                  (row["id"],))
    assert [m[0] for m in media] == ["photo"]
    await volunteer.press_data(f"help:take:{row['id']}")
    await bot.settle()
    assert any(m.photo for m in volunteer.bot_messages)  # passed on by file id


async def test_pdf_and_voice_out_of_the_blue_and_saying_no(bot: BotHarness) -> None:
    resident = await bot.resident()
    await resident.send_document(filename="aanslag.pdf")
    assert "Wilt u hulp bij deze brief?" in (await resident.next_message()).text
    await resident.press("Nee, liever niet")
    assert "niet bewaard" in (await resident.next_edit()).text
    await bot.settle()
    assert "help_offer" not in (await bot.db.fetchval("SELECT data FROM ptb_user_data") or "")
    await resident.press_data("help:offer:yes")  # the offer is gone: a stale button
    await bot.settle()
    text, alert = resident.callback_answers[-1]
    assert alert and "werkt niet meer" in (text or "")
    await resident.send_voice(duration=30)
    assert "spraakbericht" in (await resident.next_message()).text
    await resident.send_document(filename="virus.exe", mime_type="application/x-msdownload")
    assert "soort bestand" in (await resident.next_message()).text
    await resident.send_sticker()
    assert "/menu" in (await resident.next_message()).text  # other things: the usual answer
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0


async def test_photo_mid_intake_still_goes_into_that_intake(bot: BotHarness) -> None:
    resident, _ask = await _start(bot, "📄 Een brief of formulier")
    await resident.send_photo()
    assert "foto ontvangen" in (await resident.next_message()).text


async def test_volunteer_sending_a_photo_hears_where_it_belongs(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    await volunteer.send_photo()
    reply = await volunteer.next_message()
    assert "/hulp" in reply.text and "bewoner" in reply.text
    assert "📝 Ik wil zelf hulp hierbij" in [b for row in reply.buttons for b in row]
    await volunteer.press("📝 Ik wil zelf hulp hierbij")
    assert "Waar wilt u hulp bij?" in (await volunteer.next_edit()).text
    coordinator = await bot.coordinator()
    await coordinator.send_document(filename="brief.pdf")
    assert "/hulp" in (await coordinator.next_message()).text
    stranger = bot.user("Nieuw")
    await stranger.send_photo()
    assert "/start" in (await stranger.next_message()).text


async def test_an_album_of_photos_gets_one_question(bot: BotHarness) -> None:
    resident = await bot.resident()
    sandbox = bot.sandbox
    for _ in range(3):  # Telegram delivers an album as messages sharing a media_group_id
        rec = sandbox.files.add("photos", "jpg", size=100_000, mime_type=None)
        await sandbox._user_message(resident, resident.chat, {
            "photo": [sandbox.files.photo_size(rec, 1280, 960)], "media_group_id": "album-1"})
    await bot.settle()
    questions = [m for m in resident.bot_messages if "Wilt u hulp" in (m.text or "")]
    assert len(questions) == 1
    await resident.press("✅ Ja, hulp vragen")
    await resident.next_edit()
    await resident.press("📄 Een brief of formulier")
    await resident.next_edit()
    await resident.press("Verder ➡️")
    await resident.next_edit()
    await resident.press("Geen haast")
    await resident.next_edit()
    await resident.press("Ik kom langs tijdens de openingstijden")
    assert "3 foto" in (await resident.next_edit()).text
    await press_send(resident)
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_media") == 3
