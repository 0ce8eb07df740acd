"""The QR sign for the door: decodes to the deep link, every shipped language, from the CLI and
the chat; the week poster prints without the browser's header and footer."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot import cli
from bot.i18n import LANGUAGES, translator
from bot.services.calendar_render import print_page
from bot.services.ops_door_sign import SCAN_LINE, deep_link, render, scan_lines
from tests.auxil.harness import BOT_USERNAME, BotHarness
from tests.auxil.server import write_settings

LINK = f"https://t.me/{BOT_USERNAME}?start=top"


def _decode(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_png_sign_decodes_to_the_deep_link(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
    out = tmp_path / "door.png"
    assert cli.main(["--config", str(settings), "qr", "--room", "top", "--format", "png",
                     "--out", str(out), "--username", BOT_USERNAME]) == 0
    assert LINK in capsys.readouterr().out
    image = Image.open(out)
    assert abs(image.width / image.height - 210 / 297) < 0.01  # A4
    assert _decode(out.read_bytes()) == [LINK]


def test_pdf_and_svg_signs(tmp_path: Path) -> None:
    from bot.config import load_config
    from tests.auxil.harness import ROOT

    room = load_config(ROOT / "buurtbot.example.toml", env={}).rooms["top"]
    pdf = render(room, LINK, "pdf")
    assert pdf.startswith(b"%PDF")
    svg = render(room, LINK, "svg").decode()
    assert 'width="210mm" height="297mm"' in svg
    for _lang, line in scan_lines():
        assert line in svg or line.replace("'", "&#x27;") in svg
    lines = dict(scan_lines())
    assert lines["nl"] == "Scan mij en praat met de BuurtWerkKamer"
    assert len(set(lines.values())) == len(LANGUAGES)  # translated in every language
    # Every scan line fits above the link at the bottom of the page, however many languages.
    ys = [float(y) for y in re.findall(r'<text x="105" y="([\d.]+)" font-size="[\d.]+" '
                                       r'text-anchor="middle" lang=', svg)]
    assert len(ys) == len(LANGUAGES) and max(ys) <= 278
    assert lines["uk"] == "Скануйте мене й напишіть BuurtWerkKamer"
    assert lines["ar"] == translator("ar")._(SCAN_LINE)
    assert 'direction="rtl"' in svg


def test_unknown_room_is_one_line(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
    assert cli.main(["--config", str(settings), "qr", "--room", "nowhere",
                     "--username", "x_bot"]) == 2
    assert "unknown room 'nowhere'" in capsys.readouterr().err


def test_a_mistyped_username_prints_no_dead_qr_code(tmp_path: Path, capsys) -> None:
    """A link pasted instead of the name, a space, a dash: refused with one line, no file."""
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
    out = tmp_path / "door.pdf"
    for wrong in ("t.me/buurtbot_top_bot", "buurtbot top bot", "buurtbot-top-bot", "top"):
        assert cli.main(["--config", str(settings), "qr", "--room", "top",
                         "--username", wrong, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"--username {wrong!r} is not a bot's @username" in err
        assert len(err.strip().splitlines()) == 1 and not out.exists()
    assert cli.main(["--config", str(settings), "qr", "--room", "top",
                     "--username", "@Buurtbot_Top_Bot", "--out", str(out)]) == 0
    assert "https://t.me/Buurtbot_Top_Bot?start=top" in capsys.readouterr().out


def test_a_mistyped_bot_username_in_the_settings_is_one_line(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
    text = settings.read_text(encoding="utf-8").replace(
        '# username = "buurtbot_top_bot"', 'username = "https://t.me/buurtbot_top_bot"')
    settings.write_text(text, encoding="utf-8")
    assert cli.main(["--config", str(settings), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "bot.username: 'https://t.me/buurtbot_top_bot' is not a bot's @username" in err


async def test_a_coordinator_gets_the_sign_from_the_chat(bot: BotHarness) -> None:
    carla = await bot.coordinator(language="en")
    await carla.send("/qr")
    await carla.next_message()
    await carla.press("TOP")
    sign = await carla.next_message()
    assert sign.document["file_name"] == "qr-top.pdf"
    assert LINK in sign.caption
    assert bot.sandbox.document_bytes(sign).startswith(b"%PDF")
    # The same from /programma.
    await carla.send("/programma")
    await carla.next_message()
    await carla.press("🖨️ QR sign for the door")
    assert (await carla.next_message()).document["file_name"] == "qr-top.pdf"
    assert deep_link("@" + BOT_USERNAME, "top") == LINK


async def test_a_resident_cannot_ask_for_the_sign(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima", language="en")
    await fatima.send("/qr")
    answer = await fatima.next_message()
    assert answer.document is None


def test_the_week_poster_prints_without_browser_header_and_footer() -> None:
    page = print_page(translator("nl"), ["<section class=\"room\"></section>"])
    assert "@page { size: A4 portrait; margin: 0; }" in page
    assert "min-height: 297mm" in page


def test_seven_languages_still_fit_on_the_sign(monkeypatch) -> None:
    """More languages move the scan lines closer and make them smaller; none runs into the
    link at the bottom or off the page."""
    import bot.services.ops_door_sign as sign
    from bot.config import load_config
    from tests.auxil.harness import ROOT

    seven = [(f"l{i}", f"Scan line {i}") for i in range(7)]
    monkeypatch.setattr(sign, "scan_lines", lambda: seven)
    room = load_config(ROOT / "buurtbot.example.toml", env={}).rooms["top"]
    svg = render(room, LINK, "svg").decode()
    found = re.findall(r'<text x="105" y="([\d.]+)" font-size="([\d.]+)" text-anchor="middle" '
                       r'lang="l\d"', svg)
    ys = [float(y) for y, _size in found]
    assert len(ys) == 7 and max(ys) <= 278 and min(b - a for a, b in itertools.pairwise(ys)) >= 7
    png = render(room, LINK, "png")
    assert png.startswith(b"\x89PNG")


def _drawn_lines(monkeypatch) -> list[tuple[str, object, tuple[float, float]]]:
    """Records every line Pillow draws: (text, font, position)."""
    from PIL import ImageDraw

    drawn: list[tuple[str, object, tuple[float, float]]] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, text, *args, **kwargs):
        drawn.append((text, kwargs.get("font"), xy))
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    return drawn


def _top_room():
    from bot.config import load_config
    from tests.auxil.harness import ROOT

    return load_config(ROOT / "buurtbot.example.toml", env={}).rooms["top"]


def test_the_tigrinya_line_is_printed_in_geez_letters(monkeypatch) -> None:
    """Not empty boxes: every letter of the Tigrinya line has a real glyph in the font it is
    drawn with, and the page has its ink where the line stands."""
    from bot import fonts

    if not fonts.has_geez():
        pytest.skip("no Ge'ez font on this machine (apt-get install fonts-sil-abyssinica)")
    tigrinya = translator("ti")._(SCAN_LINE)
    assert fonts.needs_geez(tigrinya) and not fonts.needs_geez(translator("nl")._(SCAN_LINE))
    drawn = _drawn_lines(monkeypatch)
    page = Image.open(io.BytesIO(render(_top_room(), LINK, "png"))).convert("L")
    found = [(font, xy) for text, font, xy in drawn if text == tigrinya]
    assert len(found) == 1, "the Tigrinya line is on the sign"
    font, (x, y) = found[0]
    missing = bytes(font.getmask("\U0010ffff"))
    boxes = [ch for ch in set(tigrinya) if not ch.isspace() and bytes(font.getmask(ch)) == missing]
    assert boxes == [], f"drawn as empty boxes: {boxes}"
    # The whole line differs from a line of missing glyphs of the same length.
    as_boxes = "".join(ch if ch.isspace() else "\U0010ffff" for ch in tigrinya)
    assert font.getbbox(tigrinya) != font.getbbox(as_boxes)
    # Its ink is on the page, where it was drawn, and the sign still decodes.
    left, top, right, bottom = font.getbbox(tigrinya)
    band = page.crop((int(x + left), int(y + top), int(x + right), int(y + bottom)))
    assert band.getextrema()[0] < 64
    assert _decode(_png(page)) == [LINK]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_without_a_geez_font_the_line_is_left_off_and_the_operator_told(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """Empty boxes on a printed sign help no one: the line is left off the PNG and PDF, the
    command names the package to install, and the SVG keeps every line."""
    from bot import fonts

    monkeypatch.setattr(fonts, "GEEZ", ("/nonexistent/NoGeez.ttf",))
    monkeypatch.setattr(fonts, "GEEZ_BOLD", ())
    fonts.draws.cache_clear()
    try:
        tigrinya = translator("ti")._(SCAN_LINE)
        drawn = _drawn_lines(monkeypatch)
        settings = write_settings(tmp_path, tmp_path / "buurtbot.db")
        out = tmp_path / "door.png"
        assert cli.main(["--config", str(settings), "qr", "--room", "top", "--format", "png",
                         "--out", str(out), "--username", BOT_USERNAME]) == 0
        err = capsys.readouterr().err
        assert "ትግርኛ (ti)" in err and "apt install fonts-sil-abyssinica" in err
        texts = [text for text, _font, _xy in drawn]
        assert tigrinya not in texts and translator("pl")._(SCAN_LINE) in texts
        assert _decode(out.read_bytes()) == [LINK]
        assert tigrinya in render(_top_room(), LINK, "svg").decode()
    finally:
        fonts.draws.cache_clear()
