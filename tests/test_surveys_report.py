"""The report's table shows what surveys, hours, groups and keyholders gave (providers)."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from bot.i18n import translator
from bot.services.report_pdf import to_pdf
from bot.services.report_render import source_text, to_markdown, value_text
from tests.auxil.harness import BotHarness
from tests.auxil.surveys import VOLUNTEERS, answer_all, close_round, sent_report, start_round

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


async def test_the_report_table_holds_the_survey_and_volunteer_values(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    residents = [await bot.resident(f"R{i}", language=("nl", "tr")[i % 2]) for i in range(6)]
    volunteers = [await bot.volunteer(f"V{i}", name=f"V{i}") for i in range(3)]
    hart = [await bot.resident(f"H{i}", room="hart") for i in range(2)]

    await start_round(coordinator, room="Alle BuurtWerkKamers")
    await sent_report(coordinator)
    for i, resident in enumerate(residents):
        first = "🙂 Mee eens" if resident.language_code == "nl" else "🙂 Katılıyorum"
        second = "🙁 Niet mee eens" if resident.language_code == "nl" else "🙂 Katılıyorum"
        if i == 5:
            first, second = "🙁 Katılmıyorum", "🤷 Bilmiyorum"
        await answer_all(resident, first, second)
    for resident in hart:
        await answer_all(resident, "😀 Helemaal mee eens", "😀 Helemaal mee eens")
    await close_round(bot, coordinator, "Bewoners · alle BuurtWerkKamers")

    await start_round(coordinator, VOLUNTEERS)
    await sent_report(coordinator)
    for volunteer, score in zip(volunteers, ("9", "8", "10"), strict=True):
        await answer_all(volunteer, score)

    work = bot.services.volunteer_work
    people = [await bot.person(v) for v in volunteers]
    await work.set_keyholder(await bot.person(coordinator), people[0], True)
    await work.set_member(people[1], people[1], "tuingroep", True)
    await work.record_hours(people[1], "2026-W48", 5.0, "typed")

    table = await bot.services.indicators.table(None, *YEAR)
    top = next(t for t in table.rooms if t.room == "top")
    confidence = top.row("impact_confidence")
    # TOP: 5 of 6 agree (nl: agree ×3, tr: agree ×2, tr: disagree ×1).
    assert confidence.value.source == "survey" and confidence.value.n == 6
    assert confidence.shown_value == round(100 * 5 / 6, 1)
    assert confidence.status == "reached"
    living = top.row("impact_nicer_living")
    # 2 agree (tr) of 5 with an opinion; one "weet ik niet" is not in n.
    assert (living.value.n, living.shown_value) == (5, 40.0)
    assert living.status == "behind"
    # Hart: only 2 answers: too few, never shown.
    hart_row = next(t for t in table.rooms if t.room == "hart").row("impact_confidence")
    assert hart_row.value.n == 2 and hart_row.too_few_answers and hart_row.shown_value is None
    # All rooms: 7 of 8.
    assert table.overall is not None
    assert table.overall.row("impact_confidence").value.n == 8
    # Volunteers' round is still open: 3 answers, too few to show.
    satisfaction = top.row("volunteer_satisfaction")
    assert satisfaction.value.n == 3 and satisfaction.shown_value is None

    assert top.row("keyholders").value.value == 1
    active = top.row("active_volunteers").value
    assert active.value == 1 and active.extra["avg_hours_year"] == 5.0
    assert top.row("volunteer_groups").value.value == 1
    # Only numbers in our values: nothing personal can leak into a document.
    mine = ("impact_confidence", "impact_nicer_living", "volunteer_satisfaction", "keyholders",
            "active_volunteers", "volunteer_groups")
    for row in (r for r in top.rows if r.key in mine):
        assert set(row.value.extra) <= {"agree", "dont_know", "hours", "reporting",
                                        "avg_hours_year"}, row.key
        assert all(isinstance(v, int | float) for v in row.value.extra.values())

    # The document shows them as a funder reads them (the report's own renderer).
    t = translator("en")
    markdown = to_markdown(t, table)
    assert value_text(t, confidence) == "83.3%"
    assert source_text(t, confidence, table) == "survey, n = 6"
    assert value_text(t, hart_row) == "too few answers"
    assert value_text(t, top.row("active_volunteers")) == \
        "1 (on average 5 hours a year; aim 250)"
    assert "83.3%" in markdown
    for name in ("R0", "V0", "Carla"):
        assert name not in markdown

    # The PDF a coordinator sends to a funder: TOP's page shows the share and n.
    pdf = PdfReader(io.BytesIO(to_pdf(translator("nl"), table)))
    top_page = next(p.extract_text() for p in pdf.pages if "TOP" in p.extract_text())
    assert "83,3" in top_page and "n = 6" in top_page.replace("\u00a0", " ")
