"""A meal's list longer than one Telegram message (4,096 characters): 12 seated and 228 waiting
with long names and notes. The volunteer's list is paged, the cook's final list is split; both
stay usable (confirming works) in Dutch and Arabic, and no button data exceeds 64 bytes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.clock import TZ
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.meals import first_meal, status

SEATED, WAITING = 12, 228
LIMIT = 4096


def _name(i: int) -> str:
    """A long name (64 characters, the most a volunteer can type), unique by its number."""
    return f"P{i:03d} Wilhelmina Johanna Catharina van den Berg-Oosterhout-Smit"[:64]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _big_meal(bot: BotHarness) -> tuple[int, list[SandboxUser]]:
    """12 seated (3 residents waiting for a "yes", with long allergy notes) + 228 waiting."""
    meal = (await first_meal(bot)).meal
    meals = bot.services.meals
    coordinator = await bot.person(await bot.coordinator())
    residents = []
    for i in range(3):
        user = await bot.resident(f"R{i}", name=_name(900 + i))
        person = await bot.person(user)
        await meals.sign_up(person, meal.id)
        await meals.set_note(person, meal.id, "noten, pinda, sesam, selderij, mosterd, "
                             "lupine, weekdieren en schaaldieren " + "x" * 30)
        residents.append(user)
    for i in range(SEATED - 3 + WAITING):
        await meals.add_offline(coordinator, meal.id, _name(i))
    view = await meals.view(meal.id)
    assert view.taken == SEATED and view.waiting == WAITING
    return meal.id, residents


def _data_fits(message) -> None:
    for row in message.inline_keyboard:
        for button in row:
            assert len(button.get("callback_data", "").encode()) <= 64


async def _all_pages(bot: BotHarness, user: SandboxUser, first, next_label: str) -> list[str]:
    pages = [first.text]
    message = first
    while next_label in [label for row in message.buttons for label in row]:
        _data_fits(message)
        await user.press(next_label, message=message)
        await bot.settle()
        pages.append(message.text)  # edited in place
    return pages


@pytest.mark.parametrize(("language", "marker", "next_label"), [
    ("nl", "(pagina 1 van", "Volgende pagina ➡️"),
    ("ar", "الصفحة", "الصفحة التالية ⬅️"),
])
async def test_long_list_is_paged_and_confirming_still_works(
        bot: BotHarness, language: str, marker: str, next_label: str) -> None:
    meal_id, residents = await _big_meal(bot)
    vera = await bot.volunteer("Vera", language=language)
    await vera.send("/tafel")
    table = await vera.next_message()
    assert "Sorry" not in table.text and "عذر" not in table.text
    assert marker in table.text
    pages = await _all_pages(bot, vera, table, next_label)
    assert len(pages) > 3
    assert all(_units(page) <= LIMIT for page in pages)
    text = "\n".join(pages)
    for i in range(SEATED - 3 + WAITING):
        assert _name(i) in text, i
    numbers = {int(n) for n in re.findall(r"^\u200f?(\d+)\. P", text, re.M)}
    assert numbers >= set(range(1, WAITING + 1))
    # Confirming works from any page.
    name = _name(900)
    await vera.press(f"✅ {name}", message=table)
    await bot.settle()
    assert await status(bot, residents[0], meal_id) == "confirmed"
    assert any("bevestigd" in (m.text or "") or "تأكيد" in (m.text or "")
               for m in residents[0].bot_messages)
    assert _units(table.text) <= LIMIT


async def test_cooks_final_list_is_split_not_refused(bot: BotHarness) -> None:
    await _big_meal(bot)
    vera = await bot.volunteer("Vera")
    ahmed = await bot.volunteer("Ahmed", language="ar", name="Ahmed")
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.settle()
    for user, head in ((vera, "Definitieve lijst"), (ahmed, "القائمة")):
        parts = [m for m in user.bot_messages if head in (m.text or "")]
        assert len(parts) > 3, [m.text[:40] for m in user.bot_messages]
        assert all(_units(m.text) <= LIMIT for m in parts)
        text = "\n".join(m.text for m in parts)
        for i in range(SEATED - 3 + WAITING):
            assert _name(i) in text
        # The button to the live list sits under the last part only.
        assert [bool(m.inline_keyboard) for m in parts] == [False] * (len(parts) - 1) + [True]
    # The tick does not send it again.
    await bot.tick(at=datetime(2026, 12, 1, 12, 5, tzinfo=TZ))
    await bot.settle()
    assert sum("Definitieve lijst" in (m.text or "") for m in vera.bot_messages) == len(parts)


async def test_taking_someone_off_a_long_list_pages_the_names(bot: BotHarness) -> None:
    meal_id, _residents = await _big_meal(bot)
    vera = await bot.volunteer("Vera")
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("✖️ Iemand afmelden")
    await vera.next_edit()
    picker = vera.bot_messages[-1]  # the live message, edited page by page
    _data_fits(picker)
    for _ in range(3):
        await vera.press("Volgende pagina ➡️", message=picker)
        await bot.settle()
        _data_fits(picker)
    assert "(pagina 4 van 30)" in picker.text
    # Page 4 holds sign-ups 25-32: the three residents come first, so offline names 21-28.
    labels = " ".join(label for row in picker.buttons for label in row)
    assert _name(21) in labels and _name(28) in labels
    assert _name(20) not in labels and _name(29) not in labels
    # A page beyond the end (the list shrank since) shows the last page, not an error.
    await vera.press_data(f"meal:vxl:{meal_id}:99", message=picker)
    await bot.settle()
    assert "(pagina 30 van 30)" in picker.text
