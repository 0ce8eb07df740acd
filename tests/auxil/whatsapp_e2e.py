"""Helpers for the end-to-end WhatsApp resident-flow tests (wa-e2e): templates approved on
the stand-in, a window closed long ago, what a person was shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.channels.whatsapp import templates
from tests.auxil.checkins import MONDAY_10
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


#: The first dinner's buttons on the "eten" list (the frozen clock's Tuesday 1 December).
SIGN_UP = "✍️ Aanmelden di 1 dec"
WAITING_LIST = "⏳ Wachtlijst di 1 dec"


async def dinner_tap(wa: WaHarness, person: Any, button: str = SIGN_UP) -> None:
    """``person`` asks for the dinners ("eten") and taps ``button`` (sign up by default)."""
    await person.send("eten")
    await wa.settle()
    await person.tap(button)
    await wa.settle()


async def letter_help(wa: WaHarness, person: Any) -> None:
    """``person`` asks for help ("hulp") with a letter or form; the bot asks for it."""
    await person.send("hulp")
    await wa.settle()
    await person.tap("📄 Een brief of formulier")
    await wa.settle()


async def diet_note_asked(wa: WaHarness, person: Any) -> None:
    """``person`` signs up for the first dinner, taps "allergie" and "write it": the bot
    now waits for the typed note (what it said so far is drained)."""
    await dinner_tap(wa, person)
    await person.tap("allergie")
    await wa.settle()
    person.drain()
    await person.tap("✏️ Schrijf waar u…")  # the label, shortened to WhatsApp's 20
    await wa.settle()
    person.drain()


async def send_letter_help(wa: WaHarness, person: Any) -> None:
    """After :func:`letter_help` and the photos: "next", "today", "I come by", "send"."""
    await person.tap("Verder ➡️")
    await wa.settle()
    await person.tap("Vandaag")
    await wa.settle()
    await person.tap(person.drain()[-1].rows[0])  # "I come by"
    await wa.settle()
    await person.tap("✅ Versturen")
    await wa.settle()


async def approve_template(wa: WaHarness, name: str, language: str = "*") -> None:
    """Create the shipped templates on the stand-in, approve ``name`` (in every language by
    default) and let the bot sync."""
    await templates.create_missing(wa.app)
    wa.standin.approve(name, language)
    await templates.sync(wa.app)


async def not_so_good(wa: WaHarness, volunteer: Any, person: Any) -> None:
    """``person`` (opted in to the belronde) gets Monday's question at 10:00 and answers
    "not so good"; what came before is skipped for both."""
    await wa.services.checkins.opt_in(await wa.wa_person(person))
    await wa.tick(at=MONDAY_10)
    await wa.settle()
    person.drain()
    volunteer.chat.skip_pending()
    await person.tap("Niet zo goed 😟")
    await wa.settle()
