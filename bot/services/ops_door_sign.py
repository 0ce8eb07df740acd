"""The sign for the room's door: the room's name, one line in each language and a QR code of
the bot's deep link (``https://t.me/<bot>?start=<room>``), on one A4 page.

SVG is drawn as text (the viewer picks the fonts and shapes the Arabic line); PNG and PDF are
drawn with Pillow and need DejaVu Sans for Latin and Arabic (``apt install fonts-dejavu-core``)
and a Ge'ez font for the Tigrinya line (``apt install fonts-sil-abyssinica``); ``bot.fonts``
picks one per line. A line no installed font can draw is left off rather than printed as empty
boxes, and :func:`undrawable` names it so the caller can say what to install. The QR code comes
from segno, with error correction "Q" so a scratched sticker still scans.
"""

from __future__ import annotations

import io
from html import escape

import segno

from bot import fonts
from bot.config import LANGUAGES, Room
from bot.i18n import N_, translator

SCAN_LINE = N_("Scan me and talk with the BuurtWerkKamer")
FORMATS = ("png", "svg", "pdf")
A4_MM = (210, 297)
DPI = 200

class SignError(Exception):
    """The sign cannot be drawn (no usable font, an unknown format); one clear line."""


def deep_link(username: str, room_id: str) -> str:
    return f"https://t.me/{username.lstrip('@')}?start={room_id}"


def scan_lines() -> list[tuple[str, str]]:
    """(language, the scan line in it), Dutch first."""
    return [(lang, translator(lang)._(SCAN_LINE)) for lang in LANGUAGES]


def undrawable() -> list[str]:
    """The languages whose scan line the PNG and PDF sign cannot draw on this machine (no font
    with its letters): they are left off those signs; the SVG always has every line."""
    return [lang for lang, text in scan_lines() if not fonts.draws(text)]


def _spacing(first: float, last: float, count: int, size: float) -> tuple[float, float]:
    """(line step, font size) in mm for ``count`` scan lines between ``first`` and ``last``.

    13 mm apart at full size for up to four languages; with more languages the lines move
    closer and get smaller, so the last one never runs into the link or off the page."""
    step = 13.0 if count < 2 else min(13.0, (last - first) / (count - 1))
    return step, min(size, step * 0.62)


def _qr(link: str) -> segno.QRCode:
    return segno.make_qr(link, error="q", boost_error=False)


def render(room: Room, link: str, fmt: str) -> bytes:
    if fmt == "svg":
        return _svg(room, link)
    if fmt in ("png", "pdf"):
        return _raster(room, link, fmt)
    raise SignError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")


# --- SVG ---------------------------------------------------------------------------------------


def _svg(room: Room, link: str) -> bytes:
    qr = _qr(link)
    matrix = qr.matrix
    size = len(matrix) + 8  # quiet zone of 4 modules on each side
    qr_mm = 150
    scale = qr_mm / size
    x0, y0 = (A4_MM[0] - qr_mm) / 2, 62
    path = "".join(f"M{4 + x} {4 + y}h1v1h-1z" for y, row in enumerate(matrix)
                   for x, dark in enumerate(row) if dark)
    lines = []
    y = y0 + qr_mm + 16
    scan = scan_lines()
    step, size = _spacing(y, 277, len(scan), 9)
    for lang, text in scan:
        rtl = ' direction="rtl" unicode-bidi="embed"' if lang == "ar" else ""
        lines.append(f'<text x="105" y="{y:.1f}" font-size="{size:.1f}" text-anchor="middle" '
                     f'lang="{lang}"{rtl}>{escape(text)}</text>')
        y += step
    body = "\n".join(lines)
    name = escape(room.name)
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">
<rect width="210" height="297" fill="#fff"/>
<g font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="#000">
<text x="105" y="32" font-size="20" font-weight="bold" text-anchor="middle">{name}</text>
<text x="105" y="45" font-size="7" text-anchor="middle">{escape(room.address)}</text>
{body}
<text x="105" y="285" font-size="5" text-anchor="middle">{escape(link)}</text>
</g>
<g transform="translate({x0:.2f} {y0:.2f}) scale({scale:.4f})">
<rect width="{size}" height="{size}" fill="#fff"/>
<path d="{path}" fill="#000"/>
</g>
</svg>
"""
    return svg.encode("utf-8")


# --- PNG / PDF ---------------------------------------------------------------------------------


def _raster(room: Room, link: str, fmt: str) -> bytes:
    from PIL import Image, ImageDraw

    if getattr(fonts.font_for(SCAN_LINE, 12), "path", None) is None:
        raise SignError("no font with Arabic letters found: install one with "
                        "`sudo apt install fonts-dejavu-core`, or use --format svg")
    shaping = fonts.shapes()
    px = [round(mm / 25.4 * DPI) for mm in A4_MM]

    def mm(value: float) -> int:
        return round(value / 25.4 * DPI)

    page = Image.new("L", (px[0], px[1]), 255)
    draw = ImageDraw.Draw(page)

    def centred(text: str, y_mm: float, size_mm: float, bold: bool = False, **kw: str) -> None:
        """Centre one line; a long translation gets smaller type instead of leaving the page."""
        fnt = fonts.font_for(text, mm(size_mm), bold=bold)
        width = draw.textlength(text, font=fnt, **kw)  # type: ignore[arg-type]
        while width > px[0] - mm(24) and size_mm > 3:
            size_mm -= 0.5
            fnt = fonts.font_for(text, mm(size_mm), bold=bold)
            width = draw.textlength(text, font=fnt, **kw)  # type: ignore[arg-type]
        draw.text(((px[0] - width) / 2, mm(y_mm)), text, font=fnt, fill=0, **kw)  # type: ignore[arg-type]

    centred(room.name, 18, 17, bold=True)
    centred(room.address, 39, 6)
    qr = _qr(link)
    matrix = qr.matrix
    modules = len(matrix) + 8
    box = mm(150) // modules
    code = Image.new("L", (modules, modules), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                code.putpixel((x + 4, y + 4), 0)
    code = code.resize((modules * box, modules * box), Image.Resampling.NEAREST)
    page.paste(code, ((px[0] - code.width) // 2, mm(58)))
    y = 58 + code.height / DPI * 25.4 + 8
    scan = [(lang, text) for lang, text in scan_lines() if fonts.draws(text)]
    step, size = _spacing(y, 268, len(scan), 8)
    for lang, text in scan:
        extra = {"direction": "rtl", "language": "ar"} if lang == "ar" and shaping else {}
        centred(text, y, size, **extra)
        y += step
    centred(link, 280, 4.5)
    out = io.BytesIO()
    if fmt == "png":
        page.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    else:
        page.convert("RGB").save(out, "PDF", resolution=DPI)
    return out.getvalue()
