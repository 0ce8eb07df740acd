"""Keep the translation catalogues in step with the code.

``python -m bot.i18n_tools update`` extracts every marked string from ``bot/`` and updates
``locales/<lang>/LC_MESSAGES/<domain>.po`` for each shipped language: new msgids are added
(empty, so the completeness test fails until someone translates them; English is filled with the
msgid itself), obsolete ones are dropped, existing translations are kept.
``python -m bot.i18n_tools check`` lists what is missing, fuzzy, stale (kept in a domain whose
code no longer uses it) or has wrong placeholders.
``python -m bot.i18n_tools fill LANG DOMAIN FILE.json`` sets translations from a JSON mapping
msgid → msgstr (a list of strings for plural forms).

A file's domain is the feature it belongs to, by its stem prefix or its folder:
``bot/handlers/meals/…`` and ``bot/services/meals/…`` go to ``meals.po``,
``bot/services/help_requests_rules.py`` to ``help_requests.po``; everything else to ``core.po``.
"""

from __future__ import annotations

import gettext
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, RTL_LANGUAGES, locales_dir, translator

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES_FIRST = next(iter(LANGUAGES))
FEATURE_DOMAINS = (
    "calendar",
    "meals",
    "help_requests",
    "checkins",
    "announcements",
    "tally",
    "report",
    "indicators",
    "demo",
    "ops",
    "surveys",
    "volunteer_work",
    "whatsapp",
)
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")


def domain_of(path: Path) -> str:
    stem = path.stem
    for domain in FEATURE_DOMAINS:
        if stem == domain or stem.startswith(domain + "_") or path.parent.name == domain:
            return domain
    return "core"


def extract() -> dict[str, dict[str | tuple[str, str], list[str]]]:
    """domain → msgid (or (singular, plural)) → source locations."""
    found: dict[str, dict[str | tuple[str, str], list[str]]] = defaultdict(dict)
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if "sandbox" in path.parts:
            continue
        domain = domain_of(path)
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                key: str | tuple[str, str] = (message[0], message[1])
            else:
                key = message
            if not key:
                continue
            where = f"{path.relative_to(ROOT)}:{lineno}"
            found[domain].setdefault(key, []).append(where)
    return found


def update(only: str | None = None) -> None:
    """Refresh the catalogues (all domains, or only the domain ``only``)."""
    extracted = extract()
    if only is not None:
        extracted = {only: extracted.get(only, {})}
    for language in LANGUAGES:
        folder = locales_dir() / language / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        for domain, messages in extracted.items():
            po_path = folder / f"{domain}.po"
            old = _read(po_path, language)
            catalog = Catalog(locale=language, domain=domain, project="buurtbot")
            for key, locations in messages.items():
                msgid = key
                previous = old.get(key if isinstance(key, str) else key[0]) if old else None
                same_shape = previous is not None and (
                    isinstance(previous.string, tuple) == isinstance(key, tuple))
                if previous is not None and same_shape and previous.string and not previous.fuzzy:
                    string = previous.string
                elif language == "en":
                    string = key if isinstance(key, str) else (key[0], key[1])
                else:
                    string = "" if isinstance(key, str) else ("", "")
                catalog.add(
                    msgid,
                    string,
                    locations=[_location(loc) for loc in locations],
                )
            with po_path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
        for po_path in folder.glob("*.po"):
            if only is None and po_path.stem not in extracted:
                po_path.unlink()


def _location(where: str) -> tuple[str, int]:
    path, line = where.rsplit(":", 1)
    return path, int(line)


def _read(path: Path, language: str) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


#: One word for one thing (``docs/GLOSSARY.md``; Polish: ``locales/pl/NOTES.md``): per
#: language, variants that must not appear in a msgstr, with the word to use instead.
GLOSSARY_FORBIDDEN: dict[str, list[tuple[str, str]]] = {
    "nl": [
        (r"(?i)\bkamers?\b", "BuurtWerkKamer"),
        (r"(?i)\bsamen eten\b", "eettafel"),
        (r"(?i)\bmaaltijd(?:en)?\b", "eettafel"),
        # A number on the waiting list is not a seat.
        (r"(?i)\bplek \{\}", "nummer {place}"),
    ],
    "en": [
        (r"\bEettafel\b", "shared dinner"),
        (r"\b(?:[Mm]y|[Yy]our|[Tt]he|[Aa]ll|[Oo]ther|[Aa]nother) rooms?\b", "BuurtWerkKamer"),
        (r"(?i)\bsamen eten\b", "shared dinner"),
        (r"(?i)\bmeals?\b", "dinner"),
        # The Dutch name of the check-in (the /belronde command itself is fine).
        (r"(?i)\bbelronde\b", "weekly check-in"),
        (r"(?i)\bplace \{\}", "number {place}"),
    ],
    "ar": [
        (r"غرف", "مركز الحي"),
        (r"الطعام المشترك", "العشاء المشترك"),
        (r"وجب(?:ة|ات|تك|تي)", "العشاء المشترك"),
        (r"(?:مكان|أماكن)", "مقعد (seat) / مركز الحي (room)"),
        # مركز alone reads as "centre" (and says nothing about the neighbourhood).
        (r"مركز(?:ك|ي|نا)?(?!\s*(?:ال)?حي)", "مركز الحي / مركز حيّك"),
        # The Latin name only once, isolated, where onboarding explains it.
        (r"BuurtWerkKamer", "مركز الحي"),
    ],
    "tr": [
        (r"\b[Oo]da(?:lar\w*|nız\w*|m\w*|yı|ya|da|sı)?\b", "BuurtWerkKamer"),
        (r"\b[Mm]ek[âa]n\w*", "BuurtWerkKamer"),
        (r"\b[Mm]erkez\w*", "BuurtWerkKamer"),
        (r"\b[Kk]onuk\w*", "misafir"),
        (r"(?i)\byardım iste(?:ğ|k)\w*", "yardım talebi"),
        (r"(?i)\bbirlikte yemek\w*", "ortak akşam yemeği"),
        (r"(?<![Aa]kşam )\b[Yy]eme(?:k|ğ)\w*", "akşam yemeği"),
        (r"\b[Yy]er(?:i|iniz\w*|ler\w*|e|de)?\b", "sandalye (a seat)"),
    ],
    "ti": [
        (r"ክፍሊ|ክፍልኹም", "BuurtWerkKamer (never 'room')"),
        (r"ቦታ", "መንበር (a seat)"),
        (r"ሓባራዊ (?:ምግቢ|መግቢ)|ምሳሕ", "ሓባራዊ ድራር"),
        (r"ሕቶ ሓገዝ|ሕቶታት ሓገዝ", "ጠለብ ሓገዝ (help request)"),
        (r"ተወፋዪ|በጎ ፍቓደኛ", "ወለንተኛ"),
        (r"መጻእተኛ", "በጻሒ (a walk-in visitor; መጻእተኛ also reads 'foreigner')"),
        (r"ኣስተባባሪ|ኣማሓዳሪ", "ኣወሃሃዲ"),
        (r"ኣጋይሽ", "ጋሻ (plural ጋሻታት)"),
        (r"ፕሮግራም", "መደብ"),
    ],
    "uk": [
        (r"(?i)кімнат\w*|приміщен\w*", "BuurtWerkKamer"),
        (r"(?i)\b(?:бурт|бюрт)\w*", "BuurtWerkKamer (the name stays in Latin letters)"),
        (r"(?i)\bобід\w*|трапез\w*|їдальн\w*", "спільна вечеря"),
        (r"(?i)\bстіл\b|\bстол(?:и|ів|ик)\w*|\bсидін\w*|\bстіл(?:ець|ьц)\w*|\bстільц\w*",
         "місце (a seat)"),
        (r"(?i)доброволь\w*|доброчин\w*", "волонтер"),
        (r"(?i)\bзаявк\w*|\bпрохан\w*", "запит на допомогу"),
        (r"(?i)\b(?:лист|черг|черз)\w* очікуван\w*", "список очікування"),
        (r"(?i)\bкерівник\w*|\bорганізатор\w*", "координатор"),
        (r"(?i)\bрозсилк\w*|\bоповіщен\w*", "оголошення"),
        (r"(?i)\bрозклад\w*", "програма"),
        (r"(?i)\bзапи(?:сатися|салися|саний|сані|шіться)\b|\bзапис на\b", "реєстрація"),
        (r"(?i)\bперевірк\w*|\bопитуван\w*|\bчек-ін\w*", "щотижнева розмова"),
        (r"[\u0400-\u04ff]'[\u0400-\u04ff]", "ʼ (U+02BC, the apostrophe CLDR uses: Пʼятниця)"),
        # Polite "ви" throughout, never "ти".
        (r"(?i)\b(?:ти|тебе|тобі|тобою|твій|твоя|твоє|твої|твого|твоєї|натисни|напиши|"
         r"обери|вибери|надішли)\b", "the polite ви form"),
    ],
    "pl": [
        (r"(?i)\bpok[oó]j\w*", "BuurtWerkKamer"),
        (r"(?i)\bświetlic\w*", "BuurtWerkKamer"),
        (r"(?i)\bposił\w*", "wspólna kolacja"),
        (r"(?i)\bobiad\w*", "wspólna kolacja"),
        (r"(?i)\bochotni\w*", "wolontariusz"),
        (r"(?i)\bzgłosze\w*", "prośba o pomoc"),
        (r"(?i)\brejestracj\w*", "zapis"),
        (r"(?i)\bkomunikat\w*", "ogłoszenie"),
        (r"(?i)\blist\w* rezerwow\w*", "lista oczekujących"),
        # Polish without its diacritics ("prosba", "wspolna", "sie") is a stripped text.
        (r"(?i)\b(?:sie|prosb\w*|wspoln\w*|dziek\w*|moze|mozesz|jezyk\w*|wiadomosc\w*)\b",
         "Polish diacritics (ą ć ę ł ń ó ś ź ż)"),
    ],
}
#: Scripts that are not Latin: a Latin word in their msgstr is a word someone forgot to
#: translate (names below, placeholders, commands, links and markup excepted).
NON_LATIN_LANGUAGES = frozenset({"ar", "ti", "uk"})
ALLOWED_LATIN = frozenset({
    "BuurtWerkKamer", "BuurtWerkKamers", "Buurtbot", "TOP", "Telegram", "WhatsApp", "QR",
    "PDF", "Excel", "CSV", "ICS", "ics", "iCal", "Google", "Outlook", "AVG", "GDPR", "OK",
    "Ondiep", "Leidsche", "Rijn", "Zuilen", "Utrecht", "Hart", "voor", "De", "Verbinding",
    "Nederlands", "English", "Türkçe", "DigiD", "UWV", "CV", "SMS", "HH", "mm",
})
#: The rooms' own Dutch names, allowed where a language's onboarding explains them once
#: ("ሓባራዊ ድራር (eettafel)"): residents hear these words in the BuurtWerkKamer itself.
ALLOWED_LATIN_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "ti": frozenset({"eettafel", "belronde"}),
    "uk": frozenset({"eettafel", "belronde"}),
}
#: Numbers every plural form must render for (CLDR categories of Arabic, Ukrainian, Polish...).
PLURAL_SAMPLES = (0, 1, 2, 3, 5, 11, 21, 22, 25, 100, 101)
ISOLATED = re.compile("\u2068[^\u2069]*\u2069|\u2066[^\u2069]*\u2069")
COMMAND = re.compile(r"(?<![\w<])/[a-z][a-z_]*")
DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")
PHONE = re.compile(r"\+\d")
TAG = re.compile(r"</?[a-z]+(?: [^>]*)?>")
URL = re.compile(r"https?://\S+|t\.me/\S+")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ]{2,}")
#: A Latin letter inside a Cyrillic word ("кнопкa" with a Latin "a", "мiсце" with a Latin "i"):
#: it looks right but breaks search, screen readers and spelling.
MIXED_SCRIPT = re.compile(r"\w*(?:[\u0400-\u04ff][A-Za-z]|[A-Za-z][\u0400-\u04ff])\w*")
#: A count in front of a noun belongs in ``ngettext`` (Dutch "1 plekken", Arabic "{n} حرفًا").
COUNTED = re.compile(r"\{n\} (?:unique )?(?:character|letter|seat|minute|person|people|guest|"
                     r"participant|week|day|hour|volunteer|sign-up)s?\b")
MIRRORED = {"⬅": "➡", "➡": "⬅"}
#: A Turkish suffix glued to a placeholder or a command ("{time}'dan", "/agenda'ya").
TURKISH_SUFFIX = re.compile(r"(?:\}|(?<![\w<])/[a-z_]+)['’][^\W\d_]")
TURKISH_BARE_TAP = re.compile(r"(?:/\w+|»|\}) dokunun")
#: A Tigrinya prefix (ብ, ን, ካብ...) glued to a placeholder reads wrongly for a date, a number or a
#: Latin name ("ብ{when}", "ን{title}"): put a word or a label before it ("ኣብ {when}", "ዕለት፦ {date}").
TIGRINYA_GLUED_PREFIX = re.compile(r"[\u1200-\u137f](?:<[a-z]+>)?\{")
#: A Polish noun counted by a number that is not the plural form's own count ("najwyżej {max}
#: znaków" is wrong for 1 024: "1 024 znaki"): the noun's form depends on the number, which only
#: ``ngettext`` knows. Put the number after a label instead ("Największa liczba znaków: {max}").
#: ``{n}`` and ``{hours}`` are the counts of their own plural forms and are left alone.
POLISH_COUNTED_NOUN = re.compile(
    r"\{(?!(?:n|hours)\})[a-zA-Z_]\w*\} (?:znak|osob|osób|godzin|minut|dni\b|dzień|miejsc|"
    r"zapis|prośb|próśb|gość|gości|tydzień|tygodni|raz)")
#: A Ukrainian noun counted by a number that is not the plural form's own count ("не більше
#: {max} символів" is wrong for 1 021: "1 021 символу"; "більше ніж {max} годин" is wrong for 82:
#: "82 години"): the noun's form depends on the number, which only ``ngettext`` knows. Put the
#: number after a label ("Найбільша кількість символів: {max}"). ``{n}`` and ``{hours}`` are the
#: counts of their own plural forms, and inside a plural entry the count decides the forms.
UKRAINIAN_COUNTED_NOUN = re.compile(
    r"\{(?!(?:n|hours)\})[a-zA-Z_]\w*\} (?:символ|літер|годин|хвилин|дн[іяв]|день|тиждень|"
    r"тижн|місц|особ|осіб|гість|гост|реєстрац|запит|раз|людей|люди\b)")


def _strings(message: object) -> tuple[str, ...]:
    string = message.string  # type: ignore[attr-defined]
    return string if isinstance(string, tuple) else (string,)


def _text_problems(language: str, key: str, string: str, plural: bool = False) -> list[str]:
    """The term, script, direction and grammar rules for one msgstr (``plural``: one form of a
    plural entry, whose count already chooses the form of the noun after it)."""
    found: list[str] = []
    if not unicodedata.is_normalized("NFC", string):
        found.append(f"{language}: not NFC-normalised: {key!r}")
    bare = PLACEHOLDER.sub("", URL.sub("", TAG.sub("", string)))
    # For the glossary a placeholder is "{}": its name is no word of the text, but a word in
    # front of it may be ("place {place}" on the waiting list).
    unisolated = COMMAND.sub("", ISOLATED.sub("", PLACEHOLDER.sub("{}", URL.sub("", TAG.sub(
        "", string)))))
    for pattern, instead in GLOSSARY_FORBIDDEN.get(language, []):
        match = re.search(pattern, unisolated)
        if match:
            found.append(
                f"{language}: glossary: {match.group(0)!r} in {key!r}; use {instead}")
    if language in RTL_LANGUAGES:
        outside = ISOLATED.sub("", bare)
        for what, pattern in (("a /command", COMMAND), ("a phone number", PHONE),
                              ("digits", DIGITS)):
            match = pattern.search(outside)
            if match:
                found.append(f"{language}: {what} outside an isolate (FSI…PDI): "
                             f"{match.group(0)!r} in {key!r}")
                break
        for mark, instead in ((",", "،"), (";", "؛"), ('"', "«…»"), ("“", "«…»")):
            if mark in outside:
                found.append(f"{language}: Latin {mark!r} in {key!r}; use {instead}")
        # Every placeholder isolated: a Latin name, a phone number or typed text keeps its
        # own order ("اللغة: {language}" is not enough).
        loose = PLACEHOLDER.search(ISOLATED.sub("", TAG.sub("", string)))
        if loose:
            found.append(f"{language}: placeholder {loose.group(0)} outside an isolate "
                         f"(FSI…PDI) in {key!r}")
    if language in RTL_LANGUAGES:
        wanted = [a for a in key if a in "⬅➡"]
        got = [a for a in string if a in "⬅➡"]
        if got != [MIRRORED[a] for a in wanted]:
            found.append(f"{language}: mirror ⬅️/➡️ for right-to-left readers in {key!r}")
    if language in NON_LATIN_LANGUAGES:
        outside = COMMAND.sub("", ISOLATED.sub("", bare))
        allowed = ALLOWED_LATIN | ALLOWED_LATIN_BY_LANGUAGE.get(language, frozenset())
        words = [w for w in LATIN_WORD.findall(outside) if w not in allowed]
        if words:
            found.append(f"{language}: Latin words {words[:3]} in {key!r} (not translated?)")
        mixed = MIXED_SCRIPT.search(outside)
        if mixed:
            found.append(f"{language}: Latin and Cyrillic letters in one word "
                         f"{mixed.group(0)!r} in {key!r} (a Latin i, a, o, c... typed by mistake?)")
    if language == "tr":
        if TURKISH_SUFFIX.search(string):
            found.append(f"tr: a suffix hangs on a placeholder or command in {key!r}; rephrase")
        if TURKISH_BARE_TAP.search(string):
            found.append(f"tr: 'dokunun' needs a case ending ('komutuna', 'düğmesine') in {key!r}")
    if language == "pl" and POLISH_COUNTED_NOUN.search(string):
        found.append(f"pl: a counted noun follows a number outside ngettext in {key!r}; "
                     f"put the number after a label ('Największa liczba znaków: {{max}}')")
    if language == "uk" and not plural and UKRAINIAN_COUNTED_NOUN.search(string):
        found.append(f"uk: a counted noun follows a number outside ngettext in {key!r}; "
                     f"put the number after a label ('Найбільша кількість символів: {{max}}')")
    if language == "ti" and TIGRINYA_GLUED_PREFIX.search(string):
        found.append(f"ti: a prefix is glued to a placeholder in {key!r}; write 'ኣብ {{when}}', "
                     f"'ናብ {{name}}' or a label ('ዕለት፦ {{date}}')")
    return found


def _placeholder_problems(language: str, key: str, message: object) -> list[str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)  # type: ignore[attr-defined]
    wanted = set(PLACEHOLDER.findall(" ".join(ids)))
    plural = isinstance(message.id, tuple)  # type: ignore[attr-defined]
    found = []
    for string in _strings(message):
        got = set(PLACEHOLDER.findall(string))
        # A plural form may leave {n} out ("مقعد واحد"); the run-time check makes sure the
        # number still shows wherever the form stands for more than one number.
        ok = (got <= wanted and wanted - {"{n}"} <= got) if plural else got == wanted
        if not ok:
            found.append(f"{language}: placeholders differ in {key!r}: "
                         f"{sorted(wanted)} vs {sorted(got)}")
        if sorted(TAG.findall(" ".join(ids[:1]))) != sorted(TAG.findall(string)):
            found.append(f"{language}: markup differs in {key!r}")
    return found


def plural_problems(language: str) -> list[str]:
    """Plural forms as CLDR defines them, and every form rendering for every sample count.

    The number of forms must be babel's (CLDR) for the language; gettext's plural expression
    must pick one form per CLDR category; and a form that leaves ``{n}`` out is only allowed
    for a category that holds a single number (Arabic "one", "two"; not Ukrainian "one",
    which also covers 21).
    """
    found: list[str] = []
    expected = get_plural(language)
    locale = Locale.parse(language)
    catalogue = translator(language)
    index = gettext.c2py(expected.plural_expr)
    category_index: dict[str, set[int]] = defaultdict(set)
    members: dict[str, set[int]] = defaultdict(set)
    for n in range(0, 1000):
        category_index[locale.plural_form(n)].add(index(n))
        members[locale.plural_form(n)].add(n)
    for category, indices in category_index.items():
        if len(indices) != 1:
            found.append(f"{language}: plural form expression splits CLDR category {category}")
    folder = locales_dir() / language / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")):
        catalog = _read(po_path, language)
        if catalog is None:
            continue
        if catalog.num_plurals != expected.num_plurals:
            found.append(f"{language}: {po_path.name} has {catalog.num_plurals} plural forms; "
                         f"CLDR has {expected.num_plurals} ({expected.plural_forms})")
        for message in catalog:
            if not message.id or not isinstance(message.id, tuple) or message.fuzzy:
                continue
            if len(_strings(message)) != expected.num_plurals or not all(_strings(message)):
                found.append(f"{language}: plural forms incomplete: {message.id[0]!r} "
                             f"({po_path.name})")
                continue
            names = {p[1:-1] for p in PLACEHOLDER.findall(" ".join(message.id))}
            for n in PLURAL_SAMPLES:
                values = {name: f"<{name}>" for name in names} | {"n": str(n)}
                try:
                    text = catalogue.ngettext(message.id[0], message.id[1], n).format(**values)
                except (KeyError, IndexError, ValueError) as exc:
                    found.append(f"{language}: plural {message.id[0]!r} fails for n={n}: {exc}")
                    continue
                alone = members[locale.plural_form(n)] == {n} or "{n}" not in message.id[1]
                if not text.strip() or (not alone and str(n) not in text):
                    found.append(f"{language}: plural {message.id[0]!r} does not show the "
                                 f"number for n={n}: {text!r}")
    return found


def problems() -> list[str]:
    """Every missing, fuzzy, inconsistent or badly formed translation, one line each."""
    extracted = extract()
    found: list[str] = []
    for language in LANGUAGES:
        folder = locales_dir() / language / "LC_MESSAGES"
        translated: dict[str, object] = {}
        for po_path in sorted(folder.glob("*.po")):
            catalog = _read(po_path, language)
            own = {k if isinstance(k, str) else k[0] for k in extracted.get(po_path.stem, {})}
            for message in catalog or []:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key not in own:
                    # A copy left behind when the code moved to another domain: translators
                    # would keep two copies in step, and the stale one may win at run time.
                    found.append(f"{language}: stale: {key!r} ({po_path.name}: its domain no "
                                 f"longer uses it; python -m bot.i18n_tools update "
                                 f"{po_path.stem})")
                    continue
                if message.fuzzy:
                    found.append(f"{language}: fuzzy: {key!r} ({po_path.name})")
                    continue
                strings = _strings(message)
                if not all(strings):
                    # Also where another domain translates the msgid: the file is what a
                    # translator reads, and an empty entry there looks finished elsewhere.
                    found.append(f"{language}: untranslated: {key!r} ({po_path.name})")
                    continue
                found += [f"{line} ({po_path.name})"
                          for line in _placeholder_problems(language, key, message)]
                for string in strings:
                    found += [f"{line} ({po_path.name})"
                              for line in _text_problems(
                                  language, key, string, isinstance(message.id, tuple))]
                earlier = translated.get(key)
                if earlier is not None and earlier.string != message.string:  # type: ignore[attr-defined]
                    found.append(
                        f"{language}: {key!r} is translated differently in two domains "
                        f"({po_path.name}); all domains share one catalogue at run time, "
                        "so use a distinct msgid or the same translation"
                    )
                translated[key] = message
        for domain, messages in extracted.items():
            for key in messages:
                msgid = key if isinstance(key, str) else key[0]
                if language == LANGUAGES_FIRST and isinstance(key, str) and COUNTED.search(key):
                    found.append(f"code: a counted {{n}} outside ngettext: {key!r} ({domain})")
                if msgid not in translated:
                    found.append(f"{language}: missing: {msgid!r} (domain {domain})")
        found += plural_problems(language)
    return found


def fill(language: str, domain: str, translations: dict[str, str | list[str]]) -> int:
    """Set translations from a mapping msgid → msgstr (a list for plural forms)."""
    po_path = locales_dir() / language / "LC_MESSAGES" / f"{domain}.po"
    catalog = _read(po_path, language)
    if catalog is None:
        raise SystemExit(f"{po_path} does not exist; run `make locales` first")
    changed = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
            changed += 1
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        # python -m bot.i18n_tools update [DOMAIN]
        update(args[1] if len(args) > 1 else None)
        return 0
    if command == "fill":
        # python -m bot.i18n_tools fill LANG DOMAIN FILE.json
        import json

        language, domain, source = args[1], args[2], args[3]
        with open(source, encoding="utf-8") as handle:
            changed = fill(language, domain, json.load(handle))
        print(f"{changed} translation(s) set in {language}/{domain}.po")
        return 0
    issues = problems()
    for line in issues:
        print(line)
    print(f"{len(issues)} problem(s)")
    return 1 if issues else 0


if __name__ == "__main__":
    raise SystemExit(main())
