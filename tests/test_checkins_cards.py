"""Belronde cards for volunteers: one open entry per resident, dated, in whole sentences in the
volunteer's own language, and saying which language the resident speaks (issue 12, 10-12)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import TZ
from bot.i18n import plain, translator
from bot.store import checkins as checkin_store
from tests.auxil.checkins import count_rows, no_hours_question, opt_in
from tests.auxil.harness import BotHarness

MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # TOP's default moment (mon 10:00)
AR, NL = translator("ar"), translator("nl")


def buttons_of(message) -> list[str]:
    return [label for row in message.buttons for label in row]


async def _next_about(user, name: str):  # type: ignore[no-untyped-def]
    """The next message about ``name`` (Monday 10:00 also brings the weekly hours question,
    a broadcast that may come before or after the notice)."""
    while True:
        message = await user.next_message()
        if name in (message.text or ""):
            return message


async def _answer_week(bot: BotHarness, user, at: datetime, label: str) -> None:
    await bot.tick(at=at)
    await user.next_message()
    await user.press(label)
    await user.next_edit()
    await bot.settle()


async def test_a_new_week_supersedes_the_open_entry_and_the_list_shows_it_once(
        bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    await no_hours_question(bot, vera)  # its Monday question would come in between
    fatima = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, fatima)
    await _answer_week(bot, fatima, MONDAY_10, "Niet zo goed 😟")
    first_notice = await vera.next_message()
    assert buttons_of(first_notice) == ["📞 Ik bel Fatima · ma 30 nov"]
    # Nobody called; next week she asks for a call.
    await _answer_week(bot, fatima, MONDAY_10 + timedelta(days=7), "Bel me even 📞")
    assert buttons_of(await _next_about(vera, "Fatima")) == ["📞 Ik bel Fatima · ma 7 dec"]
    await vera.send("/belronde")
    listing = await vera.next_message()
    calls = [b for b in buttons_of(listing) if b.startswith("📞 Ik bel")]
    assert calls == ["📞 Ik bel Fatima · ma 7 dec"]
    assert listing.text.count("Fatima") == 1
    assert "ma 7 dec" in listing.text and "Fatima wil graag gebeld worden." in listing.text
    # The database keeps both weeks: the older one is closed as superseded, not as "called".
    rows = await bot.db.fetchall(
        "SELECT id, reason, done_at, superseded_by FROM checkin_followups ORDER BY id")
    assert [r["reason"] for r in rows] == ["bad", "call"]
    assert rows[0]["done_at"] is not None and rows[0]["superseded_by"] == rows[1]["id"]
    assert rows[1]["done_at"] is None and rows[1]["superseded_by"] is None
    async with bot.db.transaction() as conn:
        week49 = await checkin_store.week_counts(conn, "top", "2026-W49")
    assert week49["followups"] == 1 and week49["followups_done"] == 0

    # Last week's notice button still works: it takes this week's entry.
    await vera.press("📞 Ik bel Fatima · ma 30 nov", message=first_notice)
    taken = await vera.next_edit()
    assert "U belt Fatima" in taken.text and "Fatima wil graag gebeld worden." in taken.text
    vera_id = (await bot.person(vera)).id
    assert await bot.db.fetchval("SELECT taken_by FROM checkin_followups WHERE id = ?",
                                 (rows[1]["id"],)) == vera_id
    assert await count_rows(bot, "checkin_followups", "done_at IS NULL") == 1


async def test_a_taken_entry_stays_with_its_volunteer_when_a_new_week_supersedes_it(
        bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    await no_hours_question(bot, vera)  # its Monday question would come in between
    fatima = await bot.resident("Fatima", name="Fatima")
    await opt_in(bot, fatima)
    await _answer_week(bot, fatima, MONDAY_10, "Niet zo goed 😟")
    await vera.next_message()
    await vera.press("📞 Ik bel Fatima · ma 30 nov")
    await vera.next_edit()
    piet = await bot.volunteer("Piet", name="Piet")
    await _answer_week(bot, fatima, MONDAY_10 + timedelta(days=7), "Niet zo goed 😟")
    # Vera (who calls) hears about the new answer; Piet is not asked to call as well.
    assert "Fatima" in (await _next_about(vera, "Fatima")).text
    assert not any("Fatima" in (m.text or "") for m in piet.bot_messages)
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert [b for b in buttons_of(listing) if "Fatima" in b] == ["✅ Klaar: Fatima · ma 7 dec"]
    assert "U belt." in listing.text
    # Finishing from the old card's button closes the current entry.
    await vera.press("✅ Klaar: Fatima · ma 7 dec")
    await vera.next_edit()
    await vera.press("Geen notitie")
    await vera.next_edit()
    assert await count_rows(bot, "checkin_followups", "done_at IS NULL") == 0
    assert await count_rows(bot, "checkin_followups", "superseded_by IS NULL AND done_at "
                                                      "IS NOT NULL") == 1


async def test_arabic_volunteer_reads_a_dutch_residents_card_in_arabic(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera", language="ar")
    fatima = await bot.resident("Fatima", name="Fatima", language="nl")
    async with bot.db.transaction() as conn:
        await conn.execute("UPDATE users SET phone = '+31612345678' WHERE telegram_id = ?",
                           (fatima.id,))
    await opt_in(bot, fatima)
    await _answer_week(bot, fatima, MONDAY_10, "Niet zo goed 😟")
    notice = await vera.next_message()
    sentence = AR._("{name} is not doing so well this week.").format(name="Fatima")
    assert sentence != "{name} is not doing so well this week.".format(name="Fatima")
    assert sentence in notice.text
    # The resident's language, named in the volunteer's language; no Dutch fragment anywhere.
    assert AR._("Speaks {language}").format(language="الهولندية") in notice.text
    assert "\u2068الهولندية\u2069" in notice.text
    assert "niet zo goed" not in notice.text.lower() and "Niet zo goed" not in notice.text
    assert "\u2068+31612345678\u2069" in notice.text
    # Labels as a person reads them (the harness strips the isolates around name and date).
    assert buttons_of(notice) == [plain(AR._("📞 I will call {name} · {date}").format(
        name="Fatima", date=AR.date(MONDAY_10, "EEE d MMM")))]
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert sentence in listing.text and "الهولندية" in listing.text
    assert "Nederlands" not in listing.text


async def test_dutch_volunteer_reads_an_arabic_residents_card_in_dutch(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera", language="nl")
    amal = await bot.resident("Amal", name="أمل", language="ar")
    await opt_in(bot, amal)
    await bot.tick(at=MONDAY_10)
    await amal.next_message()
    await amal.press(AR._("Please call me 📞"))
    await amal.next_edit()
    await bot.settle()
    notice = await vera.next_message()
    assert "أمل wil graag gebeld worden." in notice.text
    # One label for one thing: the same line as on a help-request card (no full stop).
    assert "Spreekt Arabisch" in notice.text.splitlines()
    assert AR._("Please call me 📞") not in notice.text
    await vera.press("📞 Ik bel أمل · ma 30 nov")
    taken = await vera.next_edit()
    assert "Spreekt Arabisch" in taken.text.splitlines()
    assert "We hebben geen telefoonnummer." in taken.text


async def test_escalation_to_the_coordinator_names_the_language(bot: BotHarness) -> None:
    coordinator = await bot.coordinator(language="en")
    await bot.volunteer("Vera", name="Vera")
    henk = await bot.resident("Henk", name="Henk", language="tr")
    await opt_in(bot, henk, extra_attention=True)
    await bot.tick(at=MONDAY_10)
    await henk.next_message()
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    await bot.tick(at=MONDAY_10 + timedelta(days=3))
    escalation = await coordinator.next_message()
    assert "Henk gets extra attention and did not answer this week." in escalation.text
    assert "Speaks Turkish" in escalation.text.splitlines()


def test_language_name_is_in_the_readers_language() -> None:
    assert NL.language_name("ar") == "Arabisch"
    assert translator("en").language_name("ar") == "Arabic"
    assert translator("tr").language_name("nl") == "Felemenkçe"
    assert AR.language_name("tr") == "التركية"
    assert NL.language_name("xx-unknown") == "xx-unknown"
