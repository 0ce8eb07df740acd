"""An old button never destroys the current step (issue 12, point 1).

A resident half-way through a flow taps a button higher up in the chat (the onboarding "Skip",
an old eettafel card): the press gets the ordinary "this button no longer works" answer, and the
step they were on keeps its state, its draft and its buttons.
"""

from __future__ import annotations

from bot.sandbox import SandboxMessage, SandboxUser
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import start_help
from tests.auxil.meals import first_meal, last_answer, sign_up


def _with_button(user: SandboxUser, data_prefix: str) -> SandboxMessage:
    """The latest bot message that carries a button whose data starts with ``data_prefix``."""
    for message in reversed(user.bot_messages):
        for row in message.inline_keyboard:
            if any((b.get("callback_data") or "").startswith(data_prefix) for b in row):
                return message
    raise AssertionError(f"no message with a {data_prefix} button")


async def _assert_stale(bot: BotHarness, user: SandboxUser) -> None:
    text, alert = await last_answer(bot, user)
    assert alert and "werkt niet meer" in text, text


async def test_old_onboarding_button_keeps_the_help_intake(bot: BotHarness) -> None:
    fatima = bot.user()
    # The name is typed, so the "Skip" button stays in the chat.
    await bot.onboard(fatima, room="TOP (Ondiep e.o.)", name="Fatima")
    onboarding_card = _with_button(fatima, "onb:")
    fatima.chat.skip_pending()  # the welcome and the menu
    await start_help(fatima)
    await fatima.send("Brief van de gemeente over huurtoeslag")
    await fatima.next_message()
    await fatima.press_data("help:next")
    when = await fatima.next_edit()
    assert "help:w:none" in when.button_data.values()

    # The stray tap on the old onboarding card is refused and changes nothing ...
    await fatima.press_data("onb:name:skip", message=onboarding_card)
    await _assert_stale(bot, fatima)
    # ... the current question's buttons still work, and the description is kept.
    await fatima.press_data("help:w:none", message=when)
    await fatima.next_edit()
    await fatima.press_data("help:c:message")
    summary = await fatima.next_edit()
    await fatima.press_data(next(d for d in summary.button_data.values()
                                 if d.startswith("help:send:")))
    await bot.settle()
    row = await bot.db.fetchone("SELECT description, urgency FROM help_requests")
    assert row is not None
    assert row[0] == "Brief van de gemeente over huurtoeslag"


async def test_old_meal_button_keeps_the_help_intake(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    meal = (await first_meal(bot)).meal
    await bot.db.execute("UPDATE meals SET cap = 1 WHERE id = ?", (meal.id,))
    await sign_up(fatima, meal.id)
    card = fatima.last
    await start_help(fatima)
    await fatima.send("Een brief van de woningcorporatie")
    await fatima.next_message()
    await fatima.press_data("help:next")
    when = await fatima.next_edit()
    # A guest does not fit (cap 1): the old "➕ Gast" is refused, the intake stays.
    await fatima.press_data(f"meal:g:{meal.id}:1", message=card)
    await bot.settle()
    text, alert = await last_answer(bot, fatima)
    assert alert and text
    await fatima.press_data(f"meal:g:{meal.id}", message=card)  # malformed: stale
    await _assert_stale(bot, fatima)
    await fatima.press_data("help:w:week", message=when)
    contact = await fatima.next_edit()
    assert "help:c:message" in contact.button_data.values()


async def test_old_button_keeps_the_allergy_question(bot: BotHarness) -> None:
    fatima = bot.user()
    await bot.onboard(fatima, room="TOP (Ondiep e.o.)", name="Fatima")
    onboarding_card = _with_button(fatima, "onb:")
    fatima.chat.skip_pending()
    meal = (await first_meal(bot)).meal
    await sign_up(fatima, meal.id)
    await fatima.press_data(f"meal:note:{meal.id}")
    await fatima.next_edit()
    await fatima.press_data("onb:name:skip", message=onboarding_card)
    await _assert_stale(bot, fatima)
    await fatima.press_data(f"meal:g:{meal.id}:77")  # impossible: refused with a pop-up
    text, alert = await last_answer(bot, fatima)
    assert alert and text
    await fatima.send("noten")  # still the answer to the allergy question
    await fatima.next_message()
    await bot.settle()
    assert await bot.db.fetchval("SELECT diet_note FROM meal_signups") == "noten"


async def test_old_button_keeps_the_announcement_draft(bot: BotHarness) -> None:
    carla = await bot.coordinator()
    await carla.send("/menu")
    await carla.next_message()
    old_menu = carla.last
    await carla.send("/omroep")
    await carla.next_message()
    await carla.press_data("menu:bogus", message=old_menu)
    await _assert_stale(bot, carla)
    await carla.send("De soep is op dinsdag om 18:00.")
    audience = await carla.next_message()
    assert "Wie moet het bericht krijgen" in audience.text
    await carla.press("🏠 Iedereen in mijn BuurtWerkKamer")
    await carla.next_edit()
    preview = await carla.next_message()
    assert "De soep is op dinsdag" in preview.text


async def test_refused_announcement_button_keeps_the_draft(bot: BotHarness) -> None:
    """A fallback that refuses with a pop-up and returns END ("cannot be cancelled") used to
    end the compose: a refused press now leaves the step alone, whatever it returns."""
    carla = await bot.coordinator()
    await carla.send("/omroep")
    await carla.next_message()
    await carla.press_data("ann:unsched:424242")  # an old "cancel planned announcement"
    text, alert = await last_answer(bot, carla)
    assert alert and "kan niet" in text.lower(), text
    await carla.send("Morgen is de BuurtWerkKamer open.")
    audience = await carla.next_message()
    assert "Wie moet het bericht krijgen" in audience.text
