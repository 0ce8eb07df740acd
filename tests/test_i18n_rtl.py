"""Right-to-left end to end: what an Arabic reader gets from the real bot.

A right-to-left mark at the start of a line is not enough: commands, numbers and dates inside
the line are isolated (FSI…PDI); a coordinator's typed Dutch and the four-language question
keep their own direction; button labels and pop-ups are marked too.
"""

from __future__ import annotations

from bot.i18n import FSI, LANGUAGES, LRM, PDI, RLM, RTL_LANGUAGES
from tests.auxil.announcements import announcements_of, compose, report
from tests.auxil.harness import BotHarness


async def test_a_command_in_an_arabic_sentence_is_isolated(bot: BotHarness) -> None:
    amal = await bot.resident("Amal", language="ar")
    await amal.send("/bestaatniet")
    answer = await amal.next_message()
    assert answer.text.startswith(RLM)
    assert f"{FSI}/menu{PDI}" in answer.text
    assert "/menu" in answer.plain_text and FSI not in answer.plain_text


async def test_the_language_question_keeps_each_line_in_its_own_direction(
        bot: BotHarness) -> None:
    newcomer = bot.user("Newcomer", language_code="ar")  # Telegram says Arabic: still Dutch LTR
    await newcomer.send("/start")
    question = await newcomer.next_message()
    lines = question.text.split("\n")
    assert len(lines) == len(LANGUAGES)
    for code, line in zip(LANGUAGES, lines, strict=True):
        assert line.startswith(RLM if code in RTL_LANGUAGES else LRM), (code, line)
        assert not line.startswith(RLM + RLM)


async def test_a_typed_dutch_announcement_is_not_laid_out_as_arabic(bot: BotHarness) -> None:
    coordinator = await bot.coordinator()
    ahmed = await bot.resident("Ahmed", language="ar")
    await compose(coordinator, "Hallo allemaal!\nمرحبا بالجميع")
    await coordinator.press("✅ Nu versturen")
    await report(coordinator)
    [got] = announcements_of(ahmed)
    lines = got.text.split("\n")
    assert lines[0].startswith(RLM)  # the Arabic header
    assert LRM + "Hallo allemaal!" in lines  # the typed Dutch line: left to right
    assert RLM + "مرحبا بالجميع" in lines  # a typed Arabic line: right to left
    assert not any(line.startswith(RLM + LRM) for line in lines)
    assert f"{FSI}/berichten{PDI}" in got.text  # the footer's command is isolated


async def test_arabic_button_labels_and_pop_ups_are_marked_right_to_left(
        bot: BotHarness) -> None:
    amal = await bot.resident("Amal", language="ar")
    await amal.send("/menu")
    menu = await amal.next_message()
    labels = [button["text"] for row in menu.inline_keyboard for button in row]
    assert labels and all(label.startswith(RLM) for label in labels)
    # The harness compares labels as a person reads them.
    assert all(not label.startswith(RLM) for row in menu.buttons for label in row)
    await amal.press_data("forged:data")
    text, alert = await amal.next_callback_answer()
    assert text is not None and text.startswith(RLM) and alert
    assert f"{FSI}/menu{PDI}" in text


async def test_dutch_readers_get_no_invisible_marks(bot: BotHarness) -> None:
    fatima = await bot.resident("Fatima")
    await fatima.send("/bestaatniet")
    answer = await fatima.next_message()
    assert answer.text == answer.plain_text
