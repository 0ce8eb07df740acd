"""The programme as text (Telegram, HTML), as an .ics file and as a printable A4 page.

No Telegram here: these take :class:`CalendarEntry` rows and a translator, so the bot, the weekly
post and the ``buurtbot calendar`` command all show exactly the same programme.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from html import escape

import icalendar

from bot.categories import CATEGORIES
from bot.clock import TZ
from bot.config import Room
from bot.i18n import Translator
from bot.schedule import CalendarEntry

PRODID = "-//BuurtWerkKamers Utrecht//Buurtbot//NL"


def title_of(t: Translator, entry: CalendarEntry) -> str:
    """Shipped titles are msgids (translated); typed ones come back unchanged. Escaped."""
    return escape(t._(entry.title))


def keycap(number: int) -> str:
    """1 -> "1️⃣": the number that ties a line of /agenda to its button.

    A keycap emoji is easy to match by sight for someone who reads with difficulty, and the
    button and the line look the same. Numbers above 10 stay plain digits.
    """
    if 1 <= number <= 9:
        return f"{number}\ufe0f\u20e3"
    return "🔟" if number == 10 else str(number)


def _span(t: Translator, entry: CalendarEntry) -> str:
    return t.span(t.time(entry.starts_at), t.time(entry.ends_at))


def entry_line(t: Translator, entry: CalendarEntry, mine: bool = False,
               waiting: bool = False, number: int | None = None) -> str:
    """One line of the programme: time, title, places, and what changed; ``number`` (a keycap,
    see :func:`keycap`) when the line has a button under the message."""
    line = f"{_span(t, entry)}  {title_of(t, entry)}"
    if number is not None:
        line = f"{keycap(number)} {line}"
    if entry.cancelled:
        return f"<s>{line}</s>  ❌ " + t._("does not take place")
    extras = []
    if entry.leader:
        extras.append(t._("with {name}").format(name=escape(entry.leader)))
    if entry.note:
        extras.append("🔁 " + escape(t._(entry.note)))
    if entry.capacity is not None and entry.taken is not None:
        if entry.taken >= entry.capacity:
            extras.append(t._("full"))
        else:
            left = entry.capacity - entry.taken
            extras.append(t.ngettext("{n} place left", "{n} places left", left).format(n=left))
    if mine:
        extras.append("✅ " + t._("you are signed up"))
    elif waiting:
        extras.append("⏳ " + t._("you are on the waiting list"))
    if extras:
        line += "  (" + t.semicolon.join(extras) + ")"
    return line


def week_label(t: Translator, monday: date) -> str:
    sunday = monday + timedelta(days=6)
    return t._("week {number}: {start} to {end}").format(
        number=monday.isocalendar()[1], start=t.date(monday, "d MMMM"),
        end=t.date(sunday, "d MMMM"))


def by_day(entries: Iterable[CalendarEntry]) -> dict[date, list[CalendarEntry]]:
    days: dict[date, list[CalendarEntry]] = {}
    for entry in entries:
        days.setdefault(entry.starts_at.astimezone(TZ).date(), []).append(entry)
    return days


def week_text(t: Translator, room: Room, monday: date, entries: list[CalendarEntry],
              mine: set[str] | None = None, waiting: set[str] | None = None,
              numbers: dict[str, int] | None = None) -> str:
    """A week of the programme, grouped by day, for a Telegram message (HTML); ``numbers``
    (entry ref -> number) marks the lines that have a button."""
    lines = [f"<b>{t.isolate(escape(room.name))}</b> · " + week_label(t, monday)]
    days = by_day(entries)
    if not days:
        lines.append(t._("Nothing is planned this week."))
    for day in sorted(days):
        lines.append("")
        lines.append(f"<b>{t.day_heading(day)}</b>")
        lines.extend(entry_line(t, entry, entry.ref in (mine or set()),
                                entry.ref in (waiting or set()),
                                (numbers or {}).get(entry.ref)) for entry in days[day])
    return "\n".join(lines)


# --- iCalendar -----------------------------------------------------------------------------


def ics(t: Translator, room: Room, entries: list[CalendarEntry], now: datetime) -> bytes:
    """RFC 5545 calendar of ``entries``: stable UIDs, local times with a VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", t._("Programme {room}").format(room=room.name))
    cal.add("x-wr-timezone", "Europe/Amsterdam")
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", f"{entry.ref.replace(':', '-')}.{room.id}@buurtbot.buurtwerkkamers.nl")
        event.add("dtstamp", now.astimezone(UTC))
        # A subscribed phone applies a change (or a cancellation) only when SEQUENCE went up.
        event.add("sequence", entry.sequence)
        if entry.modified_at is not None:
            event.add("last-modified", entry.modified_at.astimezone(UTC))
        event.add("dtstart", entry.starts_at.astimezone(TZ))
        event.add("dtend", entry.ends_at.astimezone(TZ))
        event.add("summary", t._(entry.title))
        event.add("location", room.address)
        event.add("categories", [t._(CATEGORIES.get(entry.category, entry.category))])
        if entry.cancelled:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        about = [t._("with {name}").format(name=entry.leader)] if entry.leader else []
        if entry.note:
            about.append(t._(entry.note))
        if about:
            event.add("description", "\n".join(about))
        cal.add_component(event)
    # A compact VTIMEZONE covering the events (not 1970-2038): small files for cheap phones.
    days = [e.starts_at.date() for e in entries] or [now.date()]
    cal.add_missing_timezones(first_date=min(days) - timedelta(days=366),
                              last_date=max(days) + timedelta(days=366))
    return cal.to_ical()


# --- printable A4 ------------------------------------------------------------------------

# ``@page { margin: 0 }`` leaves the browser no margin to print its header and footer (date,
# title, address) in; the sheet's own padding gives the white border instead, and each room's
# section is a full A4 page.
_CSS = """
@page { size: A4 portrait; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 17pt; line-height: 1.25;
       color: #000; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
section.room { width: 210mm; min-height: 297mm; padding: 14mm 15mm 12mm;
               page-break-after: always; break-after: page; overflow: hidden; }
section.room:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 30pt; margin: 0 0 2mm; }
p.sub { font-size: 15pt; margin: 0 0 5mm; }
h2 { font-size: 19pt; margin: 4mm 0 1mm; border-bottom: 2px solid #000; }
table { width: 100%; border-collapse: collapse; }
td { padding: 0.6mm 2mm 0.6mm 0; vertical-align: top; }
td.time { width: 34mm; white-space: nowrap; font-weight: bold; }
.cancelled { text-decoration: line-through; color: #555; }
.note { font-size: 13pt; }
footer { font-size: 12pt; margin-top: 5mm; }
"""


def print_section(t: Translator, room: Room, monday: date,
                  entries: list[CalendarEntry]) -> str:
    """One A4 page: a room's week, grouped by day, large type."""
    parts = [
        '<section class="room">',
        f"<h1>{escape(room.name)}</h1>",
        f'<p class="sub">{escape(week_label(t, monday))} · {escape(room.address)}</p>',
    ]
    days = by_day(entries)
    if not days:
        nothing = t._("Nothing is planned this week.")
        parts.append(f"<p>{escape(nothing)}</p>")
    for day in sorted(days):
        parts.append(f"<h2>{escape(t.day_heading(day))}</h2><table>")
        for entry in days[day]:
            cls = ' class="cancelled"' if entry.cancelled else ""
            extra = ""
            if entry.cancelled:
                label = t._("does not take place")
                extra = f' <span class="note">({escape(label)})</span>'
            elif entry.note:
                extra = f' <span class="note">({escape(t._(entry.note))})</span>'
            elif entry.signup_data:
                label = t._("sign up")
                extra = f' <span class="note">({escape(label)})</span>'
            if entry.leader and not entry.cancelled:
                led = t._("with {name}").format(name=entry.leader)
                extra = f' <span class="note">({escape(led)})</span>' + extra
            parts.append(f'<tr{cls}><td class="time">{_span(t, entry)}</td>'
                         f"<td>{title_of(t, entry)}{extra}</td></tr>")
        parts.append("</table>")
    if room.phone:
        question = t._("Questions? Call {phone}").format(phone=room.phone)
        parts.append(f"<footer>{escape(question)}</footer>")
    parts.append("</section>")
    return "\n".join(parts)


def print_page(t: Translator, sections: list[str]) -> str:
    direction = "rtl" if t.rtl else "ltr"
    heading = t._("Weekly programme")
    return (
        f'<!DOCTYPE html>\n<html lang="{t.language}" dir="{direction}">\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{escape(heading)}</title>\n<style>{_CSS}</style>\n"
        "</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
