"""End to end through the WhatsApp stand-in: a WhatsApp person uses the same bot."""

from __future__ import annotations

from bot.channels.whatsapp import ids


async def test_hoi_language_room_privacy_menu(wa):
    henk = wa.person("Henk")
    await henk.send("Hoi")
    await wa.settle()
    first = henk.drain()
    assert first, "the bot did not answer"
    assert "Nederlands" in first[-1].buttons + first[-1].rows, first[-1]
