"""Scheduled work for help requests: escalate, release, follow up, erase.

Each alert is claimed once in the database by the service before it is sent, so a restart
never sends twice.
"""

from __future__ import annotations

from html import escape

from telegram.ext import Application

from bot.actions import help as act
from bot.handlers.common import kb, notify, one_per_row
from bot.handlers.delivery import Retry
from bot.handlers.help_requests.render import FOLLOWUP_LABELS, due_text, kind_label
from bot.jobs import DueMoment


async def upcoming(app: Application, after) -> list[DueMoment]:
    """The coming help alerts (48 hours untaken, due soon, 7 days untouched), for the
    practice chat's "next scheduled moment"."""
    return [DueMoment(at, kind, room)
            for at, kind, room in await app.services.help.upcoming(after)]  # type: ignore[attr-defined]


async def tick(app: Application, now) -> None:
    """Escalate, release, follow up and erase; each alert is claimed once in the database."""
    service = app.services.help  # type: ignore[attr-defined]
    for alert in await service.escalations(now):
        request = alert.request
        for person in alert.to:
            await notify(app, person, retry=Retry(f"help:{alert.reason}", request.id),
                         render=lambda t, a=alert, r=request: (
                (t._("Request {n} ({kind}) has waited 48 hours and nobody has taken it on.")
                 if a.reason == "unclaimed" else
                 t._("Request {n} ({kind}) must be done {due} and is not done yet.")).format(
                    n=r.id, kind=kind_label(t, r.kind), due=due_text(t, r)),
                kb([[(t._("Open request {n}").format(n=r.id), act.ViewRequest(r.id))]])))
    for alert in await service.release_stale(now):
        for person in alert.to:
            await notify(app, person, retry=Retry("help:released", alert.request.id),
                         render=lambda t, r=alert.request: (
                t._("Request {n} was untouched for 7 days, so it went back to the queue. If you "
                    "are still helping, take it on again.").format(n=r.id),
                kb([[(t._("✋ Take on {n}").format(n=r.id), act.TakeOn(r.id))]])))
        await notify(app, alert.resident, retry=Retry("help:released", alert.request.id),
                     render=lambda t, r=alert.request: t._(
            "Your request {n} is waiting for another volunteer. We have not forgotten you."
        ).format(n=r.id))
    for followup in await service.due_followups(now):
        partner = app.services.config.partners.get(followup.referral.partner)  # type: ignore[attr-defined]
        pname = escape(partner.name) if partner else followup.referral.partner
        ref_id = followup.referral.id
        await notify(app, followup.resident, retry=Retry("help:followup", ref_id),
                     render=lambda t, p=pname, i=ref_id: (
            t._("Some time ago we put you in touch with {partner}. Did they help you?").format(
                partner=p),
            one_per_row([(t._(label), act.FollowupAnswer(i, key))
                         for key, label in FOLLOWUP_LABELS.items()])))
    await service.erase_expired_text(now)
