"""The weekly summary's chart: bars per category (year to date) with target marks.

Drawn with Pillow (light, no plotting stack). ``bot.fonts`` picks the font per label: DejaVu
Sans (Latin with Turkish letters, Arabic, Cyrillic) or a Ge'ez font for Tigrinya. Without
DejaVu only Pillow's bundled font is left, which has basic Latin letters only, and then the chart is
labelled in Dutch; so is a chart in a script no installed font has (Tigrinya without
``fonts-sil-abyssinica``). The text message that goes with the chart is always in the
coordinator's own language.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot import fonts
from bot.categories import CATEGORIES
from bot.i18n import N_, Translator, translator
from bot.services.tally import RoomReport

#: Portrait, for a phone: Telegram shows a photo about 360-400 px wide, so the 800 px image is
#: halved and 26 px labels still read as 13 px. Height is fixed (tests and clients expect it).
WIDTH, HEIGHT = 800, 880
MARGIN = 24
#: The right-hand column holds the target labels, so they can never cover a bar's value.
TARGET_COLUMN = 190
BAR = (46, 125, 50)
BAR_BEHIND = (239, 108, 0)
TARGET = (33, 33, 33)
PACE = (120, 120, 120)
TRACK = (236, 236, 236)


#: Languages Pillow's bundled font can show (no Turkish, Arabic or Cyrillic letters).
BASIC_LATIN = frozenset({"nl", "en"})


def _font(text: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return fonts.font_for(text, size)


@cache
def _full_font() -> bool:
    """True when the labels can show Latin with Turkish letters and Arabic (DejaVu, shaped by
    raqm)."""
    return getattr(_font("Total", 12), "path", None) is not None and fonts.shapes()


def _wrap(draw: ImageDraw.ImageDraw, text: str, width: int, font) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:2]


def chart_png(t: Translator, title: str, ytd: RoomReport, year_fraction: float) -> bytes:
    """PNG bytes: one row per category, people and jobs (klussen) in separate panels.

    Each row: the label, a bar (so far this year) on a grey track, the value just after the
    bar, a black line at the year's target and a grey dot at where the room would be now
    (pro rata). The target's number is written in its own column on the right, so labels and
    values never overlap. Klussen are counted in jobs, not people: their own panel and scale.
    """
    if not _full_font() and t.language not in BASIC_LATIN:
        t = translator("nl")
    if not fonts.draws(t._(N_("Total"))):
        t = translator("nl")
    people = [(t._(CATEGORIES[line.category]), line.measured, line.target)
              for line in ytd.lines if not line.per_job]
    people.append((t._(N_("Total")), ytd.total_unique, ytd.total_target))
    jobs = [(t._(CATEGORIES[line.category]), line.measured, line.target)
            for line in ytd.lines if line.per_job]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for line in _wrap(draw, title, WIDTH - 2 * MARGIN, _font(title, 32)):
        draw.text((MARGIN, y), line, fill=TARGET, font=_font(title, 32))
        y += 40
    legend = t._("Bar: so far this year. Line: target for the year. Dot: where you would be now.")
    for line in _wrap(draw, legend, WIDTH - 2 * MARGIN, _font(legend, 20)):
        draw.text((MARGIN, y), line, fill=PACE, font=_font(legend, 20))
        y += 26
    y += 8
    y = _panel(draw, t, t._(N_("People (each person once)")), people, year_fraction, y)
    if jobs:
        y = _panel(draw, t, t._(N_("Odd jobs (number of jobs)")), jobs, year_fraction, y + 10)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _panel(draw: ImageDraw.ImageDraw, t: Translator, heading: str,
           items: list[tuple[str, int, int | None]], fraction: float, y: int) -> int:
    """One panel with its own scale; returns the y below it."""
    draw.text((MARGIN, y), heading, fill=TARGET, font=_font(heading, 24))
    y += 34
    left, right = MARGIN, WIDTH - MARGIN - TARGET_COLUMN
    top_value = max([1] + [v for _l, v, _t in items] + [tg or 0 for _l, _v, tg in items])
    scale = (right - left - 70) / top_value  # room after the longest bar for its value
    value_font = _font(t.number(0), 24)
    for label, value, target in items:
        label_font = _font(label, 22)
        draw.text((left, y), _wrap(draw, label, right - left, label_font)[0], fill=TARGET,
                  font=label_font)
        y += 28
        bar_top, bar_bottom = y, y + 30
        draw.rectangle((left, bar_top, right, bar_bottom), fill=TRACK)
        behind = bool(target) and value < target * fraction
        end = left + value * scale
        if value:
            draw.rectangle((left, bar_top, end, bar_bottom), fill=BAR_BEHIND if behind else BAR)
        text = t.number(value)
        tw = draw.textlength(text, font=value_font)
        tx = end + 8
        if target and tx - 4 <= left + target * scale <= tx + tw + 4:
            tx = left + target * scale + 10  # step over the target line, never onto it
        colour = TARGET
        if tx + tw > right:  # no room after the bar: inside it, in white
            tx, colour = end - tw - 8, "white"
        if target:
            tx_line = left + target * scale
            pace_x = left + target * fraction * scale
            draw.line((tx_line, bar_top - 4, tx_line, bar_bottom + 4), fill=TARGET, width=4)
            draw.ellipse((pace_x - 7, bar_bottom - 7, pace_x + 7, bar_bottom + 7), fill=PACE)
            target_text = t._("target {n}").format(n=t.number(target))
            target_font = _font(target_text, 20)
            draw.text((WIDTH - MARGIN - draw.textlength(target_text, font=target_font),
                       bar_top + 3), target_text, fill=TARGET, font=target_font)
        draw.text((tx, bar_top + 1), text, fill=colour, font=value_font)
        y = bar_bottom + 16
    return y
