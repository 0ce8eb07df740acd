"""The performance table as cells in one language: shared by the PDF, XLSX, CSV, Markdown and
the chat, so every output says the same thing in the same words.

Nothing here can name a person: a :class:`~bot.services.indicators.ReportTable` holds counts,
shares and role labels only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.i18n import N_, Translator
from bot.indicators_catalog import BLOCKS, MEASURES, VOLUNTEER_HOURS_YEAR
from bot.services.indicators import (
    ALL,
    BEHIND,
    ENTERED,
    ON_TRACK,
    REACHED,
    SURVEY,
    IndicatorRow,
    ReportTable,
    RoomTable,
    round_half_up,
)

STATUS = {
    REACHED: N_("reached"),
    ON_TRACK: N_("on track"),
    BEHIND: N_("behind"),
}
LEGEND = (
    N_("Target: what the BuurtWerkKamer aims for in a year (the offer's table). For a shorter "
       "period the status compares with the share of the year that has passed."),
    N_("Source: counted by the bot; survey (n = number of answers; fewer than 5 are not "
       "shown); entered by the coordinator."),
    N_("Unique: each person counts once, however often they came. Odd jobs are counted per "
       "job. Anonymous walk-ins are visits, not people."),
)


def room_title(t: Translator, table: RoomTable) -> str:
    return t._("All BuurtWerkKamers") if table.room == ALL else table.name


def period_label(t: Translator, report: ReportTable) -> str:
    """``2026``, ``kwartaal 1 van 2026``, ``maart 2026`` or ``1 maart 2026 tot 3 mei 2026``;
    a period still under way says up to when it was counted."""
    label = _period_label(t, report)
    if report.up_to_today and report.kind != "custom":
        label += " " + t._("(up to {date})").format(date=t.date(report.end, "d MMMM y"))
    return label


def _period_label(t: Translator, report: ReportTable) -> str:
    if report.kind == "year":
        return str(report.start.year)
    if report.kind == "quarter":
        return t._("quarter {q} of {year}").format(q=(report.start.month - 1) // 3 + 1,
                                                   year=report.start.year)
    if report.kind == "month":
        return t.date(report.start, "MMMM y")
    return t._("{start} to {end}").format(start=t.date(report.start, "d MMMM y"),
                                          end=t.date(report.end, "d MMMM y"))


def period_label_of(t: Translator, period) -> str:
    """A :class:`bot.services.tally.Period`'s label (buttons of the enter flow)."""
    return period.label(t)


def value_of(t: Translator, indicator, value: float) -> str:
    """An entered value as the coordinator typed it, in their language."""
    if indicator.kind == "positive":
        return t._("positive") if value else t._("negative")
    if indicator.kind == "percent":
        return t._("{n}%").format(n=_num(t, value))
    return _num(t, value)


def _num(t: Translator, value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        value = round(value, 1)
    return t.number(value)


def target_text(t: Translator, row: IndicatorRow) -> str:
    target = row.target
    if target is None:
        return ""
    kind = row.indicator.kind
    if kind == "positive":
        return t._("positive")
    if kind == "of":
        return t._("{x} of {y}").format(x=_num(t, target[0]), y=_num(t, target[1]))  # type: ignore[index]
    if kind == "percent":
        return t._("{n}%").format(n=_num(t, target))  # type: ignore[arg-type]
    return _num(t, target)  # type: ignore[arg-type]


def value_text(t: Translator, row: IndicatorRow) -> str:
    value = row.value
    if row.too_few_answers:
        return t._("too few answers")
    if value.value is None:
        return t._("not entered yet") if row.indicator.enterable else t._("no data")
    kind = row.indicator.kind
    if kind == "positive":
        return t._("positive") if value.value else t._("negative")
    if kind == "of":
        return t._("{x} of {y}").format(x=_num(t, value.value), y=_num(t, value.of or 0))
    if kind == "percent":
        return t._("{n}%").format(n=_num(t, round(float(value.value), 1)))
    text = _num(t, value.value)
    hours = hours_text(t, row)
    return f"{text} {hours}" if hours else text


def hours_text(t: Translator, row: IndicatorRow) -> str:
    """Active volunteers' average hours a year against the offer's 250, or "" for other rows.

    The spreadsheet and the CSV keep the count a number and show this next to the source."""
    value = row.value
    hours = value.extra.get("avg_hours_year") if value.extra else None
    if hours is None or row.too_few_answers or value.value is None:
        return ""
    n = round(float(hours))
    return t.ngettext("(on average {n} hour a year; aim {aim})",
                      "(on average {n} hours a year; aim {aim})", n).format(
        n=_num(t, n), aim=VOLUNTEER_HOURS_YEAR)


def subtitle(t: Translator, report: ReportTable) -> str:
    """The line under a page's title: the period's name and its dates (a custom period's name
    is its dates, so they are said once)."""
    span = t._("From {start} to {end}. Made on {made}.").format(
        start=t.date(report.start, "d MMMM y"), end=t.date(report.end, "d MMMM y"),
        made=t.date(report.made_at, "d MMMM y"))
    if report.kind == "custom":
        return span
    return f"{period_label(t, report)} · {span}"


def status_text(t: Translator, row: IndicatorRow, report: ReportTable) -> str:
    """``behind: target for the year 150; on track for this quarter: 38`` and the like."""
    if row.status is None:
        return ""
    text = t._(STATUS[row.status])
    if row.period_target is not None and row.status != REACHED:
        text += ": " + period_note(t, row, report)
    return text


def period_note(t: Translator, row: IndicatorRow, report: ReportTable) -> str:
    pro = round_half_up(row.period_target or 0)
    if report.kind == "quarter":
        return t._("target for the year {year}; on track for this quarter: {n}").format(
            year=target_text(t, row), n=t.number(pro))
    if report.kind == "month":
        return t._("target for the year {year}; on track for this month: {n}").format(
            year=target_text(t, row), n=t.number(pro))
    return t._("target for the year {year}; on track for this period: {n}").format(
        year=target_text(t, row), n=t.number(pro))


def source_text(t: Translator, row: IndicatorRow, report: ReportTable) -> str:
    value = row.value
    if value.source == SURVEY:
        if value.n is None:
            return t._("survey")
        return t._("survey, n = {n}").format(n=t.number(value.n))
    if value.source == ENTERED:
        if value.value is None:
            return t._("entered by the coordinator")
        text = t._("entered by the {role}").format(role=role_label(t, value.entered_by))
        if value.entered_at is not None:
            text += ", " + t.date(value.entered_at, "d MMM y")
        if row.entered_for and row.entered_for != report.period_key:
            text += " " + t._("(for {period})").format(period=row.entered_for)
        return text
    return t._("counted by the bot")


def role_label(t: Translator, role: str | None) -> str:
    return t._("coordinator") if role in (None, "coordinator") else t._("volunteer")


def measure_text(t: Translator, row: IndicatorRow) -> str:
    return t._(MEASURES[row.indicator.measure])


@dataclass(frozen=True)
class Line:
    """One printed line: a block heading (``block`` set, nothing else) or an indicator."""

    block: str | None
    label: str
    measure: str = ""
    target: str = ""
    value: str = ""
    status: str = ""
    source: str = ""
    row: IndicatorRow | None = None
    context: str | None = None  # "first_contact" | "anonymous_visits" for the extra lines


def lines(t: Translator, report: ReportTable, table: RoomTable) -> list[Line]:
    out: list[Line] = []
    block = None
    for row in table.rows:
        if row.indicator.block != block:
            block = row.indicator.block
            out.append(Line(block, t._(BLOCKS[block])))
        out.append(Line(None, t._(row.indicator.label), measure_text(t, row),
                        target_text(t, row), value_text(t, row), status_text(t, row, report),
                        source_text(t, row, report), row))
        if row.key == "total":
            out.append(Line(None, t._("New at the BuurtWerkKamer (first contact in this "
                                      "period; not the same as newcomers)"),
                            t._("Number"), "", t.number(table.first_contact), "",
                            t._("counted by the bot"), None, "first_contact"))
            out.append(Line(None, t._("Anonymous walk-ins: visits counted, not people"),
                            t._("Visits"), "", t.number(table.anonymous_visits), "",
                            t._("counted by the bot"), None, "anonymous_visits"))
    return out


def headers(t: Translator) -> list[str]:
    return [t._("Indicator"), t._("Measure"), t._("Target (year)"), t._("Realised"),
            t._("Status"), t._("Source")]


# --- CSV ---------------------------------------------------------------------------------------

def csv_headers(t: Translator) -> list[str]:
    return [t._("Period start"), t._("Period end"), t._("Room"), t._("Block"),
            t._("Indicator key"), t._("Indicator"), t._("Measure"), t._("Target (year)"),
            t._("Target: of (registered)"), t._("Target for this period"), t._("Realised"),
            t._("Of (registered)"), t._("Status"), t._("Source"), t._("Answers (n)")]


def to_csv(t: Translator, report: ReportTable, *, dutch_excel: bool | None = None) -> bytes:
    """CSV bytes. Dutch Excel (the default for Dutch): ``;``, decimal comma, UTF-8 with BOM, so
    a double click opens it in columns; otherwise ``,`` and a decimal point, also with a BOM so
    LibreOffice and Excel read Turkish and Arabic letters right."""
    if dutch_excel is None:
        dutch_excel = t.language == "nl"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dutch_excel else ",", lineterminator="\r\n")
    writer.writerow(csv_headers(t))

    def number(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            value = int(value) if value.is_integer() else round(value, 1)
        text = str(value)
        return text.replace(".", ",") if dutch_excel else text

    for table in report.tables:
        for line in lines(t, report, table):
            if line.block is not None or line.row is None:
                if line.context:
                    value = (table.first_contact if line.context == "first_contact"
                             else table.anonymous_visits)
                    writer.writerow([report.start.isoformat(), report.end.isoformat(),
                                     room_title(t, table), t._(BLOCKS["proces"]), line.context,
                                     line.label, line.measure, "", "", "", value, "", "",
                                     line.source, ""])
                continue
            row = line.row
            target = row.target
            target_x, target_of = target if isinstance(target, tuple) else (target, None)
            value = None if row.too_few_answers else row.value.value
            hours = hours_text(t, row)
            writer.writerow([
                report.start.isoformat(), report.end.isoformat(), room_title(t, table),
                t._(BLOCKS[row.indicator.block]), row.key, line.label, line.measure,
                number(target_x), number(target_of),
                "" if row.period_target is None else number(round_half_up(row.period_target)),
                number(value) if value is not None else line.value,
                number(row.value.of) if row.indicator.kind == "of" else "",
                t._(STATUS[row.status]) if row.status else "",
                f"{line.source} {hours}" if hours else line.source,
                "" if row.value.n is None else row.value.n,
            ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Markdown ----------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(t: Translator, report: ReportTable) -> str:
    out = ["# " + t._("Performance table: {period}").format(period=period_label(t, report)), ""]
    out.append(t._("From {start} to {end}. Made on {made}.").format(
        start=t.date(report.start, "d MMMM y"), end=t.date(report.end, "d MMMM y"),
        made=t.date(report.made_at, "d MMMM y")))
    for table in report.tables:
        out += ["", "## " + _md(room_title(t, table)), "",
                "| " + " | ".join(headers(t)) + " |", "|" + " --- |" * 6]
        for line in lines(t, report, table):
            if line.block is not None:
                out.append(f"| **{_md(line.label)}** |  |  |  |  |  |")
            else:
                out.append("| " + " | ".join(_md(x) for x in (
                    line.label, line.measure, line.target, line.value, line.status,
                    line.source)) + " |")
    out += [""] + [t._(text) for text in LEGEND]
    return "\n".join(out) + "\n"
