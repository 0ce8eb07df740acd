"""The one module that touches python-telegram-bot's private API.

Why: PTB offers no public way to ask a ConversationHandler whether a person has a step open,
to end that step from outside, to veto a state change a callback returned (a refused old
button must keep the step: :mod:`bot.handlers.flows`), or to ask an Application whether it is
initialized. Those needs are met here, each behind one small function, and
``tests/test_ptb_compat.py`` asserts that every private attribute used below still exists with
the signature relied on, so a PTB upgrade that changes them fails loudly in one test instead of
quietly breaking "one conversation at a time". Everything else in the bot uses PTB's public
API only (``tests/test_architecture.py`` counts private uses elsewhere: 0).

Used today (python-telegram-bot 22): ``ConversationHandler._get_key``, ``._conversations``,
``._update_state``; ``Application._initialized``; the shape of
``telegram.ext._utils.types.ConversationDict``; ``RetryAfter.retry_after`` changing from
seconds to a timedelta (public, but in transition).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, MutableMapping
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import Application, ConversationHandler
from telegram.warnings import PTBDeprecationWarning

#: What a persistence returns for one conversation: key → state. The same type as PTB's
#: private ``telegram.ext._utils.types.ConversationDict`` (the test compares them).
ConversationDict = MutableMapping[tuple[int | str, ...], object]

#: ``keep(handler, new_state)``: True leaves the handler's current step as it is.
StateVeto = Callable[[ConversationHandler, object], bool]


def conversation_key(handler: ConversationHandler, update: object) -> tuple[int | str, ...] | None:
    """The key ``handler`` files ``update`` under (per chat / user / message), or None when
    the update has no such key (a channel post, an update without a user)."""
    try:
        return handler._get_key(update)  # type: ignore[arg-type]
    except RuntimeError:
        return None


def has_open_step(handler: ConversationHandler, key: tuple[int | str, ...]) -> bool:
    """Is a conversation open for ``key`` (a question waiting for its answer)?"""
    return key in handler._conversations


def end_step(handler: ConversationHandler, key: tuple[int | str, ...]) -> None:
    """End the open conversation of ``key`` as if its callback had returned END (persisted
    like any other state change)."""
    handler._update_state(ConversationHandler.END, key)


def veto_state_changes(app: Application, keep: StateVeto) -> None:
    """Give ``keep`` a veto over every state change a callback returns, in every
    ConversationHandler registered on ``app`` (one place, so a new feature cannot forget it).

    PTB calls ``_update_state`` right after a callback returned, in the update's own task; a
    change with no handler (a timeout, :func:`end_step`) or to None is never vetoed. The
    registered handlers change class in place (same slots, nothing else changes): PTB has no
    hook for this, and building every feature's handler through a factory would have to be
    remembered in each of them.
    """

    class Vetoed(ConversationHandler):  # type: ignore[type-arg]
        __slots__ = ()

        def _update_state(self, new_state: object, key: tuple[int | str, ...],
                          handler: Any = None) -> None:
            if handler is not None and new_state is not None and keep(self, new_state):
                return
            super()._update_state(new_state, key, handler)

    for handlers in app.handlers.values():
        for handler in handlers:
            if type(handler) is ConversationHandler:
                handler.__class__ = Vetoed


def is_initialized(app: Application) -> bool:
    """Has ``app.initialize()`` run (and ``shutdown()`` not yet)?"""
    return bool(app._initialized)


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds, whichever type PTB gives
    (``int`` today with a deprecation warning, ``timedelta`` with ``PTB_TIMEDELTA`` and in
    the next major version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
