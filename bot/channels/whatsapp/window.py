"""WhatsApp's 24-hour customer-service window, per person (issue 14).

A business may answer freely within 24 hours of the person's last message; outside it only an
approved template may start a conversation, and Meta charges for it. The inbound webhook
calls :func:`open_until` and :func:`opened` for every message a person sends; the outbox
sends each WhatsApp row through :func:`send_row`, which decides:

- window open → the free-form message (``channel.send``); a 131047 ("outside the window",
  Meta's clock and ours differ) → closed after all, the path below;
- window closed → the kind's own template (:mod:`~bot.channels.whatsapp.templates`),
  approved in the person's language, else in Dutch or English if approved; the quick replies
  carry the same action ids as the free-form buttons;
- no usable template of its own → the generic "you have a new message from <room>" template
  with a "Show" quick reply: the row is *held* until the tap opens the window, then goes
  free-form;
- nothing approved → the row is held (a sync that finds a template approved releases it);
- within the daily limit only (:mod:`~bot.channels.whatsapp.limits`): beyond it the row
  waits for the next free moment.

A held row that reaches its end (its ``expires_at``, or three days without one) while the
window is still closed ends *unreachable*, like a Telegram person who blocked the bot: the
belronde puts them on the "to call" list, reports count them. Nothing is sent that Meta
would refuse.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.actions.whatsapp import WhatsAppShow
from bot.channels.whatsapp import CHANNEL, command_hints, limits, templates
from bot.messaging.message import OutMessage, Receipt
from bot.messaging.port import Deferred, DeliveryError
from bot.store import addresses as address_store
from bot.store import outbox as outbox_store
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)

#: Durations are added in UTC: a wall-clock "+24 h" across a DST change is 23 or 25 hours.
UTC = ZoneInfo("UTC")

#: How long the window stays open after the person's last message.
WINDOW = timedelta(hours=24)
#: Our clock and Meta's may differ: the last minutes of a window count as closed.
SKEW = timedelta(minutes=2)
#: A held row ends this long before its expiry (so it ends unreachable, not expired).
GRACE = timedelta(minutes=2)
#: How long a row without an expiry is held for the person.
HOLD = timedelta(days=3)
#: Meta's error codes: outside the window; template missing, parameters refused, paused.
WINDOW_CLOSED = 131047
TEMPLATE_REFUSED = frozenset({132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016})
#: Why a row is held (``outbox.held``).
HELD_SHOW, HELD_TEMPLATE, HELD_LIMIT = "show", "template", "limit"
_CODE = re.compile(r"\b(13\d{4})\b")


async def open_until(conn: aiosqlite.Connection, wa_id: str, when: datetime) -> None:
    """The person wrote at ``when``: their window is open until ``when`` + 24 h (a known
    WhatsApp address only; a stranger has no address row yet). Inside the caller's
    transaction."""
    await address_store.open_window(conn, CHANNEL, wa_id, when.astimezone(UTC) + WINDOW)


async def opened(app: Any, wa_id: str) -> int:
    """Their window just opened: every row queued for them (held for the window, waiting for
    the daily limit) is due now, and the sender is woken. Returns how many."""
    services = app.services
    async with services.db.transaction() as conn:
        released = await outbox_store.release(conn, CHANNEL, wa_id, services.clock.now())
    if released:
        services.outbox.wake()
    return released


async def is_open(services: Any, wa_id: str, now: datetime | None = None) -> bool:
    """Is a free-form message to this person allowed now (with :data:`SKEW` to spare)?"""
    now = (now or services.clock.now()).astimezone(UTC)
    async with services.db.reading() as conn:
        found = await address_store.by_address(conn, CHANNEL, wa_id)
    return window_open(until_of(found), now)


def until_of(address: Any) -> datetime | None:
    """When this WhatsApp address's window closes. An address made while the person wrote
    (onboarding, a link code typed in WhatsApp) and not written from since counts from its
    creation: the message that made it opened the window, though no address was there yet
    to keep it. Once a moment is recorded (a message since, or Meta saying the window is
    closed: :func:`bot.store.addresses.close_window`), that moment is the rule."""
    if address is None:
        return None
    until = address.window_until
    if until is not None:
        return until.astimezone(UTC)
    return address.created_at.astimezone(UTC) + WINDOW if address.created_at else None


def window_open(until: datetime | None, now: datetime) -> bool:
    return until is not None and until.astimezone(UTC) - SKEW > now


def error_code(exc: BaseException) -> int | None:
    """Meta's error code of a failed send (the adapter's ``code``, else from its detail)."""
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        return code
    found = _CODE.search(getattr(exc, "detail", "") or str(exc))
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Plan:
    """A template send for a row."""

    definition: templates.Definition
    language: str  # Meta's code
    params: list[str]
    payloads: list[str]


async def send_row(channel: Any, row: OutboxRow, message: OutMessage) -> Receipt:
    """The outbox's entry for a WhatsApp row (``WhatsAppChannel.send_row``): free-form in
    the window, else a template, else held (raises :class:`Deferred`)."""
    services = channel.services
    now = services.clock.now().astimezone(UTC)
    if await is_open(services, row.address, now):
        try:
            return await channel.send(row.address, message, row=row)
        except DeliveryError as exc:
            if error_code(exc) != WINDOW_CLOSED:
                raise
            log.info("WhatsApp says the window is closed after all; trying a template")
            async with services.db.transaction() as conn:
                await address_store.close_window(conn, CHANNEL, row.address, now)
    return await _closed(channel, row, message, now)


async def _closed(channel: Any, row: OutboxRow, message: OutMessage, now: datetime) -> Receipt:
    services = channel.services
    if row.template is not None:
        # A teaser ("you have a message") went already: the row waits for the tap, never
        # for a second teaser. (A complete template ends the row 'sent'.)
        raise _hold_or_end(row, now, HELD_SHOW, "waiting for the tap on Show", again=True)
    plan = await plan_for(services, row, message)
    if plan is None:
        raise _hold_or_end(row, now, HELD_TEMPLATE, "window closed, no approved template",
                           again=row.held == HELD_TEMPLATE)
    slot = await limits.reserve(services, row.address, _daily_limit(channel), row.person_id)
    if isinstance(slot, datetime):
        raise Deferred(slot, "whatsapp: daily limit reached", HELD_LIMIT)
    defn = plan.definition
    try:
        receipt = await channel.send_template(row.address, defn.name, plan.language,
                                              plan.params, plan.payloads)
    except DeliveryError as exc:
        await limits.give_back(services, slot)
        code = error_code(exc)
        if code in TEMPLATE_REFUSED:
            await templates.mark_refused(services, defn.name, plan.language, code,
                                         exc.detail or str(exc))
            raise Deferred(now, f"whatsapp: template {defn.name} refused ({code})") from exc
        if code == WINDOW_CLOSED:  # never for a template; safe side: not again at once
            raise Deferred(now + timedelta(minutes=5), "whatsapp: 131047 on a template",
                           HELD_TEMPLATE) from exc
        raise
    except BaseException:
        await limits.give_back(services, slot)
        raise
    if defn.mode == templates.TEASER:
        raise _hold_or_end(row, now, HELD_SHOW, "waiting for the tap on Show",
                           template=defn.name)
    async with services.db.transaction() as conn:
        await outbox_store.set_template(conn, row.id, defn.name)
    return receipt


def _daily_limit(channel: Any) -> int:
    settings = getattr(channel, "settings", None)
    return int(getattr(settings, "daily_limit", 250))


def _hold_or_end(row: OutboxRow, now: datetime, held: str, reason: str, *,
                 again: bool = False, template: str | None = None) -> Exception:
    """Hold the row for the person until near its end; at its end, unreachable."""
    if row.expires_at is not None:
        until = row.expires_at.astimezone(UTC) - GRACE
    else:
        until = now + HOLD if not again else now
    if until <= now:
        return DeliveryError("gone", detail=f"whatsapp: {reason}")
    return Deferred(until, f"whatsapp: {reason}", held, template)


async def plan_for(services: Any, row: OutboxRow, message: OutMessage) -> Plan | None:
    """The template this row would go as now (None: none approved in a usable language)."""
    person = await services.users.by_id(row.person_id) if row.person_id else None
    language = message.lang or (person.language if person is not None else None)
    room = services.config.room(person.room) if person is not None else None
    room_name = room.name if room is not None else "Buurtbot"
    variant = (row.params or {}).get("variant") if row.kind == "meal.notice" else None
    async with services.db.reading() as conn:
        own = templates.for_kind(row.kind, variant)
        if own is not None and fits(own, message):
            code = await templates.choose(conn, own, language)
            if code is not None:
                summary = command_hints.rewrite(message.text, language)[0]  # "Tik op berichten"
                return Plan(own, code, templates.body_params(own, room_name, summary),
                            _payloads(own, row, message))
        generic = templates.by_name(templates.GENERIC)
        assert generic is not None
        code = await templates.choose(conn, generic, language)
        if code is None:
            return None
        return Plan(generic, code, templates.body_params(generic, room_name, ""),
                    [WhatsAppShow(row.id).encode()])


def fits(defn: templates.Definition, message: OutMessage) -> bool:
    """Can this template carry the message? A complete one: no photo or file, the whole text
    in its summary, and exactly its quick replies as the message's buttons."""
    if defn.mode == templates.TEASER:
        return True
    if message.attachment is not None:
        return False
    flat = templates.sanitise(message.text, limit=10 * templates.MAX_SUMMARY)
    if len(flat) > templates.MAX_SUMMARY:
        return False
    if defn.buttons:
        actions = [b for line in message.buttons for b in line if b.data is not None]
        return len(actions) == len(defn.buttons)
    return True


def _payloads(defn: templates.Definition, row: OutboxRow, message: OutMessage) -> list[str]:
    if not defn.buttons:
        return []
    return [str(b.data) for line in message.buttons for b in line if b.data is not None]


#: The states of a row the "Show" tap may still bring up (not expired, erased or failed).
_SHOWABLE = (outbox_store.QUEUED, outbox_store.SENDING, outbox_store.SENT)


async def show(services: Any, app: Any, wa_id: str, row_id: int) -> bool:
    """The "Show" tap under a "you have a new message" template: the person's window is open
    (their tap opened it), so what was held for them is released and delivered now, as the
    answer to the tap. True when ``row_id`` is a message of theirs that is (being) delivered;
    False when it is gone (expired, erased) or not theirs — then nothing about it is shown."""
    await opened(app, wa_id)
    await services.outbox.deliver()
    row = await services.db.run(outbox_store.get, row_id)
    return (row is not None and row.channel == CHANNEL and row.address == wa_id
            and row.state in _SHOWABLE)
