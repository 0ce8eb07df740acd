"""Raw Bot API behaviour of the sandbox, driven through PTB's Bot."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, RetryAfter

from bot.sandbox import Limits, Sandbox


async def test_get_me(sandbox: Sandbox, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "buurtbot_test_bot"
    assert me.id == 123456
    assert me.is_bot


async def test_send_message_visible_to_user(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Fatima")
    assert user.id == 1001
    sent = await bot.send_message(user.id, "<b>Hallo</b> &amp; welkom", parse_mode="HTML")
    assert sent.text == "Hallo & welkom"
    assert sent.entities[0].type == "bold"
    msg = await user.next_message()
    assert msg.text == "Hallo & welkom"
    assert msg.html == "<b>Hallo</b> &amp; welkom"
    assert msg.from_bot and user.last is msg
    assert user.bot_messages == [msg]


async def test_text_length_limits(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    await bot.send_message(user.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    # markup does not count: 4096 visible characters inside tags are fine
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(user.id, b"abc", caption="c" * 1025, filename="a.txt")
    assert len(user.bot_messages) == 2


async def test_bad_html_rejected(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(user.id, "a <br> b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unmatched end tag"):
        await bot.send_message(user.id, "<b><i>x</b></i>", parse_mode="HTML")
    ok = await bot.send_message(
        user.id,
        '<a href="https://x.nl">link</a> <tg-spoiler>s</tg-spoiler> 1 &lt; 2',
        parse_mode="HTML",
    )
    assert ok.text == "link s 1 < 2"
    assert [e.type for e in ok.entities] == ["text_link", "spoiler"]


async def test_callback_data_too_long(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="d" * 64)]])
    await bot.send_message(user.id, "fine", reply_markup=ok)
    bad = InlineKeyboardMarkup([[InlineKeyboardButton("te lang", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "nope", reply_markup=bad)
    assert sandbox.errors[-1] == ("sendMessage", 400, "Bad Request: BUTTON_DATA_INVALID")


async def test_reply_keyboard_recorded(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    sent = await bot.send_message(
        user.id, "Kies", reply_markup=ReplyKeyboardMarkup([["Hulp vragen", "Eettafel"]])
    )
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert user.last is not None and user.last.buttons == [["Hulp vragen", "Eettafel"]]


async def test_unknown_chat(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hallo")


async def test_blocked_user_and_kicked_bot(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Piet")
    user.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "hallo")
    user.unblock()
    await bot.send_message(user.id, "hallo")
    group = sandbox.add_group(title="TOP buurtgroep")
    assert group.id < 0
    await bot.send_message(group.id, "iedereen hallo")
    sandbox.remove_bot_from(group)
    with pytest.raises(Forbidden, match=r"(?i)kicked from the supergroup chat"):
        await bot.send_message(group.id, "nog iemand?")
    assert [m.text for m in group.messages] == ["iedereen hallo"]


async def test_flood_control_retry_after() -> None:
    sb = Sandbox(limits=Limits(private_burst=3, private_refill_per_second=0.5))
    await sb.start()
    try:
        async with Bot(sb.token, base_url=sb.api_url, base_file_url=sb.file_url) as b:
            user = sb.add_user(first_name="Snel")
            for i in range(3):
                await b.send_message(user.id, f"bericht {i}")
            with pytest.raises(RetryAfter) as exc:
                await b.send_message(user.id, "te veel")
            assert exc.value.retry_after in (1, 2)
            assert sb.stats["429"] == 1
            assert sb.stats["messages"] == 3
            group = sb.add_group(title="g")
            sb.limits.group_per_minute = 2
            await b.send_message(group.id, "1")
            await b.send_message(group.id, "2")
            with pytest.raises(RetryAfter) as exc:
                await b.send_message(group.id, "3")
            assert 1 <= int(exc.value._retry_after.total_seconds()) <= 60
    finally:
        await sb.stop()


async def test_global_limit_and_scale() -> None:
    from bot.sandbox.limits import FloodControl

    now = [100.0]
    fc = FloodControl(Limits(global_per_second=5, private_burst=100), clock=lambda: now[0])
    assert all(fc.check(i, True) is None for i in range(5))
    assert fc.check(99, True) == 1
    now[0] += 1.01
    assert fc.check(99, True) is None
    fast = FloodControl(Limits(group_per_minute=1, scale=60), clock=lambda: now[0])
    assert fast.check(-5, False) is None
    assert fast.check(-5, False) == 1
    now[0] += 1.01
    assert fast.check(-5, False) is None
    assert FloodControl(Limits.off()).check(1, True) is None


async def test_edit_not_modified_and_missing(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(user.id, "tekst", reply_markup=kb)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "tekst", chat_id=user.id, message_id=sent.message_id, reply_markup=kb
        )
    await bot.edit_message_text("tekst", chat_id=user.id, message_id=sent.message_id)
    assert user.last is not None and user.last.buttons == []  # keyboard dropped, as on Telegram
    edit = await user.next_edit()
    assert edit.edited and edit.text == "tekst"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=kb
    )
    assert user.last.buttons == [["A"]]
    assert await bot.delete_message(user.id, sent.message_id)
    assert user.messages == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_file_round_trip(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    data = b"%PDF-1.4 fake pdf " * 100
    sent = await bot.send_document(user.id, data, filename="rooster.pdf", caption="Rooster")
    assert sent.document is not None and sent.document.file_name == "rooster.pdf"
    msg = await user.next_message()
    assert msg.text == "Rooster" and msg.document is not None
    assert sandbox.document_bytes(msg) == data
    tg_file = await bot.get_file(sent.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == data
    # re-send by file_id
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == sent.document.file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(user.id, "no-such-file-id")
    photo = await bot.send_photo(user.id, b"\x89PNG fake")
    assert photo.photo
    # a user's upload, too big to download via the Bot API
    upload = await user.send_document(
        filename="groot.zip", mime_type="application/zip", size=25_000_000
    )
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(upload["document"]["file_id"])
    small = await user.send_photo(size=1234, data=b"jpegdata")
    f = await bot.get_file(small["photo"][-1]["file_id"])
    assert bytes(await f.download_as_bytearray()) == b"jpegdata"


async def test_commands_and_misc(sandbox: Sandbox, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    await bot.set_my_commands(
        [BotCommand("start", "Begin"), BotCommand("help", "Hulp")], language_code="nl"
    )
    await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c["command"] for c in sandbox.commands[("default", "nl")]] == ["start", "help"]
    assert sandbox.commands[("all_private_chats", "")][0]["description"] == "Start"
    got = await bot.get_my_commands(language_code="nl")
    assert [c.command for c in got] == ["start", "help"]
    await bot.delete_my_commands(language_code="nl")
    assert ("default", "nl") not in sandbox.commands
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    user = sandbox.add_user(first_name="Jan", username="jan")
    assert await bot.send_chat_action(user.id, "typing")
    chat = await bot.get_chat(user.id)
    assert chat.first_name == "Jan" and chat.username == "jan"
    assert sandbox.spec_violations == []


async def test_unknown_method_and_spec_violation(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.api_url}{sandbox.token}/sendFoo", data={"a": "1"}) as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(
            f"{sandbox.api_url}{sandbox.token}/SENDMESSAGE",
            json={"chat_id": user.id, "text": "hi", "colour": "red"},
        ) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["text"] == "hi"
        async with http.post(
            f"{sandbox.api_url}{sandbox.token}/sendMessage", data={"chat_id": str(user.id)}
        ) as r:
            body = await r.json()
            assert r.status == 400 and body["description"] == "Bad Request: message text is empty"
        async with http.get(f"{sandbox.api_url}wrong:token/getMe") as r:
            assert r.status == 401
            assert (await r.json())["description"] == "Unauthorized"
    assert sandbox.unknown_methods == ["sendFoo"]
    assert sandbox.spec_violations == ["sendMessage: unknown parameter 'colour'"]
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendSticker", api_kwargs={"chat_id": user.id})
    assert "sendSticker" in sandbox.unknown_methods
    methods = [m for m, _ in sandbox.calls]
    assert methods.count("sendMessage") == 2


async def test_observer_and_clock(sandbox: Sandbox, bot: Bot) -> None:
    events: list[dict] = []
    unsubscribe = sandbox.subscribe(events.append)
    sandbox.clock = lambda: 1_700_000_000
    user = sandbox.add_user(first_name="Jan")
    await user.send("hoi")
    sent = await bot.send_message(user.id, "hallo")
    assert sent.date.timestamp() == 1_700_000_000
    await bot.delete_message(user.id, sent.message_id)
    kinds = [e["type"] for e in events]
    assert kinds == ["message", "update", "message", "delete"]
    unsubscribe()
    await bot.send_message(user.id, "stil")
    assert len(events) == 4


async def test_long_poll_wakes_on_update_and_stop(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.add_user(first_name="Jan")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await user.send("/start hallo")
    updates = await asyncio.wait_for(poll, 2)
    assert len(updates) == 1 and updates[0].message.text == "/start hallo"
    assert updates[0].message.entities[0].type == "bot_command"
    settle = asyncio.create_task(sandbox.settle(timeout=2))
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    await settle
    assert sandbox.pending_updates == []
    # allowed_updates honoured
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await user.send("wordt niet geleverd")
    assert sandbox.pending_updates == []
    await sandbox.settle(timeout=1)
