"""People and addresses end to end: a person who blocked the bot and comes back is reachable
again on that address; /mijngegevens shows how we reach them; erasure leaves no address."""

from __future__ import annotations

import json

from tests.auxil.harness import BotHarness


async def _addresses(bot: BotHarness, person_id: int) -> list[tuple]:
    rows = await bot.db.fetchall(
        "SELECT channel, address, reachable FROM addresses WHERE person_id = ?", (person_id,))
    return [tuple(r) for r in rows]


async def test_back_after_a_block_makes_the_address_reachable(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    person = await bot.person(user)
    assert await _addresses(bot, person.id) == [("telegram", str(user.id), 1)]
    await bot.services.users.mark_unreachable(user.id)  # a send said: blocked
    assert await _addresses(bot, person.id) == [("telegram", str(user.id), 0)]
    assert not (await bot.person(user)).reachable
    await user.send("/mijngegevens")  # they are back
    await user.next_message()
    data = json.loads(bot.sandbox.document_bytes(await user.next_message()))
    assert await _addresses(bot, person.id) == [("telegram", str(user.id), 1)]
    assert await bot.db.fetchval("SELECT reachable FROM users WHERE id = ?", (person.id,)) == 1
    # The export says how we reach them, not the channel's own id again.
    assert data["profile"]["addresses"] == [{"channel": "telegram", "reachable": True}]
    assert str(user.id) not in json.dumps(data)


async def test_erasure_deletes_the_address(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    person = await bot.person(user)
    await user.send("/vergeetmij")
    await user.next_message()
    await user.press("Ja, wis alles")
    assert "gewist" in (await user.next_edit()).text
    assert await _addresses(bot, person.id) == []
    assert await bot.db.fetchval("SELECT COUNT(*) FROM addresses") == 0
    assert await bot.services.users.get(user.id) is None
