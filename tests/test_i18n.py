"""Shipped languages are complete; dates come from babel in the person's language."""

from __future__ import annotations

from datetime import date

from bot.i18n import RLM, normalise_language, translator
from bot.i18n_tools import problems


def test_every_shipped_locale_is_complete_without_fuzzy_or_placeholder_drift() -> None:
    found = problems()
    assert found == [], "\n".join(found[:50])


def test_dates_in_the_users_language() -> None:
    day = date(2026, 12, 1)
    assert translator("nl").date(day) == "dinsdag 1 december"
    assert translator("en").date(day) == "Tuesday 1 December"
    assert "1 Aralık" in translator("tr").date(day)


def test_default_and_unknown_languages() -> None:
    assert normalise_language(None) == "nl"
    assert normalise_language("nl-BE") == "nl"
    assert normalise_language("fr") == "nl"
    assert translator("ar").bidi("1 ديسمبر\nok").split("\n")[1].startswith(RLM)
