"""Shipped languages are complete; dates come from babel in the person's language."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.clock import TZ
from bot.config import Room
from bot.i18n import FSI, PDI, RLM, normalise_language, translator
from bot.i18n_tools import problems
from bot.schedule import CalendarEntry
from bot.services.calendar_render import week_text


def test_every_shipped_locale_is_complete_without_fuzzy_or_placeholder_drift() -> None:
    found = problems()
    assert found == [], "\n".join(found[:50])


def test_dates_in_the_users_language() -> None:
    day = date(2026, 12, 1)
    assert translator("nl").date(day) == "dinsdag 1 december"
    assert translator("en").date(day) == "Tuesday 1 December"
    assert "1 Aralık" in translator("tr").date(day)


def test_default_and_unknown_languages() -> None:
    assert normalise_language(None) == "nl"
    assert normalise_language("nl-BE") == "nl"
    assert normalise_language("fr") == "nl"
    assert translator("ar").bidi("1 ديسمبر\nok").split("\n")[1].startswith(RLM)


def test_turkish_dates_put_the_weekday_last_and_headings_keep_the_month() -> None:
    day = date(2026, 11, 30)
    assert translator("tr").date(date(2026, 12, 1)) == "1 Aralık Salı"
    assert translator("tr").date(date(2026, 12, 1), "EEE d MMM") == "1 Ara Sal"
    assert translator("en").day_heading(day) == "Monday 30 November"
    assert translator("nl").day_heading(day) == "Maandag 30 november"
    assert translator("tr").day_heading(day) == "30 Kasım Pazartesi"
    heading = translator("ar").day_heading(day)
    assert heading.startswith(FSI) and heading.endswith(PDI)


def test_agenda_day_headings_do_not_lowercase_the_month() -> None:
    monday = date(2026, 11, 30)
    start = datetime(2026, 11, 30, 17, 30, tzinfo=TZ)
    entry = CalendarEntry(room="top", starts_at=start, ends_at=start + timedelta(hours=2),
                          title="Shared dinner", category="sociale_ontmoeting", ref="meal:1")
    room = Room(id="top", name="TOP", area="Ondiep", address="")
    english = week_text(translator("en"), room, monday, [entry])
    assert "<b>Monday 30 November</b>" in english and "Shared dinner" in english
    turkish = week_text(translator("tr"), room, monday, [entry])
    assert "<b>30 Kasım Pazartesi</b>" in turkish and "Ortak akşam yemeği" in turkish


def test_ukrainian_dates_numbers_and_lists_come_from_babel() -> None:
    uk = translator("uk")
    assert uk.date(date(2026, 12, 1)) == "вівторок 1 грудня"
    assert uk.day_heading(date(2026, 11, 30)) == "Понеділок 30 листопада"
    assert uk.time(datetime(2026, 12, 1, 17, 30, tzinfo=TZ)) == "17:30"
    assert uk.number(1234.5) == "1\xa0234,5"
    assert uk.weekday(0) == "понеділок"
    assert uk.join(["пн", "вт", "чт"]) == "пн, вт і чт"
    assert normalise_language("uk-UA") == "uk"


#: CLDR's Ukrainian categories: one (1, 21, 101), few (2, 22), many (0, 5, 11, 25).
UKRAINIAN_SEATS = {0: "0 місць", 1: "1 місце", 2: "2 місця", 5: "5 місць", 11: "11 місць",
                   21: "21 місце", 22: "22 місця", 25: "25 місць", 101: "101 місце"}


def test_ukrainian_plural_forms_at_run_time_for_every_sample_count() -> None:
    uk = translator("uk")
    for n, wanted in UKRAINIAN_SEATS.items():
        assert uk.plural("{n} seat left", "{n} seats left", n) == "залишилося " + wanted
    guests = {n: uk.plural("+{n} guest", "+{n} guests", n) for n in (1, 2, 5, 11, 21, 22)}
    assert guests == {1: "+1 гість", 2: "+2 гості", 5: "+5 гостей", 11: "+11 гостей",
                      21: "+21 гість", 22: "+22 гості"}
    minutes = [uk.plural("{n} minute", "{n} minutes", n) for n in (1, 3, 12, 101)]
    assert minutes == ["1 хвилина", "3 хвилини", "12 хвилин", "101 хвилина"]


def test_polish_dates_numbers_and_lists_come_from_babel() -> None:
    pl = translator("pl")
    # The month in the genitive; Polish writes a comma after the weekday.
    assert pl.date(date(2026, 12, 1)) == "wtorek, 1 grudnia"
    assert pl.day_heading(date(2026, 11, 30)) == "Poniedziałek, 30 listopada"
    assert pl.date(date(2026, 12, 1), "EEE d MMM") == "wt., 1 gru"
    assert pl.datetime(datetime(2026, 12, 1, 17, 30, tzinfo=TZ)) == "wtorek, 1 grudnia, 17:30"
    assert pl.number(1234.5) == "1\u00a0234,5"
    assert pl.join(["pon.", "wt.", "czw."]) == "pon., wt. i czw."
    assert normalise_language("pl-PL") == "pl"


def test_polish_plural_forms_at_run_time() -> None:
    """CLDR: one (1), few (2–4, 22–24, … but not 12–14), many (0, 5–21, 25–31, 101, …)."""
    pl = translator("pl")
    seats = {n: pl.plural("{n} seat left", "{n} seats left", n)
             for n in (0, 1, 2, 5, 11, 21, 22, 25, 101)}
    assert seats == {
        0: "zostało 0 miejsc", 1: "zostało 1 miejsce", 2: "zostały 2 miejsca",
        5: "zostało 5 miejsc", 11: "zostało 11 miejsc", 21: "zostało 21 miejsc",
        22: "zostały 22 miejsca", 25: "zostało 25 miejsc", 101: "zostało 101 miejsc"}
    guests = [pl.plural("+{n} guest", "+{n} guests", n) for n in (1, 2, 5, 22)]
    assert guests == ["+1 gość", "+2 gości", "+5 gości", "+22 gości"]
    minutes = [pl.plural("{n} minute", "{n} minutes", n) for n in (1, 3, 12, 24, 25)]
    assert minutes == ["1 minuta", "3 minuty", "12 minut", "24 minuty", "25 minut"]


def test_volunteer_hours_take_the_plural_form_of_the_whole_number() -> None:
    from bot.handlers.volunteer_work import _hours

    pl = translator("pl")
    assert [_hours(pl, h) for h in (1, 2, 5, 12, 22, 25, 2.5)] == [
        "1 godzina", "2 godziny", "5 godzin", "12 godzin", "22 godziny", "25 godzin",
        "2,5 godziny"]
    assert _hours(translator("en"), 1) == "1 hour" and _hours(translator("en"), 0.5) == "0.5 hours"


def test_the_whatsapp_adapters_texts_live_in_one_domain_only() -> None:
    """A msgid moved to another domain (wa-tpl's whatsapp.po) leaves no stale copy behind
    (translators would keep two in step); `check` reports one as stale."""
    from babel.messages.pofile import read_po

    from bot.i18n import LANGUAGES, locales_dir

    moved = ("Choose", "More choices", "Choose one of these.", "📞 Use this number")
    for language in LANGUAGES:
        folder = locales_dir() / language / "LC_MESSAGES"
        with (folder / "core.po").open("rb") as handle:
            core = read_po(handle)
        with (folder / "whatsapp.po").open("rb") as handle:
            whatsapp = read_po(handle)
        for msgid in moved:
            assert core.get(msgid) is None, (language, msgid)
            assert whatsapp.get(msgid) is not None and whatsapp.get(msgid).string, (
                language, msgid)
    assert not [p for p in problems() if ": stale: " in p]
