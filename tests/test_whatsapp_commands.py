"""The bot's "/menu", "/start", "/berichten" in a text on WhatsApp: the word to type, in bold
and in the person's language, and a button that does what typing it does
(bot/channels/whatsapp/command_hints.py). Telegram's texts keep their /commands."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp import command_hints, inbound, keywords
from bot.channels.whatsapp.render import render
from bot.handlers.commands import COMMANDS
from bot.handlers.menu import MENU
from bot.i18n import BIDI_CONTROLS, LANGUAGES, mark_rtl, translator
from bot.messaging.message import OutMessage
from tests.auxil.announcements import compose, report
from tests.auxil.whatsapp import WaHarness

#: The Menu button, per language.
MENU_BUTTON = {"nl": "📋 Menu", "ar": "📋 القائمة"}


def bare(text: str | None) -> str:
    return (text or "").translate(BIDI_CONTROLS)


def last_of(person) -> object:
    [message] = person.drain()
    return message


# --- units -------------------------------------------------------------------------------

def test_every_command_has_a_word_and_a_label_that_fits() -> None:
    assert command_hints.COMMANDS == {name for name, _, _ in COMMANDS} | {"start", "qr"}
    for language in LANGUAGES:
        t = translator(language)
        for command in command_hints.COMMANDS:
            word = command_hints.word(command, language)
            if command in command_hints.STAFF:
                assert word == "/" + command
            elif command not in command_hints.OWN_WORD:
                # what the text says is what the inbound side understands
                assert keywords.command_of(word) == command, (language, command, word)
            label = command_hints.LABELS[command]
            if label:
                assert len(mark_rtl(t._(label))) <= command_hints.TITLE_MAX, (language, label)


def test_rewrite_leaves_urls_code_and_longer_words_alone() -> None:
    text, found = command_hints.rewrite(
        'Zie https://buurt.nl/agenda en <a href="https://x.nl/menu">/agenda</a>, '
        "<code>/menu</code>, /menus en /eten.", "nl")
    assert found == ["agenda", "eten"]
    assert "https://buurt.nl/agenda" in text and 'href="https://x.nl/menu"' in text
    assert "<code>/menu</code>" in text and "/menus" in text and "<b>eten</b>" in text


def test_a_message_with_its_own_buttons_keeps_them_and_gets_the_word() -> None:
    from bot.messaging.message import Button

    message = OutMessage("Tik op /menu.", buttons=((Button("Ja", action="x:1"),),))
    [payload] = render(message, "31612345678", "nl")
    assert payload.content["body"]["text"] == "Tik op *menu*."
    assert [b["reply"]["id"] for b in payload.content["action"]["buttons"]] == ["x:1"]


def test_at_most_three_buttons_the_subject_before_the_menu() -> None:
    message = OutMessage("Zie /menu, /agenda, /eten, /hulp en /belronde.")
    [payload] = render(message, "31612345678", "nl")
    ids = [b["reply"]["id"] for b in payload.content["action"]["buttons"]]
    assert ids == ["cmd:agenda", "cmd:eten", "cmd:hulp"]
    assert payload.content["body"]["text"] == \
        "Zie *menu*, *agenda*, *eten*, *hulp* en *belronde*."


def test_koppel_is_the_word_without_a_button() -> None:
    [payload] = render(OutMessage("Typ /koppel in uw andere app."), "31612345678", "nl")
    assert payload.type == "text" and payload.content["body"] == "Typ *koppel* in uw andere app."


def test_a_cmd_reply_is_the_command_typed_a_forged_one_is_button_data() -> None:
    def reply(reply_id: str) -> dict:
        incoming = inbound.Incoming({"id": "wamid.1", "from": "31612345678", "timestamp": "1",
                                     "type": "interactive", "interactive": {
                                         "type": "button_reply",
                                         "button_reply": {"id": reply_id, "title": "x"}}},
                                    None)
        update = inbound.to_update(incoming, inbound.Situation(known=True))
        assert update is not None
        return update

    menu = reply("cmd:menu")["message"]
    assert menu["text"] == "/menu" and menu["entities"][0]["type"] == "bot_command"
    forged = reply("cmd:rm -rf")
    assert "message" not in forged and forged["callback_query"]["data"] == "cmd:rm -rf"


# --- end to end through the stand-in ------------------------------------------------------

@pytest.mark.parametrize("language", ["nl", "ar"])
async def test_a_forged_cmd_id_gets_the_stale_button_answer(wa: WaHarness, language: str
                                                             ) -> None:
    henk = await wa.resident("Henk", language=language)
    await henk.tap_id("cmd:doesnotexist")  # a forged cmd: id → the stale-button answer
    await wa.settle()
    answer = last_of(henk)
    t = translator(language)
    assert bare(answer.text) == bare(t.bidi(t._(
        "This button no longer works. Type menu to start again.")))
    assert "/menu" not in bare(answer.text)
    assert await wa.wa_person(henk) is not None  # nothing changed


@pytest.mark.parametrize("language", ["nl", "ar"])
async def test_a_hint_in_a_step_names_the_word_and_its_button_works(wa: WaHarness,
                                                                    language: str) -> None:
    henk = await wa.resident("Henk", language=language)
    await henk.send(keywords.KEYWORDS["hulp"][language][0])
    await wa.settle()
    question = last_of(henk)
    await henk.send("❌")  # text where the help step's buttons are expected
    await wa.settle()
    hint = last_of(henk)
    word = "*" + keywords.KEYWORDS["hulp"][language][0] + "*"
    assert "/hulp" not in bare(hint.text) and word in bare(hint.text), hint.text
    t = translator(language)
    assert [bare(b) for b in hint.buttons] == [t._("📝 Ask for help")]  # the menu's name
    await henk.tap(hint.buttons[0])  # the same as typing the word: the help question again
    await wa.settle()
    again = last_of(henk)
    assert (again.text, again.rows) == (question.text, question.rows)
@pytest.mark.parametrize("language", ["nl", "ar"])
async def test_the_answer_to_a_sticker(wa: WaHarness, language: str) -> None:
    henk = await wa.resident("Henk", language=language)
    await henk.send_sticker()
    await wa.settle()
    answer = last_of(henk)
    t = translator(language)
    assert bare(answer.text) == bare(t.bidi(t._(
        "I can't read this here. Type menu, or use the buttons.")))
    assert [bare(b) for b in answer.buttons] == [MENU_BUTTON[language]]
    await henk.tap(answer.buttons[0])  # does what typing "menu" does
    await wa.settle()
    menu = last_of(henk)
    await henk.send(keywords.KEYWORDS["menu"][language][0])
    await wa.settle()
    typed = last_of(henk)
    assert menu.rows and (typed.text, typed.rows) == (menu.text, menu.rows)


@pytest.mark.parametrize(("language", "word", "button", "yes"), [
    ("nl", "*start*", "▶️ Start", "Ja, wis alles"),
    ("ar", "*ابدأ*", "▶️ ابدأ", None)])
async def test_the_goodbye_after_vergeetmij(wa: WaHarness, language: str, word: str,
                                            button: str, yes: str | None) -> None:
    henk = await wa.resident("Henk", language=language)
    await henk.send("vergeetmij")
    await wa.settle()
    question = last_of(henk)
    await henk.tap(yes or question.buttons[0])
    await wa.settle()
    goodbye = henk.drain()[-1]
    assert await wa.wa_person(henk) is None
    assert "/start" not in bare(goodbye.text) and word in bare(goodbye.text), goodbye.text
    assert [bare(b) for b in goodbye.buttons] == [button]
    await henk.tap(goodbye.buttons[0])  # a stranger again: the bot introduces itself
    await wa.settle()
    assert henk.drain(), "the start button got no answer"


async def test_an_announcement_says_berichten_as_a_word_telegram_keeps_the_command(
        wa: WaHarness) -> None:
    henk = await wa.resident("Henk", room="top")
    amal = await wa.resident("Amal", room="top", language="ar")
    fatima = await wa.telegram_resident("Fatima", room="top")
    carla = await wa.coordinator()
    await compose(carla, "Zaterdag is er open huis. Welkom!")
    await carla.press("✅ Nu versturen")
    await wa.settle()
    await report(carla)
    await wa.settle()
    for person, word, button in ((henk, "*berichten*", "🔔 Berichten"),
                                 (amal, "*الإعلانات*", "🔔 الإعلانات")):
        message = person.drain()[-1]
        assert "open huis" in message.text
        assert "/berichten" not in bare(message.text) and word in bare(message.text)
        assert [bare(b) for b in message.buttons] == [button]  # it had none of its own
    seen = [(await fatima.next_message()).text or ""]
    assert "open huis" in seen[0] and "/berichten" in seen[0], seen


async def test_telegram_texts_keep_their_commands(wa: WaHarness) -> None:
    fatima = await wa.telegram_resident("Fatima", room="top")
    await fatima.send("ik weet het niet")
    answer = await fatima.next_message()
    assert "/menu" in (answer.text or "")


# --- the menu on WhatsApp -----------------------------------------------------------------

def _entries(messages) -> list[str]:
    return [bare(title) for m in messages for title in [*m.buttons, *m.rows]]


@pytest.mark.parametrize("role", ["resident", "volunteer"])
async def test_the_menu_is_complete_and_every_entry_works(wa: WaHarness, role: str) -> None:
    from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER

    rank = {RESIDENT: 0, VOLUNTEER: 1, COORDINATOR: 2}

    henk = await wa.resident("Henk")
    if role != "resident":
        person = await wa.wa_person(henk)
        await wa.services.users.update(person, role=role)
    await wa.settle()
    henk.drain()
    await henk.send("menu")
    await wa.settle()
    shown = henk.drain()
    t = translator("nl")
    wanted = [t._(label) for label, _, needed in MENU if rank[role] >= rank[needed]]
    assert len(wanted) == {RESIDENT: 5, VOLUNTEER: 11, COORDINATOR: 15}[role]
    entries = _entries(shown)
    # a row title may be shortened to WhatsApp's 24 characters; nothing is left out
    assert len(entries) == len(wanted)
    for label, entry in zip(wanted, entries, strict=True):
        assert label == entry or label.startswith(entry.rstrip("…")), (label, entry)
    if len(wanted) > 10:
        assert len(shown) >= 2  # several lists, "1/2", "2/2"
    stale = t._("This button no longer works. Tap /menu to start again.").split(".")[0]
    for entry in entries:
        await henk.tap(entry)
        await wa.settle()
        answers = henk.drain()
        assert answers, entry
        assert not any(stale in (m.text or "") for m in answers), entry
