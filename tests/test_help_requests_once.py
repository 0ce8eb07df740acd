"""Issue 12.2: every final action of a help request happens once, however often it arrives.

A double tap, three presses at once, or the old "Send" pressed again after a crash-restart:
exactly one request, one set of notices, and the extra press hears a friendly "already"."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help, send_data, take_on, taken


async def _to_summary(bot: BotHarness, user: SandboxUser, text: str = "Brief van de gemeente"
                      ) -> None:
    """Walk /hulp up to the summary with its "✅ Versturen" button."""
    await user.send("/hulp")
    await user.next_message()
    await user.press("📄 Een brief of formulier")
    await user.next_edit()
    await user.send(text)
    await user.next_message()
    await user.press("Verder ➡️")
    await user.next_edit()
    await user.press("Deze week")
    await user.next_edit()
    await user.press("Stuur mij hier een bericht")
    summary = await user.next_edit()
    assert "✅ Versturen" in [b for row in summary.buttons for b in row]


def _notices(volunteer: SandboxUser) -> list[str]:
    return [m.text for m in volunteer.bot_messages if "Nieuwe hulpvraag" in (m.text or "")]


async def test_double_tap_on_send_makes_one_request_and_one_notice(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    await _to_summary(bot, resident)
    summary = resident.last
    data = send_data(resident)
    await asyncio.gather(resident.press_data(data, message=summary),
                         resident.press_data(data, message=summary))
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1
    request_id = await bot.db.fetchval("SELECT id FROM help_requests")
    assert len(_notices(volunteer)) == 1
    assert f"nummer {request_id}" in resident.last.text
    answers = [text for text, alert in resident.callback_answers if alert and text]
    assert any("al verstuurd" in a and str(request_id) in a for a in answers)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_media") == 0


async def test_three_presses_at_once_for_five_residents(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    residents = [await bot.resident(f"R{i}") for i in range(5)]
    for resident in residents:
        await _to_summary(bot, resident, text=f"Brief {resident.first_name}")
    presses = []
    for resident in residents:
        summary, data = resident.last, send_data(resident)
        presses += [resident.press_data(data, message=summary) for _ in range(3)]
    await asyncio.gather(*presses)
    await bot.settle()
    rows = await bot.db.fetchall("SELECT resident_id, COUNT(*) FROM help_requests"
                                 " GROUP BY resident_id")
    assert len(rows) == 5 and all(row[1] == 1 for row in rows)
    assert len(_notices(volunteer)) == 5
    for resident in residents:
        already = [t for t, alert in resident.callback_answers if alert and "al verstuurd" in t]
        assert len(already) == 2


async def test_old_send_after_a_crash_restart_makes_no_second_request(bot: BotHarness) -> None:
    """The crash case: the conversation state on disk is older than the request (PTB writes
    it every few seconds). The old "Versturen" must find the request, not make another."""
    volunteer = await bot.volunteer()
    resident = await bot.resident()
    await _to_summary(bot, resident)
    await bot.restart()  # the summary step is now on disk
    path = bot.config.database
    with sqlite3.connect(path) as conn:
        before = {
            "conv": conn.execute("SELECT name, key, state FROM ptb_conversations").fetchall(),
            "user": conn.execute("SELECT user_id, data FROM ptb_user_data").fetchall(),
        }
    summary, data = resident.last, send_data(resident)
    await resident.press_data(data, message=summary)
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1
    await bot.stop()
    with sqlite3.connect(path) as conn:  # kill -9: the last state never reached the disk
        conn.execute("DELETE FROM ptb_conversations")
        conn.execute("DELETE FROM ptb_user_data")
        conn.executemany("INSERT INTO ptb_conversations VALUES (?, ?, ?)", before["conv"])
        conn.executemany("INSERT INTO ptb_user_data VALUES (?, ?)", before["user"])
    await bot.start()
    await resident.press_data(data, message=summary)
    text, alert = await _last_answer(bot, resident)
    assert alert and "al verstuurd" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1
    assert len(_notices(volunteer)) == 1
    # Also once the conversation has ended normally: the old button still answers kindly.
    await bot.restart()
    await resident.press_data(data, message=summary)
    text, alert = await _last_answer(bot, resident)
    assert alert and "al verstuurd" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1


async def _last_answer(bot: BotHarness, user: SandboxUser) -> tuple[str, bool]:
    await bot.settle()
    text, alert = user.callback_answers[-1]
    return text or "", alert


async def test_forged_send_key_of_someone_else_changes_nothing(bot: BotHarness) -> None:
    owner = await bot.resident("Fatima")
    await _to_summary(bot, owner)
    data = send_data(owner)
    other = await bot.resident("Rob")
    await _to_summary(bot, other)
    await other.press_data(data)  # Fatima's key on Rob's summary
    text, alert = await _last_answer(bot, other)
    assert alert and "werkt niet meer" in text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0
    await other.press_data(send_data(other))  # Rob's own button still works
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1


async def test_double_taps_on_take_hand_back_done_refer_and_cancel(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident()

    async def twice(user: SandboxUser, data: str) -> list[str]:
        message = user.last
        seen = len(user.callback_answers)
        await asyncio.gather(user.press_data(data, message=message),
                             user.press_data(data, message=message))
        await bot.settle()
        return [t or "" for t, alert in user.callback_answers[seen:] if alert]

    first = await ask_help(bot, resident)
    answers = await twice(volunteer, f"help:take:{first}")
    assert answers == ["U heeft deze hulpvraag al opgepakt."]
    told = [m for m in resident.bot_messages if "heeft uw vraag" in (m.text or "")]
    assert len(told) == 1
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE source = 'volunteer'") == 1

    resident.chat.skip_pending()
    answers = await twice(volunteer, f"help:hb:{first}")
    assert answers == ["Deze hulpvraag staat al weer in de wachtrij."]
    waiting = [m for m in resident.bot_messages if "andere vrijwilliger" in (m.text or "")]
    assert len(waiting) == 1
    assert await bot.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                 (first,)) == "open"

    await take_on(bot, volunteer, first)
    answers = await twice(volunteer, f"help:dn:{first}:helped")
    assert answers == ["Deze hulpvraag is al klaar. Er is niets veranderd."]
    done = [m for m in resident.bot_messages if "is klaar" in (m.text or "")]
    assert len(done) == 1
    counted = await bot.db.fetchval(
        "SELECT COUNT(*) FROM participation WHERE source = 'help' AND source_id = ?", (first,))
    assert counted == 1  # one request is one contact for the funders, however often tapped

    resident.chat.skip_pending()
    second = await taken(bot, volunteer, resident, kind="debts")
    answers = await twice(volunteer, f"help:rf:{second}:buurtteam:0:7")
    assert answers == ["Deze hulpvraag is al overgedragen aan een partnerorganisatie."]
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_referrals WHERE request_id = ?",
                                 (second,)) == 1
    handed = [m for m in resident.bot_messages if "overgedragen" in (m.text or "")]
    assert len(handed) == 1

    resident.chat.skip_pending()
    third = await ask_help(bot, resident)
    volunteer.chat.skip_pending()
    await resident.send("/hulp")
    await resident.next_message()
    answers = await twice(resident, f"help:cxok:{third}")
    assert answers == ["Deze hulpvraag is al geannuleerd."]
    assert await bot.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                 (third,)) == "cancelled"


async def test_service_makes_one_request_for_one_key_under_concurrency(bot: BotHarness) -> None:
    """The rule itself, without Telegram: the same draft key sent three times at once."""
    resident = await bot.resident()
    person = await bot.person(resident)
    results = await asyncio.gather(*[
        bot.services.help.create(person, kind="letter", description="Brief", media=[],
                                 urgency="none", chosen_date=None, contact="visit",
                                 phone=None, submit_key="draft-key-1")
        for _ in range(3)])
    assert sorted(r.created for r in results) == [False, False, True]
    assert len({r.request.id for r in results}) == 1
    assert all(not r.helpers for r in results if not r.created)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1
