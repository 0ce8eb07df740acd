"""Eettafel scheduled work: offers that expire, the morning reminder, the cook's final list,
and the batched heads-up about sign-ups waiting for confirmation.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.actions.meals import MealTable
from bot.handlers.common import (
    kb,
    notify,
)
from bot.handlers.delivery import Retry
from bot.handlers.meals.render import (
    person_label,
    refresh_cards,
    send_notices,
    table_pages,
    when,
)
from bot.i18n import Translator, translator
from bot.services.meals import (
    NewSignups,
    Table,
)

log = logging.getLogger(__name__)


# --- scheduled work ------------------------------------------------------------------------


MAX_DIGEST_NAMES = 8


def digest_text(t: Translator, digest: NewSignups) -> tuple[str, InlineKeyboardMarkup]:
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
    return "\n".join(lines), kb(buttons)


async def tick(app: Any, now: datetime) -> None:
    """Expired offers move on, the morning reminder, the cook's final list at the deadline,
    and a batched heads-up to the kookgroep about sign-ups waiting for confirmation."""
    services = app.services
    notices, lists, digests = await services.meals.tick(now)
    await send_notices(app, services, notices)
    for digest in digests:
        people = await services.recipients.helper_people(digest.room)
        for person in people:
            first = min(row.id for _view, rows in digest.meals for row in rows)
            try:
                await notify(app, person, lambda t, d=digest: digest_text(t, d),
                             retry=Retry("meal:digest", f"{digest.room}:{first}"))
            except Exception:  # one failing message never stops the others
                log.exception("could not send the new sign-ups digest")
    for meal_id in lists:
        table = await services.meals.table_for(meal_id)
        if table is None:
            continue
        people = await services.recipients.helper_people(table.view.meal.room)
        for person in people:
            if not await services.meals.claim_list(meal_id, person.id):
                continue  # they have it (a crash stopped the round after them)
            try:
                await send_final_list(app, person, table)
            except Exception:  # one failing message never stops the others
                log.exception("could not send the cook's final list")
        # The deadline passed: residents' cards lose the buttons that no longer work.
        await refresh_cards(app, services, [
            (user_id, meal_id) for user_id in await services.meals.active_people(meal_id)], now)
        await services.meals.list_complete(meal_id)


async def send_final_list(app: Any, person: Any, table: Table) -> None:
    """The cook's final list, in as many messages as it needs (never refused for length);
    the button to the live list sits under the last one. Each page is kept for another
    attempt after a short Telegram error (one retry row per page)."""
    language_pages = {}

    def page(t: Translator, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
        if t.language not in language_pages:
            language_pages[t.language] = table_pages(t, table, final=True)
        pages = language_pages[t.language]
        last = number == len(pages) - 1
        return pages[number], kb([[(t._("📋 Open the list"), MealTable(table.view.meal.id))]]
                                 ) if last else None

    meal = table.view.meal
    count = len(table_pages(translator(person.language), table, final=True))
    for number in range(count):
        ref = meal.id if number == 0 else f"{meal.id}:{number}"
        await notify(app, person, lambda t, n=number: page(t, n),
                     retry=Retry("meal:list", ref, expires_at=meal.starts_at))
