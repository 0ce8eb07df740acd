"""The readable summary of ``/mijngegevens``: everything a person gave us, in their language.

The JSON file holds every detail; this message must be understandable on its own for someone
who never opens a file: one line per thing they told us, and one line per feature with a count
("Eettafel: 2 aanmeldingen"), never internal keys such as ``help_requests``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from bot.config import Config
from bot.handlers import report_newcomer
from bot.handlers.common import role_name
from bot.i18n import LANGUAGES, Translator
from bot.services.users import Person

#: (feature, part) → line with a count. A feature's export is a list (part None) or a dict.
_Counted = Callable[[Translator, int], str]
COUNTED: dict[tuple[str, str | None], _Counted] = {
    ("meals", None): lambda t, n: t.ngettext(
        "Shared dinner: {n} sign-up", "Shared dinner: {n} sign-ups", n).format(n=n),
    ("help_requests", "requests"): lambda t, n: t.ngettext(
        "Help requests: {n} request", "Help requests: {n} requests", n).format(n=n),
    ("help_requests", "volunteer_skills"): lambda t, n: t.ngettext(
        "What you can help with: {n} skill", "What you can help with: {n} skills", n
    ).format(n=n),
    ("help_requests", "requests_helped_with"): lambda t, n: t.ngettext(
        "Help requests you helped with: {n}", "Help requests you helped with: {n}", n
    ).format(n=n),
    ("help_requests", "notes_written"): lambda t, n: t.ngettext(
        "Notes you wrote on help requests: {n}", "Notes you wrote on help requests: {n}", n
    ).format(n=n),
    ("calendar", "signups"): lambda t, n: t.ngettext(
        "Activities: {n} sign-up", "Activities: {n} sign-ups", n).format(n=n),
    ("checkins", "weeks"): lambda t, n: t.ngettext(
        "Weekly check-in: {n} week with an answer or a call",
        "Weekly check-in: {n} weeks with an answer or a call", n).format(n=n),
    ("checkins", "followups_you_took"): lambda t, n: t.ngettext(
        "Check-in calls you made as a volunteer: {n}",
        "Check-in calls you made as a volunteer: {n}", n).format(n=n),
    ("announcements", None): lambda t, n: t.ngettext(
        "Announcements sent to you: {n}", "Announcements sent to you: {n}", n).format(n=n),
    ("surveys", None): lambda t, n: t.ngettext(
        "Open surveys you were asked in: {n}", "Open surveys you were asked in: {n}", n
    ).format(n=n),
    ("volunteer_work", "groups"): lambda t, n: t.ngettext(
        "Volunteer groups: {n} group", "Volunteer groups: {n} groups", n).format(n=n),
    ("volunteer_work", "weeks_asked"): lambda t, n: t.ngettext(
        "Weekly question about your hours: sent {n} time",
        "Weekly question about your hours: sent {n} times", n).format(n=n),
    ("volunteer_work", "hours"): lambda t, n: t.ngettext(
        "Volunteer hours: given for {n} week", "Volunteer hours: given for {n} weeks", n
    ).format(n=n),
    ("linking", "codes"): lambda t, n: t.ngettext(
        "Codes to link your other app: {n}", "Codes to link your other app: {n}", n
    ).format(n=n),
    ("report_marks", None): lambda t, n: t._(report_newcomer.MY_DATA_LINE).format(what=n),
}


def _count(value: Any) -> int:
    if isinstance(value, list | dict | tuple):
        return len(value)
    return 1 if value else 0


def _special(t: Translator, config: Config, feature: str, part: str | None, value: Any
             ) -> str | None:
    """Parts better said in words than as a count."""
    if (feature, part) == ("checkins", "subscription") and isinstance(value, dict):
        if value.get("active"):
            return t._("Weekly check-in: on")
        return t._("Weekly check-in: off")
    if (feature, part) == ("calendar", "weekly_programme_subscriptions"):
        names = [config.rooms[r].name if r in config.rooms else str(r) for r in value]
        return t._("Weekly programme by message: {rooms}").format(
            rooms=escape(t.join(names)))
    if (feature, part) == ("volunteer_work", "weekly_hours_question"):
        return t._("Weekly question about your hours: on")
    if (feature, part) == ("volunteer_work", "keyholder_since"):
        return t._("Keyholder since {date}").format(date=t.date(date.fromisoformat(value),
                                                                 "d MMMM y"))
    if feature == "report_marks":
        return report_newcomer.my_data_line(t, value)
    if feature == "unfinished_forms":
        return t._("A form you started but did not finish yet")
    return None


def feature_lines(t: Translator, config: Config, data: dict[str, Any]) -> list[str]:
    """One readable line per thing a feature keeps; nothing for empty parts."""
    lines: list[str] = []
    for feature, body in data.items():
        if feature == "profile" or not body:
            continue
        parts = (body.items() if isinstance(body, dict) and feature != "unfinished_forms"
                 else [(None, body)])
        for part, value in parts:
            if not _count(value):
                continue
            line = _special(t, config, feature, part, value)
            if line is None:
                counted = COUNTED.get((feature, part))
                n = _count(value)
                line = counted(t, n) if counted else t.ngettext(
                    "Other saved data: {n} item", "Other saved data: {n} items", n
                ).format(n=n)
            lines.append("• " + line)
    return lines


def _app(t: Translator, address: Any) -> str:
    """"Telegram", or "WhatsApp (+31612345678)": a WhatsApp address is their phone number."""
    if address.channel == "whatsapp":
        return f"WhatsApp ({t.isolate(escape('+' + address.address))})"
    return {"telegram": "Telegram"}.get(address.channel, escape(address.channel))


def summary(t: Translator, config: Config, person: Person, data: dict[str, Any]) -> str:
    """The whole message: who you are to us, then what each part of the bot keeps."""
    row = person.row
    room = config.room(person.room)
    none = t._("(none)")
    lines = [
        "<b>" + t._("What we keep about you") + "</b>",
        t._("Name: {name}").format(name=escape(person.name) if person.name else none),
        t._("Phone number: {phone}").format(phone=escape(row.phone) if row.phone else none),
        t._("Apps: {apps}").format(apps=t.join([_app(t, a) for a in person.addresses]) or none),
        t._("Language: {language}").format(language=LANGUAGES.get(person.language, "-")),
        t._("BuurtWerkKamer: {room}").format(room=escape(room.name) if room else "-"),
        t._("Role: {role}").format(role=role_name(t, person.role)),
        t._("Announcements: on") if row.announcements else t._("Announcements: off"),
        t._("First contact: {date}").format(date=t.date(row.created_at, "d MMMM y")),
    ]
    if row.privacy_accepted_at is not None:
        lines.append(t._("You agreed to the privacy statement on {date}.").format(
            date=t.date(row.privacy_accepted_at, "d MMMM y")))
    more = feature_lines(t, config, data)
    if more:
        lines += ["", "<b>" + t._("What you did with the bot") + "</b>", *more]
    lines += ["", t._("All details are in the file below. Erase everything with /vergeetmij.")]
    return "\n".join(lines)
