"""Translations and locale-aware formatting (babel + gettext).

Msgids are English; Dutch is the default. Each feature keeps its own catalogue file
(``locales/<lang>/LC_MESSAGES/<domain>.po``) so features can be translated independently; at
start all domains of a language are compiled in memory and merged into one catalogue. ``.po``
files are the source of truth: nothing needs compiling before the bot runs.

Usage in code (the extractor finds ``_``, ``ngettext`` and ``N_``)::

    t = translator(user.language)
    t._("Welcome!")
    t.ngettext("{n} seat left", "{n} seats left", n).format(n=n)
    LABEL = N_("Shared dinner")   # marked at import time, translated later with t._(LABEL)

Adding a language: add it to ``LANGUAGES`` below (and to ``RTL_LANGUAGES`` if it is written
right to left), copy ``locales/en`` to ``locales/<code>``, set each file's ``Language`` and
``Plural-Forms`` header (``python -m bot.i18n_tools update`` writes babel's CLDR plural forms)
and translate. Nothing else in the code lists the languages.
"""

from __future__ import annotations

import gettext
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.clock import TZ

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
#: Where ``pip install .`` puts the catalogues (setup.py copies them into the package).
PACKAGED_LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "nl"
#: Shipped languages, in the order shown to residents, with their own name for themselves.
LANGUAGES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
    "ti": "ትግርኛ",
    "uk": "Українська",
    "pl": "Polski",
}
RTL_LANGUAGES = frozenset({"ar"})
RLM = "\u200f"
LRM = "\u200e"
#: Invisible direction controls, for comparing what a person reads (tests, button labels).
BIDI_CONTROLS = str.maketrans("", "", "\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c")
_TAG = re.compile(r"<[^>]*>")
#: Unicode "first strong isolate" and "pop directional isolate": text between them is laid out
#: on its own, so "/hulp", "+31 6 12345678" or "1-12" keep their order inside Arabic text.
FSI = "\u2068"
PDI = "\u2069"
LRI = "\u2066"
#: Day-name-first patterns the code asks for, per language where the order differs. Turkish
#: writes "1 Aralık Salı" (day of the month, month, weekday).
_DATE_ORDER = re.compile(r"^(E{3,4}) (d M{3,4}(?: y)?)(.*)$")
_DAY_FIRST_LAST = frozenset({"tr"})
#: The comma in a date pattern ("EEEE d MMMM, HH:mm") as the language writes it: Ge'ez "፣".
_DATE_COMMA = {"ti": "፣"}
#: Languages that write a comma after the weekday ("wtorek, 1 grudnia").
_WEEKDAY_COMMA = frozenset({"pl"})


_MIRROR = str.maketrans({"⬅": "➡", "➡": "⬅", "◀": "▶", "▶": "◀", "←": "→", "→": "←"})


def plain(text: str) -> str:
    """``text`` without invisible direction marks and isolates (what a person reads)."""
    return text.translate(BIDI_CONTROLS)


def _first_strong(text: str) -> str | None:
    """"L", "R" (right to left) or None: the direction of the first strong letter of ``text``."""
    for char in _TAG.sub("", text):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def own_direction(text: str) -> str:
    """Mark each line with the direction of its own first letter (LRM or RLM).

    For text that is not in the reader's language: a coordinator's typed Dutch announcement
    read by an Arabic resident, the language question written in every language. ``bidi()``
    leaves a line that carries a mark alone, so "Hallo allemaal!" does not become
    "!Hallo allemaal".
    """
    lines = []
    for line in text.split("\n"):
        direction = _first_strong(line)
        if line[:1] in (LRM, RLM) or direction is None:
            lines.append(line)
        else:
            lines.append((LRM if direction == "L" else RLM) + line)
    return "\n".join(lines)


def mark_rtl(text: str) -> str:
    """A short text (button label, pop-up) starts with an RLM when its first letter is
    right to left: Telegram lays out a label or pop-up like a paragraph, so "⬅️ رجوع" or
    "١٢:٠٠ العشاء" would otherwise take the direction of the emoji or digits around it."""
    if text and text[:1] != RLM and _first_strong(text) == "R":
        return RLM + text
    return text


def collapse_isolates(text: str) -> str:
    """Drop an isolate pair that holds nothing but one other isolate: "⁨⁨8⁩⁩" → "⁨8⁩".

    An Arabic msgstr isolates its placeholders ("⁨{n}⁩"), and ``t.number``/``t.date`` isolate
    their value too; formatting one into the other would otherwise give two pairs around the
    same run. Pairs that hold more ("⁨⁨a⁩–⁨b⁩⁩", "⁨noten ⁨8⁩⁩") are kept.
    """
    if FSI + FSI not in text:
        return text
    opened: list[int] = []  # positions of the FSIs not yet closed
    pairs: dict[int, int] = {}  # FSI position -> its PDI position
    for i, char in enumerate(text):
        if char == FSI:
            opened.append(i)
        elif char == PDI and opened:
            pairs[opened.pop()] = i
    drop: set[int] = set()
    for start, end in pairs.items():
        inner = start + 1
        if pairs.get(inner) == end - 1:  # FSI (FSI … PDI) PDI: the outer pair is redundant
            drop.update((start, end))
    return "".join(char for i, char in enumerate(text) if i not in drop)


class Text(str):
    """A translated message: ``format`` fills it without doubling isolates.

    Returned by :meth:`Translator._` and :meth:`Translator.ngettext`, so the one place that
    fills a msgstr is also the one place that keeps "⁨{n}⁩" with an isolated value single.
    """

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return collapse_isolates(str.format(self, *args, **kwargs))


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
    """Where catalogues live: inside the installed package, else the source tree's
    ``locales/`` (an editable install, the tests)."""
    return PACKAGED_LOCALES_DIR if PACKAGED_LOCALES_DIR.is_dir() else LOCALES_DIR


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
        return Text(_catalogue(self.language).gettext(message))

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return Text(_catalogue(self.language).ngettext(singular, plural, n))

    @property
    def comma(self) -> str:
        """", " between parts of a line; Arabic writes "، " (no Latin comma in Arabic text),
        Tigrinya the Ethiopic comma "፣ "."""
        return {"ar": "، ", "ti": "፣ "}.get(self.language, ", ")

    @property
    def semicolon(self) -> str:
        return {"ar": "؛ ", "ti": "፤ "}.get(self.language, "; ")

    def isolate(self, text: str) -> str:
        """``text`` wrapped in Unicode isolates for right-to-left readers, unchanged otherwise.

        A right-to-left mark at the start of a line is not enough: inside Arabic text
        "/belronde" shows as "belronde/", "+31612345678" as "31612345678+" and "06 12345678"
        as "12345678 06". Between FSI and PDI such a run keeps its own order.
        """
        if not self.rtl or not text:
            return text
        if text.startswith(FSI) and text.endswith(PDI) and text.count(FSI) == 1:
            return text  # already one isolate
        return FSI + text + PDI

    def quote(self, text: str) -> str:
        """Quotation marks as the reader's language writes them: “noten”, «noten».

        Arabic quotes with « »; Latin “ ” are not mirrored and come out the wrong way round
        in a right-to-left line. The quoted text (often typed by someone else, in another
        language) is isolated for right-to-left readers, so it keeps its own order.
        """
        if self.rtl:
            return "«" + self.isolate(text) + "»"
        return "“" + text + "”"

    def span(self, start: str, end: str) -> str:
        """"17:30–19:30" as one isolated run: isolating each end alone would show the range
        reversed ("19:30–17:30") in a right-to-left sentence."""
        return self.isolate(f"{start}–{end}")

    def pattern(self, fmt: str) -> str:
        """A date pattern in this language's order ("EEEE d MMMM" → "d MMMM EEEE" in Turkish)."""
        if self.language in _DAY_FIRST_LAST:
            match = _DATE_ORDER.match(fmt)
            if match:
                return f"{match.group(2)} {match.group(1)}{match.group(3)}"
        if self.language in _DATE_COMMA:
            return fmt.replace(",", _DATE_COMMA[self.language])
        if self.language in _WEEKDAY_COMMA:
            return re.sub(r"^(E{3,4}) ", r"\1, ", fmt)
        return fmt

    def date(self, value: date | datetime, fmt: str = "EEEE d MMMM") -> str:
        """``dinsdag 1 december`` in Dutch, ``1 Aralık Salı`` in Turkish; isolated for RTL."""
        if isinstance(value, datetime):
            value = value.astimezone(TZ).date()
        return self.isolate(format_date(value, self.pattern(fmt), locale=self.language))

    def day_heading(self, value: date | datetime, fmt: str = "EEEE d MMMM") -> str:
        """A date as a heading: first letter capital, the rest as the language writes it.

        ``str.capitalize()`` lowercases the month ("Monday 30 november"); this does not.
        """
        return self.capitalise(self.date(value, fmt))

    @staticmethod
    def capitalise(text: str) -> str:
        """The first letter upper case, the rest untouched (isolates and marks skipped)."""
        start = 0
        while start < len(text) and text[start] in (FSI, PDI, RLM, LRM):
            start += 1
        return text[:start] + text[start : start + 1].upper() + text[start + 1 :]

    def time(self, value: time | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(TZ)
        return self.isolate(format_time(value, "HH:mm", locale=self.language))

    def datetime(self, value: datetime, fmt: str = "EEEE d MMMM, HH:mm") -> str:
        return self.isolate(format_datetime(
            value.astimezone(TZ), self.pattern(fmt), tzinfo=TZ, locale=self.language))

    def number(self, value: float) -> str:
        return self.isolate(format_decimal(value, locale=self.language))

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        """``ngettext`` and ``format`` in one: the count is always inside the plural form.

        ``n`` is shown with ``t.number`` (isolated for right-to-left readers); a form may
        leave ``{n}`` out where the language writes the number as a word ("مقعد واحد").
        """
        return self.ngettext(singular, plural, n).format(n=self.number(n), **values)

    def weekday(self, index: int, width: str = "wide") -> str:
        """Monday = 0, as in Python."""
        # babel's day names are keyed Monday=0 too.
        return self.locale.days["format"][width][index]

    def language_name(self, code: str | None) -> str:
        """The name of language ``code`` in this reader's language, from CLDR via babel:
        "Arabisch" for a Dutch reader, "Arabic" in English, "العربية", "Arapça".

        For cards about a person ("speaks Arabic"): a volunteer about to call someone or to
        help with a letter must know which language to expect. An unknown code is shown as
        it is rather than guessed.
        """
        if not code:
            return ""
        try:
            name = Locale.parse(code.replace("-", "_")).get_language_name(self.language)
        except (UnknownLocaleError, ValueError, TypeError):
            return code
        return name or code

    def join(self, items: Iterable[str]) -> str:
        """A list as people write it in this language: "ma, di en do", "Mon, Tue, and Thu",
        "الاثنين والثلاثاء والخميس", "Pzt, Sal ve Per" (CLDR list patterns via babel).

        Use this, not ``", ".join``, for any list a person reads: Arabic does not use the
        Latin comma (it joins with "و" and the Arabic comma "،"), and every language has its
        own word for "and".
        """
        return format_list(list(items), locale=self.language)

    def arrow(self, arrow: str) -> str:
        """⬅️/➡️ mirrored for right-to-left readers (the "next" arrow points left there)."""
        if not self.rtl:
            return arrow
        return arrow.translate(_MIRROR)

    def bidi(self, text: str) -> str:
        """Start each line with a right-to-left mark in RTL languages.

        Telegram picks a paragraph's direction from its first strong character; a line that
        starts with a digit, emoji or Latin name would otherwise be laid out left to right and
        its punctuation would jump to the wrong side. A line that already starts with a
        direction mark (``own_direction``: typed text, the language question) is left alone.
        Numbers, commands and dates inside a line are isolated by the catalogue and by
        ``date``/``time``/``number``/``isolate``, not here.
        """
        if not self.rtl:
            return text
        return "\n".join(
            RLM + line if line and line[:1] not in (LRM, RLM) else line
            for line in text.split("\n")
        )


def translator(language: str | None) -> Translator:
    return Translator(normalise_language(language))
