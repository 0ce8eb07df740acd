"""Help requests end to end: intake, notification, claim (also at once), status, handoff,
follow-up, escalation, release, retention, privacy and bad input."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help, start_help, take_on, taken, to_urgency


async def _participation(bot: BotHarness, source: str) -> list:
    return await bot.db.fetchall(
        "SELECT category, source_id FROM participation WHERE source = ? ORDER BY id", (source,))


async def test_intake_notifies_volunteers_and_take_on_tells_the_resident(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera de Vries")
    resident = await bot.resident("Fatima", name="Fatima")
    await resident.send("/hulp")
    menu = await resident.next_message()
    assert "Waar wilt u hulp bij?" in menu.text
    await resident.press("📄 Een brief of formulier")
    ask = await resident.next_edit()
    assert "foto" in ask.text
    await resident.send("Brief van de Belastingdienst, BSN 123456789")
    assert "opgeschreven" in (await resident.next_message()).text
    await resident.send_photo(size=500_000)
    assert "foto ontvangen" in (await resident.next_message()).text
    await resident.press("Verder ➡️")
    assert "Wanneer" in (await resident.next_edit()).text
    await resident.press("📅 Voor een bepaalde datum")
    await resident.next_edit()
    await resident.send("10-12")
    assert "bereiken" in (await resident.next_message()).text
    await resident.press("Stuur mij hier een bericht")
    summary = await resident.next_edit()
    assert "donderdag 10 december" in summary.text and "Belastingdienst" in summary.text
    await resident.press("✅ Versturen")
    done = await resident.next_edit()
    request_id = await bot.db.fetchval("SELECT id FROM help_requests")
    assert f"nummer {request_id}" in done.text
    assert await bot.db.fetchval("SELECT due_on FROM help_requests") == "2026-12-10"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_media") == 1

    note = await volunteer.next_message()
    assert f"Nieuwe hulpvraag {request_id}" in note.text
    assert "Belastingdienst" not in note.text  # the description is not spread around
    await volunteer.press("✋ Ik pak 'm op")
    detail = await volunteer.next_edit()
    assert "Belastingdienst" in detail.text and "Fatima" in detail.text
    photo = await volunteer.next_message()
    assert photo.photo  # passed on by file id
    told = await resident.next_message()
    assert "Vera heeft uw vraag" in told.text and "de Vries" not in told.text
    row = await bot.db.fetchone("SELECT status, volunteer_id FROM help_requests")
    assert row["status"] == "taken"
    assert [tuple(r) for r in await _participation(bot, "help")] == [
        ("formulieren", str(request_id))]
    assert [tuple(r) for r in await _participation(bot, "volunteer")] == [
        ("volunteer", f"help:{request_id}")]

    # Done with an outcome: resident told, media forgotten.
    await volunteer.press_data(f"help:done:{request_id}")
    await volunteer.next_edit()
    await volunteer.press("✅ Geholpen")
    assert "klaar" in (await volunteer.next_edit()).text
    assert "is klaar" in (await resident.next_message()).text
    row = await bot.db.fetchone("SELECT status, outcome FROM help_requests")
    assert (row["status"], row["outcome"]) == ("done", "helped")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_media") == 0


async def test_two_volunteers_tapping_at_once_one_wins(bot: BotHarness) -> None:
    first = await bot.volunteer("Vera", name="Vera")
    second = await bot.volunteer("Wim", name="Wim")
    resident = await bot.resident()
    request_id = await ask_help(bot, resident)
    await bot.settle()
    await first.next_message()
    await second.next_message()
    await asyncio.gather(first.press_data(f"help:take:{request_id}"),
                         second.press_data(f"help:take:{request_id}"))
    await bot.settle()
    holder = await bot.db.fetchval("SELECT volunteer_id FROM help_requests")
    winners = [u for u in (first, second) if (await bot.person(u)).id == holder]
    assert len(winners) == 1
    loser = second if winners[0] is first else first
    text, alert = await loser.next_callback_answer()
    assert alert and "andere vrijwilliger" in text
    assert len(await _participation(bot, "volunteer")) == 1


async def test_intake_resumes_after_a_restart(bot: BotHarness) -> None:
    resident = await bot.resident()
    await start_help(resident, "odd_job")
    await resident.send("De kraan lekt")
    await resident.next_message()
    await bot.settle()
    await bot.restart()
    await resident.press("Verder ➡️")
    assert "Wanneer" in (await resident.next_edit()).text
    await resident.press("Geen haast")
    await resident.next_edit()
    await resident.press("Bel mij")
    await resident.next_edit()
    await resident.send("06 12345678")
    summary = await resident.next_message()
    assert "De kraan lekt" in summary.text and "06 12345678" in summary.text
    await resident.press("✅ Versturen")
    await bot.settle()
    row = await bot.db.fetchone("SELECT kind, category, phone, description FROM help_requests")
    assert tuple(row) == ("odd_job", "klussen", "06 12345678", "De kraan lekt")


async def test_bad_input_in_the_intake_changes_nothing(bot: BotHarness) -> None:
    resident = await bot.resident()
    await start_help(resident)
    await resident.send_photo(size=20 * 1024 * 1024 + 1)
    assert "te groot" in (await resident.next_message()).text
    await resident.send_document(filename="virus.exe", mime_type="application/x-msdownload")
    assert "soort bestand" in (await resident.next_message()).text
    await resident.send_voice(duration=600)
    assert "te lang" in (await resident.next_message()).text
    await resident.send("x" * 5000)
    assert "te lang" in (await resident.next_message()).text
    await resident.send_sticker()
    assert "kan ik niet doorsturen" in (await resident.next_message()).text
    await resident.press_data("help:next")
    await resident.next_edit()
    await resident.press_data("help:w:date")
    await resident.next_edit()
    await resident.send("1-11-2026")
    assert "al voorbij" in (await resident.next_message()).text
    await resident.send("morgen ofzo")
    assert "niet" in (await resident.next_message()).text
    await resident.press_data("help:w:bogus")
    await bot.settle()
    text, alert = resident.callback_answers[-1]
    assert alert and "werkt niet meer" in (text or "")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0
    draft = await bot.db.fetchval("SELECT data FROM ptb_user_data")
    assert "x" * 100 not in (draft or "")


async def test_forged_buttons_leak_nothing(bot: BotHarness) -> None:
    owner = await bot.resident("Fatima")
    request_id = await ask_help(bot, owner, text="Geheime brief BSN 999")
    other = await bot.resident("Rob")
    await other.send("/hulp")
    await other.next_message()
    await other.press_data(f"help:cxok:{request_id}")
    text, alert = await other.next_callback_answer()
    assert alert and "niet vinden" in text
    await other.press_data(f"help:view:{request_id}")
    text, alert = await other.next_callback_answer()
    assert alert and "vrijwilligers" in text
    # A volunteer of another room cannot take or open it.
    stranger = await bot.volunteer("Sam", room="hart", name="Sam")
    await stranger.send("/vragen")
    listing = await stranger.next_message()
    assert str(request_id) not in listing.text
    await stranger.press_data(f"help:take:{request_id}")
    text, alert = await stranger.next_callback_answer()
    assert alert and "niet vinden" in text
    # A volunteer of the room who does not hold it does not see the description.
    local = await bot.volunteer("Wim", name="Wim")
    await local.send("/vragen")
    queue = await local.next_message()
    assert "Geheime" not in queue.text
    await local.press_data(f"help:view:{request_id}")
    text, alert = await local.next_callback_answer()
    assert alert and "niet vinden" in text
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "open"
    assert not any("Geheime" in (m.text or "") for m in stranger.bot_messages + local.bot_messages)


async def test_resident_lists_and_cancels_own_request(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident)
    resident.chat.skip_pending()
    volunteer.chat.skip_pending()
    await resident.send("/hulp")
    await resident.next_message()
    await resident.press("📋 Mijn vragen")
    listing = await resident.next_edit()
    assert "een vrijwilliger helpt u" in listing.text
    await resident.press(f"❌ Vraag {request_id} annuleren")
    await resident.next_edit()
    await resident.press("Ja, annuleren")
    assert "geannuleerd" in (await resident.next_edit()).text
    assert "geannuleerd" in (await volunteer.next_message()).text
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "cancelled"


async def test_notes_hand_back_and_overlong_note(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident)
    volunteer.chat.skip_pending()
    await volunteer.press_data(f"help:note:{request_id}")
    await volunteer.next_edit()
    await volunteer.send("n" * 5000)
    assert "te lang" in (await volunteer.next_message()).text
    await volunteer.send("Gebeld, komt dinsdag langs")
    assert "bewaard" in (await volunteer.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_notes") == 1
    await volunteer.press_data(f"help:view:{request_id}")
    assert "komt dinsdag" in (await volunteer.next_edit()).text
    resident.chat.skip_pending()
    await volunteer.press("↩️ Teruggeven aan de wachtrij")
    assert "wachtrij" in (await volunteer.next_edit()).text
    assert "andere vrijwilliger" in (await resident.next_message()).text
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "open"


async def test_warm_handoff_with_follow_up_answer_to_volunteer(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident, kind="debts")
    volunteer.chat.skip_pending()
    resident.chat.skip_pending()
    await volunteer.press_data(f"help:ref:{request_id}")
    await volunteer.next_edit()
    await volunteer.press("Buurtteam Sociaal")
    assert "Buurtteam Sociaal" in (await volunteer.next_edit()).text
    await volunteer.press("Ja, en ik ga mee")
    await volunteer.next_edit()
    await volunteer.press("Na 1 week")
    assert "overgedragen" in (await volunteer.next_edit()).text
    told = await resident.next_message()
    assert "Buurtteam Sociaal" in told.text and "gaat met u mee" in told.text
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "referred"
    referral_id = await bot.db.fetchval("SELECT id FROM help_referrals")
    assert [tuple(r) for r in await _participation(bot, "referral")] == [
        ("referral", str(referral_id))]
    # Not yet due; then due once, also across a restart.
    await bot.tick(at=datetime(2026, 12, 6, 10, 0, tzinfo=TZ), only="help")
    await bot.settle()
    assert not [m for m in resident.bot_messages if "geholpen?" in (m.text or "")]
    await bot.tick(at=datetime(2026, 12, 7, 10, 0, tzinfo=TZ), only="help")
    question = await resident.next_message()
    assert "Buurtteam Sociaal" in question.text
    await bot.restart()
    await bot.tick(only="help")
    await bot.settle()
    assert len([m for m in resident.bot_messages if "Hebben zij u geholpen" in (m.text or "")]) == 1
    await resident.press("Ja, zij hebben mij geholpen", message=question)
    assert "Dank u" in (await resident.next_edit()).text
    back = await volunteer.next_message()
    assert "Ja, zij hebben mij geholpen" in back.text
    assert await bot.db.fetchval("SELECT followup_answer FROM help_referrals") == "yes"


async def test_referral_from_partner_is_recorded_once(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident, kind="language")
    volunteer.chat.skip_pending()
    await volunteer.press_data(f"help:fpp:{request_id}:taalhuis")
    assert "Naar ons verwezen door Taalhuis Utrecht" in (await volunteer.next_edit()).text
    await volunteer.press_data(f"help:fpp:{request_id}:taalhuis")
    await bot.settle()
    text, alert = volunteer.callback_answers[-1]
    assert alert and "al genoteerd" in (text or "")
    await volunteer.press_data(f"help:fpp:{request_id}:nope")
    await bot.settle()
    text, alert = volunteer.callback_answers[-1]
    assert alert and "partnerorganisatie" in (text or "")
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM help_referrals WHERE direction = 'from_partner'") == 1
    assert len(await _participation(bot, "referral")) == 1


async def test_escalation_release_once_across_restarts(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    waiting = await ask_help(bot, resident, kind="computer", urgency="none")
    held = await taken(bot, volunteer, resident, kind="work", urgency="none")
    volunteer.chat.skip_pending()
    coordinator.chat.skip_pending()
    await bot.tick(at=bot.clock.now() + timedelta(hours=47), only="help")
    await bot.settle()
    assert not coordinator.bot_messages
    await bot.tick(at=bot.clock.now() + timedelta(hours=2), only="help")
    alert = await coordinator.next_message()
    assert f"Vraag {waiting}" in alert.text and "48 uur" in alert.text
    await bot.restart()
    await bot.tick(only="help")
    await bot.settle()
    assert len([m for m in coordinator.bot_messages if "48 uur" in (m.text or "")]) == 1
    # The coordinator may open it and sees the description.
    await coordinator.press(f"Open vraag {waiting}", message=alert)
    assert "Belastingdienst" in (await coordinator.next_edit()).text
    # Held for 7 days without a touch: back to the queue, the volunteer is told once.
    await bot.tick(at=datetime(2026, 12, 7, 9, 30, tzinfo=TZ), only="help")
    released = await volunteer.next_message()
    assert f"Vraag {held}" in released.text and "7 dagen" in released.text
    await bot.tick(only="help")
    await bot.settle()
    assert len([m for m in volunteer.bot_messages if "7 dagen" in (m.text or "")]) == 1
    # The resident is told too (once), so they do not think someone is still on it.
    assert len([m for m in resident.bot_messages
                if f"vraag {held}" in (m.text or "") and "andere vrijwilliger" in m.text]) == 1
    row = await bot.db.fetchone("SELECT status, volunteer_id FROM help_requests WHERE id = ?",
                                (held,))
    assert (row["status"], row["volunteer_id"]) == ("open", None)


async def test_deadline_within_two_days_alerts_coordinator_once(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    resident = await bot.resident()
    request_id = await ask_help(bot, resident, urgency="today")
    coordinator.chat.skip_pending()
    await bot.tick(only="help")
    alert = await coordinator.next_message()
    assert f"Vraag {request_id}" in alert.text and "nog niet klaar" in alert.text
    await bot.tick(only="help")
    await bot.settle()
    assert len([m for m in coordinator.bot_messages if "nog niet klaar" in (m.text or "")]) == 1


async def test_retention_erases_free_text_but_keeps_counts(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident, photo=True)
    await volunteer.press_data(f"help:note:{request_id}")
    await bot.settle()
    await volunteer.send("Notitie met BSN")
    await bot.settle()
    await volunteer.press_data(f"help:dn:{request_id}:helped")
    await bot.settle()
    await bot.tick(at=bot.clock.now() + timedelta(days=89), only="help")
    assert await bot.db.fetchval("SELECT description FROM help_requests") is not None
    await bot.tick(at=bot.clock.now() + timedelta(days=2), only="help")
    row = await bot.db.fetchone("SELECT description, category, outcome, text_erased_at"
                                " FROM help_requests")
    assert row["description"] is None and row["text_erased_at"] is not None
    assert (row["category"], row["outcome"]) == ("formulieren", "helped")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_notes") == 0
    assert len(await _participation(bot, "help")) == 1


async def test_my_data_and_forget_me_include_requests(bot: BotHarness) -> None:
    resident = await bot.resident()
    await ask_help(bot, resident, text="Mijn brief")
    person = await bot.person(resident)
    data = await bot.services.privacy.export(person)
    assert data["help_requests"]["requests"][0]["description"] == "Mijn brief"
    await bot.services.privacy.erase(person)
    row = await bot.db.fetchone("SELECT resident_id, description, status FROM help_requests")
    assert (row["resident_id"], row["description"], row["status"]) == (None, None, "cancelled")


async def test_skills_decide_who_is_told(bot: BotHarness) -> None:
    computer = await bot.volunteer("Carl", name="Carl")
    forms = await bot.volunteer("Fien", name="Fien")
    await forms.send("/vragen")
    await forms.next_message()
    await forms.press("🧰 Waar ik mee help")
    await forms.next_edit()
    await forms.press("▫️ Brieven en formulieren (formulierenbrigade)")
    assert "✅ Brieven" in str((await forms.next_edit()).buttons)
    forms.chat.skip_pending()
    resident = await bot.resident()
    await ask_help(bot, resident, kind="computer")
    await bot.settle()
    assert "Nieuwe hulpvraag" in (await computer.next_message()).text
    assert not [m for m in forms.bot_messages if "Nieuwe hulpvraag" in (m.text or "")]


async def test_menu_buttons_open_intake_and_queue_by_role(bot: BotHarness) -> None:
    resident = await bot.resident()
    volunteer = await bot.volunteer()
    await resident.send("/menu")
    await resident.next_message()
    await resident.press_data("menu:help")
    assert "Waar wilt u hulp bij?" in (await resident.next_edit()).text
    await resident.press_data("menu:queue")
    await bot.settle()
    text, alert = resident.callback_answers[-1]
    assert alert and "vrijwilligers" in (text or "")
    await volunteer.send("/menu")
    await volunteer.next_message()
    await volunteer.press_data("menu:queue")
    assert "Open vragen" in (await volunteer.next_edit()).text


async def test_the_example_date_we_show_is_accepted(bot: BotHarness) -> None:
    """On 30 November the example used to be "1-11": in the past, refused by the same bot."""
    resident = await bot.resident()
    await to_urgency(resident)
    await resident.press("📅 Voor een bepaalde datum")
    ask = await resident.next_edit()
    example = ask.text.split("zo: ", 1)[-1]
    assert example == "7 december"
    await resident.send(example)
    assert "bereiken" in (await resident.next_message()).text


async def test_too_long_caption_is_not_dropped_silently(bot: BotHarness) -> None:
    resident = await bot.resident()
    await start_help(resident)
    await resident.send_photo(caption="w" * 1500)
    answer = (await resident.next_message()).text
    assert "foto ontvangen" in answer and "te lang" in answer
    await bot.settle()
    assert "w" * 100 not in (await bot.db.fetchval("SELECT data FROM ptb_user_data") or "")


async def _call_me(bot: BotHarness, resident: SandboxUser, *, keep: bool | None,
                   number: str | None = None) -> tuple[str, str, str]:
    """Walk /hulp with "call me"; returns the texts of the question, summary and thanks."""
    await to_urgency(resident, "computer")
    await resident.press("Geen haast")
    await resident.next_edit()
    await resident.press("Bel mij")
    ask = (await resident.next_edit()).text  # texts now: the bot edits these messages later
    if keep:
        await resident.press("✅ Ja, op dit nummer")
        summary = (await resident.next_edit()).text
    else:
        await resident.send(number or "")
        summary = (await resident.next_message()).text
    await resident.press("✅ Versturen")
    done = (await resident.next_edit()).text
    return ask, summary, done


async def test_call_me_number_is_shown_changeable_and_private(bot: BotHarness) -> None:
    resident = await bot.resident()
    ask, summary, done = await _call_me(bot, resident, keep=None, number="06 12345678")
    assert "Op welk telefoonnummer" in ask
    assert "06 12345678" in summary
    assert "/mijngegevens" in done  # told that the number is kept, and where to see it
    person = await bot.person(resident)
    assert person is not None and person.row.phone == "06 12345678"
    # Next time the known number is offered, not used blindly; keeping it says nothing new.
    ask, summary, done = await _call_me(bot, resident, keep=True)
    assert "06 12345678" in ask and "ander nummer" in ask
    assert "06 12345678" in summary and "/mijngegevens" not in done
    # A new number replaces the old one, on the request and on the profile.
    ask, summary, done = await _call_me(bot, resident, keep=False, number="06 87654321")
    assert "06 87654321" in summary and "/mijngegevens" in done
    phones = [r[0] for r in await bot.db.fetchall("SELECT phone FROM help_requests ORDER BY id")]
    assert phones == ["06 12345678", "06 12345678", "06 87654321"]
    person = await bot.person(resident)
    assert person is not None and person.row.phone == "06 87654321"
    # /mijngegevens shows it, /vergeetmij erases it everywhere.
    data = await bot.services.privacy.export(person)
    assert data["profile"]["phone"] == "06 87654321"
    assert data["help_requests"]["requests"][0]["phone"] == "06 12345678"
    await resident.send("/mijngegevens")
    await resident.next_message()
    document = await resident.next_message()
    shown = json.loads(bot.sandbox.document_bytes(document))
    assert shown["profile"]["phone"] == "06 87654321"
    await bot.services.privacy.erase(person)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE phone IS NOT NULL") == 0
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM help_requests WHERE phone IS NOT NULL") == 0


async def test_forged_keep_phone_button_without_a_number_changes_nothing(bot: BotHarness) -> None:
    resident = await bot.resident()
    await start_help(resident)
    await resident.press_data("help:ph:keep")
    await bot.settle()
    text, alert = resident.callback_answers[-1]
    assert alert and "werkt niet meer" in (text or "")
    await resident.press_data("help:next")  # the intake goes on where it was
    assert "Wanneer" in (await resident.next_edit()).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0


async def test_coordinator_acting_on_a_held_request_tells_the_volunteer(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    first = await ask_help(bot, resident)
    second = await ask_help(bot, resident, kind="debts")
    for request_id in (first, second):
        await take_on(bot, volunteer, request_id)
    volunteer.chat.skip_pending()
    coordinator.chat.skip_pending()
    await coordinator.send("/vragen")
    await coordinator.next_message()
    # Giving back someone else's request: the holder hears it is no longer theirs.
    await coordinator.press_data(f"help:hb:{first}")
    assert "wachtrij" in (await coordinator.next_edit()).text
    told = await volunteer.next_message()
    assert f"vraag {first}" in told.text and "coördinator" in told.text
    # Handing it over to a partner: the same.
    await coordinator.press_data(f"help:rf:{second}:buurtteam:0:0")
    assert "overgedragen" in (await coordinator.next_edit()).text
    told = await volunteer.next_message()
    assert f"vraag {second}" in told.text and "Buurtteam Sociaal" in told.text
    # Acting on your own request does not message yourself.
    await bot.settle()
    resident.chat.skip_pending()
    third = await taken(bot, volunteer, resident, kind="work")
    volunteer.chat.skip_pending()
    await volunteer.press_data(f"help:dn:{third}:helped")
    await bot.settle()
    assert not [m for m in volunteer.bot_messages if "coördinator" in (m.text or "")
                and f"vraag {third}" in m.text]


async def _forget_me(bot: BotHarness, user: SandboxUser) -> None:
    """The resident uses /vergeetmij and confirms; waits until everything is sent."""
    await user.send("/vergeetmij")
    await user.next_message()
    await user.press("Ja, wis alles")
    assert "gewist" in (await user.next_edit()).text
    await bot.settle()


async def test_forget_me_tells_the_holding_volunteer_once_in_their_language(
    bot: BotHarness,
) -> None:
    holder = await bot.volunteer("Ayse", language="tr", name="Ayşe")
    other = await bot.volunteer("Wim", name="Wim")
    resident = await bot.resident("Fatima", name="Fatima Yilmaz")
    request_id = await taken(bot, holder, resident, text="Brief van de Belastingdienst")
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "taken"
    for user in (holder, other, resident):
        user.chat.skip_pending()
    holder_seen, other_seen = len(holder.chat.bot_log), len(other.chat.bot_log)

    await _forget_me(bot, resident)

    told = await holder.next_message()
    assert f"{request_id} numaralı talep geri çekildi" in told.text
    assert "Fatima" not in told.text and "Yilmaz" not in told.text
    assert "Belastingdienst" not in told.text
    assert len(holder.chat.bot_log) == holder_seen + 1, "told exactly once"
    assert len(other.chat.bot_log) == other_seen, "a volunteer who did not hold it is not told"
    row = await bot.db.fetchone("SELECT status, resident_id, description FROM help_requests")
    assert (row["status"], row["resident_id"], row["description"]) == ("cancelled", None, None)
    # The holder's old "done" button now gets a friendly refusal and changes nothing.
    await holder.press_data(f"help:done:{request_id}")
    await bot.settle()
    answer, alert = holder.callback_answers[-1]
    assert alert and "bulamıyorum" in (answer or "")
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "cancelled"


async def test_forget_me_tells_nobody_when_no_volunteer_holds_a_request(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera")
    resident = await bot.resident("Fatima", name="Fatima")
    # One request that was held but is already done, one that still waits in the queue.
    done_id = await taken(bot, volunteer, resident, text="Eerste brief")
    await volunteer.press_data(f"help:done:{done_id}")
    await bot.settle()
    await volunteer.press("✅ Geholpen")
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                 (done_id,)) == "done"
    resident.chat.skip_pending()
    open_id = await ask_help(bot, resident, text="Tweede brief")
    assert await bot.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                 (open_id,)) == "open"
    volunteer.chat.skip_pending()
    seen = len(volunteer.chat.bot_log)

    await _forget_me(bot, resident)

    assert len(volunteer.chat.bot_log) == seen
    statuses = [r[0] for r in await bot.db.fetchall(
        "SELECT status FROM help_requests ORDER BY id")]
    assert statuses == ["done", "cancelled"]
