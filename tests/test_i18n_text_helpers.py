"""``shorten`` (labels cut at a word) and ``Translator.join`` (lists in each language)."""

from __future__ import annotations

import pytest

from bot.i18n import shorten, translator


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("Huiswerkbegeleiding voor kinderen", 28, "Huiswerkbegeleiding voor…"),
    ("Help with your CV and job applications", 30, "Help with your CV and job…"),
    ("Bingo", 30, "Bingo"),
    ("Exactly ten", 11, "Exactly ten"),
    ("  Line\nbreaks   collapse ", 30, "Line breaks collapse"),
    ("Supercalifragilistic", 8, "Superca…"),  # one long word: cut inside it, still "…"
    ("Coffee, and chat", 9, "Coffee…"),  # no dangling comma before the "…"
    ("Anything", 1, "…"),
    ("Anything", 0, ""),
])
def test_shorten_cuts_after_a_whole_word(text: str, width: int, expected: str) -> None:
    assert shorten(text, width) == expected
    assert len(shorten(text, width)) <= max(width, 0)


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", "ma, di en do"),
    ("en", "Mon, Tue, and Thu"),
    ("tr", "Pzt, Sal ve Per"),
    ("ar", "الاثنين والثلاثاء والخميس"),
])
def test_join_writes_lists_the_way_each_language_does(language: str, expected: str) -> None:
    t = translator(language)
    assert t.join(t.weekday(i, "abbreviated") for i in (0, 1, 3)) == expected
    assert t.join(["één"]) == "één"
    assert t.join([]) == ""


def test_arabic_lists_never_use_the_latin_comma() -> None:
    t = translator("ar")
    assert "," not in t.join(["أ", "ب", "ج", "د"])
