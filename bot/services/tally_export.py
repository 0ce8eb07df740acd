"""The funder report as rows, CSV, Markdown and XLSX: all from the same rows, so they agree.

No names, phone numbers or Telegram ids ever reach these functions: a report holds counts only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot.categories import CATEGORIES
from bot.i18n import N_, Translator
from bot.services.tally import ALL, Report, RoomReport

TOTAL, CONTACT, REFERRAL, VOLUNTEER, NEW = (
    "total", "contact", "referral", "volunteer", "new_residents"
)
EXTRA_LABELS = {
    TOTAL: N_("Total unique participants"),
    CONTACT: N_("Check-in calls (contacts)"),
    REFERRAL: N_("Referrals (residents)"),
    VOLUNTEER: N_("Active volunteers"),
    NEW: N_("New residents"),
}
COLUMNS = ("unique", "anonymous", "count", "target", "percent")
CSV_HEADER = (
    "period_start", "period_end", "room", "room_name", "row", "label",
    "unique_residents", "anonymous_walk_ins", "count", "target", "percent_of_target",
)


@dataclass(frozen=True)
class Row:
    """One line of a room's table. ``None`` means "does not apply" (an empty cell)."""

    key: str  # category id or one of TOTAL, CONTACT, REFERRAL, VOLUNTEER, NEW
    label: str
    unique: int
    anonymous: int | None
    count: int | None
    target: int | None
    measured: int  # what the target is compared with

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        # Half up, as people read percentages (Python's round() would make 0.5% into 0%).
        return (200 * self.measured + self.target) // (2 * self.target)


def room_name(t: Translator, room: RoomReport) -> str:
    return t._("All rooms") if room.room == ALL else room.name


def rows(t: Translator, room: RoomReport) -> list[Row]:
    out = []
    for line in room.lines:
        label = t._(CATEGORIES[line.category])
        if line.per_job:
            label += " " + t._("(counted per job)")
        out.append(Row(line.category, label, line.unique, line.anonymous, line.count,
                       line.target, line.measured))
    out.append(Row(TOTAL, t._(EXTRA_LABELS[TOTAL]), room.total_unique, room.total_anonymous,
                   room.total_count, room.total_target, room.total_unique))
    out.append(Row(CONTACT, t._(EXTRA_LABELS[CONTACT]), room.contacts_unique, None,
                   room.contacts_count, None, room.contacts_unique))
    for key, value in ((REFERRAL, room.referrals), (VOLUNTEER, room.volunteers),
                       (NEW, room.new_residents)):
        out.append(Row(key, t._(EXTRA_LABELS[key]), value, None, None, None, value))
    return out


def headers(t: Translator) -> list[str]:
    return [
        t._("What"), t._("Unique residents"), t._("Anonymous walk-ins"), t._("Count"),
        t._("Target (year)"), t._("% of target"),
    ]


def _cells(row: Row) -> list[int | None]:
    return [row.unique, row.anonymous, row.count, row.target, row.percent]


def _all(report: Report) -> list[RoomReport]:
    return [*report.rooms, report.overall] if len(report.rooms) > 1 else list(report.rooms)


def to_csv(t: Translator, report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for room in _all(report):
        for row in rows(t, room):
            writer.writerow([
                report.period.start.isoformat(), report.period.end.isoformat(), room.room,
                room_name(t, room), row.key, row.label,
                *("" if v is None else v for v in _cells(row)),
            ])
    return buffer.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(t: Translator, report: Report) -> str:
    lines = [
        "# " + t._("Participation report: {period}").format(period=report.period.label(t)),
        "",
        t._("From {start} to {end}. Made on {made}.").format(
            start=t.date(report.period.start, "d MMMM y"),
            end=t.date(report.period.end, "d MMMM y"),
            made=t.date(report.made_at, "d MMMM y"),
        ),
        "",
        t._("Unique means: each person counts once per row, however often they came. "
            "Anonymous walk-ins were only counted, so they are not in the unique number."),
    ]
    for room in _all(report):
        head = headers(t)
        lines += ["", "## " + _md_escape(room_name(t, room)), "",
                  "| " + " | ".join(head) + " |",
                  "|" + "|".join([" --- "] + [" ---: "] * (len(head) - 1)) + "|"]
        for row in rows(t, room):
            values = ["" if v is None else str(v) for v in _cells(row)]
            if row.percent is not None:
                values[-1] += "%"
            lines.append("| " + " | ".join([_md_escape(row.label), *values]) + " |")
    return "\n".join(lines) + "\n"


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("-", name)[:31] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def to_xlsx(t: Translator, report: Report) -> bytes:
    """A summary sheet (all rooms, then an overview per room) and one sheet per room."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    taken: set[str] = set()
    summary.title = _sheet_title(t._("Summary"), taken)

    def table(sheet, room: RoomReport, first_row: int) -> int:
        sheet.cell(first_row, 1, room_name(t, room)).font = Font(bold=True, size=13)
        sheet.cell(first_row + 1, 1, report.period.label(t))
        sheet.cell(first_row + 1, 2, report.period.start)
        sheet.cell(first_row + 1, 3, report.period.end)
        for col in (2, 3):
            sheet.cell(first_row + 1, col).number_format = "yyyy-mm-dd"
        header_row = first_row + 3
        for col, text in enumerate(headers(t), start=1):
            sheet.cell(header_row, col, text).font = bold
        r = header_row
        for r, row in enumerate(rows(t, room), start=header_row + 1):
            sheet.cell(r, 1, row.label)
            for col, value in enumerate(_cells(row), start=2):
                if value is not None:
                    cell = sheet.cell(r, col, value / 100 if col == 6 else value)
                    if col == 6:
                        cell.number_format = "0%"
        sheet.column_dimensions["A"].width = 42
        for letter in "BCDEF":
            sheet.column_dimensions[letter].width = 16
        return r

    end = table(summary, report.overall if len(report.rooms) > 1 else report.rooms[0], 1)
    if len(report.rooms) > 1:
        start = end + 3
        summary.cell(start, 1, t._("Per room: unique residents (jobs for odd jobs)")).font = bold
        keys = [*CATEGORIES, TOTAL, REFERRAL, VOLUNTEER, NEW]
        labels = rows(t, report.overall)
        by_key = {row.key: row.label for row in labels}
        for col, key in enumerate(keys, start=2):
            summary.cell(start + 1, col, by_key[key]).font = bold
        for i, room in enumerate(report.rooms, start=start + 2):
            summary.cell(i, 1, room.name)
            values = {row.key: row.measured for row in rows(t, room)}
            for col, key in enumerate(keys, start=2):
                summary.cell(i, col, values[key])
    for room in report.rooms:
        table(book.create_sheet(_sheet_title(room.name, taken)), room, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
