"""Eettafel texts and keyboards: a resident's card, the volunteers' list, notices, refusals.

Pure rendering plus the helpers every action uses to answer (``refuse``, ``show_card``) and
``refresh_cards``, which edits a resident's remembered cards to what is true now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.actions import Action, meals
from bot.actions.menu import MenuMain
from bot.channels.telegram import from_markup
from bot.context import BotContext
from bot.handlers.common import (
    kb,
    reply,
    safe_answer,
)
from bot.handlers.people_labels import badge
from bot.i18n import N_, Translator, translator
from bot.messaging.message import OutMessage, Receipt
from bot.services.meals import (
    DIETS,
    MAX_GUESTS,
    MealView,
    Notice,
    Outcome,
    Result,
    Table,
)
from bot.services.users import COORDINATOR, Person
from bot.store.meals import SignupRow

log = logging.getLogger(__name__)


TEXT = "text"
PROMPT_MINUTES = 30

DIET_LABELS = {
    "halal": N_("halal"),
    "vega": N_("vegetarian"),
    "nopork": N_("no pork"),
    "allergy": N_("allergy"),
}
#: Preset reasons to decline a sign-up: (short button label for the volunteer, the full
#: sentence the resident reads). The sentence is stored as its English msgid and translated
#: when shown, so the resident reads it in their own language, not the volunteer's; a reason
#: a volunteer typed is shown as typed.
DECLINE_REASONS: tuple[tuple[str, str], ...] = (
    (N_("🏘 Not from this area"), N_("The meal is for residents of this neighbourhood.")),
    (N_("👥 Signed up twice"), N_("You already signed up under another name.")),
    (N_("📞 Please call first"),
     N_("Please call the room first, so we can get to know you.")),
)


#: Reasons a volunteer takes someone off the list (any sign-up, also after the deadline):
#: (short button label for the volunteer, the sentence the resident reads in their language).
CANCEL_REASONS: tuple[tuple[str, str], ...] = (
    (N_("📞 Called to cancel"), N_("You let us know that you cannot come.")),
    (N_("🤒 Ill"), N_("You are ill. Get well soon!")),
    (N_("❔ Other reason"), N_("Please call the BuurtWerkKamer if you have a question.")),
)
#: One message of a long list stays below Telegram's 4,096 characters (UTF-16 units, counted
#: with the HTML tags and right-to-left marks, so the real count is always lower).
PAGE_BUDGET = 3900
#: People per page when a volunteer picks whom to take off the list.
PICK_PAGE = 8


# --- rendering -----------------------------------------------------------------------------


def when(t: Translator, view: MealView) -> str:
    return t._("{date} at {time}").format(
        date=t.date(view.meal.starts_at), time=t.time(view.meal.starts_at)
    )


def seats_line(t: Translator, view: MealView) -> str:
    if view.meal.cancelled:
        return t._("does not take place")
    if view.free == 0:
        return t.ngettext("full, {n} waiting", "full, {n} waiting", view.waiting).format(
            n=view.waiting) if view.waiting else t._("full")
    return t.ngettext("{n} seat left", "{n} seats left", view.free).format(n=view.free)


def diet_text(t: Translator, row: SignupRow) -> str:
    parts = [t._(DIET_LABELS[code]) for code in row.diet if code in DIET_LABELS]
    if row.diet_note:
        parts.append(t.quote(escape(row.diet_note)))
    return t.join(parts)


def person_label(t: Translator, row: SignupRow, *, channel: bool = False) -> str:
    """The name (or a neutral number); ``channel``: with "📱 WhatsApp" for a WhatsApp
    resident (the dinner list: the cook sees who uses which app)."""
    label = escape(row.name) if row.name else t._("anonymous {number}").format(
        number=row.user_id)
    return label + (badge(t, row.on_whatsapp) if channel else "")


def status_text(t: Translator, result: Result) -> str:
    row = result.signup
    if row is None:
        return t._("You are not signed up for this meal.")
    if row.status == "pending":
        return t._("Your sign-up is received. A volunteer will confirm it.")
    if row.status == "confirmed":
        return t._("Your seat is confirmed. See you then!")
    if row.status == "waiting":
        return t._("The meal is full. You are on the waiting list, place {place}. "
                   "If a seat frees up, I will send you a message.").format(place=result.place)
    if row.status == "offered":
        expires = row.offer_expires_at
        return t._("A seat is free for you! Do you want it? Please answer before {time}.").format(
            time=t.time(expires) if expires else "-")
    if row.status == "declined":
        return t._("A volunteer could not give you a seat. Reason: {reason}").format(
            reason=escape(t._(row.reason) if row.reason else "-"))
    if row.status == "cancelled" and row.reason:
        return t._("A volunteer took you off the list. {reason}").format(
            reason=escape(t._(row.reason)))
    if row.status == "cancelled":
        return t._("Your sign-up is cancelled.")
    return t._("You are not signed up for this meal.")


def call_line(t: Translator, phone: str) -> str:
    """After the deadline: what still works goes by phone, with the number if we have it."""
    if phone:
        return t._("The sign-up time is over. To change your sign-up, please call the "
                   "BuurtWerkKamer: {phone}").format(phone=escape(phone))
    return t._("The sign-up time is over. To change your sign-up, please call or visit the "
               "BuurtWerkKamer.")


def card(t: Translator, result: Result, now: datetime, phone: str = ""
         ) -> tuple[str, InlineKeyboardMarkup]:
    """A resident's own sign-up: what is arranged and only the buttons that still work.

    Before the deadline: guests, food wishes, cancel. After it: food wishes (the cook reads
    them on the day), cancel only from the waiting list, and the room's phone number for the
    rest. Once the meal has started: nothing to change.
    """
    view, row = result.view, result.signup
    assert view is not None
    mid = view.meal.id
    meal = view.meal
    closed = meal.deadline_at <= now
    started = meal.starts_at <= now
    lines = [
        "🍲 <b>" + t._("Shared dinner, {when}").format(when=when(t, view)) + "</b>",
        t._("This meal is cancelled.") if meal.cancelled else status_text(t, result),
    ]
    rows: list[list[tuple[str, Action]]] = []
    if row is not None and row.status in ("pending", "confirmed", "waiting", "offered"):
        lines.append(t.ngettext("With {n} guest from your household.",
                                "With {n} guests from your household.", row.guests)
                     .format(n=row.guests) if row.guests else t._("No guests."))
        diet = diet_text(t, row)
        lines.append(t._("Food wishes: {diet}").format(diet=diet) if diet
                     else t._("No food wishes."))
        if row.status == "offered":
            rows.append([(t._("✅ Yes, I will come"), meals.MealOfferAccept(mid)),
                         (t._("No, give it on"), meals.MealOfferReject(mid))])
        if not meal.cancelled and not started:
            guest_row = []
            if closed:
                pass  # more or fewer guests after the deadline: by phone
            elif row.guests < MAX_GUESTS:
                guest_row.append((t._("➕ Guest"), meals.MealGuests(mid, row.guests + 1)))
            if row.guests > 0 and not closed:
                guest_row.append((t._("➖ Guest"), meals.MealGuests(mid, row.guests - 1)))
            if guest_row:
                rows.append(guest_row)
            toggles = [((("✅ " if code in row.diet else "") + t._(DIET_LABELS[code])),
                        meals.MealDiet(mid, code)) for code in DIETS]
            rows += [toggles[:2], toggles[2:]]
            if "allergy" in row.diet:
                rows.append([(t._("✏️ Write what you are allergic to"), meals.MealNote(mid))])
            if not closed or row.status == "waiting":
                rows.append([(t._("❌ Cancel my sign-up"), meals.MealCancelAsk(mid))])
            if closed:
                lines.append("")
                lines.append(call_line(t, phone))
    elif not meal.cancelled and not closed and (row is None or row.status != "declined"):
        rows.append([(t._("✍️ Sign up"), meals.MealSignUp(mid))])
    rows.append([(t._("⬅️ All meals"), meals.MealList())])
    return "\n".join(lines), kb(rows)


def _units(t: Translator, text: str) -> int:
    """Telegram's length of ``text`` as it is sent (UTF-16 units, right-to-left marks too)."""
    return len(t.bidi(text).encode("utf-16-le")) // 2


def table_pages(t: Translator, table: Table, *, final: bool = False) -> list[str]:
    """The list of one meal as one or more messages, each below Telegram's limit.

    A long waiting list (or many long names and notes) never makes the list fail: it is cut
    between people into pages; every page repeats the heading and says which page it is.
    """
    view = table.view
    head_text = t._("Final list for the shared dinner, {when}") if final else t._(
        "Shared dinner, {when}")
    head = ["🍽 <b>" + head_text.format(when=when(t, view)) + "</b>"]
    if view.meal.cancelled:
        head.append(t._("This meal is cancelled."))
    head.append(t._("{taken} of {cap} seats taken, {free} left.").format(
        taken=view.taken, cap=view.cap, free=view.free))
    if table.diets:
        head.append(t._("Food: {counts}").format(counts=t.join(
            f"{n} {t._(DIET_LABELS[code])}" for code, n in table.diets.items())))
    head.append("")
    body: list[tuple[bool, str]] = []  # (on the waiting list, line)
    if not table.seated:
        body.append((False, t._("Nobody has signed up yet.")))
    for number, row in enumerate(table.seated, 1):
        mark = {"pending": "⏳", "confirmed": "✅", "offered": "📨"}.get(row.status, "")
        extra = []
        if row.guests:
            extra.append(t.ngettext("+{n} guest", "+{n} guests", row.guests).format(n=row.guests))
        diet = diet_text(t, row)
        if diet:
            extra.append(diet)
        if row.attended is not None:
            extra.append(t._("came") if row.attended else t._("did not come"))
        body.append((False, f"{number}. {mark} {person_label(t, row, channel=True)}"
                     + (f" ({t.semicolon.join(extra)})" if extra else "")))
    if table.waiting:
        body.append((False, ""))
        body.append((True, t._("Waiting list:")))
        for number, row in enumerate(table.waiting, 1):
            guests = f" +{row.guests}" if row.guests else ""
            body.append((True, f"{number}. {person_label(t, row, channel=True)}{guests}"))
    foot = ["", t._("⏳ received, ✅ confirmed, 📨 seat offered")]
    continued = t._("Waiting list (continued):")
    # Room for the page marker and a repeated "waiting list" heading on every page.
    fixed = _units(t, "\n".join(head + foot)) + _units(t, continued) + 40
    chunks: list[list[str]] = [[]]
    size = fixed
    for waiting, line in body:
        units = _units(t, line) + 1
        if chunks[-1] and size + units > PAGE_BUDGET:
            chunks.append([continued] if waiting and line != t._("Waiting list:") else [])
            size = fixed
            if not line:
                continue  # no blank line at the top of a page
        chunks[-1].append(line)
        size += units
    pages = []
    for number, chunk in enumerate(chunks, 1):
        top = list(head)
        if len(chunks) > 1:
            top[0] += " " + t._("(page {page} of {pages})").format(
                page=number, pages=len(chunks))
        pages.append("\n".join(top + chunk + foot))
    return pages


def table_text(t: Translator, table: Table, *, final: bool = False, page: int = 0) -> str:
    """One page of the list (the first by default; see :func:`table_pages`)."""
    pages = table_pages(t, table, final=final)
    return pages[max(0, min(page, len(pages) - 1))]


def plain_name(t: Translator, row: SignupRow) -> str:
    """A name for a button label (no HTML there)."""
    return row.name or t._("anonymous {number}").format(number=row.user_id)


def _page_row(t: Translator, page: int, pages: int, to: Callable[[int], Action]
              ) -> list[tuple[str, Action]]:
    """⬅️ and ➡️ between the pages of a long list (one of them on the first and last page)."""
    nav: list[tuple[str, Action]] = []
    if page > 0:
        nav.append((t._("⬅️ Previous page"), to(page - 1)))
    if page < pages - 1:
        nav.append((t._("Next page ➡️"), to(page + 1)))
    return nav


def table_markup(t: Translator, table: Table, person: Person, now: datetime, page: int = 0,
                 pages: int = 1) -> InlineKeyboardMarkup:
    mid = table.view.meal.id
    rows: list[list[tuple[str, Action]]] = []
    pending = [r for r in table.seated if r.status == "pending"]
    started = table.view.meal.starts_at <= now
    if pages > 1:
        rows.append(_page_row(t, page, pages, lambda to: meals.MealTablePage(mid, to)))
    for row in pending[:10]:
        label = plain_name(t, row)
        rows.append([(t._("✅ {name}").format(name=label), meals.MealConfirm(row.id)),
                     (t._("✖️ {name}").format(name=label), meals.MealDeclineAsk(row.id))])
    if len(pending) > 1:
        rows.append([(t._("✅ Confirm everyone"), meals.MealConfirmAll(mid))])
    if not table.view.meal.cancelled and not started and (table.seated or table.waiting):
        rows.append([(t._("✖️ Take someone off the list"), meals.MealTakeOffPick(mid, 0))])
    if not table.view.meal.cancelled:
        rows.append([(t._("➕ Add someone without Telegram"), meals.MealAddOffline(mid))])
    for other, count in table.pending_elsewhere[:3]:
        rows.append([(t._("⏳ {date}: {n} to confirm").format(
            date=t.date(other.meal.starts_at, "EEE d MMM"), n=count),
            meals.MealTable(other.meal.id))])
    room = table.view.meal.room
    rows.append([(t._("🙋 Who came?"), meals.MealAttendance(mid)),
                 (t._("📅 Other meals"), meals.MealOtherMealsOf(room))])
    if person.role == COORDINATOR and not table.view.meal.cancelled and not started:
        rows.append([(t._("🔢 Seats for this meal"), meals.MealSetCap(mid)),
                     (t._("🚫 Cancel this meal"), meals.MealCancelMealAsk(mid))])
    if person.role == COORDINATOR:
        rows.append([(t._("🔢 Seats for all meals"), meals.MealSetRoomCap(room)),
                     (t._("🏠 Other room"), meals.MealRooms())])
    refresh = meals.MealTablePage(mid, page) if page else meals.MealTable(mid)
    rows.append([(t._("🔄 Refresh"), refresh),
                 (t._("⬅️ Menu"), MenuMain())])
    return kb(rows)


def pick_text(t: Translator, table: Table, page: int) -> tuple[str, InlineKeyboardMarkup, int]:
    """Whom to take off the list: everyone signed up or waiting, a page of names at a time."""
    mid = table.view.meal.id
    people = [*table.seated, *table.waiting]
    pages = max(1, -(-len(people) // PICK_PAGE))
    page = max(0, min(page, pages - 1))
    marks = {"pending": "⏳", "confirmed": "✅", "offered": "📨", "waiting": "🕐"}
    rows: list[list[tuple[str, Action]]] = []
    for row in people[page * PICK_PAGE:(page + 1) * PICK_PAGE]:
        rows.append([(f"✖️ {marks.get(row.status, '')} {plain_name(t, row)}",
                      meals.MealTakeOffReason(row.id))])
    if pages > 1:
        rows.append(_page_row(t, page, pages, lambda to: meals.MealTakeOffPick(mid, to)))
    rows.append([(t._("⬅️ Back to the list"), meals.MealTable(mid))])
    text = t._("Whom do you take off the list for {when}? Tap the name. "
               "🕐 = on the waiting list.").format(when=when(t, table.view))
    if pages > 1:
        text += " " + t._("(page {page} of {pages})").format(page=page + 1, pages=pages)
    return text, kb(rows), page


def reason_text(t: Translator, view: MealView, row: SignupRow) -> tuple[str, InlineKeyboardMarkup]:
    """Why the volunteer takes this person off: short reasons, shown to them in their language."""
    text = t._("Take {name} off the list for {when}? Choose the reason.").format(
        name=person_label(t, row), when=when(t, view))
    if row.has_address:
        text += "\n" + t._("They get a message with the reason.")
    text += "\n\n" + "\n".join(f"{t._(label)}: {t.quote(t._(sentence))}"
                                 for label, sentence in CANCEL_REASONS)
    rows = [[(t._(label), meals.MealTakeOff(row.id, i))] for i, (label, _) in
            enumerate(CANCEL_REASONS)]
    rows.append([(t._("⬅️ Back"), meals.MealTakeOffPick(view.meal.id, 0))])
    return text, kb(rows)


OUTCOME_TEXT = {
    Outcome.NOT_FOUND: N_("This meal does not exist (any more)."),
    Outcome.OTHER_ROOM: N_("This meal is in another BuurtWerkKamer. Tap /eten for the meals "
                           "in your room."),
    Outcome.PAST: N_("This meal has already started or is over."),
    Outcome.CLOSED: N_("The sign-up time for this meal is over. Please call the room to "
                       "change something."),
    Outcome.CANCELLED: N_("This meal is cancelled."),
    Outcome.NO_SEATS: N_("There are not enough seats left for another guest."),
    Outcome.INVALID: N_("That is not possible."),
    Outcome.NOT_SIGNED_UP: N_("You are not signed up for this meal."),
    Outcome.NO_OFFER: N_("This offer is no longer valid."),
    Outcome.FORBIDDEN: N_("You cannot do this for this meal."),
    Outcome.ALREADY: N_("That was already done."),
}


def outcome_text(t: Translator, outcome: Outcome, room_phone: str = "") -> str:
    text = t._(OUTCOME_TEXT.get(outcome, N_("That is not possible.")))
    if outcome is Outcome.CLOSED and room_phone:
        text += " " + t._("Phone: {phone}").format(phone=escape(room_phone))
    return text


def notice_text(t: Translator, notice: Notice, view: MealView) -> tuple[str, InlineKeyboardMarkup]:
    mid = view.meal.id
    meal = when(t, view)
    open_card = kb([[(t._("📋 My sign-up"), meals.MealMySignup(mid))]])
    if notice.kind == "confirmed":
        return t._("Your seat at the shared dinner on {when} is confirmed. "
                   "See you then!").format(when=meal), open_card
    if notice.kind == "declined":
        return t._("A volunteer could not give you a seat at the shared dinner on {when}. "
                   "Reason: {reason}").format(
                       when=meal, reason=escape(t._(notice.data["reason"]))), \
            kb([[(t._("⬅️ All meals"), meals.MealList())]])
    if notice.kind == "offer":
        return t._("Good news: a seat is free for you at the shared dinner on {when}. "
                   "Do you want it? Please answer before {time}.").format(
                       when=meal, time=t.time(notice.data["expires"])), kb([
                           [(t._("✅ Yes, I will come"), meals.MealOfferAccept(mid))],
                           [(t._("No, give it on"), meals.MealOfferReject(mid))]])
    if notice.kind == "offer_expired":
        return t._("You did not answer in time, so the seat at the shared dinner on {when} "
                   "went to the next person.").format(when=meal), \
            kb([[(t._("⬅️ All meals"), meals.MealList())]])
    if notice.kind == "waitlisted":
        return t._("Fewer seats are available at the shared dinner on {when}. You are now on "
                   "the waiting list, place {place}. I will tell you when a seat frees up.").format(
                       when=meal, place=notice.data.get("place") or 1), open_card
    if notice.kind == "cancelled":
        return t._("Sorry: the shared dinner on {when} is cancelled.").format(when=meal), \
            kb([[(t._("⬅️ All meals"), meals.MealList())]])
    if notice.kind == "removed":
        return t._("A volunteer took you off the list for the shared dinner on {when}. "
                   "{reason}").format(when=meal, reason=escape(t._(notice.data["reason"]))), \
            kb([[(t._("⬅️ All meals"), meals.MealList())]])
    return reminder_text(t, notice, view), open_card


def reminder_text(t: Translator, notice: Notice, view: MealView) -> str:
    """The 09:00 reminder says where each person stands; "see you" only to a confirmed seat."""
    meal = when(t, view)
    status = notice.data.get("status", "confirmed")
    if status == "pending":
        return t._("Reminder: today is the shared dinner, {when}. Your sign-up is not "
                   "confirmed yet. A volunteer will look at it today. You do not need to do "
                   "anything. You get a message when it is confirmed.").format(when=meal)
    if status == "waiting":
        return t._("Reminder: today is the shared dinner, {when}. The meal is full. You are on "
                   "the waiting list, place {place}. If a seat frees up, I will send you a "
                   "message.").format(when=meal, place=notice.data.get("place") or 1)
    return t._("Reminder: today is the shared dinner, {when}. Your seat is confirmed. "
               "See you!").format(when=meal)


#: Notices after which the person's own card is out of date (it is edited in place).
CARD_CHANGES = ("confirmed", "declined", "offer", "offer_expired", "waitlisted", "cancelled",
                "removed")


async def refresh_cards(app: Any, services: Any, pairs: list[tuple[int, int]],
                        now: datetime | None = None, skip: tuple[int, int] | None = None
                        ) -> None:
    """Edit each (user id, meal id)'s remembered cards to what is true ``now`` (except the
    message ``skip`` = (chat id, message id), which the caller has just drawn). An edit is
    not a message: repeated after a crash it shows the same, so it needs no outbox row."""
    seen: set[tuple[int, int]] = set()
    unique = [p for p in pairs if not (p in seen or seen.add(p))]
    for found, user_id, meal_id in await services.meals.cards_of(unique):
        if skip == (found.chat_id, found.message_id):
            continue
        person = await services.users.by_id(user_id)
        if person is None:
            continue
        result = await services.meals.my_signup(person, meal_id)
        if result.view is None:
            continue
        t = translator(person.language)
        room = services.config.room(result.view.meal.room)
        text, markup = card(t, result, now or services.clock.now(), room.phone if room else "")
        receipt = Receipt("telegram", str(found.chat_id), str(found.message_id))
        try:
            kept = await app.port.edit(receipt, OutMessage(text, from_markup(markup),
                                                           lang=t.language))
        except Exception:  # a card that cannot be edited now never stops the others
            log.exception("could not update a meal card")
            continue
        if kept is False:
            # Deleted, or too old to edit: forget it; the next card they open is fresh.
            await services.meals.untrack_card(found.chat_id, found.message_id)


async def show_card(update: Update, context: BotContext, result: Result) -> None:
    """Show the resident their card and remember the message, to keep it up to date."""
    if result.view is None:
        await refuse(update, context, result.outcome)
        return
    room = context.services.config.room(result.view.meal.room)
    text, markup = card(context.t, result, context.services.clock.now(),
                        room.phone if room else "")
    message = await reply(update, context, text, markup)
    if message is not None and result.signup is not None:
        await context.services.meals.track_card(result.signup.id, message.chat_id,
                                                message.message_id)
        if result.outcome is not Outcome.ALREADY and context.person is not None:
            # Their older cards of this meal (an offer accepted from the message below it).
            await refresh_cards(context.application, context.services,
                                [(context.person.id, result.view.meal.id)],
                                skip=(message.chat_id, message.message_id))


async def leave_card(update: Update, context: BotContext) -> None:
    """The message a button sat on is about to show something else: it is no card any more."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await context.services.meals.untrack_card(query.message.chat.id,
                                                  query.message.message_id)


async def refuse(update: Update, context: BotContext, outcome: Outcome) -> None:
    room = context.services.config.room(context.person.room if context.person else None)
    text = outcome_text(context.t, outcome, room.phone if room else "")
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    else:
        await reply(update, context, text, edit=False)
