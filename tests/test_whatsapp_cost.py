"""The cost preview (issue 14): the announcement preview says how many recipients get it as a
paid WhatsApp template (their 24-hour window is closed) and the estimated cost from
``whatsapp.template_price`` and ``currency``, in the coordinator's locale; the report after
sending counts them. End to end: a Telegram coordinator, WhatsApp and Telegram residents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.channels.whatsapp import templates
from bot.handlers.announcements.render import paid_line, whatsapp_cost
from bot.i18n import translator
from bot.services.announcements import Audience
from tests.auxil.announcements import compose, report
from tests.auxil.harness import BotHarness
from tests.auxil.whatsapp import WaHarness, make_wa_harness, running
from tests.auxil.whatsapp_tpl import settings


@pytest.fixture
async def priced(tmp_path, clock) -> AsyncIterator[WaHarness]:  # type: ignore[no-untyped-def]
    async with running(*await make_wa_harness(tmp_path, clock, template_price=0.0143,
                                              currency="EUR"), check=False) as harness:
        yield harness


def test_cost_line_in_the_coordinators_locale() -> None:
    nl = translator("nl")
    line = whatsapp_cost(nl, 250, settings(template_price=0.0143))
    assert line.startswith("📱 250 personen gebruiken WhatsApp")
    assert "€\xa03,58" in line
    assert "€14.30" in whatsapp_cost(translator("en"), 1000, settings(template_price=0.0143))
    free = whatsapp_cost(nl, 1, settings(template_price=0.0))
    assert "1 persoon" in free and "€" not in free
    arabic = whatsapp_cost(translator("ar"), 3, settings(template_price=0.5, currency="EUR"))
    assert "\u20681.50\xa0€\u2069" in arabic.replace("\u200f", "")
    assert "€\xa01,43" in paid_line(nl, 100, settings(template_price=0.0143))


async def test_preview_counts_closed_windows_and_the_report_counts_paid(priced, clock
                                                                        ) -> None:
    wa = priced
    henk = await wa.resident("Henk", room="top")
    anna = await wa.resident("Anna", room="top")
    await BotHarness.resident(wa, "Fatima", room="top")  # on Telegram: never a template
    carla = await wa.coordinator()
    await templates.create_missing(wa.app)
    wa.standin.approve("buurtbot_announcement", "nl")
    await templates.sync(wa.app)
    clock.advance(timedelta(hours=25))
    await anna.send("menu")  # Anna wrote today: her window is open, no cost
    await wa.settle()
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    assert "📱 1 persoon gebruikt WhatsApp" in question.text, question.text
    assert "ongeveer €\xa00,01" in question.text
    await carla.press("✅ Nu versturen")
    await wa.settle()
    done = await report(carla)
    assert "📱 Verstuurd als betaald WhatsApp-sjabloonbericht: 1 (ongeveer €\xa00,01)" \
        in done.text, done.text
    assert henk.last.kind == "template" and "open huis" in henk.last.text
    # the summary names the word to type, not a command that cannot be tapped there
    assert "/berichten" not in henk.last.text and "Tik op berichten" in henk.last.text
    # free-form: the text, with the "/berichten" hint's button (no template)
    assert anna.last.kind == "interactive" and "open huis" in anna.last.text
    assert anna.last.buttons == ["🔔 Berichten"]


async def test_no_whatsapp_line_when_everyone_may_get_it_free(priced) -> None:
    wa = priced
    await wa.resident("Henk", room="top")  # just wrote: window open
    carla = await wa.coordinator()
    question = await compose(carla, "Zaterdag is er open huis.")
    assert "WhatsApp" not in question.text


async def test_no_whatsapp_line_on_telegram_alone(bot) -> None:
    await bot.resident("Fatima", room="top")
    carla = await bot.coordinator()
    question = await compose(carla, "Zaterdag is er open huis.")
    assert "WhatsApp" not in question.text
    person = await bot.services.users.get(carla.id)
    audience = Audience("room", "top")
    assert await bot.services.announcements.paid_templates(audience, person) is None
