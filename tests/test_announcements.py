"""Coordinator announcements end to end: compose, audience, preview, send, report, opt-out."""

from __future__ import annotations

from tests.auxil.announcements import announcements_of, compose, report
from tests.auxil.harness import BotHarness


async def test_coordinator_sends_to_their_room_and_gets_a_report(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    fatima = await bot.resident("Fatima", name="Fatima")
    ahmed = await bot.resident("Ahmed", language="ar")
    other_room = await bot.resident("Henk", room="hart")
    question = await compose(coordinator, "De kamer is <morgen> dicht.")
    assert "2 personen krijgen het bericht" in question.text
    assert "Iedereen in mijn kamer" in question.text
    await coordinator.press("✅ Nu versturen")
    final = await report(coordinator)
    assert "Afgeleverd: 2" in final.text
    [got] = announcements_of(fatima)
    assert "Nieuws van TOP" in got.text and "De kamer is <morgen> dicht." in got.text
    assert "/berichten" in got.text
    [got_ar] = announcements_of(ahmed)
    assert "أخبار من TOP" in got_ar.text
    assert announcements_of(other_room) == []
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM broadcast_outbox WHERE state = 'sent'") == 2
    assert await bot.db.fetchval("SELECT status FROM broadcasts") == "done"
    # The progress message was edited into the final numbers.
    texts = [m.text for m in coordinator.bot_messages]
    assert any("klaar: 2 van 2 verwerkt" in (t or "") for t in texts)
