"""The HTTP request object the bot talks to Telegram with: PTB's own, plus an observation.

Why: whether a button press *did* something a person can see (sent, edited or deleted a
message) decides if a conversation's step may change or end (:mod:`bot.handlers.flows`). A
refused press only answers the callback query with a pop-up, and must leave the current step
alone. And before the bot answers, the person's drafts must be in the database (``bot.app``).
PTB offers no hook per API call, but every call goes through ``BaseRequest.do_request``
(public API), so the request notes each method for the update being handled: a context
variable, set per update by ``flows`` (every update is handled in its own task; ticks set
none, so they are not observed).

A call made while handling someone's update that gets no answer in time (Telegram slow, the
connection dropped after the request was written) most likely arrived: the handler carries on
as if it was sent (``result: true``; the person's step advances, no "Sorry"), and the call
counts as seen. A call that never left (no connection, a 5xx) is tried once more; if that
fails too the error handler tells the person kindly. :func:`bot.handlers.delivery.classify`
decides which is which, as for scheduled sends.

It also calls ``on_contact()`` whenever Telegram answered at all (also an error such as 403
for a blocked user): that proves the network and Telegram are there, for ``/healthz``. A
timeout or a refused connection raises and is not counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from bot.handlers.delivery import Delivery, classify

log = logging.getLogger(__name__)

#: What a call that most likely arrived answers the handler: PTB reads ``true`` as "done"
#: (``send_message`` then returns True instead of a Message; ``reply()`` returns None).
_COUNTED_AS_SENT = (200, b'{"ok": true, "result": true}')

#: Methods a person does not see as a message of the bot (a pop-up, typing..., reading).
_INVISIBLE = {"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe", "getFile"}
_VISIBLE_PREFIXES = ("send", "edit", "copy", "forward", "delete", "pin", "unpin", "stop")


def _running_task() -> asyncio.Task | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop (a unit test building one by hand)
        return None


@dataclass
class Activity:
    """What the bot did while handling one update."""

    #: the person whose update this is (their drafts are written before the bot answers)
    user_id: int | None = None
    #: the update is a button press (a refused press changes no conversation's step)
    press: bool = False
    methods: list[str] = field(default_factory=list)
    #: the update is handled again after a restart (bot.inbox): the person saw its answer
    #: already, so an edit that now changes nothing still counts as that answer
    replay: bool = False
    #: the inbox key of the update, (channel, update id): a WhatsApp answer is recorded with
    #: it, so a replay of the update sends an identical answer only once (WhatsApp has no
    #: edits to repeat invisibly; see bot.channels.whatsapp.channel)
    key: tuple[str, str] | None = None
    #: message-map ids a replay took as an answer already sent (each is taken once)
    reused: set[int] = field(default_factory=set)
    #: open conversations (handler, key) this update may end; see bot.handlers.flows
    open_elsewhere: list[tuple[Any, Any]] = field(default_factory=list)
    #: the task handling the update; a task it starts (the announcement sender) inherits the
    #: record but is no answer to this person, and keeps the delivery rules of its own
    task: asyncio.Task | None = field(default_factory=_running_task)

    @property
    def visible(self) -> bool:
        return any(is_visible(m) for m in self.methods)


_current: ContextVar[Activity | None] = ContextVar("buurtbot_activity", default=None)


def is_visible(method: str) -> bool:
    return method not in _INVISIBLE and method.startswith(_VISIBLE_PREFIXES)


def watch(user_id: int | None = None, press: bool = False, replay: bool = False,
          key: tuple[str, str] | None = None) -> Activity:
    """Start recording the API calls of the current task (one update); returns the record."""
    activity = Activity(user_id=user_id, press=press, replay=replay, key=key)
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
        name = url.rsplit("/", 1)[-1]
        try:
            code, body = await self.transport(url, method, *args, **kwargs)
        except NetworkError as exc:
            if (activity is None or activity.task is not asyncio.current_task()
                    or not (is_visible(name) or name == "answerCallbackQuery")):
                raise
            return await self._unanswered(activity, name, exc, url, method, *args, **kwargs)
        if self._on_contact is not None:
            self._on_contact()
        # "message is not modified" changed nothing; in a replay it is the answer repeated
        if activity is not None and (code == 200 or (activity.replay and is_visible(name))):
            activity.methods.append(name)
        return code, body

    async def transport(self, url: str, method: str, *args: Any, **kwargs: Any
                        ) -> tuple[int, bytes]:
        """The call itself: HTTP to the Bot API. Another channel's bridge
        (:class:`bot.channels.whatsapp.bridge.WhatsAppBridge`) answers it its own way and
        keeps the observation above."""
        return await super().do_request(url, method, *args, **kwargs)

    async def _unanswered(self, activity: Activity, name: str, exc: NetworkError, url: str,
                          method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """A call of a handler got no answer: carry on when it most likely arrived, else try
        once more (see the module docstring)."""
        verdict = classify(exc)
        if verdict is Delivery.RETRY:
            log.warning("%s did not reach Telegram (%s); trying once more", name, exc)
            try:
                code, body = await self.transport(url, method, *args, **kwargs)
            except NetworkError as again:
                exc, verdict = again, classify(again)
            else:
                if self._on_contact is not None:
                    self._on_contact()
                if code == 200:
                    activity.methods.append(name)
                return code, body
        if not verdict.counts_as_sent:
            raise exc
        log.warning("%s got no answer in time (%s); it most likely arrived: counted as sent",
                    name, exc)
        activity.methods.append(name)
        return _COUNTED_AS_SENT
