"""Helpers for the end-to-end WhatsApp resident-flow tests (wa-e2e): templates approved on
the stand-in, a window closed long ago, what a person was shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.channels.whatsapp import templates
from tests.auxil.whatsapp import WaHarness


def texts(person: Any) -> list[str]:
    """The texts of every message the person has not looked at yet (and mark them seen)."""
    return [m.text or "" for m in person.drain()]


async def approve_all_templates(wa: WaHarness) -> None:
    """Create every shipped template on the stand-in, approve them, let the bot sync."""
    await templates.create_missing(wa.app)
    for definition in templates.definitions():
        wa.standin.approve(definition.name)
    await templates.sync(wa.app)


async def close_window(wa: WaHarness, person: Any) -> None:
    """As if ``person`` registered and last wrote days ago: the 24-hour window is closed
    for the stand-in and for the bot."""
    person.close_window()
    me = await wa.wa_person(person)
    long_ago = (wa.clock.now() - timedelta(days=2)).isoformat()
    await wa.db.execute("UPDATE addresses SET window_until = ?, created_at = ?"
                        " WHERE person_id = ?", (long_ago, long_ago, me.id))
