"""Coordinator announcements end to end: compose, audience, preview, send, report, opt-out."""

from __future__ import annotations

import pytest

from tests.auxil.announcements import announcements_of, compose, report, send_now
from tests.auxil.harness import BotHarness


@pytest.fixture(autouse=True)
def quick_pacing(bot: BotHarness) -> None:
    """Flood limits are off here unless a test switches them on: pace fast, not at 30/s."""
    bot.services.outbox.set_speed(scale=20)


async def test_coordinator_sends_to_their_room_and_gets_a_report(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima", name="Fatima")
    ahmed = await bot.resident("Ahmed", language="ar")
    other_room = await bot.resident("Henk", room="hart")
    question = await compose(coordinator, "De kamer is <morgen> dicht.")
    assert "2 personen krijgen het bericht" in question.text
    assert "Iedereen in mijn BuurtWerkKamer" in question.text
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 2" in final.text
    [got] = announcements_of(fatima)
    assert "Nieuws van TOP" in got.text and "De kamer is <morgen> dicht." in got.text
    assert "/berichten" in got.text
    [got_ar] = announcements_of(ahmed)
    assert "أخبار من TOP" in got_ar.plain_text
    assert announcements_of(other_room) == []
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND kind = 'announcement'") == 2
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM broadcasts") == "done"
    # The progress message was edited into the final numbers.
    texts = [m.text for m in coordinator.bot_messages]
    assert any("klaar: 2 van 2 verwerkt" in (t or "") for t in texts)


async def test_residents_can_switch_announcements_off_and_on(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    quiet = await bot.resident("Stil")
    listener = await bot.resident("Luister")
    await quiet.send("/berichten")
    answer = await quiet.next_message()
    assert "Wilt u deze berichten niet meer?" in answer.text
    await quiet.press("🔕 Geen berichten meer")
    done = await quiet.next_edit()
    assert "U krijgt geen berichten meer" in done.text
    assert (await bot.person(quiet)).row.announcements is False
    final = await send_now(bot, coordinator, "Taalles begint dinsdag.")
    assert "Afgeleverd: 1" in final.text
    assert announcements_of(quiet) == [] and len(announcements_of(listener)) == 1
    # The settings screen shows the state and leads to the same switch.
    await quiet.send("/menu")
    await quiet.next_message()
    await quiet.press("⚙️ Instellingen en privacy")
    settings = await quiet.next_edit()
    assert ["📣 Berichten: uit"] in [[b["text"] for b in row] for row in settings.inline_keyboard]
    await quiet.press("📣 Berichten: uit")
    await quiet.next_edit()
    await quiet.press("🔔 Weer berichten krijgen")
    await quiet.next_edit()
    assert (await bot.person(quiet)).row.announcements is True


async def test_volunteer_messages_reach_volunteers_even_if_opted_out(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    vera = await bot.volunteer("Vera")
    person = await bot.person(vera)
    await bot.services.users.update(person, announcements=0)
    resident = await bot.resident("Fatima")
    elsewhere = await bot.volunteer("Piet", room="hart", name="Piet")
    final = await send_now(bot, coordinator, "Overleg vrijwilligers woensdag.",
                           audience="🙋 Vrijwilligers van mijn BuurtWerkKamer")
    assert "Afgeleverd: 1" in final.text
    [got] = announcements_of(vera)
    assert "Voor vrijwilligers" in got.text and "/berichten" not in got.text
    assert announcements_of(resident) == [] and announcements_of(elsewhere) == []
    final = await send_now(bot, coordinator, "Iedereen welkom bij de borrel.",
                           audience="🙋 Alle vrijwilligers")
    assert "Afgeleverd: 2" in final.text


async def test_language_audience_spans_all_rooms(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    ahmed = await bot.resident("Ahmed", language="ar")
    salma = await bot.resident("Salma", room="hart", language="ar")
    henk = await bot.resident("Henk")
    question = await compose(coordinator, "Arabische taalcafé vrijdag.",
                             audience="🌐 Mensen die één taal spreken", language="العربية")
    assert "2 personen" in question.text and "العربية" in question.text
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 2" in final.text
    assert len(announcements_of(ahmed)) == 1 and len(announcements_of(salma)) == 1
    assert announcements_of(henk) == []


async def test_blocked_and_offline_people_are_reported_by_name(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    ok = await bot.resident("Fatima", name="Fatima")
    blocked_named = await bot.resident("Joop", name="Joop")
    blocked_anon = await bot.resident("Anon")
    # They blocked the bot while it was down: it never saw Telegram's my_chat_member update,
    # so it learns of it only from the 403 when sending.
    blocked_named.blocked = True
    blocked_anon.blocked = True
    offline = await bot.services.users.add_offline("top", "Mevrouw Jansen")
    question = await compose(coordinator, "Kerstdiner 20 december!")
    assert "3 personen krijgen" in question.text
    assert "Nog 1 persoon is niet bereikbaar" in question.text
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 1" in final.text
    assert "geblokkeerd: 2" in final.text
    assert "al eerder onbereikbaar: 1" in final.text
    assert len(announcements_of(ok)) == 1
    for user in (blocked_named, blocked_anon):
        assert (await bot.person(user)).row.reachable is False
    await coordinator.press("👥 Wie is niet bereikt")
    listing = await coordinator.next_message()
    anon = await bot.person(blocked_anon)
    assert "Joop" in listing.text and "Mevrouw Jansen" in listing.text
    assert f"anoniem {anon.id}" in listing.text
    assert "heeft de bot geblokkeerd" in listing.text and "niet op Telegram" in listing.text
    # Not retried: exactly one attempt each.
    assert await bot.db.fetchval(
        "SELECT MAX(attempts) FROM outbox WHERE state = 'unreachable' AND attempts > 0") == 1
    assert offline.id
    # A resident cannot see the list.
    await ok.press_data(final.inline_keyboard[0][0]["callback_data"], message=ok.last)
    text, alert = await ok.next_callback_answer()
    assert alert and "coördinator" in text


async def test_only_coordinators_announce_and_forged_confirms_send_nothing(
        bot: BotHarness) -> None:
    resident = await bot.resident("Fatima")
    volunteer = await bot.volunteer("Vera")
    for user in (resident, volunteer):
        await user.send("/omroep")
        answer = await user.next_message()
        assert "Alleen een coördinator" in answer.text
    await resident.send("/menu")
    await resident.next_message()
    await resident.press_data("ann:go:abcdef", message=resident.last)
    text, alert = await resident.next_callback_answer()
    assert alert and "coördinator" in text
    coordinator = await bot.coordinator()
    await coordinator.send("/menu")
    await coordinator.next_message()
    await coordinator.press_data("ann:go:doesnotexist", message=coordinator.last)
    text, alert = await coordinator.next_callback_answer()
    assert alert and "werkt niet meer" in text
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


async def test_confirming_twice_sends_once(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    question = await compose(coordinator, "Eén keer graag.")
    data = question.inline_keyboard[0][0]["callback_data"]
    # Two quick taps (handled concurrently), then one more after it was sent.
    await coordinator.press_data(data, message=question)
    await coordinator.press_data(data, message=question)
    await report(coordinator)
    await coordinator.press_data(data, message=question)
    answers = []
    while True:
        answers.append(await coordinator.next_callback_answer())
        if answers[-1][0]:
            break
    assert "al verstuurd" in answers[-1][0]
    await bot.settle()
    assert len(announcements_of(fatima)) == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1


async def test_too_long_text_and_non_photos_are_refused(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    await bot.resident("Fatima")
    await coordinator.send("/omroep")
    await coordinator.next_message()
    await coordinator.send("woord " * 800)
    answer = await coordinator.next_message()
    assert "4.800 tekens" in answer.text and "maximaal 3.800" in answer.text
    # Telegram counts an emoji as two: 2,000 of them are 4,000, too many with the header.
    await coordinator.send("🎉" * 2000)
    answer = await coordinator.next_message()
    assert "4.000 tekens" in answer.text and "maximaal 3.800" in answer.text
    await coordinator.send_document("brief.pdf", "application/pdf")
    answer = await coordinator.next_message()
    assert "Dit is geen foto" in answer.text
    await coordinator.send_document("foto.jpg", "image/jpeg")
    answer = await coordinator.next_message()
    assert "als foto, niet als bestand" in answer.text
    await coordinator.send_voice()
    answer = await coordinator.next_message()
    assert "alleen een tekst of een foto" in answer.text
    await coordinator.send_photo(caption="x" * 1000)
    answer = await coordinator.next_message()
    assert "maximaal 900 tekens" in answer.text
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    # Stop leaves nothing behind.
    await coordinator.press("❌ Stoppen")
    stopped = await coordinator.next_edit()
    assert "Er is niets verstuurd" in stopped.text


async def test_photo_with_caption_is_sent_as_photo(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima")
    await coordinator.send("/omroep")
    await coordinator.next_message()
    await coordinator.send_photo(caption="Zo ziet de nieuwe kamer eruit!")
    await coordinator.next_message()
    await coordinator.press("🏠 Iedereen in mijn BuurtWerkKamer")
    await coordinator.next_edit()
    preview = await coordinator.next_message()
    assert preview.photo and "nieuwe kamer" in preview.caption
    await coordinator.next_message()
    await coordinator.press("✅ Nu versturen")
    await report(coordinator)
    [got] = [m for m in fatima.bot_messages if m.photo]
    assert "Nieuws van TOP" in got.caption and "nieuwe kamer" in got.caption


async def test_a_block_noticed_at_once_is_counted_before_sending(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    ok = await bot.resident("Fatima", name="Fatima")
    gone = await bot.resident("Joop", name="Joop")
    gone.block()  # Telegram tells the bot at once (my_chat_member "kicked")
    await bot.settle()
    question = await compose(coordinator, "Kerstdiner 20 december!")
    assert "1 persoon krijgt" in question.text
    assert "Nog 1 persoon is niet bereikbaar" in question.text
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 1" in final.text
    assert "al eerder onbereikbaar: 1" in final.text
    assert len(announcements_of(ok)) == 1 and announcements_of(gone) == []


async def test_the_tail_of_a_split_long_paste_is_not_taken_as_the_text(bot: BotHarness) -> None:
    """Telegram cuts a pasted text over 4,096 characters in parts that arrive together."""
    coordinator = await bot.coordinator()
    await bot.resident("Fatima")
    moment = 1_800_000_000.0
    bot.sandbox.clock = lambda: moment
    await coordinator.send("/omroep")
    await coordinator.next_message()
    await coordinator.send("lang " * 819 + "x")  # the first part: 4,096 characters
    assert "maximaal 3.800" in (await coordinator.next_message()).text
    await coordinator.send("en dan nog het einde van de tekst.")  # the second part
    answer = await coordinator.next_message()
    assert "rest van uw lange bericht" in answer.text and "maximaal 3.800" in answer.text
    moment += 90  # a minute and a half later: a new, shorter text
    await coordinator.send("Morgen is de kamer dicht.")
    assert "Wie moet het bericht krijgen" in (await coordinator.next_message()).text
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
