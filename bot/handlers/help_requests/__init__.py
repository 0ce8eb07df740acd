"""Help requests: the resident's intake (/hulp), the volunteers' queue (/vragen), handoffs.

Everything else than the intake is a plain button (``help:*``) handled statelessly and checked
again on the server: the service decides who may see or do what; these handlers render and send.

- ``resident.py``: the intake conversation and "My requests".
- ``volunteer.py``: queue, take on, detail, notes, hand back, done, skills.
- ``handoff.py``: hand over to a partner, referral from a partner, follow-up answers.
- ``jobs.py``: the tick (escalation, release, follow-ups, retention).
- ``render.py``: labels and refusal texts.
- ``media_offer.py``: a photo, PDF or voice note sent outside any flow offers a request.
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.actions import help as act
from bot.actions.menu import MenuQueue
from bot.handlers.help_requests import notices
from bot.handlers.help_requests.handoff import (
    ask_consent,
    ask_followup,
    ask_from_partner,
    ask_partner,
    followup_answer,
    from_partner,
    no_consent,
    refer,
)
from bot.handlers.help_requests.jobs import tick, upcoming
from bot.handlers.help_requests.media_offer import decline_offer, media_offer_handler
from bot.handlers.help_requests.resident import (
    build_intake,
    cancel_request,
    confirm_cancel,
    my_requests,
    sent_before,
)
from bot.handlers.help_requests.volunteer import (
    ask_outcome,
    build_note_conversation,
    hand_back,
    mark_done,
    resend_media,
    show_queue,
    show_skills,
    take,
    toggle_skill,
    view,
)
from bot.handlers.routing import on
from bot.jobs import add_tick
from bot.services.users import RESIDENT, VOLUNTEER

__all__ = ["media_offer_handler", "register"]


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    notices.register(app)
    app.add_handler(build_intake())
    app.add_handler(build_note_conversation())
    routes = [
        on(act.MyRequests, my_requests, role=RESIDENT),
        on(act.SendRequest, sent_before),
        on(act.OfferNo, decline_offer),
        on(act.AskCancel, confirm_cancel, role=RESIDENT),
        on(act.ConfirmCancel, cancel_request, role=RESIDENT),
        on(act.Queue, lambda u, c, _a: show_queue(u, c)),
        on(act.TakeOn, take, role=VOLUNTEER),
        on(act.ViewRequest, view, role=VOLUNTEER),
        on(act.ResendMedia, resend_media, role=VOLUNTEER),
        on(act.HandBack, hand_back, role=VOLUNTEER),
        on(act.AskOutcome, ask_outcome, role=VOLUNTEER),
        on(act.MarkDone, mark_done, role=VOLUNTEER),
        on(act.AskPartner, ask_partner, role=VOLUNTEER),
        on(act.ChoosePartner, ask_consent, role=VOLUNTEER),
        on(act.NoConsent, no_consent, role=VOLUNTEER),
        on(act.ChooseTogether, ask_followup, role=VOLUNTEER),
        on(act.Refer, refer, role=VOLUNTEER),
        on(act.AskFromPartner, ask_from_partner, role=VOLUNTEER),
        on(act.FromPartner, from_partner, role=VOLUNTEER),
        on(act.Skills, lambda u, c, _a: show_skills(u, c)),
        on(act.ToggleSkill, toggle_skill, role=VOLUNTEER),
        on(act.FollowupAnswer, followup_answer, role=RESIDENT),
    ]
    for route in routes:
        app.add_handler(route)
    app.add_handler(on(MenuQueue, lambda u, c, _a: show_queue(u, c)))  # the main menu's
    app.add_handler(CommandHandler("vragen", show_queue))
    add_tick(app, "help", tick, upcoming=upcoming)  # type: ignore[arg-type]
