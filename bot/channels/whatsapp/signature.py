"""The ``X-Hub-Signature-256`` check of a webhook call (Meta signs every POST with the app
secret): ``sha256=`` + hex HMAC-SHA256 of the raw body.

Why our own few lines and not pywa's ``webhook_updates_validator``: that one also accepts a
bare hex digest without the ``sha256=`` prefix and a str secret only; here a header must be
exactly what Meta sends, and the comparison is constant-time (``hmac.compare_digest``) so a
forger learns nothing from how long a refusal takes.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta would send for ``body`` (the stand-in and tests use it)."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Is ``header`` the signature of ``body`` with ``app_secret``? Missing, malformed or an
    empty secret: False."""
    if not app_secret or not header or not header.startswith(PREFIX):
        return False
    expected = sign(app_secret, body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", "replace"))
