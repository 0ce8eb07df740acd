"""WhatsApp's status webhooks (sent, delivered, read, failed) on the outbox rows.

Meta reports each message's fate after the send was accepted, per wamid (the row's
``provider_ref``), perhaps twice and out of order (a "read" before its "delivered"). Each
status changes a row at most once, and never backwards:

* ``sent``: nothing (the send's answer made the row 'sent' already);
* ``delivered`` / ``read``: ``delivered_at`` / ``read_at``, the first report of each (a read
  implies delivered);
* ``failed`` with an undeliverable code (131026 …): the person's WhatsApp address is
  unreachable and the row, still undelivered, becomes 'unreachable' — it lands on the "to
  call" lists through the kind's ``on_final`` hook, as Telegram's blocked people do;
* ``failed`` 131047 (the 24-hour window had closed): the person's window is closed and the
  row goes back to 'queued' for the window logic, which sends a template or holds it (a
  free-form row keeps what it is rendered from until it is delivered, for this); other
  short-lived failures (Meta holds it back, 131049 …) are queued again for later; anything
  else makes the row 'failed'.

A failure after a "delivered" for the same message changes nothing (out of order).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.channels.whatsapp import CHANNEL
from bot.channels.whatsapp import errors as wa_errors
from bot.messaging.message import Address
from bot.services.outbox import MAX_ATTEMPTS
from bot.store import addresses as address_store
from bot.store import outbox as outbox_store
from bot.store import whatsapp_messages as store

log = logging.getLogger(__name__)

#: A message Meta held back (131049 …) goes again this much later.
LATER = timedelta(hours=1)


def _code(status: dict[str, Any]) -> int:
    for error in status.get("errors") or ():
        try:
            return int(error.get("code"))
        except (TypeError, ValueError, AttributeError):
            continue
    return 0


async def apply(app: Any, status: dict[str, Any]) -> str | None:
    """Apply one ``statuses[]`` entry of a webhook; returns what changed (``"delivered"``,
    ``"read"``, ``"unreachable"``, ``"queued"``, ``"failed"``) or None (nothing: unknown
    wamid, a repeat, out of order)."""
    services = app.services
    wamid = status.get("id")
    state = status.get("status")
    wa_id = str(status.get("recipient_id") or "")
    if not isinstance(wamid, str) or state not in ("sent", "delivered", "read", "failed"):
        return None
    now = services.clock.now()
    code = _code(status) if state == "failed" else 0
    gone = state == "failed" and wa_errors.undeliverable(code)
    if gone and wa_id:
        # Any message of theirs that cannot be delivered: they cannot be reached now (a
        # message they send later makes them reachable again).
        await services.users.mark_unreachable(Address(CHANNEL, wa_id))
    changed: str | None = None
    async with services.db.transaction() as conn:
        row = await store.outbox_row(conn, wamid)
        if row is None:
            return None
        if state == "delivered":
            changed = "delivered" if await store.delivered(conn, row.id, now) else None
        elif state == "read":
            changed = "read" if await store.read(conn, row.id, now) else None
        elif state == "failed":
            changed = await _failed(conn, row, code, gone, now)
        row = await outbox_store.get(conn, row.id) if changed else row
    if changed in ("unreachable", "failed") and row is not None:
        await services.outbox.ended_after_sending(row, changed)
    elif changed == "queued":
        services.outbox.wake()
    if changed in ("unreachable", "failed", "queued"):
        log.info("a WhatsApp message was not delivered (%s): row %s", code, changed)
    return changed


async def _failed(conn: Any, row: Any, code: int, gone: bool, now: Any) -> str | None:
    detail = f"failed status {code}"
    if gone:
        return "unreachable" if await store.sent_but_unreachable(conn, row.id, detail) else None
    if code == wa_errors.WINDOW:
        if await store.back_to_queued(conn, row.id, now, "window"):
            # Meta's clock says the window had closed: closed for the window logic too,
            # or it would send the same free-form message again.
            await address_store.close_window(conn, CHANNEL, row.address, now)
            return "queued"
    elif code in wa_errors.LATER and row.attempts < MAX_ATTEMPTS:
        if await store.back_to_queued(conn, row.id, now + LATER, detail):
            return "queued"
    return "failed" if await store.sent_but_failed(conn, row.id, detail) else None
