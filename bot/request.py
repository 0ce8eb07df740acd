"""The HTTP request object the bot talks to Telegram with: PTB's own, plus an observation.

Why: whether a button press *did* something a person can see (sent, edited or deleted a
message) decides if a conversation's step may change or end (:mod:`bot.handlers.flows`). A
refused press only answers the callback query with a pop-up, and must leave the current step
alone. And before the bot answers, the person's drafts must be in the database (``bot.app``).
PTB offers no hook per API call, but every call goes through ``BaseRequest.do_request``
(public API), so the request notes each method for the update being handled: a context
variable, set per update by ``flows`` (every update is handled in its own task; ticks set
none, so they are not observed).

It also calls ``on_contact()`` whenever Telegram answered at all (also an error such as 403
for a blocked user): that proves the network and Telegram are there, for ``/healthz``. A
timeout or a refused connection raises and is not counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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

    #: the person whose update this is (their drafts are written before the bot answers)
    user_id: int | None = None
    #: the update is a button press (a refused press changes no conversation's step)
    press: bool = False
    methods: list[str] = field(default_factory=list)
    #: open conversations (handler, key) this update may end; see bot.handlers.flows
    open_elsewhere: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return any(is_visible(m) for m in self.methods)


_current: ContextVar[Activity | None] = ContextVar("buurtbot_activity", default=None)


def is_visible(method: str) -> bool:
    return method not in _INVISIBLE and method.startswith(_VISIBLE_PREFIXES)


def watch(user_id: int | None = None, press: bool = False) -> Activity:
    """Start recording the API calls of the current task (one update); returns the record."""
    activity = Activity(user_id=user_id, press=press)
    _current.set(activity)
    return activity


def current() -> Activity | None:
    return _current.get()


BeforeAnswer = Callable[[Activity], Awaitable[None]]


class ObservedRequest(HTTPXRequest):
    """PTB's HTTPXRequest that records the method of every call in the current :class:`Activity`,
    and runs ``before_answer`` before each call a person will see (see ``bot.app``)."""

    def __init__(self, *args: Any, on_contact: Callable[[], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_answer: BeforeAnswer | None = None
        self._on_contact = on_contact

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any
                         ) -> tuple[int, bytes]:
        activity = _current.get()
        if activity is not None and self.before_answer is not None and is_visible(
                url.rsplit("/", 1)[-1]):
            await self.before_answer(activity)
        code, body = await super().do_request(url, method, *args, **kwargs)
        if self._on_contact is not None:
            self._on_contact()
        if activity is not None and code == 200:  # "message is not modified" changed nothing
            activity.methods.append(url.rsplit("/", 1)[-1])
        return code, body
