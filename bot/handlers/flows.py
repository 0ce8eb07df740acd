"""Only one conversation at a time per person.

Every feature has its own ConversationHandler (onboarding, help intake, meals' questions, the
programme editor...). When someone leaves one half-way — a question is open — and starts
something else with a command or another button, the old one must end: otherwise it would
swallow the next text they type ("De kraan lekt" filed as an allergy note). This guard runs
before the features (group -7) and notes every open conversation that would not itself handle
the new command or button; after the features (group ``AFTER_FEATURES``) it ends them, but
only if the new command or button *did* something the person can see (a message sent, edited
or deleted).

Why not end them at once: an old button higher up in the chat (the onboarding "Skip", an old
eettafel card) is refused with a pop-up ("This button no longer works") and changes nothing.
Ending the open question there would throw away the step the person is on: its state, its
draft, its buttons. A refusal is recognised by what went out (:mod:`bot.request`): only an
answer to the button press, no message.

PTB has no public way to see or end another conversation's step, nor to veto a state change:
that goes through :mod:`bot.handlers.ptb_compat` (``tests/test_ptb_compat.py`` fails loudly
when a PTB upgrade changes what it relies on; ``tests/test_flows.py`` guards the behaviour).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ConversationHandler, TypeHandler

from bot import request
from bot.context import BotContext
from bot.handlers import ptb_compat
from bot.inbox.telegram import key_of

log = logging.getLogger(__name__)

#: The handler group that runs after every feature (group 0) has handled the update.
AFTER_FEATURES = 100


def _starts_something(update: Update) -> bool:
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        return True
    return update.callback_query is not None


async def note_other_conversations(update: Update, context: BotContext) -> None:
    """Group -7: which open conversations will not handle this command or button."""
    user = update.effective_user
    inbox_key = key_of(update)
    activity = request.watch(user.id if user is not None else None,
                             press=update.callback_query is not None,
                             replay=context.services.inbox.is_replay(inbox_key), key=inbox_key)
    if not _starts_something(update):
        return
    for handler in context.application.handlers.get(0, []):
        if not isinstance(handler, ConversationHandler):
            continue
        key = ptb_compat.conversation_key(handler, update)
        if key is None or not ptb_compat.has_open_step(handler, key):
            continue
        if handler.check_update(update):
            continue  # the open conversation handles this itself
        activity.open_elsewhere.append((handler, key))


def refused_press(handler: ConversationHandler, new_state: object) -> bool:
    """A ConversationHandler's step that a refused button press cannot change.

    A feature's fallback or state callback often answers an old or impossible button with a
    pop-up and returns END ("This announcement was already sent", a tally refusal): that ended
    the step the person was on. A press that sent, edited or deleted no message leaves the
    conversation's state as it was, whatever the callback returned. Asked right after the
    callback returns, in the update's own task, so a concurrent press that did something still
    ends or moves the step.
    """
    activity = request.current()
    if activity is not None and activity.press and not activity.visible:
        log.debug("refused press: %s keeps its step", handler.name)
        return True
    return False


def adopt(app: Application) -> None:
    """Every feature's ConversationHandler keeps its step on a refused press (one place, so a
    new feature cannot forget it)."""
    ptb_compat.veto_state_changes(app, refused_press)


def nothing_visible_yet() -> bool:
    """True while handling this update has sent, edited or deleted no message (only pop-ups).

    A conversation's own fallback uses it to tell a refused old button (keep the step) from a
    button that moved on (end the step).
    """
    activity = request.current()
    return activity is not None and not activity.visible


async def end_other_conversations(update: Update, context: BotContext) -> None:
    """After the features: the new press did something visible, so the old question ends."""
    activity = request.current()
    if activity is None or not activity.open_elsewhere or not activity.visible:
        return
    for handler, key in activity.open_elsewhere:
        if ptb_compat.has_open_step(handler, key):
            log.debug("ending open conversation %s", handler.name)
            ptb_compat.end_step(handler, key)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, note_other_conversations), group=-7)
    app.add_handler(TypeHandler(Update, end_other_conversations), group=AFTER_FEATURES)



#: How many update ids a person's data remembers (a few updates can be in flight at a kill).
_REMEMBERED = 20
#: The ``user_data`` key that holds them (``_``: not a form; /mijngegevens leaves it out).
HANDLED_KEY = "_handled"


def first_handling(context: BotContext, update: Update) -> bool:
    """False when this update has changed this person's things already.

    A step that *adds to* or *toggles* something (the words of a help request, its photos,
    a day of the week, a name on the turf list) is not safe to handle twice as it is, and the
    inbox does hand an update on again after a restart when the bot was killed between the
    answer and the written step (:mod:`bot.inbox`). The person's data is written before the
    answer goes out (``bot.app._drafts_first``), with the update ids remembered here, so the
    second handling sees its own id: it repeats the answer and changes nothing. Call it right
    before the change.
    """
    if context.user_data is None:
        return True
    seen = context.user_data.setdefault(HANDLED_KEY, [])
    if update.update_id in seen:
        return False
    seen.append(update.update_id)
    del seen[:-_REMEMBERED]
    return True
