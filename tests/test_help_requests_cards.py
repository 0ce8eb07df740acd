"""Issue 12.3, 12.12, 12.13: what volunteers and coordinators read about a request.

The coordinator's /vragen lists held requests with who holds them; cards about a resident
say which language they speak (in the reader's language); a volunteer's card says who holds
the request, never the resident's "a volunteer is helping you"."""

from __future__ import annotations

from bot.i18n import translator
from tests.auxil.harness import BotHarness
from tests.auxil.help_requests import ask_help, take_on


def test_language_name_in_the_readers_language() -> None:
    assert translator("nl").language_name("ar") == "Arabisch"
    assert translator("en").language_name("ar") == "Arabic"
    assert translator("tr").language_name("ar") == "Arapça"
    assert translator("ar").language_name("tr") == "التركية"
    assert translator("nl").language_name("xx-bogus") == "xx-bogus"
    assert translator("nl").language_name(None) == ""


async def test_coordinator_sees_open_and_held_requests_with_their_holder(bot: BotHarness) -> None:
    vera = await bot.volunteer("Vera", name="Vera de Vries")
    resident = await bot.resident()
    held = await ask_help(bot, resident)
    waiting = await ask_help(bot, resident, kind="computer")
    await take_on(bot, vera, held)
    coordinator = await bot.coordinator()
    await coordinator.send("/vragen")
    listing = await coordinator.next_message()
    assert "Opgepakt door vrijwilligers" in listing.text
    assert f"{held}. Een brief of formulier" in listing.text.replace("📄 ", "")
    assert "Opgepakt door Vera, sinds 30 november" in listing.text
    assert "de Vries" not in listing.text  # first names only
    assert f"{waiting}." in listing.text and "Er zijn geen open vragen" not in listing.text
    buttons = [b for row in listing.buttons for b in row]
    # Every request has an Open button, also an open one (README); none is taken on blind.
    assert f"Open {held}" in buttons and f"Open {waiting}" in buttons
    assert not any(b.startswith("✋") for b in buttons)
    await coordinator.press(f"Open {held}")
    card = await coordinator.next_edit()
    assert "Brief van de Belastingdienst" in card.text  # the coordinator may open it
    assert "Opgepakt door Vera" in card.text
    # Opening an open request reads it without taking it on; its card has "✋ Oppakken".
    await coordinator.press_data("help:queue", message=card)
    listing = await coordinator.next_edit()
    await coordinator.press(f"Open {waiting}", message=listing)
    open_card = await coordinator.next_edit()
    assert "Status: Open" in open_card.text and "Brief van de Belastingdienst" in open_card.text
    assert await bot.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                 (waiting,)) == "open"
    # A volunteer still sees only the open ones and their own.
    wim = await bot.volunteer("Wim", name="Wim")
    await wim.send("/vragen")
    theirs = await wim.next_message()
    assert "Opgepakt door vrijwilligers" not in theirs.text and "Vera" not in theirs.text
    assert f"{waiting}." in theirs.text
    assert f"✋ Pak {waiting} op" in [b for row in theirs.buttons for b in row]  # takes it on
    # Vera's own list: her request under "U helpt met".
    vera.chat.skip_pending()
    await vera.send("/vragen")
    own = await vera.next_message()
    assert "U helpt met" in own.text and f"{held}." in own.text
    assert await bot.db.fetchval("SELECT volunteer_id FROM help_requests WHERE id = ?",
                                 (held,)) == (await bot.person(vera)).id
    # The coordinator takes the open one on from its card.
    await coordinator.press("✋ Oppakken", message=open_card)
    taken = await coordinator.next_edit()
    assert "U heeft hem opgepakt" in taken.text
    assert await bot.db.fetchval("SELECT volunteer_id FROM help_requests WHERE id = ?",
                                 (waiting,)) == (await bot.person(coordinator)).id


async def test_cards_show_the_residents_language_and_a_volunteers_status(bot: BotHarness
                                                                         ) -> None:
    vera = await bot.volunteer("Vera", name="Vera")
    ahmed = await bot.volunteer("Ahmed", name="Ahmed", language="ar")
    resident = await bot.resident("Amal", language="ar", name="Amal")
    request_id = await ask_help(bot, resident, text="رسالة من البلدية")
    notice = await vera.next_message()
    assert "Spreekt Arabisch" in notice.text
    assert "العربية" in (await ahmed.next_message()).text
    await vera.press_data(f"help:take:{request_id}")
    card = await vera.next_edit()
    assert "Spreekt Arabisch" in card.text
    assert "Status: U heeft hem opgepakt, sinds 30 november" in card.text
    assert "een vrijwilliger helpt u" not in card.text
    coordinator = await bot.coordinator()
    await coordinator.send("/vragen")
    await coordinator.next_message()
    await coordinator.press(f"Open {request_id}")
    seen = await coordinator.next_edit()
    assert "Status: Opgepakt door Vera, sinds 30 november" in seen.text
    assert "Spreekt Arabisch" in seen.text
    # Closed: "Klaar" for the volunteer, "klaar" in the resident's own words for them.
    await vera.press_data(f"help:dn:{request_id}:helped")
    await bot.settle()
    await coordinator.press_data(f"help:view:{request_id}", message=coordinator.last)
    closed = await coordinator.next_edit()
    assert "Status: Klaar" in closed.text


async def test_open_request_card_for_the_coordinator_says_open(bot: BotHarness) -> None:
    resident = await bot.resident("Fatima", language="tr")
    request_id = await ask_help(bot, resident)
    coordinator = await bot.coordinator(language="en")
    await coordinator.send("/vragen")
    await coordinator.next_message()
    await coordinator.press_data(f"help:view:{request_id}")
    card = await coordinator.next_edit()
    assert "Status: Open, nobody has taken it on yet" in card.text
    assert "Speaks Turkish" in card.text
