"""PTB's HTTP client, noting each answer from the Bot API (for the health check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.request import HTTPXRequest


class ContactRequest(HTTPXRequest):
    """An :class:`HTTPXRequest` that calls ``on_contact()`` whenever Telegram answered.

    Any HTTP answer counts (also an error such as 403 for a blocked user): it proves the
    network and Telegram are there. A timeout or a refused connection raises and is not counted.
    """

    def __init__(self, on_contact: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_contact = on_contact

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        result = await super().do_request(*args, **kwargs)
        self._on_contact()
        return result
