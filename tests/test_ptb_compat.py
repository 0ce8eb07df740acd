"""What :mod:`bot.handlers.ptb_compat` relies on in python-telegram-bot's private API.

Why: "one conversation at a time" (:mod:`bot.handlers.flows`) and the persistence need PTB
internals that have no public equivalent. When a PTB upgrade renames or reshapes one of them,
this file fails first and names it, instead of conversations quietly swallowing the next text.
Fast: no bot, no sandbox.
"""

from __future__ import annotations

import inspect
import typing
import warnings
from datetime import timedelta

import pytest
import telegram
from telegram import Chat, Message, Update, User
from telegram.error import RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.handlers import ptb_compat


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_ptb_major_version_is_the_one_checked() -> None:
    """pyproject pins PTB below 23; a new major version is a reason to read this file again."""
    assert telegram.__version_info__[0] == 22


def test_conversation_handler_private_api_is_as_expected() -> None:
    assert _params(ConversationHandler._get_key) == ["self", "update"]
    assert _params(ConversationHandler._update_state) == ["self", "new_state", "key", "handler"]
    assert inspect.signature(ConversationHandler._update_state).parameters[
        "handler"].default is None
    assert "_conversations" in ConversationHandler.__slots__
    assert ConversationHandler.END == -1


def test_application_initialized_flag_exists() -> None:
    assert "_initialized" in Application.__slots__


def test_conversation_dict_matches_ptbs() -> None:
    from telegram.ext._utils.types import ConversationDict as Private

    assert typing.get_origin(ptb_compat.ConversationDict) is typing.get_origin(Private)
    assert typing.get_args(ptb_compat.ConversationDict) == typing.get_args(Private)


def _update(text: str, user_id: int = 7) -> Update:
    user = User(user_id, "Fatima", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(1, date=None, chat=chat, from_user=user, text=text)  # type: ignore[arg-type]
    return Update(1, message=message)


async def _answer(update: object, context: object) -> int:
    return 1


def _conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("start", _answer)],
        states={1: [MessageHandler(filters.TEXT, _answer)]},
        fallbacks=[],
    )


async def test_open_step_is_seen_and_ended() -> None:
    handler = _conversation()
    update = _update("/start")
    key = ptb_compat.conversation_key(handler, update)
    assert key == (7, 7)
    assert not ptb_compat.has_open_step(handler, key)
    handler._update_state(1, key)  # what PTB does after the entry point returned 1
    assert ptb_compat.has_open_step(handler, key)
    ptb_compat.end_step(handler, key)
    assert not ptb_compat.has_open_step(handler, key)


def test_an_update_without_a_user_has_no_key() -> None:
    assert ptb_compat.conversation_key(_conversation(), Update(1)) is None


async def test_veto_keeps_the_step_and_only_swaps_conversation_handlers() -> None:
    app = Application.builder().token("1:x").build()
    conversation = _conversation()
    button = CallbackQueryHandler(_answer)
    app.add_handler(conversation)
    app.add_handler(button)
    vetoed: list[object] = []

    def keep(handler: ConversationHandler, new_state: object) -> bool:
        vetoed.append(new_state)
        return new_state == ConversationHandler.END

    ptb_compat.veto_state_changes(app, keep)
    assert isinstance(conversation, ConversationHandler)
    assert type(conversation) is not ConversationHandler
    assert type(button) is CallbackQueryHandler
    key = (7, 7)
    conversation._update_state(1, key, button)  # a callback moved on: allowed
    assert ptb_compat.has_open_step(conversation, key)
    conversation._update_state(ConversationHandler.END, key, button)  # vetoed: step kept
    assert ptb_compat.has_open_step(conversation, key)
    ptb_compat.end_step(conversation, key)  # no handler: never vetoed
    assert not ptb_compat.has_open_step(conversation, key)
    assert vetoed == [1, ConversationHandler.END]


async def test_is_initialized_follows_the_application() -> None:
    app = Application.builder().token("1:x").build()
    assert ptb_compat.is_initialized(app) is False
    app._initialized = True  # what initialize() sets, without asking Telegram for getMe
    assert ptb_compat.is_initialized(app) is True


@pytest.mark.parametrize("given", [3, timedelta(seconds=3)])
def test_retry_after_in_seconds_without_a_warning(given: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for timedelta_mode in ("false", "true"):
        monkeypatch.setenv("PTB_TIMEDELTA", timedelta_mode)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB's own constructor reads the property
            exc = RetryAfter(given)  # type: ignore[arg-type]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert ptb_compat.retry_after_seconds(exc) == 3.0


def test_no_other_module_touches_ptb_privates() -> None:
    """The architecture ratchet counts PTB private use outside ptb_compat: it must stay 0."""
    from tests.test_architecture import CEILINGS, hits

    assert CEILINGS["ptb_private"] == 0
    assert hits("ptb_private") == []
