"""Residents see and erase their own data."""

from __future__ import annotations

import json

from tests.auxil.harness import BotHarness


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
