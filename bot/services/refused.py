"""The one shape of a refusal a service raises: a ``reason`` code and an optional detail.

Why: the handlers turn ``reason`` into a friendly text in the user's language; every service
error that does so (reports, indicators, the /turf list) carries the same two fields, so they
share this base instead of each repeating the constructor.
"""

from __future__ import annotations


class Refused(ValueError):
    """Something a service will not do; ``reason`` is one of the subclass's constants."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
