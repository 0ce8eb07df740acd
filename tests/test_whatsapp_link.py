"""Linking Telegram and WhatsApp (issue 14): /koppel shows a code, "koppel CODE" in the other
app makes one person of both.

The Telegram side runs end to end through the sandbox; the WhatsApp side at the service level
with :class:`Address` objects (the WhatsApp harness comes with wa-core's spine).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.messaging.message import Address
from bot.services.linking import ALPHABET, LinkResult, normalise
from tests.auxil.harness import make_config
from tests.auxil.linking import CODE, WA, WA_ADDRESS, code_shown, whatsapp_person, with_whatsapp


@pytest.fixture
def config(sandbox, tmp_path):
    """Both apps configured: linking has something to link."""
    return with_whatsapp(make_config(sandbox, tmp_path / "buurtbot.db"))


async def test_code_is_shown_and_typed_in_whatsapp_links_the_volunteer(bot) -> None:
    vera = await bot.volunteer("Vera")
    code = await code_shown(vera)
    text = vera.last.text
    assert "WhatsApp" in text and "15" in text and "+31 6 9999 0000" in text
    assert len(code) == 6 and set(code) <= set(ALPHABET)
    # Only the hash is kept.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM link_codes WHERE code_hash = ?",
                                 (code,)) == 0
    before = await bot.person(vera)
    done = await bot.services.linking.redeem(WA_ADDRESS, code.lower())
    assert done.result is LinkResult.LINKED
    # One person on two channels; a volunteer stays a volunteer.
    on_whatsapp = await bot.services.users.by_address("whatsapp", WA)
    assert on_whatsapp is not None and on_whatsapp.id == before.id
    assert on_whatsapp.role == "volunteer" and on_whatsapp.name == "Vera"
    assert {a.channel for a in on_whatsapp.addresses} == {"telegram", "whatsapp"}
    # The app that showed the code is told (someone else typing it would not go unnoticed).
    told = await vera.next_message()
    assert "Uw WhatsApp is nu gekoppeld aan deze chat" in told.text
    # The same code works once.
    again = await bot.services.linking.redeem(Address("whatsapp", "31600000001"), code)
    assert again.result is LinkResult.USED


async def test_a_whatsapp_code_typed_in_telegram_by_a_stranger(bot) -> None:
    henk = await whatsapp_person(bot, role="volunteer", name="Henk")
    code, _until = await bot.services.linking.create_code(henk, WA_ADDRESS)
    stranger = bot.user("Henk")
    await stranger.send(f"koppel {code[:3]} {code[3:]}")  # typed with a space, no slash
    answer = await stranger.next_message()
    assert "WhatsApp" in answer.text and "Telegram" not in answer.text
    person = await bot.person(stranger)
    assert person is not None and person.id == henk.id and person.role == "volunteer"
    # Both apps answer as the same person: Telegram shows the volunteer's menu now.
    await stranger.send("/menu")
    menu = await stranger.next_message()
    labels = [label for row in menu.buttons for label in row]
    assert any("Dinner list" in label or "Eetlijst" in label or "🍽" in label
               for label in labels), labels
    found = await bot.services.users.by_address("whatsapp", WA)
    assert found is not None and found.id == henk.id


async def test_a_stranger_half_way_through_onboarding_links_with_the_command(bot) -> None:
    henk = await whatsapp_person(bot, name="Henk")
    code, _ = await bot.services.linking.create_code(henk, WA_ADDRESS)
    stranger = bot.user("Henk")
    await stranger.send("/start")
    await stranger.next_message()  # the language question is open
    await stranger.send(f"/koppel {code}")
    await stranger.next_message()
    assert (await bot.person(stranger)).id == henk.id  # type: ignore[union-attr]
    # The old language button does not register them a second time.
    await stranger.press("Nederlands", message=stranger.bot_messages[0])
    await bot.settle()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE erased_at IS NULL") == 1


async def test_expired_wrong_and_a_pause_after_five_wrong_codes(bot) -> None:
    henk = await whatsapp_person(bot)
    code, until = await bot.services.linking.create_code(henk, WA_ADDRESS)
    stranger = bot.user("Sam")
    typed_from = Address.telegram(stranger.id)
    assert until == bot.clock.now() + timedelta(minutes=15)
    bot.clock.advance(timedelta(minutes=16))
    expired = await bot.services.linking.redeem(typed_from, code)
    assert expired.result is LinkResult.EXPIRED
    # A new code replaces the old one (one at a time).
    code, _ = await bot.services.linking.create_code(henk, WA_ADDRESS)
    first, _ = await bot.services.linking.create_code(henk, WA_ADDRESS)
    assert (await bot.services.linking.redeem(typed_from, code)).result is LinkResult.WRONG
    # A friendly answer for a wrong code, through Telegram.
    await stranger.send("koppel ZZZ999")
    assert "AB3K9X" in (await stranger.next_message()).text  # the example of what to type
    assert (await bot.services.linking.redeem(typed_from, "QQQ222")).result \
        is LinkResult.WRONG  # the 4th wrong try (the expired code counted too)
    paused = await bot.services.linking.redeem(typed_from, "QQQ333")
    assert paused.result is LinkResult.PAUSED and paused.paused_until is not None
    # Paused: even the right code is not tried (no guessing).
    assert (await bot.services.linking.redeem(typed_from, first)).result is LinkResult.PAUSED
    await stranger.send(f"koppel {first}")
    assert "Te veel verkeerde codes" in (await stranger.next_message()).text
    assert await bot.person(stranger) is None
    # An hour later it works.
    bot.clock.advance(timedelta(hours=1, minutes=1))
    first, _ = await bot.services.linking.create_code(henk, WA_ADDRESS)
    assert (await bot.services.linking.redeem(typed_from, first)).result is LinkResult.LINKED
    assert await bot.db.fetchval("SELECT COUNT(*) FROM link_tries") == 0


async def test_two_registrations_merge_only_when_one_has_nothing_of_its_own(bot) -> None:
    fatima = await bot.resident("Fatima", name="Fatima")
    person = await bot.person(fatima)
    await bot.services.checkins.opt_in(person)  # her own data: the weekly check-in
    # She registered on WhatsApp too, and did nothing there yet: merged into her.
    empty = await whatsapp_person(bot, name=None)
    code = await code_shown(fatima)
    merged = await bot.services.linking.redeem(WA_ADDRESS, code)
    assert merged.result is LinkResult.MERGED and merged.person.id == person.id
    assert (await bot.services.users.by_address("whatsapp", WA)).id == person.id
    assert await bot.db.fetchval("SELECT erased_at IS NOT NULL FROM users WHERE id = ?",
                                 (empty.id,))


async def test_an_empty_telegram_registration_is_merged_into_the_whatsapp_person(bot) -> None:
    """The other way round: the code shown on WhatsApp, typed in a Telegram account that only
    registered. The WhatsApp person (a volunteer with data) is kept, with their role."""
    henk = await whatsapp_person(bot, role="volunteer", name="Henk")
    await bot.services.checkins.opt_in(henk)
    telegram = await bot.resident("Henk")
    empty = await bot.person(telegram)
    code, _ = await bot.services.linking.create_code(henk, WA_ADDRESS)
    await telegram.send(f"koppel {code}")
    await telegram.next_message()
    now = await bot.person(telegram)
    assert now is not None and now.id == henk.id and now.role == "volunteer"
    assert await bot.services.users.by_id(empty.id) is not None
    assert await bot.db.fetchval("SELECT erased_at IS NOT NULL FROM users WHERE id = ?",
                                 (empty.id,))


async def test_two_people_with_data_are_not_joined(bot) -> None:
    fatima = await bot.resident("Fatima", name="Fatima")
    person = await bot.person(fatima)
    await bot.services.checkins.opt_in(person)
    other = await whatsapp_person(bot, name="Fatma")
    await bot.services.checkins.opt_in(other)
    code = await code_shown(fatima)
    refused = await bot.services.linking.redeem(WA_ADDRESS, code)
    assert refused.result is LinkResult.BOTH_HAVE_DATA
    # Nothing changed: two people, one address each; the code still works after an erase.
    assert (await bot.services.users.by_address("whatsapp", WA)).id == other.id
    assert len((await bot.person(fatima)).addresses) == 1
    from bot.handlers.linking import answer_text
    from bot.i18n import translator

    assert "/vergeetmij" in answer_text(translator("nl"), refused)
    await bot.services.privacy.erase(await bot.services.users.by_id(other.id))
    assert (await bot.services.linking.redeem(WA_ADDRESS, code)).result is LinkResult.LINKED


async def test_an_empty_volunteer_is_not_merged_into_a_resident(bot) -> None:
    """The role is kept: a registration is only dropped when it has no higher role."""
    fatima = await bot.resident("Fatima")
    await bot.services.checkins.opt_in(await bot.person(fatima))
    volunteer = await whatsapp_person(bot, role="volunteer")
    code = await code_shown(fatima)
    refused = await bot.services.linking.redeem(WA_ADDRESS, code)
    assert refused.result is LinkResult.BOTH_HAVE_DATA
    assert (await bot.services.users.by_id(volunteer.id)).role == "volunteer"


async def test_the_same_channel_twice_is_refused(bot) -> None:
    fatima = await bot.resident("Fatima")
    code = await code_shown(fatima)
    second = bot.user("Fatima2")
    await second.send(f"koppel {code}")
    await second.next_message()
    assert await bot.person(second) is None
    again = await bot.services.linking.redeem(Address.telegram(fatima.id), code)
    assert again.result is LinkResult.ALREADY


async def test_messages_the_bot_starts_go_to_the_app_used_last(bot) -> None:
    vera = await bot.volunteer("Vera")
    code = await code_shown(vera)
    bot.clock.advance(timedelta(minutes=1))
    await bot.services.linking.redeem(WA_ADDRESS, code)
    person = await bot.person(vera)
    # Linked just now from WhatsApp: that is where "tell them" goes.
    assert (await bot.services.users.address_of(person.id)).channel == "whatsapp"
    bot.clock.advance(timedelta(minutes=5))
    await vera.send("/menu")  # back on Telegram
    await vera.next_message()
    await bot.settle()
    assert (await bot.services.users.address_of(person.id)).channel == "telegram"


async def test_link_button_in_settings_and_command_list(bot) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/menu")
    await fatima.next_message()
    await fatima.press("⚙️ Instellingen en privacy")
    await fatima.next_edit()
    labels = [label for row in fatima.last.buttons for label in row]
    link = next(label for label in labels if label.startswith("🔗"))
    await fatima.press(link)
    shown = await fatima.next_edit()
    assert CODE.search(shown.text)
    from bot.handlers.commands import commands_for

    assert "koppel" in [name for name, _ in commands_for("nl", "resident")]


def test_codes_are_read_back_as_typed() -> None:
    assert normalise(" ab3-k9x ") == "AB3K9X"


# --- end to end through the WhatsApp stand-in (tests/auxil/whatsapp.py) ----------------------


def wa_texts(person) -> list[str]:
    return [m.text or "" for m in person.drain()]


async def test_e2e_telegram_volunteer_links_whatsapp_and_both_apps_answer(wa) -> None:
    vera = await wa.volunteer("Vera")
    code = await code_shown(vera)
    phone = wa.person("Vera")  # her WhatsApp, never used with the bot
    await phone.send(f"/koppel {code}")
    await wa.settle()
    said = wa_texts(phone)
    assert any("gekoppeld aan uw Telegram" in t for t in said), said
    person = await wa.wa_person(phone)
    assert person is not None and person.role == "volunteer"
    assert person.id == (await wa.services.users.get(vera.id)).id
    assert {a.channel for a in person.addresses} == {"telegram", "whatsapp"}
    # Telegram heard that WhatsApp was linked (the app that showed the code).
    assert "Uw WhatsApp is nu gekoppeld" in (await vera.next_message()).text
    # Both apps answer as the same volunteer: the volunteer's menu on WhatsApp too.
    await phone.send("menu")
    await wa.settle()
    rows = [row for message in phone.drain() for row in (message.rows or [])]
    assert "📋 Hulpvragen" in rows, rows  # a volunteer's entry
    await vera.send("/menu")
    assert any("🍽" in label for row in (await vera.next_message()).buttons for label in row)
    assert await wa.db.fetchval("SELECT COUNT(*) FROM users WHERE erased_at IS NULL") == 1


async def test_e2e_whatsapp_resident_shows_a_code_typed_in_telegram(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("koppel")
    await wa.settle()
    shown = henk.last.text
    found = CODE.search(shown)
    assert found, shown
    assert "Telegram" in shown and f"@{wa.sandbox.bot_username}" in shown
    telegram = wa.user("Henk")
    wa.clock.advance(timedelta(minutes=1))
    await telegram.send(f"koppel {found.group(1)}")
    answer = await telegram.next_message()
    assert "gekoppeld aan uw WhatsApp" in answer.text
    on_telegram = await wa.services.users.get(telegram.id)
    assert on_telegram is not None and on_telegram.id == (await wa.wa_person(henk)).id
    await wa.settle()
    assert any("Uw Telegram is nu gekoppeld" in t for t in wa_texts(henk))
    # Messages the bot starts go to the app used last: Telegram now, WhatsApp after "menu".
    assert (await wa.services.users.address_of(on_telegram.id)).channel == "telegram"
    wa.clock.advance(timedelta(minutes=2))
    await henk.send("menu")
    await wa.settle()
    assert (await wa.services.users.address_of(on_telegram.id)).channel == "whatsapp"


async def test_e2e_a_wrong_code_on_whatsapp_gets_a_friendly_answer(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("koppel ZZZ 999")
    await wa.settle()
    assert "Deze code ken ik niet" in henk.last.text
    assert await wa.db.fetchval("SELECT COUNT(*) FROM link_tries") == 1


async def test_e2e_the_settings_list_on_whatsapp_has_the_link_row(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("menu")
    await wa.settle()
    await henk.tap("⚙️ Instellingen en…")  # shortened to WhatsApp's 20
    await wa.settle()
    rows = henk.last.rows
    assert "🔗 Andere app koppelen" in rows and len(rows) <= 10
    await henk.tap("🔗 Andere app koppelen")
    await wa.settle()
    assert CODE.search(henk.last.text)


async def test_a_stranger_typing_koppel_alone_is_told_what_to_type(bot) -> None:
    stranger = bot.user("Sam")
    await stranger.send("/koppel")
    answer = (await stranger.next_message()).text
    assert "koppel AB3K9X" in answer and "/start" in answer
    assert await bot.db.fetchval("SELECT COUNT(*) FROM link_codes") == 0
    assert await bot.person(stranger) is None


async def test_with_telegram_alone_there_is_nothing_to_link(sandbox, tmp_path, clock) -> None:
    from tests.auxil.harness import BotHarness

    alone = BotHarness(sandbox, make_config(sandbox, tmp_path / "alone.db"), clock)
    await alone.start()
    try:
        fatima = await alone.resident("Fatima")
        await fatima.send("/koppel")
        assert "werkt maar in één app" in (await fatima.next_message()).text
        assert await alone.db.fetchval("SELECT COUNT(*) FROM link_codes") == 0
        await fatima.send("/menu")
        await fatima.next_message()
        await fatima.press("⚙️ Instellingen en privacy")
        labels = [label for row in (await fatima.next_edit()).buttons for label in row]
        assert not any(label.startswith("🔗") for label in labels)
    finally:
        await alone.stop()
