"""Typed words that stand for the bot's commands on WhatsApp ("menu", "eten", "hulp", ...).

Why: WhatsApp has no command menu and nobody types ``/mijngegevens`` on a phone keyboard. A
person types a plain word in their own language; :func:`command_of` turns it into the command
the Telegram handlers already know (``/menu``, ``/eten`` …), so no feature needs to know
about WhatsApp.

Why a data table and not gettext msgids: a word must be recognised in *every* shipped
language at once, whatever language the person chose (a Dutch resident may type "help", a
newcomer may write in Arabic before choosing a language), and a keyword is not text the bot
shows. ``tests/test_whatsapp_inbound.py`` fails when a command lacks a word in one of the
shipped languages, or when one word means two commands.

Matching: the whole message only ("ik wil eten" is a sentence, not a command), case- and
accent-insensitive (``Menü`` = ``menu``, ``YARDIM`` = ``yardım``, ``أ`` = ``ا``), with the
punctuation around it ignored ("Hulp!", "menu?").

``stop``: the step the person is in has a Stop button → that button (the bridge remembers
the buttons of the last message per person); no step → ``/menu``, whose settings are where
messages are turned off (``STOP``).

Greetings ("hoi", "hello", "مرحبا" …) from a stranger start the bot (``/start``); from a
known person they open the menu.
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("nl", "en", "ar", "tr", "ti", "uk", "pl")

#: The pseudo-command of "stop" (resolved by the webhook: the step's Stop, else ``/menu``).
STOP = "stop"
#: The pseudo-command of a greeting (``/start`` for a stranger, ``/menu`` for a known person).
GREETING = "greeting"

#: command (without "/") → language → the words that mean it.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "menu": {
        "nl": ("menu", "keuzemenu", "begin"),
        "en": ("menu", "main menu"),
        "ar": ("قائمة", "القائمة"),
        "tr": ("menü", "ana menü"),
        "ti": ("ሜኑ", "ዝርዝር"),
        "uk": ("меню",),
        "pl": ("menu", "lista"),
    },
    "start": {
        "nl": ("start", "starten"),
        "en": ("start", "get started"),
        "ar": ("ابدأ", "بدء", "ابدا"),
        "tr": ("başla", "başlat"),
        "ti": ("ጀምር",),
        "uk": ("почати", "старт"),
        "pl": ("zacznij", "start"),
    },
    "eten": {
        "nl": ("eten", "eettafel", "tafel", "maaltijd"),
        "en": ("dinner", "food", "eat", "meal"),
        "ar": ("عشاء", "العشاء", "طعام", "أكل"),
        "tr": ("yemek", "akşam yemeği"),
        "ti": ("ምግቢ", "ድራር"),
        "uk": ("вечеря", "їжа", "обід"),
        "pl": ("obiad", "kolacja", "jedzenie"),
    },
    "hulp": {
        "nl": ("hulp", "help", "formulierenhulp"),
        "en": ("help",),
        "ar": ("مساعدة", "ساعدني"),
        "tr": ("yardım",),
        "ti": ("ሓገዝ",),
        "uk": ("допомога",),
        "pl": ("pomoc",),
    },
    "agenda": {
        "nl": ("agenda", "programma", "deze week"),
        "en": ("agenda", "programme", "program", "calendar", "this week"),
        "ar": ("البرنامج", "برنامج", "جدول"),
        "tr": ("program", "ajanda", "takvim"),
        "ti": ("መደብ",),
        "uk": ("розклад", "програма"),
        "pl": ("program", "kalendarz", "plan"),
    },
    "belronde": {
        "nl": ("belronde",),
        "en": ("check-in", "checkin", "weekly check-in"),
        "ar": ("المكالمة الأسبوعية", "مكالمة"),
        "tr": ("haftalık arama", "arama"),
        "ti": ("ሰሙናዊ ምርመራ", "ደውል"),
        "uk": ("дзвінок",),
        "pl": ("telefon",),
    },
    "taal": {
        "nl": ("taal",),
        "en": ("language",),
        "ar": ("لغة", "اللغة"),
        "tr": ("dil",),
        "ti": ("ቋንቋ",),
        "uk": ("мова",),
        "pl": ("język",),
    },
    "mijngegevens": {
        "nl": ("mijngegevens", "mijn gegevens", "gegevens"),
        "en": ("my data", "data"),
        "ar": ("بياناتي",),
        "tr": ("verilerim", "bilgilerim"),
        "ti": ("ሓበሬታይ",),
        "uk": ("мої дані",),
        "pl": ("moje dane",),
    },
    "vergeetmij": {
        "nl": ("vergeetmij", "vergeet mij"),
        "en": ("forget me", "delete me"),
        "ar": ("انسني", "احذفني"),
        "tr": ("beni unut", "beni sil"),
        "ti": ("ረስዓኒ",),
        "uk": ("забудь мене", "видали мене"),
        "pl": ("zapomnij mnie", "usuń mnie"),
    },
    # The first word is the one the texts show (bot/channels/whatsapp/command_hints.py): the
    # glossary's name of the room where it has one; the everyday words work too.
    "kamer": {
        "nl": ("kamer", "mijn kamer", "buurtwerkkamer"),
        "en": ("BuurtWerkKamer", "room", "my room"),
        "ar": ("مركز الحي", "الغرفة", "غرفتي"),
        "tr": ("BuurtWerkKamer", "oda", "odam"),
        "ti": ("BuurtWerkKamer", "ክፍሊ"),
        "uk": ("BuurtWerkKamer", "кімната", "моя кімната"),
        "pl": ("BuurtWerkKamer", "pokój", "mój pokój"),
    },
    "berichten": {
        "nl": ("berichten", "aankondigingen"),
        "en": ("announcements", "news"),
        "ar": ("الإعلانات", "إعلانات"),
        "tr": ("duyurular", "duyuru"),
        "ti": ("ምልክታታት", "መልእኽትታት", "ምልክታ"),
        "uk": ("оголошення",),
        "pl": ("ogłoszenia",),
    },
    "privacy": {
        "nl": ("privacy",),
        "en": ("privacy",),
        "ar": ("الخصوصية", "خصوصية"),
        "tr": ("gizlilik",),
        "ti": ("ብሕትውና",),
        "uk": ("приватність", "конфіденційність"),
        "pl": ("prywatność",),
    },
    STOP: {
        "nl": ("stop", "stoppen", "annuleren"),
        "en": ("stop", "cancel"),
        "ar": ("توقف", "إلغاء", "الغاء"),
        "tr": ("dur", "iptal"),
        "ti": ("ጠጠው", "ኣቋርጽ"),
        "uk": ("стоп", "скасувати"),
        "pl": ("stop", "anuluj"),
    },
    GREETING: {
        "nl": ("hoi", "hallo", "hey", "hoi!", "goedemorgen", "goedemiddag", "goedenavond",
               "goedendag"),
        "en": ("hello", "hi", "hey", "good morning", "good afternoon", "good evening"),
        "ar": ("مرحبا", "مرحباً", "أهلا", "اهلا", "السلام عليكم", "سلام"),
        "tr": ("merhaba", "selam", "selamlar", "günaydın", "iyi günler"),
        "ti": ("ሰላም", "ከመይ ኣለኹም", "ከመይ"),
        "uk": ("привіт", "вітаю", "добрий день", "доброго дня"),
        "pl": ("cześć", "dzień dobry", "hej", "witam"),
    },
}

#: Letters NFKD does not take apart, and Arabic letter variants people write either way.
_FOLD = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
                       "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": None})
#: Punctuation around a word that does not change it ("Hulp!", "menu?", "¿", Arabic "؟").
_AROUND = " \t\r\n.,!?;:'\"`´()[]{}*_~-¡¿؟،؛።፧፨፣፤…"
_SPACES = re.compile(r"\s+")
#: Longer than any keyword: not worth normalising (a letter, a long question).
_LONGEST = 40


def normalise(text: str) -> str:
    """The form keywords are compared in: case, accents and the punctuation around dropped."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    bare = bare.translate(_FOLD)
    return _SPACES.sub(" ", bare.strip(_AROUND)).strip()


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for command, words in KEYWORDS.items():
        for language_words in words.values():
            for word in language_words:
                index.setdefault(normalise(word), command)
    return index


_INDEX = _index()


def command_of(text: str) -> str | None:
    """The command (without "/", or :data:`STOP` / :data:`GREETING`) a whole message stands
    for, or None when it is ordinary text."""
    if not text or len(text) > _LONGEST:
        return None
    return _INDEX.get(normalise(text))


def collisions() -> dict[str, set[str]]:
    """Words that mean more than one command (the test keeps this empty)."""
    seen: dict[str, set[str]] = {}
    for command, words in KEYWORDS.items():
        for language_words in words.values():
            for word in language_words:
                seen.setdefault(normalise(word), set()).add(command)
    return {word: commands for word, commands in seen.items() if len(commands) > 1}
