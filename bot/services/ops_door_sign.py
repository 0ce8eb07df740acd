"""The sign for the room's door: the room's name, one line in each language and a QR code of
the bot's deep link (``https://t.me/<bot>?start=<room>``), on one A4 page.

With WhatsApp (``whatsapp.display_number`` set) the sign carries its QR code too:
``https://wa.me/<number>?text=Hoi%20TOP%20👋`` (:mod:`bot.channels.whatsapp.door`), which the
bot reads as the same ``/start top``. Both channels: two codes side by side, each named
("WhatsApp", "Telegram") with the number or address under it; one channel: one big code, as
before.

SVG is drawn as text (the viewer picks the fonts and shapes the Arabic line); PNG and PDF are
drawn with Pillow and need DejaVu Sans for Latin and Arabic (``apt install fonts-dejavu-core``)
and a Ge'ez font for the Tigrinya line (``apt install fonts-sil-abyssinica``); ``bot.fonts``
picks one per line. A line no installed font can draw is left off rather than printed as empty
boxes, and :func:`undrawable` names it so the caller can say what to install. The QR code comes
from segno, with error correction "Q" so a scratched sticker still scans.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import segno

from bot import fonts
from bot.channels.whatsapp import door
from bot.config import LANGUAGES, Config, Room
from bot.i18n import N_, translator

SCAN_LINE = N_("Scan me and talk with the BuurtWerkKamer")
FORMATS = ("png", "svg", "pdf")
A4_MM = (210, 297)
DPI = 200

class SignError(Exception):
    """The sign cannot be drawn (no usable font, an unknown format); one clear line."""


@dataclass(frozen=True)
class SignLink:
    """One QR code of the sign: the channel's name, the link, what is printed under it."""

    channel: str
    url: str
    shown: str


def deep_link(username: str, room_id: str) -> str:
    return f"https://t.me/{username.lstrip('@')}?start={room_id}"


def sign_links(config: Config, room: Room, username: str | None) -> list[SignLink]:
    """The sign's codes: WhatsApp first (most residents have it), then Telegram. WhatsApp when
    ``whatsapp.display_number`` is set; Telegram when the caller gives the bot's ``username``
    (it does when Telegram runs)."""
    links = []
    number = config.whatsapp.display_number if config.whatsapp is not None else ""
    if number:
        links.append(SignLink("WhatsApp", door.wa_link(number, room.name), number))
    if username:
        name = username.lstrip("@")
        links.append(SignLink("Telegram", deep_link(name, room.id), f"t.me/{name}"))
    if len(links) == 1:  # one big code with one line under it, at the foot of the page
        only = links[0]
        shown = only.url if only.channel == "Telegram" else f"{only.channel} {only.shown}"
        links = [SignLink(only.channel, only.url, shown)]
    return links


def _links(link: str | Sequence[SignLink]) -> list[SignLink]:
    return [SignLink("", link, link)] if isinstance(link, str) else list(link)


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


def render(room: Room, link: str | Sequence[SignLink], fmt: str) -> bytes:
    """The sign with one QR code (a link) or one per channel (:func:`sign_links`)."""
    links = _links(link)
    if not links:
        raise SignError("no channel to put on the sign: set whatsapp.display_number for "
                        "WhatsApp, or run Telegram")
    if fmt == "svg":
        return _svg(room, links)
    if fmt in ("png", "pdf"):
        return _raster(room, links, fmt)
    raise SignError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")


# --- SVG ---------------------------------------------------------------------------------------


def _svg_code(link: str, x0: float, y0: float, qr_mm: float) -> str:
    matrix = _qr(link).matrix
    size = len(matrix) + 8  # quiet zone of 4 modules on each side
    scale = qr_mm / size
    path = "".join(f"M{4 + x} {4 + y}h1v1h-1z" for y, row in enumerate(matrix)
                   for x, dark in enumerate(row) if dark)
    return (f'<g transform="translate({x0:.2f} {y0:.2f}) scale({scale:.4f})">\n'
            f'<rect width="{size}" height="{size}" fill="#fff"/>\n'
            f'<path d="{path}" fill="#000"/>\n</g>')


def _svg(room: Room, links: list[SignLink]) -> bytes:
    y0 = 62
    codes, names = [], []
    if len(links) == 1:
        qr_mm = 150
        codes.append(_svg_code(links[0].url, (A4_MM[0] - qr_mm) / 2, y0, qr_mm))
        footer = f'<text x="105" y="285" font-size="5" text-anchor="middle">' \
                 f'{escape(links[0].shown)}</text>'
    else:
        qr_mm = 88
        gap = (A4_MM[0] - 2 * qr_mm) / 3
        for i, link in enumerate(links[:2]):
            x0 = gap + i * (qr_mm + gap)
            centre = x0 + qr_mm / 2
            codes.append(_svg_code(link.url, x0, y0, qr_mm))
            names.append(f'<text x="{centre:.1f}" y="{y0 + qr_mm + 8:.1f}" font-size="9" '
                         f'font-weight="bold" text-anchor="middle">{escape(link.channel)}'
                         f'</text>\n<text x="{centre:.1f}" y="{y0 + qr_mm + 15:.1f}" '
                         f'font-size="5" text-anchor="middle">{escape(link.shown)}</text>')
        footer = ""
    lines = []
    y = y0 + qr_mm + (16 if len(links) == 1 else 26)
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
{chr(10).join(names)}
{footer}
</g>
{chr(10).join(codes)}
</svg>
"""
    return svg.encode("utf-8")


# --- PNG / PDF ---------------------------------------------------------------------------------


def _raster(room: Room, links: list[SignLink], fmt: str) -> bytes:
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

    def under(text: str, x_mm: float, y_mm: float, size_mm: float, bold: bool = False) -> None:
        """One line centred on ``x_mm`` (a code's name or number under it)."""
        fnt = fonts.font_for(text, mm(size_mm), bold=bold)
        width = draw.textlength(text, font=fnt)  # type: ignore[arg-type]
        draw.text((mm(x_mm) - width / 2, mm(y_mm)), text, font=fnt, fill=0)  # type: ignore[arg-type]

    centred(room.name, 18, 17, bold=True)
    centred(room.address, 39, 6)
    def code_of(link: str, width_mm: float) -> Image.Image:
        matrix = _qr(link).matrix
        modules = len(matrix) + 8
        box = mm(width_mm) // modules
        code = Image.new("L", (modules, modules), 255)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    code.putpixel((x + 4, y + 4), 0)
        return code.resize((modules * box, modules * box), Image.Resampling.NEAREST)

    if len(links) == 1:
        code = code_of(links[0].url, 150)
        page.paste(code, ((px[0] - code.width) // 2, mm(58)))
        y = 58 + code.height / DPI * 25.4 + 8
    else:
        width = 88
        gap = (A4_MM[0] - 2 * width) / 3
        codes = [code_of(link.url, width) for link in links[:2]]
        height = max(code.height for code in codes) / DPI * 25.4  # names on one line
        for i, (link, code) in enumerate(zip(links, codes, strict=False)):
            left = gap + i * (width + gap)
            page.paste(code, (mm(left) + (mm(width) - code.width) // 2,
                              mm(58) + (mm(height) - code.height) // 2))
            under(link.channel, left + width / 2, 58 + height + 3, 6.5, bold=True)
            under(link.shown, left + width / 2, 58 + height + 12, 4)
        y = 58 + height + 26
    scan = [(lang, text) for lang, text in scan_lines() if fonts.draws(text)]
    step, size = _spacing(y, 268, len(scan), 8)
    for lang, text in scan:
        extra = {"direction": "rtl", "language": "ar"} if lang == "ar" and shaping else {}
        centred(text, y, size, **extra)
        y += step
    if len(links) == 1:
        centred(links[0].shown, 280, 4.5)
    out = io.BytesIO()
    if fmt == "png":
        page.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    else:
        page.convert("RGB").save(out, "PDF", resolution=DPI)
    return out.getvalue()
