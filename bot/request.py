"""The HTTP request object the bot talks to Telegram with: PTB's own, plus one observation.

Why: whether a button press *did* something a person can see (sent, edited or deleted a
message) decides if an open conversation must end (:mod:`bot.handlers.flows`). A refused press
only answers the callback query with a pop-up, and must leave the current step alone. PTB offers
no hook per API call, but every call goes through ``BaseRequest.do_request`` (public API), so
the request notes each method name for the update being handled (a context variable: every
update is handled in its own task, and so is every tick).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram.request import HTTPXRequest

#: Methods a person does not see as a message of the bot (a pop-up, typing..., reading).
_INVISIBLE = {"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe", "getFile"}
_VISIBLE_PREFIXES = ("send", "edit", "copy", "forward", "delete", "pin", "unpin", "stop")


@dataclass
class Activity:
    """What the bot did while handling one update."""

    methods: list[str] = field(default_factory=list)
    #: open conversations (handler, key) this update may end; see bot.handlers.flows
    open_elsewhere: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return any(is_visible(m) for m in self.methods)


_current: ContextVar[Activity | None] = ContextVar("buurtbot_activity", default=None)


def is_visible(method: str) -> bool:
    return method not in _INVISIBLE and method.startswith(_VISIBLE_PREFIXES)


def watch() -> Activity:
    """Start recording the API calls of the current task (one update); returns the record."""
    activity = Activity()
    _current.set(activity)
    return activity


def current() -> Activity | None:
    return _current.get()


class ObservedRequest(HTTPXRequest):
    """PTB's HTTPXRequest that records the method of every call in the current :class:`Activity`."""

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any
                         ) -> tuple[int, bytes]:
        code, body = await super().do_request(url, method, *args, **kwargs)
        activity = _current.get()
        if activity is not None and code == 200:  # "message is not modified" changed nothing
            activity.methods.append(url.rsplit("/", 1)[-1])
        return code, body
