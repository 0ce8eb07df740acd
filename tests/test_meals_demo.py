"""README's practice-chat walk-through holds whatever the day and hour ``make demo`` starts:
on a meal day before and after the sign-up deadline, during and after the meal, on Sunday
night, and across both daylight-saving changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import TZ
from tests.auxil.demo import demo_session

MOMENTS = [
    pytest.param(datetime(2026, 12, 1, 10, 0, tzinfo=TZ), id="tuesday-before-deadline"),
    pytest.param(datetime(2026, 12, 1, 14, 0, tzinfo=TZ), id="tuesday-after-deadline"),
    pytest.param(datetime(2026, 12, 3, 18, 30, tzinfo=TZ), id="thursday-during-the-meal"),
    pytest.param(datetime(2026, 12, 3, 21, 0, tzinfo=TZ), id="thursday-after-the-meal"),
    pytest.param(datetime(2026, 12, 6, 23, 30, tzinfo=TZ), id="sunday-night"),
    pytest.param(datetime(2026, 10, 25, 2, 30, tzinfo=TZ), id="dst-ends"),
    pytest.param(datetime(2027, 3, 28, 1, 30, tzinfo=TZ), id="dst-begins"),
    pytest.param(datetime(2027, 3, 30, 12, 30, tzinfo=TZ), id="tuesday-after-dst-begins"),
]


def _labels(message) -> list[str]:
    return [label for row in message.buttons for label in row]


@pytest.mark.parametrize("start", MOMENTS)
async def test_walkthrough_holds_at_any_moment(tmp_path: Path, start: datetime) -> None:
    async with demo_session(tmp_path, start=start) as demo:
        if not hasattr(demo.app.services, "meals"):
            pytest.skip("the eettafel is not in this build")
        vera, fatima = demo.sandbox.users[7002], demo.sandbox.users[7003]
        # Step 2: Vera's /tafel shows Fatima waiting for a yes; one tap confirms her.
        await vera.send("/tafel")
        table = await vera.next_message()
        assert "⏳ Fatima" in table.text and "Mevrouw Jansen" in table.text, table.text
        assert ["✅ Fatima", "✖️ Fatima"] in table.buttons
        before = len(fatima.bot_messages)
        await vera.press("✅ Fatima")
        await vera.next_edit()
        told = await fatima.next_message()
        assert fatima.bot_messages[before:] == [told] and "bevestigd" in told.text
        # The full meal with John on its waiting list: residents see "⏳ Wachtlijst".
        await fatima.send("/eten")
        listing = await fatima.next_message()
        assert any(label.startswith("⏳ Wachtlijst") for label in _labels(listing))
        # Step 4: a new resident signs up for a meal; Vera finds them under /tafel (straight
        # away, or one tap on the "⏳ … to confirm" button when /tafel opens today's list).
        noor = demo.sandbox.add_user(first_name="Noor", language_code="nl")
        await demo.app.services.users.register(noor.id, "nl", "top", display_name="Noor")
        await noor.send("/eten")
        meals = await noor.next_message()
        signup = next(label for label in _labels(meals) if label.startswith("✍️"))
        await noor.press(signup)
        card = await noor.next_edit()
        assert "ontvangen" in card.text
        await vera.send("/tafel")
        table = await vera.next_message()
        if "⏳ Noor" not in table.text:
            other = next(label for label in _labels(table) if "te bevestigen" in label)
            await vera.press(other)
            table = await vera.next_edit()
        assert "⏳ Noor" in table.text and "✅ Noor" in _labels(table)
        await vera.press("✅ Noor")
        await vera.next_edit()
        assert "bevestigd" in (await noor.next_message()).text
