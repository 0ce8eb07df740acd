"""What the help-request feature tells people on its own, rendered at send time.

The service writes an outbox row (kind and ``params``) in the same transaction as the change
that causes it (a take, a hand-back, a claim of the scheduled job); here each kind becomes the
message in the recipient's language, from the request as it is *now*. A notice that went
stale before it could be sent (the request was erased, or is no longer in the state the alert
is about) renders None: the outbox marks it 'skipped' instead of saying something untrue.

Kinds (CORE13 §6): ``help.new`` (to the matched helpers), ``help.unclaimed``,
``help.due_soon`` (to the room's coordinators), ``help.released`` (volunteer and resident),
``help.partner_followup`` (the resident), ``help.notice`` (resident or holder: taken, waiting,
given back, done, closed, referred, cancelled, withdrawn, follow-up answer) and
``help.media`` (an attachment of the resident, passed on to the volunteer).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from html import escape
from typing import Any

from bot.actions import Action
from bot.actions import help as act
from bot.context import BotContext
from bot.handlers.help_requests.render import FOLLOWUP_LABELS, due_text, kind_label, speaks
from bot.handlers.people_labels import channel_mark
from bot.i18n import Translator
from bot.messaging.message import Attachment, OutMessage, keyboard
from bot.services import help_requests as kinds
from bot.store import outbox as outbox_store
from bot.store.help_requests import RequestRow
from bot.store.outbox import OutboxRow


@contextlib.asynccontextmanager
async def notices_after_answer(context: BotContext) -> AsyncIterator[None]:
    """Around a handler that changes something and answers: the notices the change queued go
    out once the answer is given (so a volunteer's card comes before the photos it is about,
    as it always did), then at once rather than at the sender's next turn."""
    outbox = context.services.outbox
    async with outbox.hold():
        yield
    await outbox.deliver()


def _message(t: Translator, text: str,
             rows: list[list[tuple[str, Action]]] | None = None) -> OutMessage:
    return OutMessage(text, keyboard(rows or []), lang=t.language)


async def _request(app: Any, row: OutboxRow) -> RequestRow | None:
    return await app.services.help.get(int(row.ref))


async def _first_name(app: Any, t: Translator, person_id: Any) -> str:
    person = await app.services.users.by_id(int(person_id)) if person_id else None
    name = person.name.split()[0] if person is not None and person.name else None
    return escape(name) if name else t._("a volunteer")


def _partner_name(app: Any, partner_id: str) -> tuple[str, Any]:
    partner = app.services.config.partners.get(partner_id)
    return (escape(partner.name) if partner else partner_id), partner


# --- to helpers and coordinators -----------------------------------------------------------


async def render_new(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    request = await _request(app, row)
    if request is None or request.status != "open":  # taken or gone meanwhile
        return None
    resident = (await app.services.users.by_id(request.resident_id)
                if request.resident_id else None)
    text = t._("New help request <b>{n}</b>: {kind}, {due}.").format(
        n=request.id, kind=kind_label(t, request.kind), due=due_text(t, request))
    about = [part for part in (speaks(t, resident), channel_mark(t, resident)) if part]
    if about:
        text += "\n" + " · ".join(about)
    return _message(t, text, [[(t._("✋ I will take it"), act.TakeOn(request.id))],
                              [(t._("📋 All open requests"), act.Queue())]])


async def render_alert(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    request = await _request(app, row)
    if request is None or not request.active:
        return None
    if row.kind == kinds.UNCLAIMED:
        if request.status != "open":
            return None
        text = t._("Request {n} ({kind}) has waited 48 hours and nobody has taken it on.")
    else:
        text = t._("Request {n} ({kind}) must be done {due} and is not done yet.")
    return _message(t, text.format(n=request.id, kind=kind_label(t, request.kind),
                                   due=due_text(t, request)),
                    [[(t._("Open request {n}").format(n=request.id),
                       act.ViewRequest(request.id))]])


async def render_released(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    request = await _request(app, row)
    if request is None:
        return None
    if (row.params or {}).get("to") == "resident":
        return _message(t, t._("Your request {n} is waiting for another volunteer. We have "
                               "not forgotten you.").format(n=request.id))
    return _message(t, t._("Request {n} was untouched for 7 days, so it went back to the "
                           "queue. If you are still helping, take it on again.").format(
                               n=request.id),
                    [[(t._("✋ Take on {n}").format(n=request.id), act.TakeOn(request.id))]])


async def render_partner_followup(app: Any, row: OutboxRow, t: Translator
                                  ) -> OutMessage | None:
    referral = await app.services.help.referral(int(row.ref))
    if referral is None or referral.person_id is None or referral.followup_answer:
        return None
    name, _partner = _partner_name(app, referral.partner)
    return _message(t, t._("Some time ago we put you in touch with {partner}. Did they help "
                           "you?").format(partner=name),
                    [[(t._(label), act.FollowupAnswer(referral.id, key))]
                     for key, label in FOLLOWUP_LABELS.items()])


# --- to the resident or the holder -----------------------------------------------------


async def render_notice(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    params = row.params or {}
    variant = params.get("variant")
    n = int(row.ref)
    if variant == "withdrawn":  # the request's words are gone: only its number
        return _message(t, t._("Request {n} was withdrawn: the resident erased their data. "
                               "You do not need to do anything more.").format(n=n))
    if variant == "followup_answer":
        referral = await app.services.help.referral(int(params.get("referral", 0)))
        if referral is None or not referral.followup_answer:
            return None
        name, _partner = _partner_name(app, referral.partner)
        return _message(t, t._("Follow-up on request {n} ({partner}): the resident answered "
                               "“{answer}”.").format(
                                   n=referral.request_id, partner=name,
                                   answer=t._(FOLLOWUP_LABELS[referral.followup_answer])),
                        [[(t._("📋 All open requests"), act.Queue())]])
    if variant == "taken":
        name = await _first_name(app, t, params.get("volunteer"))
        return _message(t, t._("Good news: {name} has taken on your request {n}. They will "
                               "contact you soon.").format(name=name, n=n))
    if variant == "referred":
        partner_name, partner = _partner_name(app, str(params.get("partner")))
        text = t._("Your request {n} is handed over to {partner}, who can help you further."
                   ).format(n=n, partner=partner_name)
        if partner is not None and partner.contact:
            text += " " + t._("Their phone number: {phone}.").format(
                phone=escape(partner.contact))
        if params.get("together"):
            text += " " + t._("{name} will go there with you.").format(
                name=await _first_name(app, t, params.get("volunteer")))
        return _message(t, text)
    if variant == "referred_by_coordinator":
        partner_name, _partner = _partner_name(app, str(params.get("partner")))
        return _message(t, t._("The coordinator handed request {n} over to {partner}. You do "
                               "not need to do anything more for it.").format(
                                   n=n, partner=partner_name))
    texts = {
        "waiting": lambda: t._("Your request {n} is waiting for another volunteer. We have "
                               "not forgotten you."),
        "given_back": lambda: t._("The coordinator gave request {n} back to the queue. You do "
                                  "not need to do anything more for it."),
        "done": lambda: t._("Your request {n} is done. We hope it went well! Tap /hulp "
                            "whenever you need help again."),
        "closed": lambda: t._("The coordinator closed request {n}. You do not need to do "
                              "anything more for it."),
        "cancelled": lambda: t._("The resident has cancelled request {n}. You do not need to "
                                 "do anything more."),
        "media_gone": lambda: t._("The photo could not be fetched any more; ask the resident "
                                  "to send it again."),
    }
    if variant not in texts:
        return None
    return _message(t, texts[variant]().format(n=n))


async def render_media(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    """An attachment as the resident sent it (by the channel's own media id), only while the
    recipient may still see the request's details (not after an erasure or a hand-back)."""
    help_service = app.services.help
    request = await _request(app, row)
    person = await app.services.users.by_id(row.person_id) if row.person_id else None
    if request is None or person is None or not await help_service.can_see_details(
            person, request):
        return None
    item = await help_service.media_item(request.id, int((row.params or {}).get("media", 0)))
    if item is None:
        return None
    kind = item.kind if item.kind in ("photo", "voice") else "document"
    # No caption, so no language (a right-to-left mark alone would become a caption).
    return OutMessage("", attachment=Attachment(kind, media_id=item.file_id))


#: The error the Telegram channel gives an attachment the other channel no longer has
#: (:mod:`bot.channels.telegram.media_bridge`: WhatsApp keeps a resident's media 30 days).
MEDIA_GONE = "no longer available"


async def media_failed(app: Any, row: OutboxRow, state: str) -> None:
    """An attachment that could not be passed on because its channel no longer has it: the
    volunteer hears so (once per batch of photos) instead of missing it without a word."""
    if state != "failed" or row.person_id is None:
        return
    outbox = app.services.outbox
    async with app.services.db.transaction() as conn:
        ended = await outbox_store.get(conn, row.id)
        if ended is None or MEDIA_GONE not in (ended.error or ""):
            return
        batch = row.dedupe.rsplit(":", 1)[0]
        await outbox.enqueue(conn, to=row.person_id, kind=kinds.NOTICE, ref=row.ref,
                             dedupe=f"media_gone:{batch}", params={"variant": "media_gone"},
                             expires_at=row.expires_at)
    outbox.wake()


def register(app: Any) -> None:
    """One renderer per kind (the outbox calls them at send time)."""
    outbox = app.services.outbox
    outbox.renderer(kinds.NEW)(render_new)
    outbox.renderer(kinds.UNCLAIMED)(render_alert)
    outbox.renderer(kinds.DUE_SOON)(render_alert)
    outbox.renderer(kinds.RELEASED)(render_released)
    outbox.renderer(kinds.PARTNER_FOLLOWUP)(render_partner_followup)
    outbox.renderer(kinds.NOTICE)(render_notice)
    outbox.renderer(kinds.MEDIA)(render_media)
    outbox.on_final(kinds.MEDIA)(media_failed)
