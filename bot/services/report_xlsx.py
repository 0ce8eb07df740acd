"""The performance table as XLSX: the same layout as the PDF, printable on A4 as it is.

Each sheet (the summary for all rooms first, then one per room) is set to A4 landscape, fit to
one page (the table has a fixed number of rows, so it stays readable; like the PDF, one page per
room), with the header row repeated should a printer still need a second page; labels wrap
inside their own cell, and each row is as high as its wrapped label, so a label is never
printed over another row or on another page than its numbers. Numbers are numbers
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
    hours_text,
    lines,
    room_title,
    source_text,
    subtitle,
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


#: Points per printed line of 11 pt text (Calibri, LibreOffice's and Excel's default row).
LINE_HEIGHT = 15


def _fit_height(sheet, row: int) -> None:
    """Give a row the height its wrapped text needs. Neither LibreOffice nor Excel grows a
    row for wrapped text in a file they did not write, so without it a long label runs into
    the next row and its numbers seem to belong to another line."""
    lines = 1
    for col, (_key, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row, col)
        value = cell.value
        if isinstance(value, str) and value and cell.alignment.wrap_text:
            per_line = max(1, int(width))  # a width counts "0"s; most letters are narrower
            lines = max(lines, sum(-(-max(1, len(part)) // per_line)
                                   for part in value.split("\n")))
    sheet.row_dimensions[row].height = lines * LINE_HEIGHT


def _of_format(t: Translator, of: int) -> str:
    """A number format that shows x as "x of y" in the reader's language ("10 op 20")."""
    x, _sep, rest = t._("{x} of {y}").replace("{y}", str(of)).partition("{x}")

    def literal(text: str) -> str:
        return '"' + text.replace('"', "") + '"' if text else ""

    return f"{literal(x)}0{literal(rest)}"


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
        sheet.cell(2, 1, subtitle(t, report))
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
            sheet.cell(r, 2, line.measure).alignment = wrap
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
                # A number (the x) that reads as the offer's "10 op 20".
                sheet.cell(r, 3, target[0]).number_format = _of_format(  # type: ignore[index]
                    t, target[1])  # type: ignore[index]
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
            hours = hours_text(t, row)
            source = source_text(t, row, report)
            sheet.cell(r, 8, f"{source} {hours}" if hours else source).alignment = wrap
            for col in range(2, 8):
                sheet.cell(r, col).alignment = top
            sheet.cell(r, 2).alignment = wrap  # "Aantal op aangemeld" is wider than its column
        for row_number in range(HEADER_ROW, r + 1):
            _fit_height(sheet, row_number)
        r += 2
        for text in LEGEND:
            cell = sheet.cell(r, 1, t._(text))
            cell.alignment = wrap
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(COLUMNS))
            across = sum(width for _key, width in COLUMNS)  # merged over the whole table
            sheet.row_dimensions[r].height = LINE_HEIGHT * -(-len(cell.value) // across)
            r += 1
        for col, (_key, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.print_area = f"A1:{get_column_letter(len(COLUMNS))}{r - 1}"
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape"
        setup.fitToWidth = 1
        setup.fitToHeight = 1
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
