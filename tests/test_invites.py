"""Volunteer invites from the newcomer's side (issue 12, point 14): a used or expired link
leads to the ordinary room question, a good one to one clear volunteer welcome, the inviting
coordinator is told, and using a link twice or by two people at once is safe."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.i18n import translator
from tests.auxil.harness import BotHarness
from tests.auxil.invites import invite

WELCOME = "Welkom! U bent nu vrijwilliger van TOP."


async def test_a_used_link_asks_the_room_question_as_a_normal_onboarding(
        bot: BotHarness) -> None:
    _coordinator, payload = await invite(bot)
    first = await bot.resident("Eerste")
    await first.send(f"/start {payload}")
    await first.next_message()
    newcomer = bot.user("Nadia")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("Nederlands")
    question = await newcomer.next_edit()
    assert "Deze uitnodiging is al gebruikt" in question.text
    assert "Welke BuurtWerkKamer is van u?" in question.text
    assert await bot.person(newcomer) is None  # nothing stored before the privacy step
    await newcomer.press("De Verbinding (Zuilen)")
    await newcomer.next_edit()
    await newcomer.press("✅ Ik ga akkoord")
    await newcomer.next_edit()
    await newcomer.press("Overslaan")
    await bot.settle()
    person = await bot.person(newcomer)
    assert person.role == "resident" and person.room == "verbinding"
    texts = [m.text for m in newcomer.bot_messages]
    assert any("Welkom! Uw BuurtWerkKamer is De Verbinding." in t for t in texts)
    assert not any("TOP" in t for t in texts)


async def test_an_expired_link_asks_the_room_question_too(bot: BotHarness) -> None:
    _coordinator, payload = await invite(bot)
    bot.clock.advance(timedelta(days=8))
    newcomer = bot.user("Laat")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("English")
    question = await newcomer.next_edit()
    assert "has expired" in question.text and "Which BuurtWerkKamer is yours?" in question.text
    assert next(b for row in question.buttons for b in row).startswith("TOP")


async def test_a_good_link_gives_one_welcome_and_tells_the_coordinator(bot: BotHarness) -> None:
    coordinator, payload = await invite(bot)
    newcomer = bot.user("Vera")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("Nederlands")
    await newcomer.next_edit()
    await newcomer.press("✅ Ik ga akkoord")
    await newcomer.next_edit()
    told = await coordinator.next_message()
    assert "Vera heeft uw uitnodiging gebruikt en is nu vrijwilliger van TOP." in told.text
    await newcomer.send("Vera")
    welcome = await newcomer.next_message()
    await bot.settle()
    assert welcome.text.startswith(WELCOME)
    assert "/tafel" in welcome.text and "/belronde" in welcome.text
    labels = [b for row in welcome.buttons for b in row]
    assert "📞 Terugbellen belronde" in labels and "🍽 Eettafellijst" not in welcome.text
    # One welcome with one menu: no second menu, no residents' check-in question.
    after_name = newcomer.bot_messages[newcomer.bot_messages.index(welcome):]
    assert len(after_name) == 1
    assert not any("belronde" in (m.text or "").lower() and "meedoen" in (m.text or "").lower()
                   for m in newcomer.bot_messages)
    person = await bot.person(newcomer)
    assert person.role == "volunteer" and person.room == "top" and person.name == "Vera"
    assert sum("uitnodiging gebruikt" in (m.text or "") for m in coordinator.bot_messages) == 1


async def test_the_same_link_twice_changes_nothing(bot: BotHarness) -> None:
    coordinator, payload = await invite(bot)
    resident = await bot.resident("Rob", name="Rob")
    await resident.send(f"/start {payload}")
    first = await resident.next_message()
    assert first.text.startswith(WELCOME)
    await resident.send(f"/start {payload}")
    again = await resident.next_message()
    assert "U bent al vrijwilliger van TOP. Er is niets veranderd." in again.text
    await bot.settle()
    assert sum("uitnodiging gebruikt" in (m.text or "") for m in coordinator.bot_messages) == 1
    assert (await bot.person(resident)).role == "volunteer"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM invites WHERE used_by IS NOT NULL") == 1


async def test_two_people_at_once_make_one_volunteer(bot: BotHarness) -> None:
    coordinator, payload = await invite(bot)
    one, two = await bot.resident("Een"), await bot.resident("Twee")
    await asyncio.gather(one.send(f"/start {payload}"), two.send(f"/start {payload}"))
    await bot.settle()
    roles = sorted([(await bot.person(one)).role, (await bot.person(two)).role])
    assert roles == ["resident", "volunteer"]
    texts = [m.text for m in one.bot_messages + two.bot_messages]
    assert sum(t.startswith(WELCOME) for t in texts) == 1
    assert sum("al gebruikt" in t for t in texts) == 1
    assert sum("uitnodiging gebruikt" in (m.text or "") for m in coordinator.bot_messages) == 1


async def test_two_newcomers_at_once_one_volunteer_the_other_onboards(bot: BotHarness) -> None:
    _coordinator, payload = await invite(bot)
    a, b = bot.user("Anna"), bot.user("Bas")
    for user in (a, b):
        await user.send(f"/start {payload}")
        await user.next_message()
        await user.press("Nederlands")
        await user.next_edit()
    # Both saw the privacy step (the link was still free); both agree at the same moment.
    await asyncio.gather(a.press("✅ Ik ga akkoord"), b.press("✅ Ik ga akkoord"))
    await bot.settle()
    people = [await bot.person(a), await bot.person(b)]
    assert sorted(p.role if p else "none" for p in people) == ["none", "volunteer"]
    loser = b if people[0] is not None else a
    asked = loser.bot_messages[-1]
    assert "al gebruikt" in asked.text and "Welke BuurtWerkKamer is van u?" in asked.text
    loser.chat.skip_pending()
    await loser.press("TOP (Ondiep e.o.)")
    name_question = await loser.next_edit()
    assert "Hoe mogen we u noemen?" in name_question.text  # no second privacy step
    assert (await bot.person(loser)).role == "resident"


async def test_arabic_welcome_isolates_commands(bot: BotHarness) -> None:
    _coordinator, payload = await invite(bot)
    ar = translator("ar")
    newcomer = bot.user("Amal", language_code="ar")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("العربية")
    await newcomer.next_edit()
    await newcomer.press(ar._("✅ I agree"))
    await newcomer.next_edit()
    await newcomer.press(ar._("Skip"))
    welcome = await newcomer.next_message()
    assert "\u2068/tafel\u2069" in welcome.text and "\u2068/belronde\u2069" in welcome.text


async def test_the_coordinator_is_told_even_when_the_bot_is_killed_at_that_send(
        bot: BotHarness) -> None:
    """The notice is queued in the redemption's own transaction: a kill as it is sent loses
    nothing; after the restart the coordinator has it (twice at most: it was in flight)."""
    from tests.auxil.harness import assert_each_once

    coordinator, payload = await invite(bot)
    newcomer = bot.user("Vera")
    await newcomer.send(f"/start {payload}")
    await newcomer.next_message()
    await newcomer.press("Nederlands")
    await newcomer.next_edit()
    bot.kill_at(method="sendMessage", n=1, delivered=False)
    await newcomer.press("✅ Ik ga akkoord")
    await bot.sandbox.changed.wait_for(lambda: bot.killed, 10)
    await bot.crash()
    await bot.services.outbox.deliver()
    assert_each_once(bot.sandbox, [coordinator], contains="Vera heeft uw uitnodiging gebruikt")
    assert await bot.db.fetchval(
        "SELECT state FROM outbox WHERE kind = 'onboarding.invite_used'") == "sent"
    person = await bot.person(newcomer)
    assert person.role == "volunteer"
