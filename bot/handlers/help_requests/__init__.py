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

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

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
from bot.jobs import add_tick

__all__ = ["media_offer_handler", "register"]


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_intake())
    app.add_handler(build_note_conversation())
    routes = [
        (r"^help:mine$", my_requests),
        (r"^help:send(:|$)", sent_before),
        (r"^help:offer:no$", decline_offer),
        (r"^help:cx:", confirm_cancel),
        (r"^help:cxok:", cancel_request),
        (r"^(menu:queue|help:queue)$", show_queue),
        (r"^help:take:", take),
        (r"^help:view:", view),
        (r"^help:media:", resend_media),
        (r"^help:hb:", hand_back),
        (r"^help:done:", ask_outcome),
        (r"^help:dn:", mark_done),
        (r"^help:ref:", ask_partner),
        (r"^help:rp:", ask_consent),
        (r"^help:rnc:", no_consent),
        (r"^help:rt:", ask_followup),
        (r"^help:rf:", refer),
        (r"^help:fp:", ask_from_partner),
        (r"^help:fpp:", from_partner),
        (r"^help:skills$", show_skills),
        (r"^help:sk:", toggle_skill),
        (r"^help:fu:", followup_answer),
    ]
    for pattern, callback in routes:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(CommandHandler("vragen", show_queue))
    add_tick(app, "help", tick, upcoming=upcoming)  # type: ignore[arg-type]

