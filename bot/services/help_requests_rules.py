"""Help requests: what can be asked and how a request is read, free of Telegram and the
database (the kinds, skills, limits, and parsing the dates and phone numbers people type).

Kinds map to funder categories (``bot/categories.py``) and to volunteer skills:

==========  ====================  ==================
kind        category              skill
==========  ====================  ==================
letter      formulieren           formulierenbrigade
debts       schulden              schulden
computer    computer              computerhulp
odd_job     klussen               klussendienst
language    taal                  taal
work        werk                  werk
other       sociale_ontmoeting    (every volunteer)
==========  ====================  ==================
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from babel import Locale

from bot.digits import ascii_digits
from bot.i18n import LANGUAGES, N_


@dataclass(frozen=True)
class Kind:
    id: str
    category: str
    skill: str | None
    label: str  # msgid


KINDS: dict[str, Kind] = {
    k.id: k
    for k in (
        Kind("letter", "formulieren", "formulierenbrigade", N_("📄 A letter or form")),
        Kind("debts", "schulden", "schulden", N_("💶 Bills and debts")),
        Kind("computer", "computer", "computerhulp", N_("💻 Computer or phone")),
        Kind("odd_job", "klussen", "klussendienst", N_("🔧 An odd job at home")),
        Kind("language", "taal", "taal", N_("🗣 Dutch language")),
        Kind("work", "werk", "werk", N_("💼 Work or CV")),
        Kind("other", "sociale_ontmoeting", None, N_("💬 Something else")),
    )
}

#: Skill id → label msgid, in the order volunteers see them.
SKILLS: dict[str, str] = {
    "formulierenbrigade": N_("Letters and forms (formulierenbrigade)"),
    "computerhulp": N_("Computer and phone help"),
    "klussendienst": N_("Odd jobs (klussendienst)"),
    "taal": N_("Dutch language (taal)"),
    "schulden": N_("Debts and budget (schulden)"),
    "werk": N_("Work and CV (werk)"),
}

URGENCIES = ("today", "week", "date", "none")
CONTACTS = ("visit", "call", "message")
OUTCOMES = ("helped", "partly", "not_helped")
FOLLOWUP_ANSWERS = ("yes", "partly", "no", "not_yet")
FOLLOWUP_DAYS = (0, 7, 14)

MAX_DESCRIPTION = 1000
MAX_NOTE = 1000
MAX_MEDIA = 5
#: Telegram lets a bot download files up to 20 MB; above that a volunteer could not open it.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_VOICE_SECONDS = 5 * 60
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/webp")
MAX_DAYS_AHEAD = 366


_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{7,18}[0-9]$")
_NUMERIC_DATE = re.compile(r"^(\d{1,4})\s*[-/.\s]\s*(\d{1,2})(?:\s*[-/.\s]\s*(\d{2,4}))?$")

#: Whose month names a typed date may use: every shipped language (so the example the bot
#: shows, "7 грудня", is accepted), Dutch (on every letter), and the names residents grew up
#: with (Levantine "كانون الأول", Maghrebi "دجنبر", Persian "دسامبر", and Russian "декабря",
#: which many Ukrainians type too). From CLDR via babel, so nothing is spelled by hand.
MONTH_LOCALES = (*LANGUAGES, "ar_SY", "ar_IQ", "ar_MA", "ar_DZ", "fa", "ru")


class DateProblem(enum.Enum):
    INVALID = "invalid"
    PAST = "past"
    TOO_FAR = "too_far"


_LETTER_FOLD = str.maketrans({"ı": "i", "ى": "ي", "ی": "ي", "ة": "ه", "ک": "ك", "ـ": None})


def _fold(text: str) -> str:
    """Lowercase without accents, dots or Arabic letter variants: "Aralık" → "aralik",
    "Şub." → "sub", "أيار" → "ايار", so people may type a month as their keyboard allows."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.translate(_LETTER_FOLD).replace(".", " ").split())


@cache
def _month_names() -> dict[str, int]:
    """Folded month name or abbreviation → month; a name two months share is left out."""
    found: dict[str, set[int]] = {}
    for code in MONTH_LOCALES:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    found.setdefault(_fold(name), set()).add(number)
    return {name: next(iter(nums)) for name, nums in found.items() if len(nums) == 1 and name}


def _month(words: list[str]) -> int | None:
    """The one month named among ``words`` (a name may be two words: "كانون الاول"); also
    an unambiguous start of a Latin name of three letters or more ("sept", "decem")."""
    names = _month_names()
    phrase = " ".join(words)
    if phrase in names:
        return names[phrase]
    hits: set[int] = set()
    for i, word in enumerate(words):
        pair = " ".join(words[i:i + 2])
        if len(words) > i + 1 and pair in names:
            hits.add(names[pair])
        elif word in names:
            hits.add(names[word])
        elif len(word) >= 3 and word.isascii():
            starts = {m for name, m in names.items() if name.startswith(word)}
            if len(starts) == 1:
                hits |= starts
    return hits.pop() if len(hits) == 1 else None


def _date_of(text: str, today: date) -> date | None:
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        first, second, third = numeric.groups()
        if len(first) == 4 and third:
            return date(int(first), int(second), int(third))
        if len(first) > 2:
            return None
        if third:
            year = int(third)
            return date(year + 2000 if year < 100 else year, int(second), int(first))
        return _next(today, int(second), int(first))
    numbers = re.findall(r"\d+", text)
    words = _fold(re.sub(r"[\d,\-/]", " ", text)).split()
    month = _month(words) if words else None
    if month is None or not 1 <= len(numbers) <= 2 or len(numbers[0]) > 2:
        return None
    if len(numbers) == 2:
        year = int(numbers[1])
        return date(year + 2000 if year < 100 else year, month, int(numbers[0]))
    return _next(today, month, int(numbers[0]))


def _next(today: date, month: int, day: int) -> date:
    """Day and month without a year: this year's, or next year's once it is well past."""
    value = date(today.year, month, day)
    if value < today and (today - value).days > 31:
        value = date(today.year + 1, month, day)
    return value


def parse_due_date(text: str, today: date) -> date | DateProblem:
    """A date as people type it, in any digits: "15-12", "15/12", "15.12.2026",
    "2026-12-15", "15 december", "15 dec", "١٥ ديسمبر", "۱۵ دسامبر", "15 Aralık"."""
    try:
        value = _date_of(ascii_digits(text).strip(), today)
    except ValueError:
        value = None
    if value is None:
        return DateProblem.INVALID
    if value < today:
        return DateProblem.PAST
    if (value - today).days > MAX_DAYS_AHEAD:
        return DateProblem.TOO_FAR
    return value


def clean_phone(text: str) -> str | None:
    """The number as typed, with any script's digits as 0-9 ("٠٦ ١٢٣٤٥٦٧٨" → "06 12345678"),
    so a volunteer can dial it; None when it does not look like a phone number."""
    value = " ".join(ascii_digits(text).split())
    return value if _PHONE.match(value) else None


def due_on(urgency: str, today: date, chosen: date | None) -> date | None:
    """The effective deadline the queue sorts on."""
    if urgency == "today":
        return today
    if urgency == "week":
        return today + timedelta(days=6 - today.weekday())
    if urgency == "date":
        return chosen
    return None
