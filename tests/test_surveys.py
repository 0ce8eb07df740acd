"""Survey rounds end to end: send through the outbox, answer in two languages, paper forms,
close (answers become anonymous counts), results only from 5 answers, bad presses."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import TZ
from tests.auxil.harness import BotHarness
from tests.auxil.surveys import (
    VOLUNTEERS,
    answer_all,
    button_data,
    close_round,
    next_alert,
    sent_report,
    start_round,
)

AGREE = "🙂 Mee eens"
FULLY = "😀 Helemaal mee eens"
NO = "🙁 Niet mee eens"
DONT_KNOW = "🤷 Weet ik niet"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


async def test_a_round_goes_out_is_answered_in_two_languages_on_paper_and_closes(
    bot: BotHarness,
) -> None:
    coordinator = await bot.coordinator()
    dutch = [await bot.resident(f"Nl{i}") for i in range(3)]
    english = [await bot.resident(f"En{i}", language="en") for i in range(2)]
    elsewhere = await bot.resident("Hart", room="hart")
    volunteer = await bot.volunteer()

    started = await start_round(coordinator)
    assert "De enquête is gestart: Bewoners · TOP" in started.text
    assert "5 mensen" in started.text
    assert "is verstuurd: 5 van 5 mensen" in (await sent_report(coordinator)).text

    # Dutch residents: agree, agree, disagree on confidence; all agree on living.
    thanks = await answer_all(dutch[0], AGREE, FULLY)
    assert "Dank u wel! Uw antwoorden zijn anoniem" in thanks.text
    await answer_all(dutch[1], FULLY, AGREE)
    await answer_all(dutch[2], NO, AGREE)
    # English residents see English and answer with the same kind of buttons.
    first = await english[0].next_message(timeout=20)
    assert "I have more confidence in what I can do myself" in first.text
    assert "Question 1 of 2" in first.text
    old_button = button_data(first, "😀 Strongly agree")
    await english[0].press("😀 Strongly agree", message=first)
    second = await english[0].next_edit()
    assert "makes living in my neighbourhood nicer" in second.text
    await english[0].press("🤷 I do not know", message=second)
    assert "Thank you" in (await english[0].next_edit()).text
    await answer_all(english[1], "🙁 Disagree", "🙂 Agree")
    # Nobody outside TOP and no volunteer was asked.
    assert not [m for m in elsewhere.bot_messages if "Vraag 1 van 2" in (m.text or "")]
    assert not [m for m in volunteer.bot_messages if "Vraag 1 van 2" in (m.text or "")]

    # A change of mind before the close replaces the first answer (no second count).
    await dutch[2].press("✏️ Mijn antwoorden veranderen")
    again = await dutch[2].next_edit()
    assert "Vraag 1 van 2" in again.text
    await dutch[2].press(AGREE, message=again)
    await dutch[2].next_edit()
    await dutch[2].press(AGREE)
    await dutch[2].next_edit()
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM survey_answers WHERE question = 'confidence'") == 5

    # A volunteer enters two paper forms with the same buttons.
    await volunteer.send("/enquete")
    overview = await volunteer.next_message()
    assert "5 van 5 mensen hebben geantwoord (100 %)" in overview.text
    await volunteer.press("📝 Papieren formulier invoeren: Bewoners · TOP")
    for confidence, living in ((FULLY, FULLY), (NO, DONT_KNOW)):
        question = await volunteer.next_edit()
        assert "Papieren formulier" in question.text
        await volunteer.press(confidence)
        await volunteer.next_edit()
        await volunteer.press(living)
        saved = await volunteer.next_edit()
        assert "Papieren formulier bewaard" in saved.text
        await volunteer.press("📝 Volgend papieren formulier")
    await volunteer.next_edit()

    # While open the bot knows who answered; the provider already counts.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_respondents WHERE answered = 1"
                                 ) == 5

    result = await close_round(bot, coordinator, "Bewoners · TOP")
    # confidence: agree by nl0, nl1, nl2 (changed), en0, paper 1 → 5 of 7.
    assert "71 % is het eens (7 antwoorden)" in result.text
    # living: nl0, nl1, nl2, en1, paper 1 agree; en0 and paper 2 do not know → 5 of 5.
    assert "100 % is het eens (5 antwoorden); 2 weten het niet" in result.text
    assert "5 van 5 mensen hebben geantwoord in de chat, 2 op papier" in result.text

    # After the close: only counts, nobody linked to an answer.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_respondents") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_answers") == 0
    assert await bot.db.fetchval(
        "SELECT SUM(n) FROM survey_counts WHERE question = 'confidence'") == 7
    columns = [row[1] for row in await bot.db.fetchall("PRAGMA table_info(survey_counts)")]
    assert "user_id" not in columns and "form_key" not in columns

    # A press on the old message after the close: a kind word, nothing stored.
    await english[0].press_data(old_button, message=first)
    closed = await english[0].next_edit()
    assert "This survey is closed. Nothing was saved" in closed.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_answers") == 0

    async with bot.db.transaction() as conn:
        share = await bot.services.surveys.period_result(conn, "residents", "confidence",
                                                         "top", *YEAR)
        elsewhere_share = await bot.services.surveys.period_result(
            conn, "residents", "confidence", "hart", *YEAR)
    assert (share.n, share.agree) == (7, 5)
    assert abs(share.value - 5 / 7) < 1e-9
    assert elsewhere_share.n == 0 and elsewhere_share.too_few


async def test_fewer_than_five_answers_show_no_share(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    residents = [await bot.resident(f"R{i}") for i in range(4)]
    await start_round(coordinator)
    await sent_report(coordinator)
    for resident in residents:
        await answer_all(resident, AGREE, AGREE)
    result = await close_round(bot, coordinator, "Bewoners · TOP")
    assert "Te weinig antwoorden om te laten zien (4; er zijn er minstens 5 nodig)" in result.text
    assert "%" not in result.text.split("Te weinig")[0].split("gesloten")[-1]
    async with bot.db.transaction() as conn:
        found = await bot.services.surveys.period_result(conn, "residents", "nicer_living",
                                                         "top", *YEAR)
    assert found.value is None and found.n == 4


async def test_started_twice_forged_and_wrong_round_presses_change_nothing(
    bot: BotHarness,
) -> None:
    coordinator = await bot.coordinator()
    resident = await bot.resident()
    volunteers = [await bot.volunteer(f"V{i}", name=f"V{i}") for i in range(5)]
    started = await start_round(coordinator, VOLUNTEERS)
    assert "Vrijwilligers · TOP" in started.text
    await sent_report(coordinator)

    # A second start for the same room (or all rooms) is refused kindly.
    again = await start_round(coordinator, VOLUNTEERS, room="Alle BuurtWerkKamers")
    assert "Er is al een enquête open: Vrijwilligers · TOP" in again.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_rounds") == 1
    await coordinator.press("⬅️ Terug naar de enquêtes")
    listed = await coordinator.next_edit()
    assert "Vrijwilligers · TOP, sinds" in listed.text

    question = await volunteers[0].next_message(timeout=20)
    assert "Geef een cijfer van 1 tot 10" in question.text
    press = button_data(question, "9")
    round_id = int(press.split(":")[2])

    # A resident who forges the volunteer round's button: told kindly, nothing stored.
    await resident.send("/menu")
    await resident.next_message()
    await resident.press_data(press)
    assert "niet voor u" in await next_alert(resident)
    # Forged data: unknown round, unknown question, an answer off the scale.
    for forged in (f"srv:a:{round_id + 7}:0:5", f"srv:a:{round_id}:3:5",
                   f"srv:a:{round_id}:0:11", f"srv:a:{round_id}:0:x", "srv:p:1:zz:0:1"):
        await volunteers[1].press_data(forged, message=question)
        assert "werkt niet meer" in await next_alert(volunteers[1]), forged
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_answers") == 0

    # The same press twice counts once.
    await volunteers[0].press("9", message=question)
    await volunteers[0].next_edit()
    await volunteers[0].press_data(press, message=question)
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_answers") == 1
    for volunteer, score in zip(volunteers[1:], ("8", "7", "10", "9"), strict=True):
        await answer_all(volunteer, score)
    result = await close_round(bot, coordinator, "Vrijwilligers · TOP")
    assert "gemiddeld 8,6 (5 antwoorden)" in result.text


async def test_a_restart_right_after_the_start_sends_each_survey_once(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    residents = [await bot.resident(f"R{i}") for i in range(6)]
    await coordinator.send("/enquete")
    await coordinator.next_message()
    await coordinator.press("▶️ Een enquête starten")
    await coordinator.next_edit()
    await coordinator.press("🏠 Bewoners: vertrouwen en wonen in de buurt")
    await coordinator.next_edit()
    await coordinator.press("TOP")
    preview = await coordinator.next_edit()
    send = button_data(preview, "✅ Enquête versturen")
    # The confirm arrives twice (a double tap, a retried update): one round.
    await coordinator.press_data(send, message=preview)
    await coordinator.press_data(send, message=preview)
    await bot.settle()
    await bot.restart()
    await sent_report(coordinator)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_rounds") == 1
    for resident in residents:
        await resident.next_message(timeout=20)
    await bot.settle()
    for resident in residents:
        asked = [m for m in resident.bot_messages if "Vraag 1 van 2" in (m.text or "")]
        assert len(asked) == 1
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND kind = 'survey'") == 6

    # A resident who lost the message finds the question again with /enquete.
    await residents[0].send("/enquete")
    again = await residents[0].next_message()
    assert "Vraag 1 van 2" in again.text
    await residents[0].press(AGREE, message=again)
    await residents[0].next_edit()
    # /vergeetmij during the round takes their answers along.
    await residents[0].send("/vergeetmij")
    await residents[0].next_message()
    await residents[0].press("Ja, wis alles")
    assert "gewist" in (await residents[0].next_edit()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_answers") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM survey_respondents") == 5

    # Closing drops who was asked from the outbox too; only the total stays.
    await close_round(bot, coordinator, "Bewoners · TOP")
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'survey'") == 0
    assert await bot.db.fetchval("SELECT total FROM broadcasts WHERE kind = 'survey'") == 6
    # A resident (or volunteer) pressing after the close: told kindly, nothing stored.
    await residents[1].press_data(button_data(residents[1].bot_messages[-1], AGREE))
    assert "gesloten" in (await residents[1].next_edit()).text
    assert await bot.db.fetchval("SELECT SUM(n) FROM survey_counts") is None


async def test_a_round_started_at_night_goes_out_in_the_morning(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    resident = await bot.resident()
    bot.clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=TZ))
    started = await start_round(coordinator)
    assert "Het is nu nacht. Daarom gaat hij om 08:00 naar 1 persoon" in started.text
    await bot.tick(at=datetime(2026, 12, 1, 7, 59, tzinfo=TZ), only="surveys")
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM broadcasts WHERE kind = 'survey'"
                                 ) == "scheduled"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE kind = 'survey'") == 0
    assert not [m for m in resident.bot_messages if "Vraag 1 van 2" in (m.text or "")]
    # Announcements' own scheduling does not touch it.
    await bot.tick(at=datetime(2026, 12, 1, 7, 59, tzinfo=TZ), only="announcements")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE kind = 'survey'") == 0
    await bot.tick(at=datetime(2026, 12, 1, 8, 0, tzinfo=TZ), only="surveys")
    assert "Vraag 1 van 2" in (await resident.next_message(timeout=20)).text
    await bot.tick(at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ), only="surveys")
    await sent_report(coordinator)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE kind = 'survey'") == 1
