"""Residents see and erase their own data."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.handlers.commands import set_person_commands
from bot.handlers.my_data import COUNTED
from tests.auxil.calendar import occurrence_id
from tests.auxil.checkins import opt_in
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help
from tests.auxil.meals import first_meal, sign_up


async def test_my_data_as_message_and_file(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    await user.send("/mijngegevens")
    summary = await user.next_message()
    assert "Fatima" in summary.text and "TOP" in summary.text
    document = await user.next_message()
    assert document.document is not None
    data = json.loads(bot.sandbox.document_bytes(document))
    assert data["profile"]["name"] == "Fatima"
    assert data["profile"]["room"] == "top"


async def test_erase_after_confirmation(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    anon_key = (await bot.person(user)).row.anon_key
    await user.send("/vergeetmij")
    ask = await user.next_message()
    assert "niet ongedaan" in ask.text
    await user.press("Nee, bewaren")
    kept = await user.next_edit()
    assert "niets gewist" in kept.text
    assert await bot.person(user) is not None

    await user.send("/vergeetmij")
    await user.next_message()
    await user.press("Ja, wis alles")
    gone = await user.next_edit()
    assert "gewist" in gone.text
    assert await bot.person(user) is None
    row = await bot.db.fetchone("SELECT * FROM users WHERE anon_key = ?", (anon_key,))
    assert row["telegram_id"] is None and row["display_name"] is None
    assert row["erased_at"] is not None

    # They can come back as a new person.
    await user.send("/start")
    prompt = await user.next_message()
    assert "Kies uw taal." in prompt.text


async def test_change_language_and_room(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/taal")
    await user.next_message()
    await user.press("Türkçe")
    done = await user.next_edit()
    assert "Türkçe" in done.text
    await user.next_message()  # the menu, now in Turkish
    assert (await bot.person(user)).language == "tr"
    await user.send("/kamer")
    await user.next_message()
    await user.press("De Verbinding")
    await user.next_edit()
    assert (await bot.person(user)).room == "verbinding"


async def test_privacy_statement(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/privacy")
    text = (await user.next_message()).text
    assert "/vergeetmij" in text and "vrijwilligers" in text


async def _give_data_to_every_feature(bot: BotHarness, user) -> None:
    """A resident who uses the dinner, help, the calendar and the belronde."""
    person = await bot.person(user)
    await bot.services.users.update(person, phone="06 12345678")
    await sign_up(user, (await first_meal(bot)).meal.id)
    await ask_help(bot, user, text="Brief van <b>de</b> gemeente")
    occ = await occurrence_id(bot, "top", "Dutch lessons", date(2026, 12, 1))
    await bot.services.calendar.sign_up(person, occ)
    await bot.services.calendar.set_subscribed(person, "top", True)
    await opt_in(bot, user)
    user.chat.skip_pending()


async def test_my_data_summary_is_readable_and_translated(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    await _give_data_to_every_feature(bot, user)
    await user.send("/mijngegevens")
    summary = await user.next_message()
    text = summary.text
    for expected in ("Naam: Fatima", "Telefoonnummer: 06 12345678", "Taal: Nederlands",
                     "BuurtWerkKamer: TOP", "Rol: bewoner", "Berichten: aan",
                     "Eettafel: 1 aanmelding", "Hulpvragen: 1 vraag",
                     "Activiteiten: 1 aanmelding", "Weekprogramma per bericht: TOP",
                     "Belronde: aan"):
        assert expected in text, expected
    for raw_key in ("help_requests", "meals", "calendar", "checkins", "Also:"):
        assert raw_key not in text
    document = await user.next_message()
    data = json.loads(bot.sandbox.document_bytes(document))
    assert data["help_requests"]["requests"][0]["description"] == "Brief van <b>de</b> gemeente"

    # Every language has its own words for it, and every feature that keeps data has a line.
    await bot.services.users.update(await bot.person(user), language="en")
    await user.send("/mijngegevens")
    english = (await user.next_message()).text
    assert "Shared dinner: 1 sign-up" in english and "Help requests: 1 request" in english
    await user.next_message()


async def test_every_feature_that_keeps_data_has_a_readable_line(bot: BotHarness) -> None:
    """A new feature's export must not end up as "Other saved data" in /mijngegevens."""
    for feature in bot.services.privacy.exporters:
        assert any(key[0] == feature for key in COUNTED), (
            f"add a line for {feature!r} in bot/handlers/my_data.py")


async def test_forget_me_erases_every_feature_and_the_person_comes_back_fresh(
    bot: BotHarness,
) -> None:
    user = await bot.resident(name="Fatima")
    await _give_data_to_every_feature(bot, user)
    old = await bot.person(user)
    await user.send("/vergeetmij")
    await user.next_message()
    await user.press("Ja, wis alles")
    assert "gewist" in (await user.next_edit()).text
    await bot.settle()

    row = await bot.db.fetchone("SELECT * FROM users WHERE id = ?", (old.id,))
    assert row["telegram_id"] is None and row["display_name"] is None and row["phone"] is None
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM meal_signups WHERE user_id = ? AND status != 'cancelled'",
        (old.id,)) == 0
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM help_requests WHERE resident_id = ? OR description IS NOT NULL",
        (old.id,)) == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM activity_signups") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM calendar_subscriptions") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_subscriptions") == 0
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM ptb_user_data WHERE user_id = ?", (user.id,)) == 0
    assert await bot.services.privacy.export(old) is not None  # the anonymous row remains
    left = {key: data for key, data in (await bot.services.privacy.export(old)).items()
            if key != "profile" and data}
    # The eettafel keeps the cancelled seat (for its counts), without wishes or notes.
    assert all(m["status"] == "cancelled" and not m["diet"] and not m["diet_note"]
               for m in left.pop("meals", []))
    assert left == {}, left

    # Back again: a fresh person who sees nothing of the old data.
    await bot.onboard(user, room="TOP (Ondiep e.o.)")
    new = await bot.person(user)
    assert new.id != old.id and new.row.anon_key != old.row.anon_key
    assert new.name is None and new.row.phone is None
    user.chat.skip_pending()
    await user.send("/mijngegevens")
    text = (await user.next_message()).text
    assert "Fatima" not in text and "06 12345678" not in text and "Eettafel" not in text
    data = json.loads(bot.sandbox.document_bytes(await user.next_message()))
    assert set(data) == {"profile"}


async def test_an_erased_volunteer_loses_the_volunteer_command_menu(bot: BotHarness) -> None:
    volunteer = await bot.volunteer()
    await set_person_commands(bot.app, await bot.person(volunteer))
    key = (f"chat:{volunteer.id}", "")
    assert any(c["command"] == "tafel" for c in bot.sandbox.commands.get(key, []))
    await volunteer.send("/vergeetmij")
    await volunteer.next_message()
    await volunteer.press("Ja, wis alles")
    await volunteer.next_edit()
    await bot.settle()
    assert key not in bot.sandbox.commands


async def test_erasing_leaves_other_peoples_unfinished_forms_alone(bot: BotHarness) -> None:
    """PTB's drafts are keyed by Telegram id; an internal id that happens to match is not ours."""
    user = await bot.resident(name="Fatima")
    person = await bot.person(user)
    await bot.db.execute("INSERT INTO ptb_user_data (user_id, data) VALUES (?, ?)",
                         (person.id, '{"onboarding": {"language": "tr"}}'))
    await bot.services.privacy.erase(person)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM ptb_user_data WHERE user_id = ?", (person.id,)) == 1


async def test_an_erasers_notice_exists_exactly_when_the_erasure_does(bot: BotHarness) -> None:
    """An eraser that tells someone queues an outbox row in the erasure's own transaction:
    committed together, or rolled back together (nobody is told of an erasure that failed)."""
    from bot.messaging.message import OutMessage

    fatima = await bot.person(await bot.resident("Fatima", name="Fatima"))
    vera = await bot.person(await bot.volunteer("Vera", name="Vera"))

    async def tells_vera(conn, user_id: int) -> None:
        await bot.services.outbox.enqueue(conn, to=vera.id, kind="test.erased", ref=str(user_id),
                                          message=OutMessage("Er is iets gewist."))

    bot.services.privacy.register("test_tells", None, tells_vera)
    await bot.services.privacy.erase(fatima)
    assert await bot.db.fetchval("SELECT erased_at FROM users WHERE id = ?", (fatima.id,))
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'test.erased' AND ref = ?",
        (str(fatima.id),)) == 1

    # An eraser that fails rolls everything back: nothing erased, nobody told.
    async def fails(conn, user_id: int) -> None:
        raise RuntimeError("disk full")

    bot.services.privacy.register("test_fails", None, fails)
    ahmed = await bot.person(await bot.resident("Ahmed", name="Ahmed"))
    with pytest.raises(RuntimeError):
        await bot.services.privacy.erase(ahmed)
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'test.erased' AND ref = ?",
        (str(ahmed.id),)) == 0
    assert await bot.db.fetchval(
        "SELECT display_name FROM users WHERE id = ?", (ahmed.id,)) == "Ahmed"
