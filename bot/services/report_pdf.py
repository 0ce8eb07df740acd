"""The performance table as a PDF a coordinator can send to a funder as it is.

Layout of the offer's "Prestaties" table: one A4 page (landscape, so every label stays on its
line next to its numbers) per room and a summary page for all rooms; the four blocks, measure,
target, realised, status and source; the period and a small legend. Made with fpdf2; DejaVu
Sans is embedded (Debian's fonts-dejavu-core, present on the rooms' machines), which covers
Dutch, English, Turkish and Ukrainian (Cyrillic). Without DejaVu (fpdf2's built-in font has
only Latin-1: Dutch and English), or for Arabic (fpdf2 would need a text shaper), the PDF is
made in Dutch with the built-in font: a funder document must never show holes.
"""

from __future__ import annotations

from pathlib import Path

from bot.i18n import RTL_LANGUAGES, Translator, translator
from bot.services.indicators import BEHIND, ON_TRACK, REACHED, ReportTable
from bot.services.report_render import (
    LEGEND,
    headers,
    lines,
    period_label,
    room_title,
    subtitle,
)

#: Languages fpdf2's built-in (Latin-1) font can write without holes.
LATIN_1 = frozenset({"nl", "en"})
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/local/share/fonts")
WIDTHS = (100, 20, 17, 30, 72, 38)  # mm, 277 in all (A4 landscape minus 10 mm margins)
STATUS_COLOURS = {REACHED: (46, 125, 50), ON_TRACK: (21, 101, 192), BEHIND: (191, 54, 12)}


def _dejavu() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


def pdf_language(language: str) -> str:
    """The language the PDF can really be made in on this machine."""
    if language in RTL_LANGUAGES or (language not in LATIN_1 and _dejavu() is None):
        return "nl"
    return language


def to_pdf(t: Translator, report: ReportTable) -> bytes:
    """One page per room and the summary; a smaller type size if a language needs more room."""
    t = translator(pdf_language(t.language))
    for size in (7.6, 7.2, 6.8, 6.4, 6.0, 5.6):
        pdf = _build(t, report, size)
        if pdf.pages_count <= len(report.tables):
            break
    return bytes(pdf.output())


def _build(t: Translator, report: ReportTable, size: float):
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 8, 10)
    pdf.set_auto_page_break(True, margin=5)
    pdf.set_title(t._("Performance table: {period}").format(period=period_label(t, report)))
    pdf.set_author("Buurtbot")
    fonts = _dejavu()
    if fonts:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        family = "DejaVu"
    else:
        family = "helvetica"

    def safe(text: str) -> str:
        return text if fonts else text.encode("latin-1", "replace").decode("latin-1")

    line_under_title = subtitle(t, report)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    block_face = FontFace(emphasis="BOLD", fill_color=(245, 240, 225))
    for table in report.tables:
        pdf.add_page()
        pdf.set_font(family, "B", 14)
        pdf.cell(0, 7, safe(t._("Performance table BuurtWerkKamer: {room}").format(
            room=room_title(t, table))), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        pdf.cell(0, 5, safe(line_under_title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font(family, "", size)
        with pdf.table(col_widths=WIDTHS, line_height=size * 0.43, headings_style=heading,
                       text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
                       padding=(0.45, 0.8), first_row_as_headings=True) as grid:
            head = grid.row()
            for text in headers(t):
                head.cell(safe(text))
            for line in lines(t, report, table):
                row = grid.row()
                if line.block is not None:
                    row.cell(safe(line.label), colspan=6, style=block_face)
                    continue
                status = line.row.status if line.row else None
                colour = STATUS_COLOURS.get(status) if status else None
                for i, text in enumerate((line.label, line.measure, line.target, line.value,
                                          line.status, line.source)):
                    style = FontFace(color=colour, emphasis="BOLD") if (i == 4 and colour) \
                        else None
                    row.cell(safe(text), style=style)
        pdf.ln(1)
        pdf.set_font(family, "", 6.2)
        pdf.multi_cell(0, 2.7, safe(" ".join(t._(text) for text in LEGEND)),
                       new_x="LMARGIN", new_y="NEXT")
    return pdf
