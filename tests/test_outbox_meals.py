"""The eettafel, killed in the middle of what it sends on its own (issue 13, CORE13 §5).

For every kind the eettafel sends on its own — ``meal.reminder`` (09:00), ``meal.list`` (the
cook's final list, a row per page), ``meal.digest`` (new sign-ups for the kookgroep),
``meal.notice`` after a tap (the waiting list's offer, a confirmation) and ``meal.late_diet``
— the bot is killed at the k-th send (first, middle, last) and restarted: everyone got it,
nobody twice except the one in flight at the kill, and every outbox row is final. The issue's
"why": killed during the 09:00 run, 8 of 12 residents never got their reminder; killed while
the cook's list went out, the list never arrived.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.harness import START, BotHarness, assert_each_once
from tests.auxil.meals import first_meal, one_seat_and_a_waiter, status
from tests.auxil.outbox import (
    all_sent,
    count,
    kill_at_send,
    killed_and_resumed,
    only_the_kth_twice,
    resume,
)

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # the meal day's reminder moment
DEADLINE = datetime(2026, 12, 1, 12, 0, tzinfo=TZ)  # the cook's final list
REMINDER, FINAL_LIST = "Herinnering", "Definitieve lijst"
DIGEST = "nieuwe aanmelding"


def labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [label for row in message.buttons for label in row]


async def diners(bot: BotHarness, n: int) -> tuple[int, list[SandboxUser]]:
    """``n`` residents signed up for Tuesday's meal (through the service: fast)."""
    meal = (await first_meal(bot)).meal
    people = [await bot.resident(f"D{i}", name=f"Diner {i}") for i in range(n)]
    for user in people:
        await bot.services.meals.sign_up(await bot.person(user), meal.id)
    return meal.id, people


async def kookgroep(bot: BotHarness, n: int) -> list[SandboxUser]:
    return [await bot.volunteer(f"V{i}", name=f"Vera {i}") for i in range(n)]


# --- meal.reminder: 09:00, to everyone signed up -------------------------------------------


@pytest.mark.parametrize("k", [1, 6, 12])
async def test_morning_reminders_reach_all_twelve_despite_a_kill(bot: BotHarness, k: int
                                                                 ) -> None:
    _meal, people = await diners(bot, 12)
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=MORNING, only="meals")
    assert bot.killed
    await only_the_kth_twice(bot, k, people, REMINDER)
    await all_sent(bot, "meal.reminder", 12)
    await bot.tick(at=MORNING + timedelta(minutes=5), only="meals")  # claimed with its rows
    await bot.settle()
    assert sum(count(p, REMINDER) for p in people) == 13


async def test_a_kill_before_the_first_reminder_left_sends_each_once(bot: BotHarness) -> None:
    _meal, people = await diners(bot, 4)
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await bot.tick(at=MORNING, only="meals")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, people, contains=REMINDER, in_flight_max=0)
    await all_sent(bot, "meal.reminder", 4)


async def test_a_reminder_says_how_things_stand_when_it_is_sent(bot: BotHarness) -> None:
    """Queued at 09:00, sent later (a slow Telegram, a restart): a sign-up cancelled in
    between is not reminded ('skipped'); the others hear where they stand then."""
    meal_id, people = await diners(bot, 3)
    bot.clock.set(MORNING)
    async with bot.services.outbox.hold():  # queued, not yet sent
        await bot.services.meals.tick(MORNING)
        await bot.services.meals.cancel(await bot.person(people[2]), meal_id)
    await bot.services.outbox.deliver(wait_turns=True)
    assert [count(p, REMINDER) for p in people] == [1, 1, 0]
    assert await bot.services.outbox.counts("meal.reminder") == {"sent": 2, "skipped": 1}


# --- meal.list: the cook's final list, a row per page --------------------------------------


async def _before_the_deadline(bot: BotHarness, volunteers: int, diners_n: int
                               ) -> tuple[int, list[SandboxUser], list[SandboxUser]]:
    kitchen = await kookgroep(bot, volunteers)
    meal_id, people = await diners(bot, diners_n)
    await bot.tick(at=MORNING, only="meals")  # digest and reminders out of the way
    await bot.settle()
    return meal_id, kitchen, people


@pytest.mark.parametrize("k", [1, 3, 5])
async def test_final_list_reaches_every_volunteer_despite_a_kill(bot: BotHarness, k: int
                                                                 ) -> None:
    _meal, kitchen, _people = await _before_the_deadline(bot, 5, 3)
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=DEADLINE, only="meals")
    assert bot.killed
    await only_the_kth_twice(bot, k, kitchen, FINAL_LIST)
    for volunteer in kitchen:
        final = [m for m in volunteer.bot_messages if FINAL_LIST in (m.text or "")][-1]
        assert "Diner 2" in final.text and "📋 Open de lijst" in labels(final)
    await all_sent(bot, "meal.list", 5)
    await bot.tick(at=DEADLINE + timedelta(minutes=5), only="meals")
    await bot.settle()
    assert sum(count(v, FINAL_LIST) for v in kitchen) == 6


@pytest.mark.parametrize("k", [1, 4, 6])
async def test_a_long_final_list_keeps_every_page_despite_a_kill(bot: BotHarness, k: int
                                                                 ) -> None:
    """Two pages to each of three volunteers: killed at page k of the six, each volunteer
    ends with both pages; only the page in flight came twice."""
    meal_id, kitchen, _people = await _before_the_deadline(bot, 3, 2)
    coordinator = await bot.person(await bot.coordinator())
    for i in range(70):
        await bot.services.meals.add_offline(
            coordinator, meal_id, f"P{i:03d} Wilhelmina Johanna Catharina van den Berg-Oost")
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=DEADLINE, only="meals")
    assert bot.killed
    await resume(bot)
    for page in ("(pagina 1 van 2)", "(pagina 2 van 2)"):
        assert all(count(v, page) >= 1 for v in kitchen), page
    pages = [count(v, "(pagina 1 van 2)") + count(v, "(pagina 2 van 2)") for v in kitchen]
    assert sum(pages) == 7 and pages[(k - 1) // 2] == 3, pages
    for volunteer in kitchen:  # the button to the live list under the last page only
        last = [m for m in volunteer.bot_messages if "(pagina 2 van 2)" in (m.text or "")][-1]
        assert "📋 Open de lijst" in labels(last)
    await all_sent(bot, "meal.list", 6)


# --- meal.digest: new sign-ups, batched, to the kookgroep ---------------------------------


@pytest.mark.parametrize("k", [1, 3, 5])
async def test_new_sign_ups_digest_reaches_every_volunteer_despite_a_kill(
        bot: BotHarness, k: int) -> None:
    kitchen = await kookgroep(bot, 5)
    await diners(bot, 2)
    bot.kill_at(method="sendMessage", n=k)
    await bot.tick(at=START + timedelta(minutes=31), only="meals")
    assert bot.killed
    await resume(bot)
    assert_each_once(bot.sandbox, kitchen, contains=DIGEST)
    assert [count(v, DIGEST) for v in kitchen].index(2) == k - 1
    await all_sent(bot, "meal.digest", 5)
    await bot.tick(at=START + timedelta(hours=1), only="meals")  # announced once
    await bot.settle()
    assert sum(count(v, DIGEST) for v in kitchen) == 6


# --- meal.notice: caused by a tap, sent after its commit -----------------------------------


@pytest.mark.parametrize("delivered", [False, True])
async def test_the_waiting_lists_offer_survives_a_kill_at_its_send(
        bot: BotHarness, delivered: bool) -> None:
    """Anna gives up her seat; the offer to Bram (first on the waiting list) was committed
    with her cancel and is in flight when the bot dies: after the restart he has it."""
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    await anna.press("❌ Aanmelding afzeggen")
    await anna.next_edit()
    kill_at_send(bot, delivered=delivered)
    await anna.press("Ja, afzeggen")
    await killed_and_resumed(bot)
    assert await status(bot, bram, meal.id) == "offered"
    assert_each_once(bot.sandbox, [bram], contains="Goed nieuws",
                     in_flight_max=1 if delivered else 0)
    offer = [m for m in bram.bot_messages if "Goed nieuws" in (m.text or "")][-1]
    assert "✅ Ja, ik kom" in labels(offer)
    await all_sent(bot, "meal.notice", 1)


async def test_a_confirmation_survives_a_kill_at_its_send(bot: BotHarness) -> None:
    meal_id, people = await diners(bot, 1)
    vera = (await kookgroep(bot, 1))[0]
    await vera.send("/tafel")
    await vera.next_message()
    kill_at_send(bot, delivered=False)
    await vera.press("✅ Diner 0")
    await killed_and_resumed(bot)
    assert await status(bot, people[0], meal_id) == "confirmed"
    assert_each_once(bot.sandbox, people, contains="is bevestigd", in_flight_max=0)
    await all_sent(bot, "meal.notice", 1)


async def test_an_offer_answered_before_it_went_out_is_not_sent(bot: BotHarness) -> None:
    """A queued offer that is no longer true when its turn comes (the seat went on) is
    skipped, not sent: the outbox never says something untrue."""
    meal, anna, bram = await one_seat_and_a_waiter(bot)
    await bot.services.outbox.stop_sender()
    async with bot.services.outbox.hold():
        await bot.services.meals.cancel(await bot.person(anna), meal.id)
        await bot.services.meals.answer_offer(await bot.person(bram), meal.id, False)
    await bot.services.outbox.deliver(wait_turns=True)
    assert count(bram, "Goed nieuws") == 0
    assert await bot.services.outbox.counts("meal.notice") == {"skipped": 1}


# --- meal.late_diet: food wishes changed after the final list ------------------------------


async def test_a_late_food_wish_reaches_the_kookgroep_despite_a_kill(bot: BotHarness) -> None:
    meal_id, kitchen, people = await _before_the_deadline(bot, 3, 1)
    await bot.tick(at=DEADLINE, only="meals")
    await bot.settle()
    await people[0].press_data(f"meal:note:{meal_id}")
    await bot.settle()  # "What are you allergic to?"
    kill_at_send(bot, 2)  # her card first, then the kookgroep's three
    await people[0].send("pinda")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, kitchen, contains="pinda")
    await all_sent(bot, "meal.late_diet", 3)


# --- meal.notice to many at once: a coordinator cancels the meal -----------------------------


@pytest.mark.parametrize("k", [1, 3, 5])
async def test_a_cancelled_meal_is_told_to_everyone_despite_a_kill(bot: BotHarness, k: int
                                                                   ) -> None:
    """The cancel and its five notices are one transaction: killed at the first, middle or
    last notice (after the coordinator's own answer), every diner hears it, once."""
    meal_id, people = await diners(bot, 5)
    carla = await bot.coordinator()
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press("🚫 Deze eettafel afzeggen")
    await carla.next_edit()
    kill_at_send(bot, k)
    await carla.press("Ja, eettafel afzeggen")
    await killed_and_resumed(bot)
    assert_each_once(bot.sandbox, people, contains="gaat niet door")
    await all_sent(bot, "meal.notice", 5)
    assert await bot.db.fetchval("SELECT cancelled_at IS NOT NULL FROM meals WHERE id = ?",
                                 (meal_id,)) == 1
