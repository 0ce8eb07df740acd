"""Volunteer hours (weekly question, once per week across restarts, quiet hours, switch off,
bad numbers), groups, keyholders, privacy, and the values the report's providers return."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import TZ, to_db
from bot.config import DEFAULT_VOLUNTEER_GROUPS, ConfigError, load_config
from bot.services.volunteer_work import HoursError, parse_hours
from tests.auxil.harness import BotHarness
from tests.auxil.surveys import next_alert

EXAMPLE = Path(__file__).resolve().parents[1] / "buurtbot.example.toml"
#: People created on this day have been volunteers for a while when a test starts.
JOINED = datetime(2026, 11, 16, 12, 0, tzinfo=TZ)
HOURS_Q = "Hoeveel uur heeft u geholpen bij de BuurtWerkKamer"


async def _asked(bot: BotHarness, user) -> int:
    """Outbox rows of the weekly hours question for this person (sent or still to send)."""
    person = await bot.person(user)
    return await bot.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'hours' AND person_id = ?", (person.id,))


def _questions(user) -> list:
    return [m for m in user.bot_messages if HOURS_Q in (m.text or "")]


async def _done_help_request(bot: BotHarness, volunteer_id: int, closed: datetime,
                             category: str = "formulieren") -> None:
    async with bot.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO help_requests (room, kind, category, urgency, contact, status,"
            " volunteer_id, queued_at, created_at, closed_at, outcome) VALUES"
            " ('top', 'letter', ?, 'none', 'visit', 'done', ?, ?, ?, ?, 'helped')",
            (category, volunteer_id, to_db(closed), to_db(closed), to_db(closed)))


async def test_weekly_question_once_per_week_with_a_proposal_and_bad_numbers(
    bot: BotHarness,
) -> None:
    bot.clock.set(JOINED)
    vera = await bot.volunteer()
    coordinator = await bot.coordinator()
    resident = await bot.resident()
    person = await bot.person(vera)
    await _done_help_request(bot, person.id, datetime(2026, 11, 25, 14, 0, tzinfo=TZ))

    # Before Monday 10:00: not yet.
    await bot.tick(at=datetime(2026, 11, 30, 9, 30, tzinfo=TZ), only="volunteer_work")
    await bot.settle()
    assert not _questions(vera)
    await bot.tick(at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ), only="volunteer_work")
    question = await vera.next_message(timeout=20)
    assert HOURS_Q in question.text and "23 november tot en met 29 november" in question.text
    assert "De bot zag: 1 hulpvraag die u heeft afgerond. Dat is ongeveer 1 uur." in question.text
    assert not _questions(coordinator) and not _questions(resident)

    # Restarts and more ticks the same week: never a second question.
    await bot.restart()
    await bot.tick(at=datetime(2026, 11, 30, 11, 0, tzinfo=TZ), only="volunteer_work")
    await bot.tick(at=datetime(2026, 12, 3, 15, 0, tzinfo=TZ), only="volunteer_work")
    await bot.settle()
    assert len(_questions(vera)) == 1
    assert await _asked(bot, vera) == 1

    await vera.press("3–5", message=question)
    saved = await vera.next_edit()
    assert "Bewaard: 4 uur in de week van 23 november" in saved.text
    assert await bot.db.fetchval("SELECT hours FROM volunteer_hours") == 4.0

    # Typing a number: nonsense is refused kindly and changes nothing.
    await vera.press("✏️ Veranderen")
    again = await vera.next_edit()
    assert "U gaf op: 4 uur" in again.text
    await vera.press("Meer… typ een getal")
    await vera.next_edit()
    for typed, answer in (("-3", "Minder dan 0 uur kan niet"), ("100", "meer dan 80 uur"),
                          ("veel", "Typ alleen een aantal uren")):
        await vera.send(typed)
        assert answer in (await vera.next_message()).text
        assert await bot.db.fetchval("SELECT hours FROM volunteer_hours") == 4.0
    await vera.send("7,5")
    assert "Bewaard: 7,5 uur" in (await vera.next_message()).text
    assert await bot.db.fetchval("SELECT COUNT(*), SUM(hours) FROM volunteer_hours") == 1
    assert await bot.db.fetchval("SELECT hours FROM volunteer_hours") == 7.5

    # A forged number in a button is refused like any stale button.
    await vera.press_data("vh:h:2026-W48:p9999")
    assert "werkt niet meer" in await next_alert(vera)
    await vera.press_data("vh:h:2030-W01:0")
    assert "deze week en de 8 weken ervoor" in await next_alert(vera)
    await vera.press_data("vh:h:2026-W99:0")
    assert "werkt niet meer" in await next_alert(vera)
    assert await bot.db.fetchval("SELECT hours FROM volunteer_hours") == 7.5
    # A resident cannot log hours.
    await resident.send("/uren")
    assert "Alleen vrijwilligers" in (await resident.next_message()).text


async def test_quiet_hours_and_switching_the_question_off_and_on(bot: BotHarness) -> None:
    bot.clock.set(JOINED)
    vera = await bot.volunteer()
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    nina = await bot.volunteer("Nina", name="Nina")  # joined this week: not asked about last
    # Down all Monday; back at 22:00: night, so nothing until the morning.
    await bot.tick(at=datetime(2026, 11, 30, 22, 0, tzinfo=TZ), only="volunteer_work")
    await bot.settle()
    assert not _questions(vera) and await _asked(bot, vera) == 0
    await bot.tick(at=datetime(2026, 12, 1, 8, 30, tzinfo=TZ), only="volunteer_work")
    question = await vera.next_message(timeout=20)
    assert HOURS_Q in question.text
    assert await _asked(bot, nina) == 0

    await vera.press("🔕 Niet elke week vragen", message=question)
    assert "vraagt het u niet meer elke week" in (await vera.next_edit()).text
    before = len(vera.bot_messages)
    await bot.tick(at=datetime(2026, 12, 7, 10, 0, tzinfo=TZ), only="volunteer_work")
    await bot.settle()
    assert len(vera.bot_messages) == before
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts WHERE kind = 'hours'") == 2
    assert await _asked(bot, vera) == 1
    assert HOURS_Q in (await nina.next_message(timeout=20)).text  # her first whole week

    await vera.send("/uren")
    menu = await vera.next_message()
    assert "De bot vraagt het u niet elke week." in menu.text
    await vera.press("🔔 Vraag het mij elke maandag")
    assert "elke maandag" in (await vera.next_edit()).text
    await bot.tick(at=datetime(2026, 12, 14, 10, 0, tzinfo=TZ), only="volunteer_work")
    assert HOURS_Q in (await vera.next_message(timeout=20)).text
    await vera.send("/mijngegevens")
    summary = await vera.next_message()
    assert "Wekelijkse vraag naar uw uren: 2 keer gestuurd" in summary.text
    assert "Berichten die u kreeg" not in summary.text  # not counted as announcements


async def test_groups_keyholders_privacy_and_the_providers(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    vera = await bot.volunteer()
    piet = await bot.volunteer("Piet", name="Piet")
    work = bot.services.volunteer_work

    # The coordinator marks Vera as keyholder and puts her in the kookgroep.
    await coordinator.send("/vrijwilligers")
    await coordinator.next_message()
    await coordinator.press("🔑 Sleutel en groepen: Vera")
    screen = await coordinator.next_edit()
    assert "Geen sleutelbeheerder" in screen.text
    await coordinator.press("🔑 Maak sleutelbeheerder")
    assert "🔑 Sleutelbeheerder." in (await coordinator.next_edit()).text
    await coordinator.press("▫️ Kookgroep")
    await coordinator.next_edit()
    # Piet chooses the tuingroep himself.
    await piet.send("/uren")
    await piet.next_message()
    await piet.press("👥 Mijn groepen")
    await piet.next_edit()
    await piet.press("▫️ Tuingroep")
    groups = await piet.next_edit()
    assert any(b["text"] == "✅ Tuingroep" for row in groups.inline_keyboard for b in row)
    # A group the room does not have, and a volunteer setting someone else's mark: refused.
    await piet.press_data("vh:g:zwemclub:1")
    assert "werkt niet meer" in await next_alert(piet)
    vera_id = (await bot.person(vera)).id
    await piet.press_data(f"vh:key:{vera_id}:0")
    assert "Alleen een coördinator" in await next_alert(piet)

    # Hours: Piet 6 in W48, Vera 4 in W49; the bot saw a forms request done in W49.
    await piet.press_data("vh:week:2026-W48")
    await piet.next_edit()
    await piet.press("6–10")
    await piet.next_edit()
    await bot.services.volunteer_work.record_hours(await bot.person(vera), "2026-W48", 4.0,
                                                   "button")
    await _done_help_request(bot, vera_id, datetime(2026, 11, 25, 12, 0, tzinfo=TZ))

    period = (date(2026, 11, 1), date(2026, 11, 30))
    async with bot.db.transaction() as conn:
        keyholders = await work.count_keyholders(conn, "top", period[1])
        active = await work.active_volunteers(conn, "top", *period)
        groups_active = await work.active_groups(conn, "top", *period)
        elsewhere = await work.active_volunteers(conn, "hart", *period)
    assert keyholders == 1
    assert active["count"] == 2 and active["hours"] == 12.0
    assert active["avg_hours_year"] == round(6.0 * 365 / 30, 1)
    # kookgroep: Vera logged hours; tuingroep: Piet did; formulierenbrigade: the bot saw it.
    assert sorted(g for _room, g in groups_active) == ["formulierenbrigade", "kookgroep",
                                                        "tuingroep"]
    assert elsewhere["count"] == 0 and elsewhere["avg_hours_year"] is None

    # /mijngegevens shows hours, groups and the mark; /vergeetmij erases them.
    await vera.send("/mijngegevens")
    summary = await vera.next_message()
    assert "Vrijwilligersgroepen: 1 groep" in summary.text
    assert "Vrijwilligersuren: opgegeven voor 1 week" in summary.text
    assert "Sleutelbeheerder sinds 30 november 2026" in summary.text
    data = json.loads(bot.sandbox.document_bytes(await vera.next_message()))
    assert data["volunteer_work"]["hours"] == [{"week": "2026-W48", "hours": 4.0}]
    assert data["volunteer_work"]["groups"][0]["group"] == "kookgroep"
    assert data["volunteer_work"]["weeks_asked"] == []
    await vera.send("/vergeetmij")
    await vera.next_message()
    await vera.press("Ja, wis alles")
    assert "gewist" in (await vera.next_edit()).text
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM volunteer_settings WHERE user_id = ?", (vera_id,)) == 0
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM volunteer_group_members WHERE user_id = ?", (vera_id,)) == 0
    # Her hours stay only as an anonymous count: the funder's numbers do not change.
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM volunteer_hours WHERE user_id IS NULL") == 1
    async with bot.db.transaction() as conn:
        assert await work.count_keyholders(conn, "top", period[1]) == 0
        assert (await work.active_volunteers(conn, "top", *period))["hours"] == 12.0


EXAMPLE_GROUPS = ('volunteer_groups = ["kookgroep", "klussendienst", "tuingroep", '
                  '"formulierenbrigade", "taalteam", "computerhulp", "fietsherstel"]')


@pytest.mark.parametrize(("new", "expected"), [
    ('volunteer_groups = ["kookgroep", "Tuin Groep"]',
     'rooms.top.volunteer_groups[1]: expected a group id like "kookgroep"'),
    ('volunteer_groups = ["kookgroep", "kookgroep"]',
     "rooms.top.volunteer_groups[1]: 'kookgroep' is given twice"),
    ('volunteer_groups = "kookgroep"', "rooms.top.volunteer_groups: expected a list"),
    ("volunteer_groups = [1]", 'rooms.top.volunteer_groups[0]: expected a group id'),
])
def test_volunteer_groups_are_checked_in_the_config(tmp_path: Path, new: str,
                                                    expected: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert EXAMPLE_GROUPS in text
    path = tmp_path / "buurtbot.toml"
    path.write_text(text.replace(EXAMPLE_GROUPS, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert expected in str(error.value)


def test_rooms_without_volunteer_groups_have_the_offers_six() -> None:
    config = load_config(EXAMPLE, env={})
    assert config.rooms["top"].volunteer_groups[-1] == "fietsherstel"
    assert config.rooms["hart"].volunteer_groups == DEFAULT_VOLUNTEER_GROUPS


def test_typed_hours_are_read_as_people_type_them() -> None:
    assert parse_hours("3") == 3.0 and parse_hours(" 2,5 uur") == 2.5
    assert parse_hours("80") == 80.0 and parse_hours("0") == 0.0
    for typed, code in (("-1", "negative"), ("81", "too_many"), ("twee", "not_a_number"),
                        ("", "not_a_number"), ("3-5", "not_a_number")):
        with pytest.raises(HoursError) as error:
            parse_hours(typed)
        assert error.value.code == code


def test_hours_take_the_plural_form_of_their_own_number() -> None:
    from bot.handlers.volunteer_work import _hours
    from bot.i18n import translator

    uk = translator("uk")
    assert [_hours(uk, h) for h in (1, 3, 5, 21, 2.5)] == [
        "1 година", "3 години", "5 годин", "21 година", "2,5 години"]
    assert [_hours(translator("nl"), h) for h in (1, 5, 2.5)] == ["1 uur", "5 uur", "2,5 uur"]
    assert _hours(translator("en"), 1) == "1 hour" and _hours(translator("en"), 6) == "6 hours"
