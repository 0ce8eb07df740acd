"""Forged button ids above 2⁶⁴ get the ordinary stale-button answer (issue 12, point 26).

SQLite integers are 64-bit; a Python int beyond that raised OverflowError where it reached the
database, so the person saw "Sorry, something went wrong" and the error log filled at will.
The test takes every typed action (``bot.actions``) and every button string still written in
the handlers' source, puts a huge number in each field and presses each one, as a coordinator
(who may press every kind).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.actions import registered
from tests.auxil.harness import BotHarness

HANDLERS = Path(__file__).resolve().parents[1] / "bot" / "handlers"
HUGE = str(2**64 + 1)
_BUTTON = re.compile(r'f"((?:[a-z]+:)[a-zA-Z0-9_:]*\{[^"]*)"')
_PLACEHOLDER = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def forged_buttons() -> list[str]:
    """Every typed action with a field (each field ``HUGE``, as in a forged button), plus the
    button strings still written by hand in the handlers."""
    found: set[str] = set()
    for cls in registered():
        if cls._fields and not cls.code.startswith("tst:"):
            found.add(":".join([cls.code, *(HUGE for _ in cls._fields)]))
    for source in HANDLERS.rglob("*.py"):
        for match in _BUTTON.finditer(source.read_text(encoding="utf-8")):
            found.add(_PLACEHOLDER.sub(HUGE, match.group(1)))
    return sorted(found)


def test_the_list_of_button_kinds_is_complete() -> None:
    kinds = {b.split(":")[0] + ":" + b.split(":")[1] for b in forged_buttons()}
    assert len(kinds) >= 38, kinds
    for expected in ("meal:su", "help:take", "chk:a", "cal:po", "ann:who", "acc:setroom",
                     "occ:" + HUGE):
        assert expected in kinds or expected in forged_buttons()


async def test_huge_ids_on_every_button_kind_are_stale(bot: BotHarness,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    carla = await bot.coordinator()
    await carla.send("/menu")
    await carla.next_message()
    caplog.set_level(logging.INFO, logger="bot.errors")
    failed: list[tuple[str, str]] = []
    for data in forged_buttons():
        before = len(carla.callback_answers)
        await carla.press_data(data)
        await bot.settle()
        answers = carla.callback_answers[before:]
        errors = [r for r in caplog.records if r.name == "bot.errors"]
        if errors or not answers or "mis" in (answers[-1][0] or ""):
            failed.append((data, answers[-1][0] if answers else "no answer"))
        caplog.clear()
    assert not failed, failed
    sorry = [m.text for m in carla.bot_messages if "ging iets mis" in (m.text or "")]
    assert not sorry
