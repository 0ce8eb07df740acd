"""Bad input gets a clear answer or is safely ignored; the bot keeps running."""

from __future__ import annotations

from tests.auxil.harness import BotHarness
from tests.auxil.onboarding import pick_language


async def test_unknown_command(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/doesnotexist")
    answer = await user.next_message()
    assert "/menu" in answer.text


async def test_unknown_command_before_onboarding(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/eten")
    answer = await user.next_message()
    assert "/start" in answer.text


async def test_free_text_media_long_text_emoji_rtl(bot: BotHarness) -> None:
    user = await bot.resident()
    for send in (
        user.send("hallo 👋🏽"),
        user.send("مرحبا، كيف حالك؟"),
        user.send("x" * 4096),
        user.send_sticker(),
    ):
        await send
        answer = await user.next_message()
        assert "/menu" in answer.text
    # A photo or voice note outside any flow offers a help request (issue 12.4).
    for send in (user.send_photo(size=20_000), user.send_voice(duration=5, size=8_000)):
        await send
        answer = await user.next_message()
        assert "hulp" in answer.text and answer.buttons
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM help_requests") == 0


async def test_edited_message_is_ignored(bot: BotHarness) -> None:
    user = await bot.resident()
    message = await user.send("hallo")
    await user.next_message()
    await user.edit(message, "hallo daar")
    await bot.settle()
    await user.send("/menu")
    menu = await user.next_message()
    assert menu.buttons, "the bot still answers; the edit produced no reply"
    assert len(user.bot_messages) == 2


async def test_stale_and_forged_buttons(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/menu")
    await user.next_message()
    for data in ("nonsense", "onb:lang:xx", "acc:setroom:atlantis", "acc:setlang:fr",
                 "vol:rm:notanumber", "x" * 64, "x" * 65, "", ":", "meal:su:" + "9" * 30,
                 "meal:su:1:2:3", "meal:su:\u0663", "meal:su:007", "meal:su: 1", "é" * 40):
        await user.press_data(data)
        text, alert = await user.next_callback_answer()
        assert alert and text and "werkt niet meer" in text, (data, text)
    person = await bot.person(user)
    assert person.room == "top" and person.language == "nl"


async def test_group_chat_points_to_private_chat(bot: BotHarness) -> None:
    user = await bot.resident(name="Fatima")
    group = bot.sandbox.add_group(title="TOP buurtgroep")
    bot.sandbox.add_chat_member(group, user)
    await user.send("/mijngegevens", chat=group)
    await bot.settle()
    texts = [m.text for m in group.messages if m.from_bot]
    assert len(texts) == 1 and "privé" in texts[0]
    assert "Fatima" not in texts[0]
    assert not [m for m in user.bot_messages]
    await user.send("gewoon een bericht in de groep", chat=group)
    await bot.settle()
    assert len([m for m in group.messages if m.from_bot]) == 1, "plain chatter is ignored"


async def test_blocked_user_is_marked_unreachable(bot: BotHarness) -> None:
    volunteer = await bot.volunteer(name="Vera")
    coordinator = await bot.coordinator()
    volunteer.block()
    await coordinator.send("/vrijwilligers")
    await coordinator.next_message()
    await coordinator.press("Vera verwijderen")
    await coordinator.next_edit()
    await coordinator.press("Ja, verwijderen")
    await coordinator.next_edit()
    await bot.settle()
    person = await bot.person(volunteer)
    assert person.row.reachable is False
    # The bot keeps working for everyone else.
    await coordinator.send("/menu")
    assert (await coordinator.next_message()).buttons


async def test_unknown_menu_button_is_answered_as_stale(bot: BotHarness) -> None:
    user = await bot.resident()
    await user.send("/menu")
    await user.next_message()
    await user.press_data("menu:nothinghere")
    text, alert = await user.next_callback_answer()
    assert alert and text


async def test_blocking_the_bot_is_noticed_at_once(bot: BotHarness) -> None:
    user = await bot.resident()
    user.block()
    await bot.settle()
    assert (await bot.person(user)).row.reachable is False
    await user.send("/menu")  # writing again unblocks, as in Telegram
    await user.next_message()
    assert (await bot.person(user)).row.reachable is True


async def test_an_error_is_answered_kindly_and_logged_without_personal_data(
    bot: BotHarness, caplog
) -> None:
    user = await bot.resident(name="Geheimenaam")
    await bot.services.users.update(await bot.person(user), phone="06 12345678")

    async def broken(person):
        try:
            raise ValueError(f"bad phone for {person.name}: {person.row.phone}")
        except ValueError as exc:
            raise RuntimeError(f"could not export {person.name}") from exc

    bot.services.privacy.export = broken
    await user.send("/mijngegevens")
    answer = await user.next_message()
    assert "Sorry" in answer.text
    records = [r for r in caplog.records if r.name == "bot.errors"]
    assert records and "command /mijngegevens" in records[0].getMessage()
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "Geheimenaam" not in logged and "06 12345678" not in logged
    assert "RuntimeError" in logged and "ValueError" in logged and "broken" in logged
    await user.send("/menu")
    assert (await user.next_message()).buttons, "the bot keeps running"


async def _at_the_name_question(bot: BotHarness, user) -> None:
    await pick_language(user)
    await user.press("TOP (Ondiep e.o.)")
    await user.next_edit()
    await user.press("✅ Ik ga akkoord")
    await user.next_edit()


async def test_five_thousand_characters_change_nothing(bot: BotHarness) -> None:
    """The issue's 5,000 characters: at the menu and where a short answer is expected."""
    user = await bot.resident()
    await user.send("a" * 5000)
    assert "/menu" in (await user.next_message()).text
    newcomer = bot.user("Kees")
    await _at_the_name_question(bot, newcomer)
    await newcomer.send("Kees " * 1000)
    answer = await newcomer.next_message()
    assert "Houd het kort" in answer.text
    assert (await bot.person(newcomer)).name is None, "nothing half-stored"
    await newcomer.send("Kees")
    assert "TOP" in (await newcomer.next_message()).text
    assert (await bot.person(newcomer)).name == "Kees"


async def test_emoji_rtl_and_markup_in_a_name_are_kept_and_escaped(bot: BotHarness) -> None:
    user = bot.user("Amira", "ar")
    await _at_the_name_question(bot, user)
    await user.send("<b>أميرة</b> 🌷 & co")
    await user.next_message()
    await user.next_message()  # the menu
    assert (await bot.person(user)).name == "<b>أميرة</b> 🌷 & co"
    await bot.settle()  # onboarding's last messages (check-in offer, newcomer question)
    user.chat.skip_pending()
    await user.send("/mijngegevens")
    summary = await user.next_message()
    assert "<b>أميرة</b> 🌷 & co" in summary.plain_text, "shown as typed, not as markup"


async def test_a_volunteer_command_in_a_group_shows_nothing_personal(bot: BotHarness) -> None:
    volunteer = await bot.volunteer(name="Vera")
    await bot.resident("Fatima", name="Fatima")
    group = bot.sandbox.add_group(title="TOP buurtgroep")
    bot.sandbox.add_chat_member(group, volunteer)
    for command in ("/tafel", "/vragen", "/vrijwilligers", "/start", "/menu"):
        await volunteer.send(command, chat=group)
    await bot.settle()
    said = [m.text for m in group.messages if m.from_bot]
    assert said and all("privé" in text for text in said)
    assert not any(name in text for text in said for name in ("Fatima", "Vera"))


async def test_a_failing_tick_is_logged_without_personal_data(bot: BotHarness, caplog) -> None:
    user = await bot.resident(name="Geheimenaam")
    person = await bot.person(user)

    async def broken(app, now):
        raise RuntimeError(f"could not remind {person.name}")

    bot.app.ticks["broken"] = broken
    await bot.tick()
    logged = caplog.text
    assert "tick broken failed" in logged and "RuntimeError" in logged
    assert "Geheimenaam" not in logged
