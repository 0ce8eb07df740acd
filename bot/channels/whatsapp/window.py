"""WhatsApp's 24-hour customer-service window, per person (issue 14).

A business may answer freely within 24 hours of the person's last message; outside it only an
approved template may start a conversation. Owned by the templates work (wa-tpl); the inbound
webhook calls :func:`open_until` and :func:`opened` for every message a person sends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiosqlite

#: How long the window stays open after the person's last message.
WINDOW = timedelta(hours=24)


async def open_until(conn: aiosqlite.Connection, wa_id: str, when: datetime) -> None:
    """The person wrote at ``when``: their window is open until ``when`` + 24 h (a known
    WhatsApp address only; a stranger has no address row yet)."""
    # stub on main until wa-tpl lands (the lead's seam for wa-in)
    del conn, wa_id, when


async def opened(app: Any, wa_id: str) -> None:
    """Their window just opened: release what was held for it and wake the sender."""
    del app, wa_id
