"""Killed in the middle of the belronde's or the ops warnings' sending, the bot loses nobody.

Every kind the belronde sends on its own (``checkin.question`` to residents, ``checkin.followup``
to the room's volunteers, ``checkin.escalation`` and ``checkin.summary`` to coordinators) and
the coordinators' ``ops.alert`` is an outbox row written with its claim. The bot is killed at
the k-th sendMessage of a run (first, middle, last); after a restart everyone has it, only the
one in flight at the kill twice, every outbox row is final, and the week's claims hold (nothing
is sent again). A check-in counts as sent only once its outbox row is: a resident whose
address is gone goes on the "to call" list instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import TZ
from tests.auxil.checkins import (
    MONDAY_10,
    QUESTION,
    answer,
    asked,
    checkins_of,
    count_rows,
    no_hours_question,
    opt_in,
    vera_and,
)
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.outbox import coordinators, final_states, resume

PEOPLE = 5


def count(users, text: str) -> int:  # type: ignore[no-untyped-def]
    return sum(text in (m.text or "") for u in users for m in u.bot_messages)


@pytest.mark.parametrize("k", [1, 3, PEOPLE])
async def test_weekly_check_in_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    residents = [await bot.resident(f"Bewoner{i}", name=f"Bewoner{i}") for i in range(PEOPLE)]
    for user in residents:
        await opt_in(bot, user)
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=MONDAY_10)
    assert bot.killed and count(residents, QUESTION) == k
    await resume(bot)
    assert_each_once(bot.sandbox, residents, contains=QUESTION, in_flight_max=1)
    assert [len(checkins_of(u)) for u in residents].count(2) == 1  # the one in flight
    assert await final_states(bot, "checkin.question") == {"sent": PEOPLE}
    # The next tick settles what the kill left 'sending' and sends nothing again.
    await bot.tick(at=MONDAY_10 + timedelta(minutes=1))
    await bot.settle()
    assert count(residents, QUESTION) == PEOPLE + 1
    assert await count_rows(bot, "checkins", "status = 'sent' AND sent_at IS NOT NULL") == PEOPLE
    # Every message's buttons work, also the one sent twice.
    for user in residents:
        await answer(user, "Goed 😊")
    assert await count_rows(bot, "checkins", "answer = 'good'") == PEOPLE


async def test_check_in_killed_before_it_left_is_sent_once_and_only_then_counted(
    bot: BotHarness,
) -> None:
    """The known defect: a kill between the claim and the send left the week 'sending' for
    good, and it counted as sent. Now the row waits in the outbox and counts once sent."""
    residents = [await bot.resident(f"Bewoner{i}", name=f"Bewoner{i}") for i in range(3)]
    for user in residents:
        await opt_in(bot, user)
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await bot.tick(at=MONDAY_10)
    assert bot.killed and count(residents, QUESTION) == 0
    await resume(bot)
    assert_each_once(bot.sandbox, residents, contains=QUESTION, in_flight_max=0)
    assert await count_rows(bot, "checkins", "status = 'sent'") == 3


async def test_gone_address_goes_on_the_to_call_list_at_once(bot: BotHarness) -> None:
    vera, lies = await vera_and(bot, "Lies")
    lies.blocked = True  # noticed only when the check-in gets a 403
    await bot.tick(at=MONDAY_10)
    await bot.settle()
    notice = await vera.next_message()
    assert "Lies" in notice.text and "geblokkeerd" in notice.text
    assert await bot.db.fetchval("SELECT status FROM checkins") == "unreachable"
    assert await final_states(bot, "checkin.question") == {"unreachable": 1}
    assert await count_rows(bot, "checkin_followups", "reason = 'unreachable'") == 1


async def test_gone_address_is_listed_also_when_a_kill_came_right_after_the_403(
    bot: BotHarness,
) -> None:
    """The outbox wrote 'unreachable' and died before the belronde heard of it: the next tick
    reads the outbox state and puts the resident on the list all the same."""
    vera, lies = await vera_and(bot, "Lies")
    lies.blocked = True
    service = bot.services.checkins
    settle = service.settle

    async def dies(now, checkin_id=None):  # type: ignore[no-untyped-def]
        if checkin_id is not None:  # the outbox's call right after the 403
            raise RuntimeError("killed")
        await settle(now)

    service.settle = dies  # type: ignore[method-assign]
    await bot.tick(at=MONDAY_10)
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM checkins") == "sending"
    await bot.restart()
    await bot.tick(at=MONDAY_10 + timedelta(minutes=1))
    await bot.settle()
    notice = await vera.next_message()
    assert "Lies" in notice.text and "geblokkeerd" in notice.text
    assert await bot.db.fetchval("SELECT status FROM checkins") == "unreachable"


@pytest.mark.parametrize("k", [1, 2, 4])
async def test_follow_up_notice_survives_a_kill_at_the_tap(bot: BotHarness, k: int) -> None:
    """"Niet zo goed": the answer and the notices to the room's volunteers are one change;
    killed at the k-th notice, the rest still go out after the restart."""
    volunteers = [await bot.volunteer(f"Vrijw{i}", name=f"Vrijw{i}") for i in range(4)]
    fatima = await bot.resident("Fatima", name="Fatima")
    await asked(bot, fatima)
    await bot.settle()
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await fatima.press("Niet zo goed 😟")
    await bot.settle()
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, volunteers, contains="Fatima", in_flight_max=1)
    assert await final_states(bot, "checkin.followup") == {"sent": 4}
    assert await bot.db.fetchval("SELECT answer FROM checkins") == "bad"


@pytest.mark.parametrize("k", [1, 3, PEOPLE])
async def test_no_answer_escalation_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    """"Extra aandacht" with no answer for two days: the follow-up and its notices (here to
    the coordinators: the room has no volunteers) are one transaction."""
    people = await coordinators(bot, PEOPLE)
    henk = await bot.resident("Henk", name="Henk")
    await opt_in(bot, henk, extra_attention=True)
    await bot.tick(at=MONDAY_10)
    await henk.next_message()
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="extra aandacht", in_flight_max=1)
    assert await final_states(bot, "checkin.followup") == {"sent": PEOPLE}
    await bot.tick(at=MONDAY_10 + timedelta(days=2, minutes=1))
    await bot.settle()
    assert count(people, "extra aandacht") == PEOPLE + 1
    assert await count_rows(bot, "checkin_followups", "reason = 'no_answer'") == 1


@pytest.mark.parametrize("k", [1, 3, PEOPLE])
async def test_untaken_escalation_to_coordinators_survives_a_kill(bot: BotHarness, k: int
                                                                   ) -> None:
    people = await coordinators(bot, PEOPLE)
    vera = await bot.volunteer("Vera", name="Vera")
    await no_hours_question(bot, vera)
    fatima = await bot.resident("Fatima", name="Fatima")
    await asked(bot, fatima)
    await answer(fatima, "Bel me even 📞")
    await vera.next_message()
    await bot.settle()  # the tap's handler has recorded the notice as sent
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=MONDAY_10 + timedelta(days=1, minutes=5))  # nobody took it for a day
    assert bot.killed
    await resume(bot)
    text = "Niemand heeft deze persoon al een dag gebeld"
    assert_each_once(bot.sandbox, people, contains=text, in_flight_max=1)
    assert await final_states(bot, "checkin.escalation") == {"sent": PEOPLE}
    await bot.tick(at=MONDAY_10 + timedelta(days=1, minutes=6))
    await bot.settle()
    assert count(people, text) == PEOPLE + 1


@pytest.mark.parametrize("k", [1, 3, PEOPLE])
async def test_weekly_summary_survives_a_kill_mid_run(bot: BotHarness, k: int) -> None:
    people = await coordinators(bot, PEOPLE)
    residents = [await bot.resident(f"Bewoner{i}", name=f"Bewoner{i}") for i in range(2)]
    for user in residents:
        await opt_in(bot, user)
    await bot.tick(at=MONDAY_10)
    await residents[0].press("Goed 😊")
    await residents[0].next_edit()
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=MONDAY_10 + timedelta(days=7, hours=-2))  # next Monday 08:00
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="week 49", in_flight_max=1)
    summary = next(m.text for m in people[0].bot_messages if "week 49" in (m.text or ""))
    assert "Verstuurd: 2. Beantwoord: 1." in summary
    assert await final_states(bot, "checkin.summary") == {"sent": PEOPLE}
    await bot.tick(at=MONDAY_10 + timedelta(days=7, hours=-1))
    await bot.settle()
    assert count(people, "week 49") == PEOPLE + 1


@pytest.mark.parametrize("k", [1, 3, PEOPLE])
async def test_ops_alert_survives_a_kill_mid_run(bot: BotHarness, k: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    people = await coordinators(bot, PEOPLE)
    when = datetime(2026, 12, 1, 3, 5, tzinfo=TZ)

    async def failed() -> tuple[str, datetime]:
        return "No space left on device", when

    monkeypatch.setattr(type(bot.services.ops), "backup_failure", lambda self: failed())
    bot.kill_at(method="sendMessage", n=k, delivered=True)
    await bot.tick(at=when + timedelta(minutes=1), only="ops")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="reservekopie", in_flight_max=1)
    assert await final_states(bot, "ops.alert") == {"sent": PEOPLE}
    await bot.tick(at=when + timedelta(minutes=2), only="ops")  # once per incident
    await bot.settle()
    assert count(people, "reservekopie") == PEOPLE + 1
