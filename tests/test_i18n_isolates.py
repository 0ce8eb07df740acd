"""Arabic values are isolated once, not twice (QA: "⁨⁨8⁩⁩").

``t.number``/``t.date`` isolate their value and the Arabic msgstr isolates the placeholder;
filling one into the other keeps one pair (``bot.i18n.collapse_isolates``, applied where a
translated message is formatted)."""

from __future__ import annotations

from datetime import date

from bot.i18n import FSI, PDI, collapse_isolates, translator

AR = translator("ar")


def test_a_number_in_an_isolated_placeholder_is_isolated_once() -> None:
    msgstr = AR._("✅ Delivered: {n}")
    assert f"{FSI}{{n}}{PDI}" in msgstr  # the catalogue isolates the placeholder itself
    text = msgstr.format(n=AR.number(8))
    assert FSI + FSI not in text and PDI + PDI not in text
    assert text.count(FSI) == 1 and text.count(PDI) == 1
    assert f"{FSI}{AR.number(8).strip(FSI + PDI)}{PDI}" in text


def test_plural_and_date_values_are_isolated_once() -> None:
    counted = AR.plural("{n} seat", "{n} seats", 8)
    assert FSI + FSI not in counted
    when = AR._("When: {due}").format(due=AR.date(date(2026, 12, 15)))
    assert FSI + FSI not in when and PDI + PDI not in when


def test_collapse_keeps_isolates_that_hold_more() -> None:
    one = f"{FSI}8{PDI}"
    assert collapse_isolates(f"يتبقى {FSI}{one}{PDI} مقاعد") == f"يتبقى {one} مقاعد"
    assert collapse_isolates(f"{FSI}{FSI}{FSI}8{PDI}{PDI}{PDI}") == one
    span = f"{FSI}{FSI}17:30{PDI}–{FSI}19:30{PDI}{PDI}"
    assert collapse_isolates(span) == span  # the outer pair keeps the range in order
    quoted = f"{FSI}noten {one}{PDI}"
    assert collapse_isolates(quoted) == quoted
    assert collapse_isolates("no isolates") == "no isolates"
    unbalanced = f"{FSI}{FSI}8{PDI}"
    assert collapse_isolates(unbalanced) == unbalanced


def test_latin_languages_are_unchanged() -> None:
    nl = translator("nl")
    assert nl._("✅ Delivered: {n}").format(n=nl.number(8)) == "✅ Afgeleverd: 8"
