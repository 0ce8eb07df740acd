"""Roles and volunteer invites: single use, bound to a room, valid 7 days, checked server-side."""

from __future__ import annotations

from datetime import timedelta

from tests.auxil.harness import BotHarness
from tests.auxil.invites import follow_link, invite


async def _invite_link(bot: BotHarness, room_label: str = "TOP") -> str:
    return (await invite(bot, room_label))[1]


async def test_invite_makes_a_volunteer_of_that_room(bot: BotHarness) -> None:
    payload = await _invite_link(bot, "De Verbinding")
    newcomer = bot.user("Vera")
    privacy = await follow_link(newcomer, payload)
    assert "/vergeetmij" in privacy.text
    await newcomer.press("✅ Ik ga akkoord")
    await newcomer.next_edit()
    await newcomer.press("Overslaan")
    await bot.settle()
    person = await bot.person(newcomer)
    assert person is not None and person.role == "volunteer" and person.room == "verbinding"
    texts = " ".join(m.text for m in newcomer.bot_messages)
    assert "vrijwilliger" in texts
    # Their own command list now shows volunteer commands.
    scoped = [p for m, p in bot.sandbox.calls
              if m == "setMyCommands" and (p.get("scope") or {}).get("type") == "chat"
              and p["scope"]["chat_id"] == newcomer.id]
    assert scoped and "tafel" in [c["command"] for c in scoped[-1]["commands"]]


async def test_invite_works_once(bot: BotHarness) -> None:
    payload = await _invite_link(bot)
    first = await bot.resident("Eerste")
    await first.send(f"/start {payload}")
    await first.next_message()
    second = await bot.resident("Tweede")
    await second.send(f"/start {payload}")
    answer = await second.next_message()
    assert "al gebruikt" in answer.text
    assert (await bot.person(first)).role == "volunteer"
    assert (await bot.person(second)).role == "resident"


async def test_invite_expires_after_seven_days(bot: BotHarness) -> None:
    payload = await _invite_link(bot)
    bot.clock.advance(timedelta(days=7, minutes=1))
    late = await bot.resident("Laat")
    await late.send(f"/start {payload}")
    answer = await late.next_message()
    assert "verlopen" in answer.text
    assert (await bot.person(late)).role == "resident"


async def test_forged_invite_code_is_refused(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/start inv_doesnotexist")
    answer = await user.next_message()
    assert "niet geldig" in answer.text
    assert (await bot.person(user)).role == "resident"


async def test_coordinator_removes_a_volunteer_who_is_told(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Vera", name="Vera")
    coordinator = await bot.coordinator()
    await coordinator.send("/vrijwilligers")
    listing = await coordinator.next_message()
    assert "Vera" in listing.text
    await coordinator.press("Vera verwijderen")
    await coordinator.next_edit()
    await coordinator.press("Ja, verwijderen")
    done = await coordinator.next_edit()
    assert "niet meer" in done.text
    told = await volunteer.next_message()
    assert "geen vrijwilliger meer" in told.text
    assert (await bot.person(volunteer)).role == "resident"


async def test_wrong_role_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    resident = await bot.resident("Rob")
    await resident.send("/uitnodigen")
    answer = await resident.next_message()
    assert "coördinator" in answer.text
    await volunteer.send("/vrijwilligers")
    answer = await volunteer.next_message()
    assert "coördinator" in answer.text
    # A forged "remove" button from a resident.
    await resident.send("/menu")
    await resident.next_message()
    vera = await bot.person(volunteer)
    await resident.press_data(f"vol:rmok:{vera.id}")
    text, alert = await resident.next_callback_answer()
    assert alert and "coördinator" in text
    assert (await bot.person(volunteer)).role == "volunteer"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM invites") == 0


async def test_resident_cannot_use_volunteer_menu(bot: BotHarness) -> None:
    resident = await bot.resident()
    await resident.send("/menu")
    await resident.next_message()
    await resident.press_data("menu:table")
    text, alert = await resident.next_callback_answer()
    assert alert and "vrijwilligers" in text
