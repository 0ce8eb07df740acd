"""End to end: a real PTB Application long-polling the sandbox, users driven in Python."""

from __future__ import annotations

import asyncio

import pytest
from telegram.ext import Application

from bot.sandbox import Sandbox


async def test_echo(sandbox: Sandbox, app: Application) -> None:
    user = sandbox.add_user(first_name="Fatima", language_code="nl")
    sent = await user.send("goedemorgen")
    assert sent["from"]["id"] == user.id and sent["from"]["language_code"] == "nl"
    reply = await user.next_message()
    assert reply.text == "echo: goedemorgen"
    assert [m.from_bot for m in user.messages] == [False, True]
    await sandbox.settle()
    assert sandbox.pending_updates == []


async def test_start_payload_and_buttons(sandbox: Sandbox, app: Application) -> None:
    user = sandbox.add_user(first_name="Fatima")
    await user.send("/start uitnodiging")
    welcome = await user.next_message()
    assert welcome.text == "Welkom uitnodiging"
    assert welcome.buttons == [["Ja", "Nee"]]
    assert welcome.button_data == {"Ja": "answer:yes", "Nee": "answer:no"}
    await user.press("Ja")
    assert await user.next_callback_answer() == ("got answer:yes", False)
    edited = await user.next_edit()
    assert edited.text == "Gekozen: answer:yes"
    assert edited.message_id == welcome.message_id
    assert welcome.edited and welcome.buttons == []  # live object, edit applied
    with pytest.raises(LookupError):
        await user.press("Ja")  # the keyboard is gone
    await user.press_data("forged:data", message=welcome)
    assert (await user.next_callback_answer())[0] == "got forged:data"
    with pytest.raises(asyncio.TimeoutError):
        await user.next_message(timeout=0.05)


async def test_many_users_concurrently(sandbox: Sandbox, app: Application) -> None:
    users = [sandbox.add_user(first_name=f"U{i}") for i in range(20)]
    await asyncio.gather(*(u.send(f"hoi {u.id}") for u in users))
    replies = await asyncio.gather(*(u.next_message() for u in users))
    assert [r.text for r in replies] == [f"echo: hoi {u.id}" for u in users]
    await sandbox.settle()


async def test_user_edit_and_media(sandbox: Sandbox, app: Application) -> None:
    user = sandbox.add_user(first_name="Jan")
    sent = await user.send("eerst")
    await user.next_message()
    await user.edit(sent, "daarna")  # edited_message: the echo handler answers it too
    assert (await user.next_message()).text == "echo: daarna"
    assert user.messages[0].text == "daarna" and user.messages[0].edited
    await user.send_photo(caption="foto")
    await user.send_voice()
    await user.send_sticker()
    await user.send_document()
    await sandbox.settle()
    assert [m.from_bot for m in user.messages].count(False) == 5


async def test_group_privacy_mode(sandbox: Sandbox, app: Application) -> None:
    group = sandbox.add_group(title="TOP buurtgroep")
    user = sandbox.add_user(first_name="Fatima")
    await user.send("gewoon praten", chat=group)
    await user.send("/start@buurtbot_test_bot", chat=group)
    welcome = await group.next_message()
    assert welcome.text == "Welkom" and welcome.chat_id == group.id
    assert group.messages[0].text == "gewoon praten"  # seen by people, not bot
    assert user.messages == []
    await user.press("Nee", message=welcome)
    assert (await group.next_edit()).text == "Gekozen: answer:no"


async def test_reply_keyboard_press_sends_text(sandbox: Sandbox, app: Application) -> None:
    from telegram import ReplyKeyboardMarkup

    user = sandbox.add_user(first_name="Jan")
    await app.bot.send_message(user.id, "Kies", reply_markup=ReplyKeyboardMarkup([["Eettafel"]]))
    await user.next_message()
    await user.press("Eettafel")
    assert (await user.next_message()).text == "echo: Eettafel"
