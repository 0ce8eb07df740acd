"""Onboarding end to end through the sandbox: language, room, privacy, name, menu."""

from __future__ import annotations

import pytest

from bot.handlers.commands import COMMANDS
from bot.i18n import LANGUAGES, RLM, translator
from bot.i18n_tools import (
    ALLOWED_LATIN,
    ALLOWED_LATIN_BY_LANGUAGE,
    LATIN_WORD,
    NON_LATIN_LANGUAGES,
)
from bot.sandbox.state import plain
from tests.auxil.harness import BotHarness
from tests.auxil.onboarding import pick_language


async def test_new_resident_onboards_with_buttons(bot: BotHarness) -> None:
    user = bot.user("Fatima")
    await user.send("/start")
    prompt = await user.next_message()
    assert "Kies uw taal." in prompt.text and "Choose your language." in prompt.text
    assert [row[0] for row in prompt.buttons] == list(LANGUAGES.values())
    assert "ቋንቋኹም ምረጹ።" in prompt.text

    await user.press("Nederlands")
    rooms = await user.next_edit()
    assert "BuurtWerkKamer" in rooms.text
    assert any("TOP" in row[0] for row in rooms.buttons)

    await user.press("TOP (Ondiep e.o.)")
    privacy = await user.next_edit()
    assert "/vergeetmij" in privacy.text and "/mijngegevens" in privacy.text
    assert await bot.person(user) is None, "nothing is stored before the privacy agreement"

    await user.press("✅ Ik ga akkoord")
    ask_name = await user.next_edit()
    assert "Overslaan" in ask_name.buttons[0][0]
    await user.send("Fatima")
    welcome = await user.next_message()
    assert "TOP" in welcome.text
    menu = await user.next_message()
    labels = [label for row in menu.buttons for label in row]
    assert "🍲 Eettafel" in labels and "📝 Hulp vragen" in labels
    assert "📣 Bericht aan iedereen" not in labels, "residents do not see coordinator buttons"

    person = await bot.person(user)
    assert person is not None
    assert (person.language, person.room, person.name, person.role) == (
        "nl", "top", "Fatima", "resident"
    )
    assert person.row.privacy_accepted_at is not None


async def test_name_is_optional(bot: BotHarness) -> None:
    user = bot.user("Ahmed", "en")
    await bot.onboard(user, language="English", room="Hart voor Leidsche Rijn (Leidsche Rijn)")
    person = await bot.person(user)
    assert person is not None and person.name is None and person.room == "hart"
    assert person.language == "en"


async def test_declining_privacy_stores_nothing(bot: BotHarness) -> None:
    user = bot.user()
    await pick_language(user, "English")
    await user.press("TOP (Ondiep e.o.)")
    await user.next_edit()
    await user.press("No, thank you")
    answer = await user.next_edit()
    assert "/start" in answer.text
    await bot.settle()
    assert await bot.person(user) is None
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users") == 0


async def test_known_user_goes_straight_to_menu(bot: BotHarness) -> None:
    user = await bot.resident(name="Jan")
    await user.send("/start")
    menu = await user.next_message()
    assert "Jan" in menu.text
    assert menu.buttons


async def test_deep_link_preselects_room(bot: BotHarness) -> None:
    user = bot.user("Noor")
    await user.send("/start verbinding")
    await user.next_message()
    await user.press("Nederlands")
    privacy = await user.next_edit()
    assert "/vergeetmij" in privacy.text, "the room step is skipped"
    await user.press("✅ Ik ga akkoord")
    await user.next_edit()
    await user.press("Overslaan")
    await bot.settle()
    person = await bot.person(user)
    assert person is not None and person.room == "verbinding"


async def test_arabic_is_right_to_left(bot: BotHarness) -> None:
    user = bot.user("Layla", "ar")
    rooms = await pick_language(user, "العربية")
    assert rooms.text.startswith(RLM)
    assert all(line.startswith(RLM) for line in rooms.text.split("\n") if line)


async def test_unfinished_onboarding_survives_a_restart(bot: BotHarness) -> None:
    user = bot.user("Kees")
    await pick_language(user)
    await bot.settle()
    await bot.restart()
    await user.press("TOP (Ondiep e.o.)")
    privacy = await user.next_edit()
    assert "/vergeetmij" in privacy.text


async def test_typing_instead_of_a_button_is_answered(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/start")
    await user.next_message()
    await user.send("hallo?")
    answer = await user.next_message()
    assert "knoppen" in answer.text
    await user.send_sticker()
    answer = await user.next_message()
    assert "knoppen" in answer.text
    await user.press("Nederlands", message=user.bot_messages[0])
    rooms = await user.next_edit()
    assert "BuurtWerkKamer" in rooms.text


async def test_commands_are_registered_per_language(bot: BotHarness) -> None:
    calls = [params for method, params in bot.sandbox.calls if method == "setMyCommands"]
    languages = {params.get("language_code") for params in calls}
    assert {None, *LANGUAGES} <= languages
    dutch = next(p for p in calls if p.get("language_code") == "nl")
    names = [c["command"] for c in dutch["commands"]]
    assert names[:2] == ["menu", "agenda"] and "vergeetmij" in names
    assert "omroep" not in names


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_onboarding_end_to_end_in_every_language(bot: BotHarness, language: str) -> None:
    """Every shipped language, through the real buttons: the room question, the privacy
    statement, the name, the welcome, the menu and the check-in offer all in that language."""
    t = translator(language)
    user = bot.user("Selam")
    await user.send("/start")
    prompt = await user.next_message()
    assert plain(t._("Choose your language.")) in prompt.plain_text
    await user.press(LANGUAGES[language])
    rooms = await user.next_edit()
    assert rooms.plain_text == plain(t._("Which BuurtWerkKamer is yours?"))
    await user.press("TOP (Ondiep e.o.)")
    privacy = await user.next_edit()
    assert plain(t._("Your privacy")) in privacy.plain_text
    assert "/mijngegevens" in privacy.plain_text and "/vergeetmij" in privacy.plain_text
    await user.press(t._("✅ I agree"))
    ask_name = await user.next_edit()
    assert ask_name.plain_text == plain(t._(
        "Thank you! What may we call you? Type your first name, or tap Skip. "
        "This is not needed."))
    await user.press(t._("Skip"))
    await bot.settle()
    # After the name: the welcome, the menu and the check-in offer (and the optional
    # newcomer question), each found by what it says in this language.
    said = {m.plain_text: m for m in user.bot_messages}
    welcome = said[plain(t._("Welcome! Your BuurtWerkKamer is {room}.").format(room="TOP"))]
    menu = next(m for m in user.bot_messages
                if plain(t._("🍲 Shared dinner")) in [plain(b) for row in m.buttons for b in row])
    labels = [plain(label) for row in menu.buttons for label in row]
    assert plain(t._("📝 Ask for help")) in labels
    offer = said[plain(t._(
        "Would you like a weekly check-in? Once a week we ask how you are, and a volunteer "
        "calls you if you want."))]
    await user.press(t._("✅ Yes, please"), message=offer)
    await bot.settle()
    person = await bot.person(user)
    assert person is not None and person.language == language
    # The command menu Telegram shows this person is in their language too.
    menus = [p for method, p in bot.sandbox.calls if method == "setMyCommands"
             and p.get("language_code") == language]
    assert menus, f"no command menu for {language}"
    described = {c["command"]: c["description"] for c in menus[0]["commands"]}
    assert described == {name: t._(description) for name, description, _role in COMMANDS
                         if name in described}
    assert described["menu"] == t._("Main menu")
    if language in NON_LATIN_LANGUAGES:
        for message in (rooms, privacy, ask_name, welcome, menu, offer):
            words = [w for w in LATIN_WORD.findall(message.plain_text or "")
                     if w not in ALLOWED_LATIN | ALLOWED_LATIN_BY_LANGUAGE.get(language, set())
                     and ("/" + w) not in (message.plain_text or "")]
            assert not words, (words, message.plain_text)


async def test_polish_onboarding_explains_the_rooms_own_words(bot: BotHarness) -> None:
    """The BuurtWerkKamer, the eettafel and the belronde are named once, with their Polish
    words, so a Polish resident understands what the volunteers call them."""
    user = bot.user("Kasia", "pl")
    rooms = await pick_language(user, "Polski")
    assert "BuurtWerkKamer to dom sąsiedzki" in rooms.text
    await user.press("TOP (Ondiep e.o.)")
    privacy = await user.next_edit()
    assert "Twoja prywatność" in privacy.text and "/vergeetmij" in privacy.text
    await user.press("✅ Zgadzam się")
    await user.next_edit()
    await user.send("Kasia")
    await bot.settle()
    welcome = next(m.text for m in user.bot_messages if "Witaj" in (m.text or ""))
    assert "„eettafel” to wspólna kolacja" in welcome
    assert "„belronde” to cotygodniowa rozmowa" in welcome
    labels = [b for m in user.bot_messages for row in m.buttons for b in row]
    assert "🍲 Wspólna kolacja" in labels and "☎️ Cotygodniowa rozmowa" in labels
