"""Exploratory QA journeys (see docs/reviews/qa-report.md).

Passing tests are coverage of whole journeys; ``xfail(strict=True)`` tests are open findings:
fix the finding, then remove the mark.
"""

from __future__ import annotations

import logging
import re

import pytest
from babel import Locale

from bot import i18n
from bot.handlers.commands import COMMANDS
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.qa import Crawl

LANGUAGES = tuple(i18n.LANGUAGES)
#: A label longer than this is cut off on a phone (one button per row, normal font size).
MAX_LABEL = 30


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.errors" and r.levelno >= logging.ERROR]


def _labels(user: SandboxUser) -> list[str]:
    return [label for m in user.bot_messages for row in m.buttons for label in row]


# --- every command, every role, every language ----------------------------------------------


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_command_and_first_button_in_every_role(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, language: str
) -> None:
    """Each command of the command list, and each button on its answer, for a resident, a
    volunteer and a coordinator: no crash, no raw HTML/entities/placeholders, no untranslated
    English, no dead button, and nothing reaches another resident."""
    caplog.set_level(logging.ERROR, logger="bot.errors")
    olga = await bot.resident("Olga", name="Olga")
    people = {
        "resident": await bot.resident("Res", language=language, name="Res"),
        "volunteer": await bot.volunteer("Vic", language=language, name="Vic"),
        "coordinator": await bot.coordinator(language=language),
    }
    findings = []
    for role, user in people.items():
        crawl = Crawl(bot, user, language, others=[olga])
        for name, _description, _role in COMMANDS:
            await crawl.command("/" + name, depth=1)
        findings += [f"{role}: {f}" for f in crawl.findings
                     if not f.what.startswith(("long button", "button vanished"))]
    assert not findings, "\n".join(findings)
    assert not _errors(caplog)


async def test_group_chat_only_points_to_a_private_chat(bot: BotHarness) -> None:
    resident = await bot.resident("Res", name="Res Jansen")
    group = bot.sandbox.add_group("Buurt TOP")
    bot.sandbox.add_chat_member(group, resident)
    for command in ("/start", "/menu", "/eten", "/hulp", "/agenda", "/mijngegevens",
                    "/vergeetmij", "/tafel"):
        await resident.send(command, chat=group)
    await bot.settle()
    answers = [m for m in group.messages if m.from_bot]
    assert answers
    for m in answers:
        assert "Res Jansen" not in (m.text or "") and not m.buttons
        assert "t.me/" in (m.text or "")
    assert await bot.person(resident) is not None, "/vergeetmij in a group erases nothing"


# --- journeys in Arabic and Turkish -----------------------------------------------------------


async def test_turkish_newcomer_onboards_joins_belronde_and_gets_the_weekly_question(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.errors")
    ayse = bot.user("Ayse", "tr")
    await bot.onboard(ayse, language="Türkçe", room="De Verbinding (Zuilen)", name="Ayşe")
    texts = [m.text or "" for m in ayse.bot_messages]
    assert any("De Verbinding" in t for t in texts)
    await ayse.press("✅ Evet, lütfen")  # the belronde question at the end of onboarding
    await bot.settle()
    assert "Pazartesi" in (ayse.last.text or "")
    from datetime import timedelta
    await bot.tick(at=bot.clock.now().replace(hour=14, minute=5))
    question = ayse.last
    assert "Merhaba Ayşe" in (question.text or "")
    assert ["İyiyim 😊"] in question.buttons
    await ayse.press("Beni arayın 📞", message=question)
    await bot.settle()
    assert "gönüllü" in (ayse.last.text or "").lower()
    await bot.tick(at=bot.clock.now() + timedelta(hours=1))
    assert not _errors(caplog)


async def test_arabic_resident_meal_and_help_reach_a_turkish_volunteer_in_turkish(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.errors")
    ahmed = await bot.resident("Ahmed", language="ar", name="Ahmed <b>&")
    vera = await bot.volunteer("Vera", language="tr")
    carla = await bot.coordinator()
    await ahmed.send("/eten")
    meals = await ahmed.next_message()
    await ahmed.press(meals.buttons[0][0], message=meals)
    await bot.settle()
    await ahmed.press("➕ ضيف", message=ahmed.last)
    await bot.settle()
    assert "ضيف" in (ahmed.last.text or "")

    await ahmed.send("/hulp")
    await bot.settle()
    await ahmed.press(ahmed.last.buttons[0][0], message=ahmed.last)  # a letter or form
    await bot.settle()
    await ahmed.send("رسالة من البلدية <script>")
    for _ in range(4):  # next, today, I come by, send
        await bot.settle()
        await ahmed.press(ahmed.last.buttons[0][0], message=ahmed.last)
    await bot.settle()
    assert "1" in (ahmed.last.text or "")
    await bot.tick(at=bot.clock.now().replace(hour=10))
    await vera.send("/tafel")
    await bot.settle()
    await carla.send("/tafel")
    await bot.settle()
    vera_texts = " ".join(m.text or "" for m in vera.bot_messages)
    assert "Ahmed <b>&" in vera_texts, "a typed name is shown as typed, not as HTML"
    assert "Yeni yardım talebi 1" in vera_texts and "misafir" in vera_texts
    assert "<script>" not in vera_texts, "the description is not in the notification"
    assert not [m for m in carla.bot_messages if "<script>" in (m.text or "")]
    assert not _errors(caplog)


async def test_help_request_due_today_does_not_read_as_already_late(bot: BotHarness) -> None:
    """Fixed: "today" was shown as "vóór maandag 30 november" on Monday 30 November (the due
    date is the last day, so "before" it is a day early)."""
    fatima = await bot.resident("Fatima", language="ar", name="Fatima")
    vera = await bot.volunteer("Vera")
    await fatima.send("/hulp")
    await bot.settle()
    await fatima.press(fatima.last.buttons[0][0], message=fatima.last)
    for _ in range(4):
        await bot.settle()
        await fatima.press(fatima.last.buttons[0][0], message=fatima.last)
    await bot.settle()
    notice = next(m.text or "" for m in vera.bot_messages if "hulpvraag" in (m.text or "").lower())
    assert "uiterlijk maandag 30 november" in notice and "vóór" not in notice


# --- open findings ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_agenda_sign_up_buttons_fit_on_a_phone(bot: BotHarness, language: str) -> None:
    """QA #2: short labels, and the part that tells them apart (number, day, time) first."""
    user = await bot.resident("Res", language=language, name="Res")
    await user.send("/agenda")
    await bot.settle()
    too_long = [label for label in _labels(user) if len(label) > MAX_LABEL]
    assert not too_long, too_long
    # Still distinguishable when cut after 20 characters (the two Dutch lessons, Tue and Thu).
    sign_ups = [label for label in _labels(user) if label.startswith("✍️")]
    assert len(sign_ups) >= 2
    assert len({label[:20] for label in sign_ups}) == len(sign_ups), sign_ups
    # Signing up turns that one button into "sign off", with the same number and moment.
    await user.press(sign_ups[0], message=user.last)
    await bot.settle()
    assert any(label.startswith("↩️") and label[3:] == sign_ups[0][3:]
               for label in user.last.buttons[0]), user.last.buttons


async def test_programme_buttons_do_not_cut_titles_mid_word(bot: BotHarness) -> None:
    """QA #5: when first, then the title cut after a whole word with "…"."""
    carla = await bot.coordinator(language="en")
    await carla.send("/programma")
    await bot.settle()
    if carla.last.button_data and not any("·" in b for b in _labels(carla)):
        await carla.press(carla.last.buttons[0][0], message=carla.last)  # pick the room
        await bot.settle()
    labels = [b for b in _labels(carla) if "·" in b]
    assert labels
    assert "Help with your CV and job ap · Tue 10:00" not in labels
    titles = [label.split(" · ", 1)[1] for label in labels]
    assert all(t.endswith("…") or not t.endswith(("ap", "kin")) for t in titles), titles
    assert "Tue 10:00 · Help with your CV…" in labels, labels
    assert all(len(label) <= MAX_LABEL for label in labels), labels


@pytest.mark.parametrize("language", ["tr", "ar"])
async def test_my_data_summary_names_parts_in_the_residents_language(
    bot: BotHarness, language: str
) -> None:
    user = await bot.resident("Res", language=language, name="Res")
    await user.send("/belronde")
    await bot.settle()
    await user.press(user.last.buttons[0][0], message=user.last)  # join
    await user.send("/eten")
    await bot.settle()
    await user.press(user.last.buttons[0][0], message=user.last)  # sign up for a meal
    await user.send("/mijngegevens")
    await bot.settle()
    summary = next(m.text or "" for m in reversed(user.bot_messages) if m.text and "Res" in m.text)
    assert not re.search(r"\b(checkins|meals|help_requests|calendar|announcements|tally)\b",
                         summary), summary


async def test_meal_decline_reason_buttons_fit_on_a_phone(bot: BotHarness) -> None:
    """QA #4: short labels for the volunteer; the resident reads the whole sentence, in their
    own language (here Arabic, declined by a Dutch volunteer)."""
    fatima = await bot.resident("Fatima", language="ar", name="Fatima")
    vera = await bot.volunteer("Vera")
    await fatima.send("/eten")
    meals = await fatima.next_message()
    await fatima.press(meals.buttons[0][0], message=meals)
    await vera.send("/tafel")
    await bot.settle()
    await vera.press("✖️ Fatima", message=vera.last)
    await bot.settle()
    too_long = [label for label in vera.last.buttons[0] + [r[0] for r in vera.last.buttons]
                if len(label) > MAX_LABEL]
    assert not too_long, too_long
    # The question says what each short button sends.
    assert "Niet uit de wijk: “De eettafel is voor" in (vera.last.text or ""), vera.last.text
    await vera.press("👥 Dubbel aangemeld", message=vera.last)
    await bot.settle()
    assert await bot.db.fetchval("SELECT status FROM meal_signups") == "declined"
    told = fatima.bot_messages[-1].text or ""
    assert "لقد سجلت بالفعل باسم آخر." in told, told


async def test_arabic_weekday_lists_use_the_arabic_comma(bot: BotHarness) -> None:
    """QA #6: lists are joined the Arabic way (babel's list patterns: "و" and "،"), never
    with a Latin comma."""
    carla = await bot.coordinator(language="ar")
    await carla.send("/programma")
    await bot.settle()
    if not any("·" in b for b in _labels(carla)):
        await carla.press(carla.last.buttons[0][0], message=carla.last)
        await bot.settle()
    weekdays = Locale.parse("ar").days["format"]["abbreviated"].values()
    multi_day = [b for b in _labels(carla)
                 if "·" in b and sum(b.count(day) for day in weekdays) >= 2]
    assert multi_day
    assert all("," not in b and " و" in b for b in multi_day), multi_day
