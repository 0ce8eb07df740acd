"""Right-to-left for lines the code puts together (not one catalogue entry).

A volunteer's dinner list joins a guest count and a food wish, the digest lists names and
"3 more", a help request's summary adds the typed phone number after "Call me": each part is
translated, but the glue between them must be Arabic too (no Latin semicolon or quotation
marks, no second "و"), and a phone number or a typed food wish keeps its own order.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import TZ
from bot.i18n import FSI, PDI
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import to_urgency, urgency_and_contact
from tests.auxil.meals import first_meal, sign_up


async def test_the_arabic_dinner_list_glues_guests_and_food_wishes_the_arabic_way(
        bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    volunteer = await bot.volunteer("Samira", language="ar", name="Samira")
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    person = await bot.person(fatima)
    await bot.services.meals.set_guests(person, meal.id, 1)
    await bot.services.meals.set_note(person, meal.id, "noten, pinda")
    await volunteer.send("/tafel")
    table = (await volunteer.next_message()).text
    line = next(line for line in table.split("\n") if "Fatima" in line)
    # "(+ ضيف واحد؛ حساسية، «noten, pinda»)": Arabic semicolon and quotes, the typed
    # Dutch note isolated so its comma and order stay its own.
    assert "؛ " in line and ";" not in line
    assert f"«{FSI}noten, pinda{PDI}»" in line
    assert "“" not in line and "”" not in line
    # A Dutch volunteer reads the same line with Latin marks.
    vera = await bot.volunteer("Vera")
    await vera.send("/tafel")
    dutch = next(line for line in (await vera.next_message()).text.split("\n")
                 if "Fatima" in line)
    assert "+1 gast; " in dutch and "“noten, pinda”" in dutch


async def test_the_arabic_digest_says_and_n_more_with_one_wa(bot: BotHarness) -> None:
    volunteer = await bot.volunteer("Samira", language="ar", name="Samira")
    meal = (await first_meal(bot)).meal
    for i in range(11):  # eight names are shown, then "3 more"
        resident = await bot.resident(f"R{i}", name=f"Naam{i}")
        await sign_up(resident, meal.id)
    await bot.tick(at=datetime(2026, 11, 30, 9, 31, tzinfo=TZ))
    await bot.settle()
    digest = next(m for m in volunteer.bot_messages if "Naam0" in (m.text or ""))
    names = next(line for line in digest.plain_text.split("\n") if "Naam0" in line)
    assert "و3 أشخاص آخرون" in names, names
    assert "وو" not in names and "و و" not in names


async def test_an_arabic_help_summary_keeps_the_typed_phone_number_in_order(
        bot: BotHarness) -> None:
    resident = await bot.resident("Amal", language="ar")
    await to_urgency(resident)
    await urgency_and_contact(resident, "week", "call")
    await resident.send("06 12345678")
    summary = await resident.next_message()
    contact = next(line for line in summary.text.split("\n") if "التواصل" in line)
    # Without its own isolate "06 12345678" reads "12345678 06" inside the Arabic label.
    assert f"({FSI}0612345678{PDI})" in contact or f"({FSI}06 12345678{PDI})" in contact, contact
