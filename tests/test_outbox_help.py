"""Help requests, killed in the middle of what they send on their own (issue 13, CORE13 §5).

For every kind the feature sends on its own — ``help.new`` to the matched helpers,
``help.unclaimed`` / ``help.due_soon`` to the coordinators, ``help.released`` to volunteer and
resident, ``help.partner_followup`` to the resident, ``help.notice`` after a tap, and
``help.media`` (the resident's photo for the volunteer who takes the request on) — the bot is
killed at the k-th send (first, middle, last) and restarted: everyone got it, nobody twice
except the one in flight at the kill, and every outbox row is final.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness, assert_each_once
from tests.auxil.help_requests import ask_help, press_send, start_help, taken, urgency_and_contact
from tests.auxil.outbox import (
    all_sent,
    coordinators,
    count,
    each_once,
    final_states,
    killed_and_resumed,
    resume,
    until_killed,
)

# --- help.new: a new request to every matched helper ---------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5])
async def test_new_request_reaches_every_helper_despite_a_kill(bot: BotHarness, k: int) -> None:
    helpers = [await bot.volunteer(f"Vera{i}", name=f"Vera{i}") for i in range(5)]
    resident = await bot.resident()
    await start_help(resident)
    await resident.press_data("help:next")
    await resident.next_edit()
    await urgency_and_contact(resident)
    bot.kill_at(method="sendMessage", n=k)
    await press_send(resident)  # the resident's "thank you" is an edit; then the notices
    await until_killed(bot)
    assert sum(count(h, "Nieuwe hulpvraag") for h in helpers) == k
    await resume(bot)
    request_id = await bot.db.fetchval("SELECT MAX(id) FROM help_requests")
    assert_each_once(bot.sandbox, helpers, contains=f"Nieuwe hulpvraag {request_id}")
    assert [count(h, "Nieuwe hulpvraag") for h in helpers].index(2) == k - 1
    await all_sent(bot, "help.new", 5)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 1


# --- help.unclaimed and help.due_soon: to the room's coordinators --------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_unclaimed_alert_survives_a_kill(bot: BotHarness, k: int) -> None:
    people = await coordinators(bot, 3)
    resident = await bot.resident()
    waiting = await ask_help(bot, resident, kind="computer", urgency="none")
    await bot.settle()
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=bot.clock.now() + timedelta(hours=49), only="help")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains=f"Vraag {waiting}")
    assert sum(count(p, "48 uur") for p in people) == 4
    await all_sent(bot, "help.unclaimed", 3)
    await bot.tick(only="help")  # claimed with its rows: nothing again after the restart
    await bot.settle()
    assert sum(count(p, "48 uur") for p in people) == 4


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_due_soon_alert_survives_a_kill(bot: BotHarness, k: int) -> None:
    people = await coordinators(bot, 3)
    resident = await bot.resident()
    await ask_help(bot, resident, urgency="today")
    await bot.settle()
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(only="help")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains="nog niet klaar")
    await all_sent(bot, "help.due_soon", 3)
    await bot.tick(only="help")
    await bot.settle()
    assert sum(count(p, "nog niet klaar") for p in people) == 4


# --- help.released: volunteer and resident after 7 days untouched ------------------------


@pytest.mark.parametrize("k", [1, 3, 6])
async def test_release_after_seven_days_survives_a_kill(bot: BotHarness, k: int) -> None:
    volunteers, residents = [], []
    for i in range(3):
        volunteer = await bot.volunteer(f"Vera{i}", name=f"Vera{i}")
        resident = await bot.resident(f"Fatima{i}")
        await taken(bot, volunteer, resident, urgency="none")
        volunteers.append(volunteer)
        residents.append(resident)
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=bot.clock.now() + timedelta(days=7, hours=1), only="help")
    assert bot.killed
    await resume(bot)
    each_once([(volunteers, "7 dagen"), (residents, "andere vrijwilliger")])
    await all_sent(bot, "help.released", 6)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM help_requests WHERE status = 'open'") == 3
    await bot.tick(only="help")
    await bot.settle()
    assert sum(count(v, "7 dagen") for v in volunteers) <= 4


# --- help.partner_followup: the resident, a week after a handover --------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
async def test_partner_followup_survives_a_kill(bot: BotHarness, k: int) -> None:
    volunteer = await bot.volunteer()
    residents = []
    for i in range(3):
        resident = await bot.resident(f"Fatima{i}")
        request_id = await taken(bot, volunteer, resident, kind="debts")
        await volunteer.press_data(f"help:rf:{request_id}:buurtteam:0:7")
        await bot.settle()
        residents.append(resident)
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=bot.clock.now() + timedelta(days=7, hours=1), only="help")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, residents, contains="Hebben zij u geholpen")
    await all_sent(bot, "help.partner_followup", 3)


# --- help.notice: killed right at the notice a tap causes ----------------------------------


async def _taken(bot: BotHarness, photo: bool = False) -> tuple[SandboxUser, SandboxUser, int]:
    volunteer = await bot.volunteer("Vera", name="Vera")
    resident = await bot.resident()
    request_id = await taken(bot, volunteer, resident, photo=photo)
    return volunteer, resident, request_id


async def test_take_on_notice_and_photo_survive_a_kill_at_the_notice(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera")
    resident = await bot.resident()
    request_id = await ask_help(bot, resident, photo=True)
    bot.kill_at(method="sendMessage", n=1)  # the volunteer's card is an edit; then this
    await volunteer.press_data(f"help:take:{request_id}")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, [resident], contains="Vera heeft uw vraag")
    assert sum(1 for m in volunteer.bot_messages if m.photo) == 1  # after the kill, once
    await all_sent(bot, "help.notice", 1)
    await all_sent(bot, "help.media", 1)
    assert await bot.db.fetchval("SELECT status FROM help_requests") == "taken"


async def test_photo_for_the_volunteer_survives_a_kill_at_its_send(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera")
    resident = await bot.resident()
    request_id = await ask_help(bot, resident, photo=True)
    bot.kill_at(method="sendPhoto", n=1)
    await volunteer.press_data(f"help:take:{request_id}")
    await killed_and_resumed(bot)
    assert 1 <= sum(1 for m in volunteer.bot_messages if m.photo) <= 2  # it was in flight
    assert_each_once(bot.sandbox, [resident], contains="Vera heeft uw vraag", in_flight_max=0)
    await all_sent(bot, "help.media", 1)


@pytest.mark.parametrize("tap, who, contains", [
    ("help:hb:{n}", "resident", "andere vrijwilliger"),
    ("help:dn:{n}:helped", "resident", "is klaar"),
    ("help:rf:{n}:buurtteam:1:7", "resident", "Buurtteam Sociaal"),
    ("help:cxok:{n}", "volunteer", "geannuleerd"),
])
async def test_notice_caused_by_a_tap_survives_a_kill_at_its_send(
        bot: BotHarness, tap: str, who: str, contains: str) -> None:
    volunteer, resident, request_id = await _taken(bot)
    tapper = resident if who == "volunteer" else volunteer
    told = volunteer if who == "volunteer" else resident
    for user in (volunteer, resident):
        user.chat.skip_pending()
    if tap.startswith("help:cxok"):  # the resident's "cancel" list is a message to edit
        await resident.send("/hulp")
        await resident.next_message()
    before = count(told, contains)
    bot.kill_at(method="sendMessage", n=1)
    await tapper.press_data(tap.format(n=request_id))
    await killed_and_resumed(bot)
    assert 1 <= count(told, contains) - before <= 2
    await final_states(bot, "help.notice")


async def test_followup_answer_reaches_the_volunteer_despite_a_kill(bot: BotHarness) -> None:
    volunteer, resident, request_id = await _taken(bot)
    await volunteer.press_data(f"help:rf:{request_id}:buurtteam:0:7")
    await bot.settle()
    await bot.tick(at=bot.clock.now() + timedelta(days=7, hours=1), only="help")
    await resident.next_message()
    referral_id = await bot.db.fetchval("SELECT id FROM help_referrals")
    bot.kill_at(method="sendMessage", n=1)  # the resident's thanks is an edit
    await resident.press_data(f"help:fu:{referral_id}:yes")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, [volunteer], contains="antwoordde")
    await final_states(bot, "help.notice")


async def test_erasure_tells_the_holder_despite_a_kill(bot: BotHarness) -> None:
    volunteer, resident, request_id = await _taken(bot)
    resident.chat.skip_pending()
    await resident.send("/vergeetmij")
    await resident.next_message()
    bot.kill_at(method="sendMessage", n=1)  # the goodbye is an edit; then the holder
    await resident.press("Ja, wis alles")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, [volunteer], contains=f"{request_id} is ingetrokken")
    await final_states(bot, "help.notice")


# --- the account side of the area: a removed volunteer, a newcomer mark ---------------------


async def test_removed_volunteer_is_told_despite_a_kill(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera")
    coordinator = await bot.coordinator()
    vera = await bot.person(volunteer)
    await coordinator.send("/vrijwilligers")
    await coordinator.next_message()
    bot.kill_at(method="sendMessage", n=1)  # the coordinator's "done" is an edit
    await coordinator.press_data(f"vol:rmok:{vera.id}")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, [volunteer], contains="geen vrijwilliger meer")
    await all_sent(bot, "volunteers.removed", 1)
    assert (await bot.person(volunteer)).role == "resident"


async def test_newcomer_mark_notice_survives_a_kill(bot: BotHarness) -> None:
    volunteer, resident, request_id = await _taken(bot)
    resident.chat.skip_pending()
    bot.kill_at(method="sendMessage", n=1)  # the volunteer's "noted" is an edit
    await volunteer.press_data(f"rpt:ncy:{request_id}")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, [resident], contains="nieuw bent in Nederland")
    await all_sent(bot, "report.newcomer_marked", 1)
