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
