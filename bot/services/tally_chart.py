"""The weekly summary's chart: bars per category (year to date) with target marks.

Drawn with Pillow (light, no plotting stack). Labels use DejaVu Sans when the system has it
(Latin with Turkish letters, Arabic, Cyrillic); otherwise Pillow's bundled font, which only has
basic Latin letters, and then the chart is labelled in Dutch. The text message that goes with the
chart is always in the coordinator's own language.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.categories import CATEGORIES
from bot.i18n import N_, Translator, translator
from bot.services.tally import RoomReport

WIDTH, HEIGHT = 960, 540
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 70, 110
BAR = (46, 125, 50)
BAR_BEHIND = (239, 108, 0)
TARGET = (33, 33, 33)
PACE = (120, 120, 120)


#: Languages Pillow's bundled font can show (no Turkish, Arabic or Cyrillic letters).
BASIC_LATIN = frozenset({"nl", "en"})
FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


@cache
def _full_font() -> bool:
    """True when the labels can show any shipped language (DejaVu, shaped by raqm)."""
    from PIL import features

    return getattr(_font(12), "path", None) is not None and bool(features.check("raqm"))


def _wrap(draw: ImageDraw.ImageDraw, text: str, width: int, font) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3]


def chart_png(t: Translator, title: str, ytd: RoomReport, year_fraction: float) -> bytes:
    """PNG bytes: one bar per category and the total, a target line and a pace mark each."""
    if not _full_font() and t.language not in BASIC_LATIN:
        t = translator("nl")
    items = [(t._(CATEGORIES[line.category]), line.measured, line.target) for line in ytd.lines]
    items.append((t._(N_("Total")), ytd.total_unique, ytd.total_target))
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((LEFT, 18), title, fill=TARGET, font=_font(24))
    legend = t._("Bar: so far this year. Line: target for the year. Dot: where you would be now.")
    draw.text((LEFT, 48), legend, fill=PACE, font=_font(14))
    top_value = max([1] + [v for _l, v, _t in items] + [tg or 0 for _l, _v, tg in items])
    scale = (HEIGHT - TOP - BOTTOM) / (top_value * 1.1)
    base = HEIGHT - BOTTOM
    draw.line((LEFT, base, WIDTH - RIGHT, base), fill=TARGET, width=2)
    slot = (WIDTH - LEFT - RIGHT) / len(items)
    for i, (label, value, target) in enumerate(items):
        x0 = LEFT + i * slot + slot * 0.2
        x1 = LEFT + (i + 1) * slot - slot * 0.2
        behind = bool(target) and value < target * year_fraction
        if value:
            draw.rectangle((x0, base - value * scale, x1, base), fill=BAR_BEHIND if behind else BAR)
        text = str(value)
        tw = draw.textlength(text, font=_font(16))
        inside = value * scale > 26
        draw.text(((x0 + x1 - tw) / 2, base - value * scale + (4 if inside else -22)), text,
                  fill="white" if inside else TARGET, font=_font(16))
        if target:
            y = base - target * scale
            draw.line((x0 - 6, y, x1 + 6, y), fill=TARGET, width=3)
            target_text = t._("target {n}").format(n=target)
            tw = draw.textlength(target_text, font=_font(12))
            draw.text(((x0 + x1 - tw) / 2, y - 16), target_text, fill=TARGET, font=_font(12))
            pace_y = base - target * year_fraction * scale
            cx = x1 + 9
            draw.ellipse((cx - 5, pace_y - 5, cx + 5, pace_y + 5), fill=PACE)
        for n, line in enumerate(_wrap(draw, label, int(slot) - 6, _font(13))):
            tw = draw.textlength(line, font=_font(13))
            draw.text(((x0 + x1 - tw) / 2, base + 8 + n * 16), line, fill=TARGET, font=_font(13))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
