"""What the eettafel tells people on its own, as outbox rows rendered in their language.

The meal service writes the rows in the transaction of the change or claim that causes them
(issue 13); here each kind becomes its message:

- ``meal.notice`` (to a resident: confirmed, declined, waitlisted, offer, offer_expired,
  cancelled, removed; ``dedupe`` = the variant and a token) and ``meal.reminder`` (the 09:00
  reminder) are rendered at send time from the meal as it is then. A reminder whose sign-up
  is no longer there, or an offer already answered or expired, renders None ('skipped')
  instead of saying something untrue.
- ``meal.late_diet`` (to the room's helpers: food wishes changed after the final list) names
  the wishes as they were after that change.
- ``meal.list`` (the cook's final list, one row per page: ``dedupe`` = the page) and
  ``meal.digest`` (new sign-ups) are the snapshot of the moment they were claimed, rendered
  by :data:`TEXTS` inside the tick's transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.actions.meals import MealTable
from bot.channels.telegram import from_markup
from bot.handlers.meals.render import (
    CARD_CHANGES,
    diet_text,
    notice_text,
    person_label,
    refresh_cards,
    table_pages,
    when,
)
from bot.i18n import Translator, translator
from bot.messaging.message import Keyboard, OutMessage, keyboard
from bot.services.meals import NewSignups, Notice, Table
from bot.services.meals.core import LATE_DIET, NOTICE, REMINDER
from bot.store.outbox import OutboxRow

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def _message(t: Translator, rendered: tuple[str, Any] | str) -> OutMessage:
    """A text and ``kb()`` keyboard (what the render functions give) as a neutral message."""
    text, markup = rendered if isinstance(rendered, tuple) else (rendered, None)
    return OutMessage(text, from_markup(markup), lang=t.language)


# --- rendered at send time ---------------------------------------------------------------


async def render_notice(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    params = dict(row.params or {})
    variant = params.pop("variant")
    services = app.services
    view = await services.meals.view(int(row.ref))
    if view is None:
        return None
    if variant == "offer":
        person = await services.users.by_id(row.person_id) if row.person_id else None
        if person is None:
            return None
        mine = await services.meals.my_signup(person, view.meal.id)
        if mine.signup is None or mine.signup.status != "offered":
            return None  # answered, expired or given on before it could be sent
        params["expires"] = datetime.fromisoformat(params["expires"])
    notice = Notice(row.person_id or 0, variant, view.meal.id, params)
    return _message(t, notice_text(t, notice, view))


async def render_reminder(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    """The reminder as things stand when it is sent (a volunteer may have confirmed since)."""
    services = app.services
    person = await services.users.by_id(row.person_id) if row.person_id else None
    if person is None:
        return None
    result = await services.meals.my_signup(person, int(row.ref))
    signup = result.signup
    if (result.view is None or signup is None
            or signup.status not in ("pending", "confirmed", "waiting")):
        return None
    notice = Notice(person.id, "reminder", result.view.meal.id,
                    {"status": signup.status, "place": result.place})
    return _message(t, notice_text(t, notice, result.view))


async def render_late_diet(app: Any, row: OutboxRow, t: Translator) -> OutMessage | None:
    """Food wishes changed after the final list: the kookgroep hears what they are now."""
    params = row.params or {}
    services = app.services
    view = await services.meals.view(int(row.ref))
    found = await services.meals.signup_row(int(params["signup"]))
    if view is None or found is None:
        return None
    signup = dataclasses.replace(found, diet=tuple(c for c in params["diet"].split(",") if c),
                                 diet_note=params.get("note"))
    diet = diet_text(t, signup) or t._("no food wishes")
    text = t._("Change after the final list for the shared dinner on {when}: {name} now "
               "has these food wishes: {diet}.").format(
                   when=when(t, view), name=person_label(t, signup), diet=diet)
    return OutMessage(text, _open_list(t, view.meal.id), lang=t.language)


def _open_list(t: Translator, meal_id: int) -> Keyboard:
    return keyboard([[(t._("📋 Open the list"), MealTable(meal_id))]])


# --- rendered when claimed ---------------------------------------------------------------


MAX_DIGEST_NAMES = 8


def digest_text(t: Translator, digest: NewSignups) -> OutMessage:
    """New sign-ups waiting for a volunteer: one calm message for a batch of taps."""
    count = sum(len(rows) for _view, rows in digest.meals)
    lines = ["🔔 " + t.ngettext("{n} new sign-up for the shared dinner is waiting for your "
                               "confirmation.",
                               "{n} new sign-ups for the shared dinner are waiting for your "
                               "confirmation.", count).format(n=count)]
    buttons = []
    for view, rows in digest.meals:
        names = [person_label(t, row) for row in rows[:MAX_DIGEST_NAMES]]
        if len(rows) > MAX_DIGEST_NAMES:
            more = len(rows) - MAX_DIGEST_NAMES
            names.append(t.ngettext("{n} more", "{n} more", more).format(n=more))
        lines.append("")
        lines.append("<b>" + when(t, view) + "</b>: " + t.join(names))
        lines.append(t._("{taken} of {cap} seats taken, {free} left.").format(
            taken=view.taken, cap=view.cap, free=view.free))
        buttons.append([(t._("📋 Open the list of {date}").format(
            date=t.date(view.meal.starts_at, "EEE d MMM")), MealTable(view.meal.id))])
    return OutMessage("\n".join(lines), keyboard(buttons), lang=t.language)




class Texts:
    """:class:`bot.services.meals.model.MealTexts`: the final list and the digest."""

    def final_list(self, table: Table, language: str | None) -> list[OutMessage]:
        """The cook's final list, in as many messages as it needs (never refused for
        length); the button to the live list sits under the last one."""
        t = translator(language)
        pages = table_pages(t, table, final=True)
        return [OutMessage(page, _open_list(t, table.view.meal.id) if n == len(pages) - 1
                           else (), lang=t.language) for n, page in enumerate(pages)]

    def digest(self, digest: NewSignups, language: str | None) -> OutMessage:
        return digest_text(translator(language), digest)


TEXTS = Texts()


# --- after a tap -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def notices_after_answer(services: Any) -> AsyncIterator[None]:
    """Around a tap that changes something: what the change queued waits until the handler
    has answered (or, with :func:`deliver_notices`, until the point it always went out), then
    goes at once rather than at the sender's next turn."""
    async with services.outbox.hold():
        yield
    await services.outbox.deliver()


def holding(fn: F) -> F:
    """:func:`notices_after_answer` around a handler ``fn(update, context, ...)``."""
    @functools.wraps(fn)
    async def wrapper(update: Any, context: Any, *args: Any) -> Any:
        async with notices_after_answer(context.services):
            return await fn(update, context, *args)
    return wrapper  # type: ignore[return-value]


async def deliver_notices(app: Any, services: Any, notices: list[Notice]) -> None:
    """The change committed with its notices queued: send them now, then bring each person's
    own card up to date (edited in place), so no old text or dead buttons stay behind."""
    await services.outbox.deliver()
    await refresh_cards(app, services, [(n.user_id, n.meal_id) for n in notices
                                        if n.kind in CARD_CHANGES])


def register(app: Any) -> None:
    app.services.meals.texts = TEXTS
    outbox = app.services.outbox
    outbox.renderer(NOTICE)(render_notice)
    outbox.renderer(REMINDER)(render_reminder)
    outbox.renderer(LATE_DIET)(render_late_diet)
    # meal.list and meal.digest are queued rendered (TEXTS): no renderer is asked for them.
