"""The bot's "/menu", "/agenda", "/start" in a text, as WhatsApp shows them: a word to type
and a button to tap.

Why here and not in the msgids: the texts (about fifty, in seven languages) say "Tap /menu"
or "See /agenda" because on Telegram a command in a text is tappable and the command menu
lists them. WhatsApp has neither; there a person types a plain word ("menu", "eten", "قائمة",
:mod:`bot.channels.whatsapp.keywords`). So the renderer rewrites, in one place, each of the
bot's own commands in a text into the word that works on WhatsApp, in the person's language
and in bold ("Tik op *menu* om te zien wat ik kan."), and — when the message has no
buttons of its own — adds a reply button per mentioned command (``cmd:<command>``, at most
three): the inbound side turns a tap into exactly the command typed.

Which word:

* a command with keywords: its first word in the person's language (Dutch when the language
  has none), so what the text says is what :func:`keywords.command_of` understands;
* ``koppel``: the word itself ("koppel", typed with or without the slash in either app; the
  linking handler reads it). No button: the texts say to type it *in the other app*;
* the volunteers' and coordinators' commands (``/tafel``, ``/turf``, ``/omroep`` …) keep
  their slash (``*/turf*``): typed with the slash they work on WhatsApp too, and their Dutch
  names are words residents use for something else ("tafel" is a word for the dinner,
  "programma" for the week's agenda). They get a button like the others.

In a right-to-left text the word is isolated (FSI … PDI) as commands and numbers are
elsewhere; the translations mostly isolate "/menu" already, and then that isolate is kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.channels.whatsapp import keywords
from bot.i18n import FSI, N_, PDI, mark_rtl, translator

#: The reply id of a command button: ``cmd:`` + the command (without "/").
PREFIX = "cmd:"
#: WhatsApp's limit for a reply button's title.
TITLE_MAX = 20
#: At most this many command buttons under one message.
BUTTONS_MAX = 3

#: Every command of the bot a text may name (``bot.handlers.commands.COMMANDS``, plus
#: ``start`` and ``qr``; the test keeps them equal), with its button label. A label that
#: is the main menu's or the settings' own (``bot.handlers.menu.MENU``: "📅 This week") is
#: that msgid, so one thing has one name (a plain string, not ``N_``: it is translated
#: through the merged catalogue and stays in its own domain); where that one is longer than
#: a button allows in some language, a short name of our own. ``koppel``: no button.
LABELS: dict[str, str] = {
    "menu": N_("📋 Menu"),
    "start": N_("▶️ Start"),
    "agenda": "📅 This week",
    "eten": "🍲 Shared dinner",
    "hulp": "📝 Ask for help",
    "belronde": N_("☎️ Check-in"),
    "taal": "🌐 Language",
    "kamer": N_("🏠 Room"),
    "berichten": N_("🔔 Announcements"),
    "privacy": "🔒 Privacy",
    "mijngegevens": "📄 My data",
    "vergeetmij": N_("🗑 Erase data"),
    "koppel": "",
    "tafel": N_("🍽 Dinner table"),
    "vragen": "📋 Help requests",
    "turf": N_("✅ Who came"),
    "uren": N_("🕒 My hours"),
    "enquete": "🗳 Surveys",
    "omroep": N_("📣 Announce"),
    "programma": N_("🗓 Programme"),
    "rapport": "📊 Report",
    "uitnodigen": N_("✉️ Invite"),
    "vrijwilligers": "👥 Volunteers",
    "qr": N_("🖨️ Door sign"),
}
COMMANDS = frozenset(LABELS)
#: Typed with their slash on WhatsApp (see the module docstring).
STAFF = frozenset({"tafel", "vragen", "turf", "uren", "enquete", "omroep", "programma",
                   "rapport", "uitnodigen", "vrijwilligers", "qr"})
#: Typed as the word itself in every language.
OWN_WORD = frozenset({"koppel"})
#: The generic ones go after the command a text is about ("See /agenda, or /menu").
_LAST = ("menu", "start")

_NAMES = "|".join(sorted(COMMANDS, key=len, reverse=True))
#: A command as its own token: not inside a URL or a path ("https://x.nl/agenda"), not the
#: start of a longer word ("/menus").
TOKEN = re.compile(rf"(?<![\w/.:~@-])/({_NAMES})(?![\w/-])")
_TAG = re.compile(r"(<[^>]*>)")


def mentions(text: str) -> bool:
    """Whether ``text`` names one of the bot's commands (cheap: before any lookup)."""
    return "/" in text and TOKEN.search(text) is not None


def word(command: str, language: str | None) -> str:
    """What a person types on WhatsApp for ``command``, in ``language``."""
    if command in OWN_WORD:
        return command
    words = keywords.KEYWORDS.get(command)
    if command in STAFF or not words:
        return "/" + command
    language = language if language in words else "nl"
    return words[language][0]


def rewrite(html_text: str, language: str | None) -> tuple[str, list[str]]:
    """(``html_text`` with every command as its bold word, the commands in order of first
    mention). Tags are left alone (an ``href`` keeps its path), and so is code."""
    t = translator(language)
    found: list[str] = []
    parts = _TAG.split(html_text)
    literal = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = part.strip("</ >").split()[0].lower() if part.strip("</ >") else ""
            if name in ("code", "pre"):
                literal += -1 if part.startswith("</") else 1
            continue
        if literal > 0 or "/" not in part:
            continue

        def one(match: re.Match[str], part: str = part) -> str:
            command = match.group(1)
            if command not in found:
                found.append(command)
            shown = f"<b>{word(command, language)}</b>"
            isolated = (match.start() > 0 and part[match.start() - 1] == FSI
                        and part[match.end():match.end() + 1] == PDI)
            return shown if isolated or not t.rtl else FSI + shown + PDI

        parts[index] = TOKEN.sub(one, part)
    return "".join(parts), found


def ranked(commands: Iterable[str]) -> list[str]:
    """The commands worth a button, the most useful first: what the text is about before the
    generic menu and start; at most :data:`BUTTONS_MAX`."""
    buttons = [c for c in commands if LABELS.get(c)]
    buttons.sort(key=lambda c: _LAST.index(c) + 1 if c in _LAST else 0)
    return buttons[:BUTTONS_MAX]


def buttons(commands: Iterable[str], language: str | None) -> list[tuple[str, str]]:
    """(reply id, title) of the command buttons for ``commands`` (a title that would not fit
    a reply button in this language is left out: the word in the text still works)."""
    t = translator(language)
    result = []
    for command in ranked(commands):
        title = t._(LABELS[command])
        if len(mark_rtl(title)) <= TITLE_MAX:
            result.append((PREFIX + command, title))
    return result


def command_of_reply(reply_id: str) -> str | None:
    """The command a ``cmd:`` reply stands for; None for another id or an unknown command
    (a forged or outdated id goes to the handlers as button data: the stale-button answer)."""
    if not reply_id.startswith(PREFIX):
        return None
    command = reply_id[len(PREFIX):]
    return command if command in COMMANDS else None


#: Scripts that tell the language of a text on their own (when the person is not known any
#: more, e.g. the goodbye after /vergeetmij).
_SCRIPTS = (("ARABIC", "ar"), ("ETHIOPIC", "ti"), ("CYRILLIC", "uk"))


def language_of_text(text: str) -> str | None:
    """The language a text's script alone tells (Arabic, Ge'ez, Cyrillic), else None."""
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x2FF:
            name = unicodedata.name(ch, "")
            for script, language in _SCRIPTS:
                if name.startswith(script):
                    return language
    return None
