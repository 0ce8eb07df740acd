"""Tigrinya (ti, ትግርኛ): Ge'ez script that Telegram can show, plain terms, babel dates.

The completeness check (``tests/test_i18n.py``) already covers ti as one of ``LANGUAGES``;
these tests hold what is particular to a language in its own script.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pytest
from babel.messages.pofile import read_po

from bot.clock import TZ
from bot.i18n import LANGUAGES, locales_dir, translator
from bot.i18n_tools import (
    ALLOWED_LATIN,
    COMMAND,
    ISOLATED,
    LATIN_WORD,
    NON_LATIN_LANGUAGES,
    PLACEHOLDER,
    TAG,
    URL,
    _text_problems,
)
from tests.auxil.harness import BotHarness

#: Ethiopic, Ethiopic Supplement, Extended and Extended-A.
GEEZ = re.compile("[\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f]")


def _catalogue() -> list[tuple[str, str]]:
    """(msgid, msgstr) for every form of every ti entry."""
    pairs = []
    for po_path in sorted((locales_dir() / "ti" / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale="ti"):
                if not message.id:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string if isinstance(message.string, tuple) else (
                    message.string,)
                pairs += [(msgid, string) for string in strings]
    return pairs


def _words(text: str) -> list[str]:
    """Latin words a reader would see, without markup, placeholders, commands and names."""
    bare = COMMAND.sub("", ISOLATED.sub("", PLACEHOLDER.sub("", URL.sub("", TAG.sub("", text)))))
    return [w for w in LATIN_WORD.findall(bare) if w not in ALLOWED_LATIN]


def test_tigrinya_is_shipped_in_its_own_name_and_script() -> None:
    assert LANGUAGES["ti"] == "ትግርኛ"
    assert "ti" in NON_LATIN_LANGUAGES


def test_every_tigrinya_text_is_nfc_geez_with_no_latin_fallback() -> None:
    pairs = _catalogue()
    assert len(pairs) > 700
    for msgid, string in pairs:
        assert string, msgid
        assert unicodedata.is_normalized("NFC", string), msgid
        if _words(msgid):  # the English has words to translate, not only names or numbers
            assert GEEZ.search(string), (msgid, string)
    # The rooms' Dutch names appear only where onboarding explains them, once each.
    for name in ("eettafel", "belronde"):
        where = [msgid for msgid, string in pairs if name in COMMAND.sub("", string)]
        assert len(where) == 1, (name, where)


def test_the_check_reports_a_latin_word_or_a_forbidden_term_in_tigrinya() -> None:
    assert any("Latin" in line for line in _text_problems("ti", "x", "ሰላም seat"))
    assert _text_problems("ti", "x", "ሰላም /hulp BuurtWerkKamer {room} <b>TOP</b>") == []
    assert any("glossary" in line for line in _text_problems("ti", "x", "ቦታ ተሪፉ"))
    assert any("glossary" in line for line in _text_problems("ti", "x", "ሕቶ ሓገዝ"))


def test_one_word_for_one_thing_in_tigrinya() -> None:
    t = translator("ti")
    assert "ሓባራዊ ድራር" in t._("🍲 Shared dinner")
    assert "መንበር" in t.plural("{n} seat left", "{n} seats left", 1)
    assert "ሕቶ ደሓን" in t._("☎️ Weekly check-in") and "ሕቶ ደሓን" in t._("The weekly check-in")
    assert "ወለንተኛ" in t._("volunteer") and "ጠለብ ሓገዝ" in t._(
        "New help request <b>{n}</b>: {kind}, {due}.")
    assert "ዝርዝር ተጸበይቲ" in t._("Waiting list:")
    explained = t._("Which BuurtWerkKamer is yours?")
    assert explained.startswith("BuurtWerkKamer ") and "ማእከል" in explained


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 መንበር ተሪፉ"), (1, "1 መንበር ተሪፉ"), (2, "2 መናብር ተሪፎም"), (11, "11 መናብር ተሪፎም"),
    (101, "101 መናብር ተሪፎም"),
])
def test_tigrinya_plural_follows_cldr(n: int, text: str) -> None:
    # CLDR: one = n in 0..1 (gettext: plural=(n > 1)).
    assert translator("ti").plural("{n} seat left", "{n} seats left", n) == text


def test_tigrinya_dates_and_numbers_come_from_babel() -> None:
    t = translator("ti")
    assert t.date(date(2026, 12, 1)) == "ሰሉስ 1 ታሕሳስ"
    assert t.day_heading(date(2026, 11, 30)) == "ሰኑይ 30 ሕዳር"
    assert t.time(datetime(2026, 12, 1, 17, 30, tzinfo=TZ)) == "17:30"
    assert t.datetime(datetime(2026, 12, 1, 17, 30, tzinfo=TZ)) == "ሰሉስ 1 ታሕሳስ፣ 17:30"
    assert t.number(1234.5) == "1,234.5"
    assert t.weekday(0) == "ሰኑይ"
    assert not t.rtl and t.isolate("/hulp") == "/hulp"
    assert (t.comma, t.semicolon) == ("፣ ", "፤ ")


async def test_command_menu_and_announcement_frame_are_in_tigrinya(bot: BotHarness) -> None:
    calls = [params for method, params in bot.sandbox.calls if method == "setMyCommands"]
    tigrinya = [p for p in calls if p.get("language_code") == "ti"]
    assert tigrinya
    for params in tigrinya:
        for command in params["commands"]:
            assert GEEZ.search(command["description"]), command
    t = translator("ti")
    assert GEEZ.search(t._("📣 News from {room}")) and GEEZ.search(
        t._("No more announcements? Tap /berichten."))
