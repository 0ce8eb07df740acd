"""Which font draws a piece of text in the images the bot makes with Pillow: the door sign
(``buurtbot qr``, /qr) and the weekly chart.

DejaVu Sans (Debian's ``fonts-dejavu-core``) has Latin with Turkish and Polish letters, Cyrillic
and Arabic, but no Ge'ez letters, so Tigrinya would print as empty boxes. Text with Ethiopic
letters is drawn with Abyssinica SIL (``fonts-sil-abyssinica``, what the project installs),
which also has the Latin letters and digits mixed into such text ("BuurtWerkKamer", numbers),
or else Noto Sans Ethiopic (``fonts-noto-core``). Without a Ge'ez font the text falls back to
DejaVu, and :func:`draws` tells the caller it would show boxes (so does a Ge'ez font without
some letter of the text), so the caller can choose something else rather than print holes.
"""

from __future__ import annotations

from functools import cache

from PIL import ImageFont, features

#: The Unicode blocks of the Ge'ez script: Ethiopic (with its Supplement), Extended, Extended-A.
ETHIOPIC = ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F))

# A bare file name last: Pillow then looks in the system's font folders itself.
DEJAVU = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "DejaVuSans.ttf",
)
DEJAVU_BOLD = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "DejaVuSans-Bold.ttf",
)
GEEZ = (
    "/usr/share/fonts/truetype/abyssinica/AbyssinicaSIL-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf",
    "AbyssinicaSIL-Regular.ttf",
    "NotoSansEthiopic-Regular.ttf",
)
GEEZ_BOLD = (
    "/usr/share/fonts/truetype/noto/NotoSansEthiopic-Bold.ttf",
    "NotoSansEthiopic-Bold.ttf",
)
#: What an operator installs for the Ge'ez font (README, warnings).
GEEZ_PACKAGE = "fonts-sil-abyssinica"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def needs_geez(text: str) -> bool:
    """True when ``text`` has a letter of the Ge'ez script (Tigrinya, Amharic)."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in ETHIOPIC)


def shapes() -> bool:
    """True when Pillow can shape text (raqm): Arabic letters join and run right to left."""
    return bool(features.check("raqm"))


@cache
def _load(candidates: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | None:
    for name in candidates:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None


def has_geez() -> bool:
    """True when a Ge'ez font is installed (Tigrinya can be drawn)."""
    return _load(GEEZ, 12) is not None


def font_for(text: str, size: int, bold: bool = False) -> Font:
    """The font that draws ``text`` at ``size`` pixels: a Ge'ez font when the text has Ethiopic
    letters, DejaVu Sans otherwise; the bold cut when asked and present, else the regular one.
    Falls back to DejaVu, then to Pillow's bundled font (basic Latin only), never fails."""
    families = [(GEEZ_BOLD, GEEZ) if bold else (GEEZ,)] if needs_geez(text) else []
    families.append((DEJAVU_BOLD, DEJAVU) if bold else (DEJAVU,))
    for family in families:
        for candidates in family:
            font = _load(candidates, size)
            if font is not None:
                return font
    return ImageFont.load_default(size=size)


@cache
def draws(text: str, size: int = 14) -> bool:
    """True when :func:`font_for` has a real glyph for every letter of ``text`` (no empty box).

    Compares each letter's mask with the font's "missing glyph" mask; Pillow's bundled font is
    trusted with plain ASCII only."""
    font = font_for(text, size)
    if getattr(font, "path", None) is None:
        return text.isascii()
    missing = bytes(font.getmask("\U0010ffff"))
    return all(bytes(font.getmask(ch)) != missing for ch in set(text) if not ch.isspace())
