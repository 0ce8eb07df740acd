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
from dataclasses import dataclass
from datetime import date, timedelta

from bot.i18n import N_


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


class DateProblem(enum.Enum):
    INVALID = "invalid"
    PAST = "past"
    TOO_FAR = "too_far"



def parse_due_date(text: str, today: date) -> date | DateProblem:
    """A date as people type it: 15-12, 15-12-2026, 15/12/26, 2026-12-15."""
    raw = text.strip().replace("/", "-").replace(".", "-").replace(" ", "-")
    parts = [p for p in raw.split("-") if p]
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            value = date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 3:
            year = int(parts[2])
            year = year + 2000 if year < 100 else year
            value = date(year, int(parts[1]), int(parts[0]))
        elif len(parts) == 2:
            value = date(today.year, int(parts[1]), int(parts[0]))
            if value < today and (today - value).days > 31:
                value = date(today.year + 1, value.month, value.day)
        else:
            return DateProblem.INVALID
    except ValueError:
        return DateProblem.INVALID
    if value < today:
        return DateProblem.PAST
    if (value - today).days > MAX_DAYS_AHEAD:
        return DateProblem.TOO_FAR
    return value


def clean_phone(text: str) -> str | None:
    value = text.strip()
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
