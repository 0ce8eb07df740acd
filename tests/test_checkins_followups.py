"""Belronde review: truthful "today"/"tomorrow", timed-out sends, and residents we cannot reach.

A resident who blocked the bot has one open "to call" entry at a time; a volunteer closes it
with a note and decides whether the belronde goes on by phone or ends. Residents marked
unreachable by Telegram's ``my_chat_member`` update and by a 403 on the weekly send are handled
the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut

from tests.auxil.checkins import (
    MONDAY_10,
    answer,
    asked,
    checkins_of,
    count_rows,
    done_with_note,
    last_answer,
    opt_in,
    vera_and,
    worried,
)
from tests.auxil.harness import BotHarness
from tests.auxil.outbox import resume


def sends_to(bot: BotHarness, chat_id: int) -> int:
    return sum(1 for method, params in bot.sandbox.calls
               if method == "sendMessage" and params.get("chat_id") == chat_id)


async def test_call_me_late_in_the_evening_says_tomorrow(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    early = await bot.resident("Anna", name="Anna")
    late = await bot.resident("Bram", name="Bram")
    await asked(bot, early, late)

    bot.clock.set(MONDAY_10.replace(hour=19, minute=59))
    answered = await answer(early, "Bel me even 📞")
    assert "Een vrijwilliger belt u vandaag." in answered.text
    await bot.settle()  # Vera is told at once, before the clock moves on

    # After the room's last calling hour (20:00 by default) nobody calls today.
    bot.clock.set(MONDAY_10.replace(hour=22, minute=30))
    answered = await answer(late, "Niet zo goed 😟")
    assert "Een vrijwilliger belt u morgen." in answered.text
    assert "vandaag" not in answered.text
    # The follow-up is made all the same; Vera hears about it in the morning, not at night
    # (tests/test_checkins_night.py).
    await bot.settle()
    assert await count_rows(bot, "checkin_followups", "reason IN ('call', 'bad')") == 2
    assert any("Anna" in (m.text or "") for m in vera.bot_messages)
    assert not any("Bram" in (m.text or "") for m in vera.bot_messages)
    await bot.tick(at=MONDAY_10.replace(day=1, month=12, hour=8))
    await bot.settle()
    assert sum("Bram" in (m.text or "") for m in vera.bot_messages) == 1


async def test_room_calling_hour_is_a_setting(bot: BotHarness) -> None:
    room = bot.config.rooms["top"]
    assert room.belronde_calls_until.hour == 20
    service = bot.services.checkins
    assert service.calls_today("top", MONDAY_10.replace(hour=19, minute=59))
    assert not service.calls_today("top", MONDAY_10.replace(hour=20))
    assert service.calls_today("top", MONDAY_10.replace(hour=2))  # later today, in daytime


async def test_timed_out_send_counts_as_sent_and_extra_attention_escalates(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Henk", name="Henk")
    await opt_in(bot, user, extra_attention=True)
    bot_class = type(bot.app.bot)  # type: ignore[union-attr]
    original = bot_class.send_message

    async def arrives_but_times_out(self: Any, chat_id: Any, text: str, *args: Any,
                                    **kwargs: Any) -> Any:
        message = await original(self, chat_id, text, *args, **kwargs)
        if chat_id == user.id and "Hoe gaat het" in text:
            raise TimedOut()
        return message

    monkeypatch.setattr(bot_class, "send_message", arrives_but_times_out)
    await bot.tick(at=MONDAY_10)
    await user.next_message()
    await bot.tick(at=MONDAY_10 + timedelta(hours=2))
    await bot.settle()
    assert len(checkins_of(user)) == 1  # never resent
    assert await bot.db.fetchval("SELECT status FROM checkins") == "sent"

    # No answer within two days: the "extra aandacht" safety net still works.
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    notice = await vera.next_message()
    assert "Henk" in notice.text and "extra aandacht" in notice.text
    assert await count_rows(bot, "checkin_followups", "reason = 'no_answer'") == 1


async def test_process_died_after_sending_extra_attention_still_escalates(
    bot: BotHarness,
) -> None:
    """Killed right after the check-in left: after the restart the outbox sends it again (the
    one in flight may come twice), it counts as delivered and "extra aandacht" escalates."""
    vera = await bot.volunteer("Vera", name="Vera")
    user = await bot.resident("Henk", name="Henk")
    await opt_in(bot, user, extra_attention=True)
    bot.kill_at(method="sendMessage", n=1, delivered=True)
    await bot.tick(at=MONDAY_10)
    assert bot.killed and len(checkins_of(user)) == 1
    await resume(bot)
    assert len(checkins_of(user)) == 2  # the one in flight, never none
    await bot.tick(at=MONDAY_10 + timedelta(minutes=1))
    assert await bot.db.fetchval("SELECT status FROM checkins") == "sent"
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    notice = await vera.next_message()
    assert "Henk" in notice.text and "extra aandacht" in notice.text


async def test_never_delivered_check_in_is_neither_counted_nor_escalated(
    bot: BotHarness,
) -> None:
    """Telegram refuses every attempt until the evening: the week's row stays unsent (no
    escalation, not in the summary) and the next morning it is tried again, once."""
    vera, user = await vera_and(bot, "Henk", extra_attention=True)
    bot.sandbox.faults.error(500, methods=["sendMessage"], seconds=24 * 3600)
    await bot.tick(at=MONDAY_10)
    for hours in (1, 3, 6, 10, 11):  # the outbox retries with backoff until 21:00
        await bot.tick(at=MONDAY_10 + timedelta(hours=hours))
    await bot.settle()
    assert checkins_of(user) == []
    assert await bot.db.fetchval("SELECT status FROM checkins") == "sending"
    assert await count_rows(bot, "outbox", "kind = 'checkin.question' AND state = 'expired'") == 1
    bot.sandbox.faults.clear()
    await bot.tick(at=MONDAY_10.replace(hour=23))  # night: nothing
    await bot.settle()
    assert checkins_of(user) == []
    await bot.tick(at=MONDAY_10 + timedelta(days=1, hours=-2))  # Tuesday 08:00
    await bot.settle()
    assert len(checkins_of(user)) == 1
    assert await bot.db.fetchval("SELECT status FROM checkins") == "sent"
    sent_at = await bot.db.fetchval("SELECT sent_at FROM checkins")
    assert sent_at.startswith("2026-12-01")
    # Two days from Tuesday, not from Monday: no escalation on Wednesday morning.
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    await bot.settle()
    assert not [m for m in vera.bot_messages if "Henk" in (m.text or "")]
    await bot.tick(at=MONDAY_10 + timedelta(days=3))
    notice = await vera.next_message()
    assert "Henk" in notice.text and "extra aandacht" in notice.text


async def test_unreachable_by_telegram_update_or_by_403_both_go_on_the_list(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    kees = await bot.resident("Kees", name="Kees")
    lies = await bot.resident("Lies", name="Lies")
    for user in (kees, lies):
        await opt_in(bot, user)
    # Kees blocks on Sunday: Telegram's my_chat_member "kicked" marks him at once.
    kees.block()
    await bot.settle()
    assert not (await bot.person(kees)).row.reachable
    kees_sends = sends_to(bot, kees.id)
    # Lies's block is only noticed when the weekly send gets a 403.
    lies.blocked = True
    assert (await bot.person(lies)).row.reachable

    await bot.tick(at=MONDAY_10)
    await bot.settle()
    assert sends_to(bot, kees.id) == kees_sends  # nothing is even tried for Kees
    assert not (await bot.person(lies)).row.reachable
    assert await count_rows(bot, "checkin_followups", "reason = 'unreachable'") == 2
    assert await count_rows(bot, "checkins", "status = 'unreachable'") == 2
    notices = [(await vera.next_message()).text for _ in range(2)]
    assert all("geblokkeerd" in text for text in notices)
    assert any("Kees" in text for text in notices) and any("Lies" in text for text in notices)
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Kees" in listing.text and "Lies" in listing.text

    # The next week adds nothing while both entries are open.
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await bot.settle()
    assert await count_rows(bot, "checkin_followups", "reason = 'unreachable'") == 2
    assert sum("iemand wil graag gebeld worden" in (m.text or "")
               for m in vera.bot_messages) == 2


async def test_volunteer_closes_to_call_entry_and_decides_what_happens_next(
    bot: BotHarness,
) -> None:
    vera, kees = await vera_and(bot, "Kees")
    kees.block()
    await bot.tick(at=MONDAY_10)
    await vera.next_message()

    # Week 1: reached by phone; he wants the weekly call to go on.
    await vera.press("📞 Ik bel Kees · ma 30 nov")
    await vera.next_edit()
    await vera.press("✅ Klaar: Kees · ma 30 nov")
    question = await vera.next_edit()
    assert "elke week" in question.text
    await vera.send("wat?")  # typed instead of a button: asked again, nothing changes
    again = await vera.next_message()
    assert "knoppen" in again.text
    assert await count_rows(bot, "checkin_followups", "done_at IS NULL") == 1
    await done_with_note(bot, vera, "📞 Ja, elke week blijven bellen",
                         "Telefonisch gesproken, gaat goed")
    kees_id = (await bot.person(kees)).id
    assert await bot.db.fetchval(
        "SELECT active FROM checkin_subscriptions WHERE user_id = ?", (kees_id,)) == 1

    # Week 2: the belronde goes on by phone: a new entry.
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    notice = await vera.next_message()
    assert "Kees" in notice.text
    assert await count_rows(bot, "checkin_followups", "done_at IS NULL") == 1
    await vera.press("📞 Ik bel Kees · ma 7 dec")
    await vera.next_edit()
    await vera.press("✅ Klaar: Kees · ma 7 dec")
    await vera.next_edit()
    # Moved away: off the belronde.
    await vera.press("🛑 Nee, haal uit de belronde")
    await vera.next_edit()
    await vera.press("Geen notitie")
    done = await vera.next_edit()
    assert "Kees" in done.text and "uit de belronde" in done.text
    assert await bot.db.fetchval(
        "SELECT active FROM checkin_subscriptions WHERE user_id = ?", (kees_id,)) == 0

    # Week 3: nothing more.
    await bot.tick(at=MONDAY_10 + timedelta(days=14))
    await bot.settle()
    assert await count_rows(bot, "checkin_followups") == 2
    assert await count_rows(bot, "checkin_followups", "done_at IS NULL") == 0
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Kees" not in listing.text


async def test_outcome_button_outside_the_flow_or_for_an_answer_changes_nothing(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    user = await worried(bot, "Fatima", name="Fatima")
    await vera.next_message()
    # A forged outcome button, outside the "Done" step: refused.
    await vera.press_data("chk:out:stop")
    _text, alert = await last_answer(bot, vera)
    assert alert
    # A resident who answered herself gets no outcome question: straight to the note.
    await vera.press("📞 Ik bel Fatima · ma 30 nov")
    await vera.next_edit()
    await vera.press("✅ Klaar: Fatima · ma 30 nov")
    ask = await vera.next_edit()
    assert "notitie" in ask.text and "elke week" not in ask.text
    await vera.press_data("chk:out:stop")  # forged inside the note step: refused
    await bot.settle()
    await vera.press("Geen notitie")
    await bot.settle()
    fatima_id = (await bot.person(user)).id
    assert await bot.db.fetchval(
        "SELECT active FROM checkin_subscriptions WHERE user_id = ?", (fatima_id,)) == 1


async def test_list_says_when_a_blocked_resident_can_get_messages_again(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    kees = await bot.resident("Kees", name="Kees")
    await opt_in(bot, kees)
    kees.block()
    await bot.tick(at=MONDAY_10)
    await vera.next_message()
    kees.unblock()
    await bot.settle()
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Kees" in listing.text and "kan weer berichten van ons krijgen" in listing.text
    # The next week's message reaches him again; the open entry stays for a volunteer.
    await bot.tick(at=MONDAY_10 + timedelta(days=7))
    await kees.next_message()
    assert len(checkins_of(kees)) == 1


async def test_one_failing_volunteer_chat_does_not_stop_the_others_hearing(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    piet = await bot.volunteer("Piet", name="Piet")
    user = await bot.resident("Fatima", name="Fatima")
    await asked(bot, user)
    bot_class = type(bot.app.bot)  # type: ignore[union-attr]
    original = bot_class.send_message
    first, second = sorted([vera, piet], key=lambda u: u.id)

    async def flaky(self: Any, chat_id: Any, *args: Any, **kwargs: Any) -> Any:
        if chat_id == first.id:
            raise NetworkError("connection reset")
        return await original(self, chat_id, *args, **kwargs)

    monkeypatch.setattr(bot_class, "send_message", flaky)
    answered = await answer(user, "Niet zo goed 😟")
    assert "Een vrijwilliger belt u" in answered.text
    notice = await second.next_message()
    assert "Fatima" in notice.text
    assert await count_rows(bot, "checkin_followups") == 1
