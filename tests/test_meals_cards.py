"""The resident's own sign-up card never goes stale: it is edited in place on every change
(confirmed, declined, seat offered, taken off by a volunteer, deadline passed), and after the
deadline it shows only what still works and the BuurtWerkKamer's phone number. The 09:00
reminder says where each person stands."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import TZ
from bot.config import ConfigError, load_config
from bot.handlers.meals.render import card
from bot.i18n import translator
from bot.sandbox import SandboxUser
from bot.store.meals import MealRow
from tests.auxil.harness import ROOT, BotHarness
from tests.auxil.meals import first_meal, last_answer, set_cap, sign_up

FSI, PDI = "\u2068", "\u2069"
#: TOP's placeholder number in buurtbot.example.toml (the tests' settings).
PHONE = "030 000 00 01"


def _labels(message) -> list[str]:
    return [label for row in message.buttons for label in row]


def _actions(message) -> set[str]:
    """The kinds of button on a message: "g" (guests), "x" (cancel), "d" (diet), "acc", ..."""
    return {b["callback_data"].split(":")[1] for row in message.inline_keyboard for b in row
            if "callback_data" in b}


async def _vera_and_a_meal_for_two(bot: BotHarness) -> tuple[SandboxUser, MealRow]:
    """A volunteer of the kookgroep and the first meal, with two seats."""
    vera = await bot.volunteer("Vera")
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 2)
    return vera, meal


async def test_card_follows_confirm_decline_and_offer(bot: BotHarness) -> None:
    vera, meal = await _vera_and_a_meal_for_two(bot)
    fatima = await bot.resident("Fatima", name="Fatima")
    jan = await bot.resident("Jan", name="Jan")
    cem = await bot.resident("Cem", name="Cem")
    await sign_up(fatima, meal.id)
    await sign_up(jan, meal.id)
    await sign_up(cem, meal.id)
    fatima_card, jan_card, cem_card = (u.bot_messages[-1] for u in (fatima, jan, cem))
    assert "ontvangen" in fatima_card.text and "wachtlijst" in cem_card.text
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("✅ Fatima")
    await vera.next_edit()
    await bot.settle()
    # Fatima's old card now says her seat is confirmed (no more "received").
    assert "bevestigd" in fatima_card.text and "ontvangen" not in fatima_card.text
    assert "<b>" not in fatima_card.text  # sent as HTML, like every card
    assert {"g", "d", "x"} <= _actions(fatima_card)
    # Jan is declined: his card says so and keeps no buttons that would refuse.
    await vera.press("✖️ Jan")
    await vera.next_edit()
    jan_id = await bot.db.fetchval(
        "SELECT s.id FROM meal_signups s JOIN users u ON u.id = s.user_id"
        " WHERE u.display_name = 'Jan'")
    await vera.press_data(f"meal:nr:{jan_id}:1")  # "signed up twice"
    await vera.next_edit()
    await bot.settle()
    assert "geen plek" in jan_card.text and "ontvangen" not in jan_card.text
    assert _actions(jan_card) == {"list"}
    # Cem's waiting-list card became the offer, with its buttons.
    assert "plek vrij" in cem_card.text
    assert {"acc", "rej"} <= _actions(cem_card)
    # Cem says yes under the offer message: the older card follows too.
    offer = cem.bot_messages[-1]
    assert offer is not cem_card and "plek vrij" in offer.text
    await cem.press_data(f"meal:acc:{meal.id}", message=offer)
    await bot.settle()
    assert "ontvangen" in offer.text and "ontvangen" in cem_card.text
    assert "acc" not in _actions(cem_card)
    # A card the resident left for the list of meals is not overwritten.
    await fatima.press_data("meal:list", message=fatima_card)
    await bot.settle()
    listing = fatima_card.text
    assert "TOP" in listing and "•" in listing
    await vera.press("✖️ Iemand afmelden")
    await vera.next_edit()
    await vera.press("✖️ ✅ Fatima")
    await vera.next_edit()
    await vera.press("📞 Heeft afgebeld")
    await vera.next_edit()
    await bot.settle()
    assert fatima_card.text == listing
    assert "afgezegd" in fatima.bot_messages[-1].text


async def test_card_after_the_deadline_shows_what_still_works_and_the_phone(
        bot: BotHarness) -> None:
    meal = (await first_meal(bot)).meal
    await set_cap(bot, meal.id, 1)
    fatima = await bot.resident("Fatima", name="Fatima")
    ahmed = await bot.resident("Ahmed", language="ar", name="Ahmed")
    await sign_up(fatima, meal.id)
    await sign_up(ahmed, meal.id)  # waiting
    fatima_card, ahmed_card = fatima.bot_messages[-1], ahmed.bot_messages[-1]
    assert "g" in _actions(fatima_card)
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.settle()
    assert _actions(fatima_card) == {"d", "list"}  # food wishes still reach the cook
    assert PHONE in fatima_card.text and "Bel dan de BuurtWerkKamer" in fatima_card.text
    # Someone waiting can still leave the waiting list themselves; the number is isolated
    # in Arabic, so it reads in the right order.
    assert "x" in _actions(ahmed_card) and "g" not in _actions(ahmed_card)
    assert f"{FSI}{PHONE}{PDI}" in ahmed_card.text
    # An old "➕ guest" button is refused with the number to call.
    await fatima.press_data(f"meal:g:{meal.id}:1", message=fatima_card)
    text, alert = await last_answer(bot, fatima)
    assert alert and PHONE in text
    # Once the meal has started the card offers nothing to change.
    await bot.tick(at=datetime(2026, 12, 1, 17, 30, tzinfo=TZ))
    await fatima.send("/eten")
    await fatima.next_message()
    result = await bot.services.meals.my_signup(await bot.person(fatima), meal.id)
    text, markup = card(translator("nl"), result, bot.clock.now(), PHONE)
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["meal:list"]


async def test_reminder_says_where_each_person_stands(bot: BotHarness) -> None:
    vera, meal = await _vera_and_a_meal_for_two(bot)
    anna = await bot.resident("Anna", name="Anna")
    bram = await bot.resident("Bram", name="Bram")
    cem = await bot.resident("Cem", name="Cem")
    ahmed = await bot.resident("Ahmed", language="ar", name="Ahmed")
    for user in (anna, bram, cem, ahmed):
        await sign_up(user, meal.id)
    await vera.send("/tafel")
    await vera.next_message()
    await vera.press("✅ Anna")
    await vera.next_edit()
    await bot.settle()  # Anna's notice (it follows Vera's card)
    counts = {u.id: len(u.bot_messages) for u in (anna, bram, cem, ahmed)}
    await bot.tick(at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    await bot.settle()

    def reminder(user) -> str:
        new = [m.text for m in user.bot_messages[counts[user.id]:]]
        assert len(new) == 1, new
        return new[0]

    assert "bevestigd" in reminder(anna) and "Tot straks" in reminder(anna)
    pending = reminder(bram)
    assert "nog niet bevestigd" in pending and "Tot straks" not in pending
    assert "U hoeft niets te doen" in pending
    waiting = reminder(cem)
    assert "wachtlijst, nummer 1" in waiting and "Tot straks" not in waiting
    assert f"{FSI}2{PDI}" in reminder(ahmed)  # place 2, isolated in Arabic


async def test_room_phone_setting_is_validated(tmp_path: Path) -> None:
    source = (ROOT / "buurtbot.example.toml").read_text()
    assert f'phone = "{PHONE}"' in source
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    assert config.room("top").phone == PHONE
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace(f'phone = "{PHONE}"', 'phone = "call us"', 1))
    with pytest.raises(ConfigError, match=r"rooms\.top\.phone: expected a phone number"):
        load_config(bad, env={})
    none = tmp_path / "none.toml"
    none.write_text(source.replace(f'phone = "{PHONE}"', "", 1))
    assert load_config(none, env={}).room("top").phone == ""


async def test_without_a_phone_the_card_says_call_or_visit(bot: BotHarness) -> None:
    rooms = dict(bot.services.config.rooms)
    rooms["top"] = dataclasses.replace(rooms["top"], phone="")
    object.__setattr__(bot.services, "config", dataclasses.replace(bot.services.config,
                                                                   rooms=rooms))
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    card = fatima.bot_messages[-1]
    await bot.tick(at=datetime(2026, 12, 1, 12, 0, tzinfo=TZ))
    await bot.settle()
    assert "kom langs" in card.text and PHONE not in card.text


async def test_card_is_updated_after_a_restart_and_when_the_meal_is_cancelled(
        bot: BotHarness) -> None:
    carla = await bot.coordinator()
    meal = (await first_meal(bot)).meal
    fatima = await bot.resident("Fatima", name="Fatima")
    await sign_up(fatima, meal.id)
    card_message = fatima.bot_messages[-1]
    await bot.restart()  # which message is her card is kept in the database
    await carla.send("/tafel")
    await carla.next_message()
    await carla.press_data(f"meal:cxy:{meal.id}")
    await bot.settle()
    assert "afgelast" in card_message.text or "gaat niet door" in card_message.text
    assert _actions(card_message) == {"list"}
