"""Keep the translation catalogues in step with the code.

``python -m bot.i18n_tools update`` extracts every marked string from ``bot/`` and updates
``locales/<lang>/LC_MESSAGES/<domain>.po`` for each shipped language: new msgids are added
(empty, so the completeness test fails until someone translates them; English is filled with the
msgid itself), obsolete ones are dropped, existing translations are kept.
``python -m bot.i18n_tools check`` lists what is missing, fuzzy or has wrong placeholders.
``python -m bot.i18n_tools fill LANG DOMAIN FILE.json`` sets translations from a JSON mapping
msgid → msgstr (a list of strings for plural forms).

A file's domain is the feature it belongs to, by its stem prefix or its folder:
``bot/handlers/meals/…`` and ``bot/services/meals/…`` go to ``meals.po``,
``bot/services/help_requests_rules.py`` to ``help_requests.po``; everything else to ``core.po``.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, locales_dir

ROOT = Path(__file__).resolve().parent.parent
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
    "surveys",
    "volunteer_work",
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
                if previous is not None and previous.string and not previous.fuzzy:
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


def problems() -> list[str]:
    """Every missing, fuzzy or placeholder-mismatched translation, one line each."""
    extracted = extract()
    found: list[str] = []
    for language in LANGUAGES:
        folder = locales_dir() / language / "LC_MESSAGES"
        translated: dict[str, object] = {}
        for po_path in sorted(folder.glob("*.po")):
            catalog = _read(po_path, language)
            for message in catalog or []:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if message.fuzzy:
                    found.append(f"{language}: fuzzy: {key!r} ({po_path.name})")
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not all(strings):
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                wanted = set(PLACEHOLDER.findall(" ".join(ids)))
                for string in strings:
                    got = set(PLACEHOLDER.findall(string))
                    if got != wanted:
                        found.append(
                            f"{language}: placeholders differ in {key!r}: "
                            f"{sorted(wanted)} vs {sorted(got)} ({po_path.name})"
                        )
                earlier = translated.get(key)
                if earlier is not None and earlier.string != message.string:
                    found.append(
                        f"{language}: {key!r} is translated differently in two domains "
                        f"({po_path.name}); all domains share one catalogue at run time, "
                        "so use a distinct msgid or the same translation"
                    )
                translated[key] = message
        for domain, messages in extracted.items():
            for key in messages:
                msgid = key if isinstance(key, str) else key[0]
                if msgid not in translated:
                    found.append(f"{language}: missing: {msgid!r} (domain {domain})")
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
