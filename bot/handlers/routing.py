"""The one way a feature routes a button: ``on(ActionType, callback, role=...)``.

Why: buttons used to be routed four ways (a route table, a pattern table, one handler per
button, parsing inside each handler). Now a button's data is decoded once
(:func:`bot.actions.decode`), the role is checked once, and the callback gets the typed
action. Data nobody decodes (forged, stale, too long) matches no route and reaches the
fallback's :func:`bot.handlers.common.stale_button`: one answer, nothing changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.actions import Action, decode
from bot.context import BotContext

A = TypeVar("A", bound=Action)
ActionCallback = Callable[[Update, BotContext, A], Awaitable[Any]]


def on(kind: type[A] | tuple[type[A], ...], callback: ActionCallback[A], *,
       role: str | None = None) -> CallbackQueryHandler:
    """A handler for the buttons of ``kind`` (one type or several): ``callback(update,
    context, action)``. With ``role``, the role is checked on the server first
    (:func:`bot.handlers.common.requires`); a refusal returns None, which keeps a
    conversation on its step."""
    kinds = kind if isinstance(kind, tuple) else (kind,)

    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), kinds)

    async def run(update: Update, context: BotContext) -> Any:
        query = update.callback_query
        assert query is not None
        found = decode(query.data)
        if not isinstance(found, kinds):
            # A query without data: PTB hands it to every pattern handler without asking the
            # pattern, so the first route got it (an assert here answered "Sorry, er ging iets
            # mis"). It is forged data like any other: the one stale-button answer.
            from bot.handlers.common import stale_button

            return await stale_button(update, context)

        async def call(u: Update, c: BotContext) -> Any:
            return await callback(u, c, found)  # type: ignore[arg-type]

        if role is not None:
            from bot.handlers.common import requires

            return await requires(role)(call)(update, context)
        return await call(update, context)

    run.__name__ = run.__qualname__ = getattr(callback, "__name__", "action")
    return CallbackQueryHandler(run, pattern=matches)


def same_as(command: Callable[[Update, BotContext], Awaitable[Any]]
            ) -> Callable[[Update, BotContext, Action], Awaitable[Any]]:
    """The callback of a button that does just what ``command`` does (the main menu's
    entries: 📅 is /agenda), with the command's own role check and conversation state."""

    async def press(update: Update, context: BotContext, act: Action) -> Any:
        return await command(update, context)

    press.__name__ = press.__qualname__ = getattr(command, "__name__", "command")
    return press
