"""The performance table as XLSX: the same layout as the PDF, printable on A4 as it is.

Each sheet (the summary for all rooms first, then one per room) is set to A4 landscape, fit to
one page wide, with the header row repeated on every printed page; labels wrap inside their
own cell so a label is never printed on another page than its numbers. Numbers are numbers
(target, period target, realised, of, n), so a funder can add them up.
"""

from __future__ import annotations

import io
import re

from bot.i18n import Translator
from bot.services.indicators import ReportTable, RoomTable, round_half_up
from bot.services.report_render import (
    LEGEND,
    STATUS,
    lines,
    period_label,
    room_title,
    source_text,
)

COLUMNS = (  # (header msgid key, width in characters)
    ("label", 58), ("measure", 16), ("target", 12), ("period_target", 13), ("value", 12),
    ("of", 12), ("status", 14), ("source", 30),
)
HEADER_ROW = 4
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _headers(t: Translator) -> list[str]:
    return [t._("Indicator"), t._("Measure"), t._("Target (year)"),
            t._("Target for this period"), t._("Realised"), t._("Of (registered)"),
            t._("Status"), t._("Source")]


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("-", name)[:31] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def to_xlsx(t: Translator, report: ReportTable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    block_fill = PatternFill("solid", fgColor="F5F0E1")
    head_fill = PatternFill("solid", fgColor="E6E6E6")
    ordered = ([report.overall] if report.overall else []) + list(report.rooms)

    def sheet_for(table: RoomTable) -> None:
        title = t._("Summary") if table.room == "all" else room_title(t, table)
        sheet = book.create_sheet(_sheet_title(title, taken))
        sheet.cell(1, 1, t._("Performance table BuurtWerkKamer: {room}").format(
            room=room_title(t, table))).font = Font(bold=True, size=13)
        sheet.cell(2, 1, t._("From {start} to {end}. Made on {made}.").format(
            start=t.date(report.start, "d MMMM y"), end=t.date(report.end, "d MMMM y"),
            made=t.date(report.made_at, "d MMMM y")) + " · " + period_label(t, report))
        for col, text in enumerate(_headers(t), start=1):
            cell = sheet.cell(HEADER_ROW, col, text)
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
        r = HEADER_ROW
        for line in lines(t, report, table):
            r += 1
            if line.block is not None:
                cell = sheet.cell(r, 1, line.label)
                cell.font, cell.fill = bold, block_fill
                for col in range(2, len(COLUMNS) + 1):
                    sheet.cell(r, col).fill = block_fill
                continue
            sheet.cell(r, 1, line.label).alignment = wrap
            sheet.cell(r, 2, line.measure).alignment = top
            row = line.row
            if row is None:  # the context lines: a count, no target
                value = (table.first_contact if line.context == "first_contact"
                         else table.anonymous_visits)
                sheet.cell(r, 5, value).alignment = top
                sheet.cell(r, 8, line.source).alignment = wrap
                continue
            kind = row.indicator.kind
            target = row.target
            if kind == "of" and target is not None:
                sheet.cell(r, 3, target[0])  # type: ignore[index]
            elif kind == "positive" and target is not None:
                sheet.cell(r, 3, line.target)
            elif target is not None:
                sheet.cell(r, 3, target)  # type: ignore[arg-type]
            if kind == "percent" and target is not None:
                sheet.cell(r, 3).value = target / 100  # type: ignore[operator]
                sheet.cell(r, 3).number_format = "0%"
            if row.period_target is not None:
                sheet.cell(r, 4, round_half_up(row.period_target))
            value = row.shown_value
            if value is None or kind == "positive":
                sheet.cell(r, 5, line.value)
            elif kind == "percent":
                sheet.cell(r, 5, float(value) / 100).number_format = "0.0%"
            else:
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                sheet.cell(r, 5, value)
                if isinstance(value, float):
                    sheet.cell(r, 5).number_format = "0.0"
            if kind == "of":
                sheet.cell(r, 6, row.value.of or 0)
            if row.status:
                sheet.cell(r, 7, t._(STATUS[row.status]))
            sheet.cell(r, 8, source_text(t, row, report)).alignment = wrap
            for col in range(2, 8):
                sheet.cell(r, col).alignment = top
        r += 2
        for text in LEGEND:
            cell = sheet.cell(r, 1, t._(text))
            cell.alignment = wrap
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(COLUMNS))
            sheet.row_dimensions[r].height = 26
            r += 1
        for col, (_key, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.print_area = f"A1:{get_column_letter(len(COLUMNS))}{r}"
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.5
        sheet.print_options.gridLines = True
        sheet.oddFooter.center.text = "&P / &N"

    for table in ordered:
        sheet_for(table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
