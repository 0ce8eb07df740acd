"""Translations and locale-aware formatting (babel + gettext).

Msgids are English; Dutch is the default. Each feature keeps its own catalogue file
(``locales/<lang>/LC_MESSAGES/<domain>.po``) so features can be translated independently; at
start all domains of a language are compiled in memory and merged into one catalogue. ``.po``
files are the source of truth: nothing needs compiling before the bot runs.

Usage in code (the extractor finds ``_``, ``ngettext`` and ``N_``)::

    t = translator(user.language)
    t._("Welcome!")
    t.ngettext("{n} seat left", "{n} seats left", n).format(n=n)
    LABEL = N_("Eettafel")   # marked at import time, translated later with t._(LABEL)
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.clock import TZ

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "nl"
#: Shipped languages, in the order shown to residents, with their own name for themselves.
LANGUAGES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
}
RTL_LANGUAGES = frozenset({"ar"})
RLM = "\u200f"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut after a whole word and ending in "…".

    Button labels are cut off by Telegram at about 30 characters on a small phone, and a
    title cut mid-word ("Huiswerkbegeleiding voor kin") reads like a typo. Whitespace is
    collapsed first (typed titles may hold line breaks). A single word longer than the room
    left is cut inside the word, still with "…", so the result never exceeds ``width``.
    """
    plain = " ".join(text.split())
    if len(plain) <= width:
        return plain
    if width <= 1:
        return "…" if width == 1 else ""
    cut = plain[: width - 1]
    if plain[width - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:·-–") + "…"


def locales_dir() -> Path:
    """Where catalogues live: the source tree's ``locales/`` (installed editable)."""
    return LOCALES_DIR


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    folder = locales_dir() / language / "LC_MESSAGES"
    merged: Translations | None = None
    for po_path in sorted(folder.glob("*.po")) if folder.exists() else []:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=po_path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = Translations(buffer, domain="messages")
        if merged is None:
            merged = translations
        else:
            merged.merge(translations)
    return merged or gettext.NullTranslations()


def normalise_language(code: str | None) -> str:
    """A Telegram ``language_code`` ("nl-BE", "ar") to a shipped language, else the default."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """Everything language-dependent for one person: texts, dates, numbers, direction."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    def _(self, message: str) -> str:
        return _catalogue(self.language).gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalogue(self.language).ngettext(singular, plural, n)

    def date(self, value: date | datetime, fmt: str = "EEEE d MMMM") -> str:
        """``dinsdag 1 december`` in Dutch; the user's own language elsewhere."""
        if isinstance(value, datetime):
            value = value.astimezone(TZ).date()
        return format_date(value, fmt, locale=self.language)

    def time(self, value: time | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(TZ)
        return format_time(value, "HH:mm", locale=self.language)

    def datetime(self, value: datetime, fmt: str = "EEEE d MMMM, HH:mm") -> str:
        return format_datetime(value.astimezone(TZ), fmt, tzinfo=TZ, locale=self.language)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.language)

    def weekday(self, index: int, width: str = "wide") -> str:
        """Monday = 0, as in Python."""
        # babel's day names are keyed Monday=0 too.
        return self.locale.days["format"][width][index]

    def language_name(self, code: str) -> str:
        """The name of language ``code`` in the reader's language ("Arabisch" for a Dutch
        reader, "العربية" for an Arabic one), from babel's CLDR data.

        A volunteer about to call a resident must know which language to expect; an unknown
        code comes back unchanged rather than failing a card.
        """
        base = (code or "").split("-")[0].split("_")[0].lower()
        return self.locale.languages.get(base, code)

    def join(self, items: Iterable[str]) -> str:
        """A list as people write it in this language: "ma, di en do", "Mon, Tue, and Thu",
        "الاثنين والثلاثاء والخميس", "Pzt, Sal ve Per" (CLDR list patterns via babel).

        Use this, not ``", ".join``, for any list a person reads: Arabic does not use the
        Latin comma (it joins with "و" and the Arabic comma "،"), and every language has its
        own word for "and".
        """
        return format_list(list(items), locale=self.language)

    def bidi(self, text: str) -> str:
        """Start each line with a right-to-left mark in RTL languages.

        Telegram picks a paragraph's direction from its first strong character; a line that
        starts with a digit, emoji or Latin name would otherwise be laid out left to right and
        its punctuation would jump to the wrong side.
        """
        if not self.rtl:
            return text
        return "\n".join(RLM + line if line else line for line in text.split("\n"))


def translator(language: str | None) -> Translator:
    return Translator(normalise_language(language))
