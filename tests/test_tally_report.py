"""The funder report on a hand-made data set: every cell checked against the worked answer."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.services.tally import Period, ReportError
from bot.services.tally_export import rows
from tests.auxil.harness import BotHarness
from tests.auxil.tally import seed_2021

CATS = ("sociale_ontmoeting", "klussen", "computer", "taal", "formulieren", "schulden", "werk")
# key: (unique, anonymous, count, target, measured) — None where a column does not apply.
TOP_2021 = {
    "sociale_ontmoeting": (3, 5, 11, 200, 3),
    "klussen": (1, 3, 5, 50, 5),  # counted per job: 2 requests + 3 counted
    "computer": (1, 0, 1, 50, 1),
    "taal": (1, 0, 1, 50, 1),
    "formulieren": (1, 0, 2, 150, 1),
    "schulden": (0, 0, 0, 20, 0),
    "werk": (0, 0, 0, 20, 0),
    "total": (4, 8, 20, 400, 4),
    "contact": (1, None, 2, None, 1),
    "referral": (1, None, None, None, 1),
    "volunteer": (1, None, None, None, 1),
    "new_residents": (3, None, None, None, 3),  # Bilal, walk-in AB12, Eva (registered)
}
HART_2021 = {
    "sociale_ontmoeting": (1, 0, 1, 150, 1),
    "klussen": (0, 0, 0, 10, 0),
    "computer": (0, 0, 0, 25, 0),
    "taal": (0, 4, 4, 50, 0),
    "formulieren": (0, 0, 0, 150, 0),
    "schulden": (1, 0, 1, 10, 1),
    "werk": (1, 0, 1, 10, 1),
    "total": (2, 4, 7, 250, 2),
    "contact": (0, None, 0, None, 0),
    "referral": (0, None, None, None, 0),
    "volunteer": (0, None, None, None, 0),
    "new_residents": (2, None, None, None, 2),  # C first came to Hart; Dirk
}
VERBINDING_2021 = {
    **{c: (0, 0, 0, t, 0) for c, t in zip(CATS, (150, 50, 25, 25, 150, 20, 10), strict=True)},
    "total": (0, 0, 0, 250, 0),
    "contact": (0, None, 0, None, 0),
    "referral": (0, None, None, None, 0),
    "volunteer": (0, None, None, None, 0),
    "new_residents": (0, None, None, None, 0),
}
ALL_2021 = {
    "sociale_ontmoeting": (4, 5, 12, 500, 4),  # C counts once over TOP and Hart
    "klussen": (1, 3, 5, 110, 5),
    "computer": (1, 0, 1, 100, 1),
    "taal": (1, 4, 5, 125, 1),
    "formulieren": (1, 0, 2, 450, 1),
    "schulden": (1, 0, 1, 50, 1),
    "werk": (1, 0, 1, 40, 1),
    "total": (5, 12, 27, 900, 5),
    "contact": (1, None, 2, None, 1),
    "referral": (1, None, None, None, 1),
    "volunteer": (1, None, None, None, 1),
    "new_residents": (4, None, None, None, 4),  # Bilal, AB12, Dirk, Eva (C came in 2020)
}


def table(room) -> dict[str, tuple]:
    return {r.key: (r.unique, r.anonymous, r.count, r.target, r.measured)
            for r in rows(translator("nl"), room)}


async def test_year_report_every_cell(bot: BotHarness) -> None:
    await seed_2021(bot)
    report = await bot.services.tally.report(Period.year(2021))
    assert [r.room for r in report.rooms] == ["top", "hart", "verbinding"]
    assert table(report.rooms[0]) == TOP_2021
    assert table(report.rooms[1]) == HART_2021
    assert table(report.rooms[2]) == VERBINDING_2021
    assert table(report.overall) == ALL_2021


async def test_quarter_month_and_custom_periods(bot: BotHarness) -> None:
    await seed_2021(bot)
    q1 = await bot.services.tally.report(Period.parse("2021-Q1"), "top")
    top = table(q1.rooms[0])
    assert top["sociale_ontmoeting"] == (3, 5, 11, 200, 3)
    assert top["klussen"] == (1, 0, 1, 50, 1)
    assert top["formulieren"] == (1, 0, 1, 150, 1)
    assert top["total"] == (4, 5, 15, 400, 4)
    assert top["new_residents"][0] == 2  # Eva registered in April
    january = await bot.services.tally.report(Period.parse("2021-01"), "top")
    assert table(january.rooms[0])["sociale_ontmoeting"] == (3, 5, 10, 200, 3)
    custom = await bot.services.tally.report(
        Period(Period.year(2021).start.replace(month=11), Period.year(2021).end), "hart")
    hart = table(custom.rooms[0])
    assert hart["total"] == (1, 0, 2, 250, 1)
    assert hart["new_residents"][0] == 1  # Dirk (C came to Hart in June)
    assert hart["sociale_ontmoeting"] == (0, 0, 0, 150, 0)


async def test_erased_resident_still_counts_but_nothing_names_anyone(bot: BotHarness) -> None:
    keys = await seed_2021(bot)
    erased = await bot.db.fetchval(
        "SELECT COUNT(*) FROM users WHERE anon_key = ? AND erased_at IS NOT NULL", (keys["B"],))
    assert erased == 1
    report = await bot.services.tally.report(Period.year(2021))
    assert table(report.rooms[0])["klussen"][0] == 1  # Bilal's two jobs, after erasure
    from datetime import date

    from bot.services.report_render import to_csv, to_markdown

    made = await bot.services.indicators.table(None, date(2021, 1, 1), date(2021, 12, 31))
    text = to_csv(translator("nl"), made).decode("utf-8") + to_markdown(translator("nl"), made)
    import re

    for secret in ("Anna", "Bilal", "Dirk", "Eva", "Vera", "AB12", *keys.values()):
        assert not re.search(rf"\b{re.escape(secret)}\b", text), secret  # "Verantwoorde"


async def test_bad_periods_and_rooms_are_refused(bot: BotHarness) -> None:
    await seed_2021(bot)
    tally = bot.services.tally
    with pytest.raises(ReportError) as future:
        await tally.report(Period.year(2027))
    assert future.value.reason == ReportError.FUTURE
    with pytest.raises(ReportError) as empty:
        await tally.report(Period.year(2019))
    assert empty.value.reason == ReportError.EMPTY
    with pytest.raises(ReportError) as unknown:
        await tally.report(Period.year(2021), "nowhere")
    assert unknown.value.reason == ReportError.UNKNOWN_ROOM
    with pytest.raises(ReportError):
        Period.parse("2021-13")
    with pytest.raises(ReportError) as order:
        await tally.report(Period(Period.year(2021).end, Period.year(2021).start))
    assert order.value.reason == ReportError.ORDER
    # The running year is counted up to today.
    now = await tally.report(Period.year(2026), allow_empty=True)
    assert now.period.end == bot.clock.now().date()


async def test_weekly_chart_is_a_png_with_the_bars(bot: BotHarness) -> None:
    import io

    from PIL import Image

    from bot.services.tally_chart import HEIGHT, WIDTH, chart_png

    await seed_2021(bot)
    report = await bot.services.tally.report(Period.year(2021), "top")
    for language in ("nl", "ar", "tr", "ti", "uk"):
        png = chart_png(translator(language), "TOP", report.rooms[0], 0.5)
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
        # Some green or orange bar pixels are drawn.
        colours = {c for _n, c in image.convert("RGB").getcolors(maxcolors=1 << 16)}
        assert (46, 125, 50) in colours or (239, 108, 0) in colours


async def test_a_tigrinya_chart_is_labelled_in_geez_letters(bot: BotHarness, monkeypatch) -> None:
    """With a Ge'ez font the chart is in Tigrinya (not Dutch), each label in real glyphs."""
    from PIL import ImageDraw

    from bot import fonts
    from bot.i18n import N_
    from bot.services.tally_chart import chart_png

    if not fonts.has_geez():
        pytest.skip("no Ge'ez font on this machine (apt-get install fonts-sil-abyssinica)")
    drawn: list[tuple[str, object]] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, text, *args, **kwargs):
        drawn.append((text, kwargs.get("font")))
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    await seed_2021(bot)
    report = await bot.services.tally.report(Period.year(2021), "top")
    ti = translator("ti")
    chart_png(ti, "TOP", report.rooms[0], 0.5)
    texts = [t for t, _font in drawn]
    assert ti._(N_("Total")) in texts and translator("nl")._(N_("Total")) not in texts
    assert ti._(N_("People (each person once)")) in texts
    geez = [(t, font) for t, font in drawn if fonts.needs_geez(t)]
    assert len(geez) >= 5
    for label, font in geez:
        missing = bytes(font.getmask("\U0010ffff"))
        boxes = [ch for ch in set(label) if not ch.isspace() and bytes(font.getmask(ch)) == missing]
        assert boxes == [], f"{label!r} drawn as empty boxes: {boxes}"
    # Without a Ge'ez font the chart is labelled in Dutch rather than in empty boxes.
    drawn.clear()
    monkeypatch.setattr(fonts, "GEEZ", ("/nonexistent/NoGeez.ttf",))
    fonts.draws.cache_clear()
    try:
        chart_png(ti, "TOP", report.rooms[0], 0.5)
    finally:
        fonts.draws.cache_clear()
    texts = [t for t, _font in drawn]
    assert translator("nl")._(N_("Total")) in texts
    assert not any(fonts.needs_geez(t) for t in texts)
