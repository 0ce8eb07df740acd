"""Belronde follow-ups made at night: volunteers are told at 08:00, once, across restarts.

Residents may answer "Bel me even" at 22:30; the volunteers are volunteers and are not woken
up. The follow-up is on the ``/belronde`` list at once; the notice waits for the morning tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.checkins import MONDAY_10, answer, asked, belronde_press, count_rows
from tests.auxil.harness import BotHarness
from tests.auxil.outbox import resume

MONDAY_2230 = MONDAY_10.replace(hour=22, minute=30)
TUESDAY_8 = datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
NOTICE = "iemand wil graag gebeld worden"
WAITED = "We wachtten tot de ochtend"


def notices(user, name: str) -> list[str]:
    return [m.text for m in user.bot_messages if m.text and NOTICE in m.text and name in m.text]


async def _vera_coordinator_and_bram(bot: BotHarness) -> tuple[SandboxUser, SandboxUser,
                                                                   SandboxUser]:
    """A volunteer, a coordinator and Bram, who has this Monday's check-in."""
    vera = await bot.volunteer("Vera", name="Vera")
    coordinator = await bot.coordinator()
    bram = await bot.resident("Bram", name="Bram")
    await asked(bot, bram)
    return vera, coordinator, bram


async def test_call_me_at_night_is_announced_at_eight_once_across_a_restart(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    wim = await bot.volunteer("Wim", name="Wim")
    coordinator = await bot.coordinator()
    bram = await bot.resident("Bram", name="Bram")
    await asked(bot, bram)

    bot.clock.set(MONDAY_2230)
    answered = await answer(bram, "Bel me even 📞")
    assert "Een vrijwilliger belt u morgen." in answered.text
    await bot.settle()
    # Nobody is woken up, but the follow-up exists and is on the list at once.
    assert notices(vera, "Bram") == [] and notices(wim, "Bram") == []
    assert await bot.db.fetchval("SELECT announced_at FROM checkin_followups") is None
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Bram" in listing.text and "wil graag gebeld worden" in listing.text

    # Night ticks send nothing; a restart in between forgets nothing.
    for at in (MONDAY_2230 + timedelta(minutes=30), TUESDAY_8 - timedelta(hours=5)):
        await bot.tick(at=at)
    await bot.restart()
    await bot.tick(at=TUESDAY_8 - timedelta(minutes=1))
    await bot.settle()
    assert notices(vera, "Bram") == [] and notices(wim, "Bram") == []

    await bot.tick(at=TUESDAY_8)
    await bot.settle()
    for volunteer in (vera, wim):
        [text] = notices(volunteer, "Bram")
        assert WAITED in text and "22:30" in text
    assert await bot.db.fetchval("SELECT announced_at FROM checkin_followups") is not None
    assert notices(coordinator, "Bram") == []  # the room has volunteers

    # Later ticks and another restart: still exactly one notice each.
    await bot.tick(at=TUESDAY_8 + timedelta(minutes=1))
    await bot.restart()
    await bot.tick(at=TUESDAY_8 + timedelta(hours=2))
    await bot.settle()
    assert len(notices(vera, "Bram")) == 1 and len(notices(wim, "Bram")) == 1

    # A volunteer takes it from the morning notice.
    await vera.press("📞 Ik bel Bram · ma 30 nov")
    await vera.next_edit()
    assert await bot.db.fetchval("SELECT taken_by FROM checkin_followups") == \
        (await bot.person(vera)).id


async def test_untaken_night_follow_up_escalates_a_day_after_the_notice(
    bot: BotHarness,
) -> None:
    vera, coordinator, bram = await _vera_coordinator_and_bram(bot)
    bot.clock.set(MONDAY_2230)
    await answer(bram, "Niet zo goed 😟")
    await bot.tick(at=TUESDAY_8)
    await vera.next_message()
    # A day after 22:30 the volunteers have only had the notice since 08:00: no escalation.
    await bot.tick(at=MONDAY_2230 + timedelta(days=1) - timedelta(hours=2))
    await bot.tick(at=TUESDAY_8 + timedelta(days=1) - timedelta(minutes=1))
    await bot.settle()
    assert not any("Niemand heeft" in (m.text or "") for m in coordinator.bot_messages)
    await bot.tick(at=TUESDAY_8 + timedelta(days=1))
    escalation = await coordinator.next_message()
    assert "Niemand heeft deze persoon al een dag gebeld" in escalation.text


async def test_follow_up_taken_from_the_list_at_night_gets_no_morning_notice(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    wim = await bot.volunteer("Wim", name="Wim")
    bram = await bot.resident("Bram", name="Bram")
    await asked(bot, bram)
    bot.clock.set(MONDAY_2230)
    await answer(bram, "Bel me even 📞")
    # Vera happens to look at 23:00 and takes it herself.
    bot.clock.set(MONDAY_2230 + timedelta(minutes=30))
    await belronde_press(vera, "📞 Ik bel Bram · ma 30 nov")
    await bot.tick(at=TUESDAY_8)
    await bot.settle()
    assert notices(vera, "Bram") == [] and notices(wim, "Bram") == []
    assert await bot.db.fetchval("SELECT announced_at FROM checkin_followups") is not None


async def test_daytime_follow_up_is_told_at_once_and_a_lost_notice_comes_next_tick(
    bot: BotHarness,
) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    bram = await bot.resident("Bram", name="Bram")
    anna = await bot.resident("Anna", name="Anna")
    await asked(bot, bram, anna)
    bot.clock.set(MONDAY_10 + timedelta(hours=1))
    await answer(bram, "Bel me even 📞")
    notice = await vera.next_message()
    assert "Bram" in notice.text and WAITED not in notice.text

    # The process dies between saving Anna's answer and telling the volunteers: the answer
    # (and its follow-up) were committed, the notice was not sent.
    person = await bot.person(anna)
    checkin_id = await bot.db.fetchval("SELECT id FROM checkins WHERE user_id = ?", (person.id,))
    # (Held: the running sender must not send it before the "kill"; a real kill lets it not.)
    async with bot.services.outbox.hold():
        result = await bot.services.checkins.answer(person, checkin_id, "bad")
        assert result.followup_id is not None
        await bot.restart()
    await bot.tick(at=MONDAY_10 + timedelta(hours=1, minutes=1))
    await bot.settle()
    [text] = notices(vera, "Anna")
    assert WAITED not in text
    await bot.tick(at=MONDAY_10 + timedelta(hours=2))
    await bot.settle()
    assert len(notices(vera, "Anna")) == 1 and len(notices(vera, "Bram")) == 1
    assert await count_rows(bot, "checkin_followups", "announced_at IS NULL") == 0


async def test_no_volunteers_the_coordinator_is_not_woken_either(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    bram = await bot.resident("Bram", name="Bram")
    await asked(bot, bram)
    # 02:00 on Tuesday: "today" for the resident (the call comes in the daytime).
    bot.clock.set(TUESDAY_8 - timedelta(hours=6))
    answered = await answer(bram, "Bel me even 📞")
    assert "Een vrijwilliger belt u vandaag." in answered.text
    await bot.tick()
    await bot.settle()
    assert notices(coordinator, "Bram") == []
    await bot.tick(at=TUESDAY_8)
    await bot.settle()
    [text] = notices(coordinator, "Bram")
    assert "02:00" in text


async def test_notice_lost_in_a_long_outage_goes_to_volunteers_before_the_coordinator(
    bot: BotHarness,
) -> None:
    vera, coordinator, bram = await _vera_coordinator_and_bram(bot)
    # The answer is saved, then the bot dies while telling Vera and is down for two days.
    bot.clock.set(MONDAY_10 + timedelta(hours=1))
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await bram.press("Bel me even 📞")
    await bot.settle()
    assert bot.killed and notices(vera, "Bram") == []
    bot.clock.set(MONDAY_10 + timedelta(days=2))
    await resume(bot)
    await bot.tick(at=MONDAY_10 + timedelta(days=2))
    await bot.settle()
    # The volunteers hear first and get their day; the coordinator is not told yet.
    assert len(notices(vera, "Bram")) == 1
    assert not any("Niemand heeft" in (m.text or "") for m in coordinator.bot_messages)
    await bot.tick(at=MONDAY_10 + timedelta(days=3))
    escalation = await coordinator.next_message()
    assert "Niemand heeft deze persoon al een dag gebeld" in escalation.text
