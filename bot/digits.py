"""Numbers as people type them: in any script's digits.

Residents type phone numbers, dates, times and counts with the digits of their keyboard:
Arabic-Indic (٠٦١٢٣٤٥٦٧٨), Persian (۰۶۱۲...), Devanagari and so on. Every parser of typed
numbers first calls ``ascii_digits`` so "٠٦١٢٣٤٥٦٧٨" is the same number as "0612345678",
and stores ASCII digits (which volunteers can dial). Only real decimal digits (Unicode
category Nd) are mapped: superscripts and fractions ("²", "½") stay what they are, so
``str.isdigit()`` surprises ("²".isdigit() is True, int("²") fails) cannot reach ``int()``.
"""

from __future__ import annotations

import unicodedata

#: Marks a right-to-left keyboard or copy from an Arabic text may put between digits.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b"
                               "\u202c\u202d\u202e"), None)


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script as 0-9 and bidi marks removed.

    Arabic separators people type between numbers become their Latin counterparts
    ("١٥/١٢", "٢٠٢٦٫١٢٫١٥") so the parsers need to know only one set.
    """
    out = []
    for char in text.translate(_INVISIBLE):
        if char.isdigit() and unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif char == "\u066b":  # Arabic decimal separator
            out.append(".")
        elif char == "\u066c":  # Arabic thousands separator
            out.append(",")
        elif char == "\u060c":  # Arabic comma
            out.append(",")
        else:
            out.append(char)
    return "".join(out)


def whole_number(text: str) -> int | None:
    """A typed whole number ("12", "١٢", " 12 "), else None (never raises)."""
    value = ascii_digits(text).strip()
    if not value.isascii() or not value.isdigit():
        return None
    return int(value)
