"""What a resident does with the eettafel: see the meals, sign up, bring guests, say what
they cannot eat, cancel, and answer a seat offered from the waitlist."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.actions.meals import MealSignUp
from bot.schedule import CalendarEntry
from bot.services.meals.core import LATE_DIET
from bot.services.meals.model import (
    CATEGORY,
    DIETS,
    MAX_GUESTS,
    MAX_NOTE,
    MEAL_LENGTH,
    TITLE,
    MealView,
    Outcome,
    Result,
)
from bot.services.meals.waitlist import MealWaitlist
from bot.store import meals as store
from bot.store.meals import SEATED, MealRow, SignupRow

if TYPE_CHECKING:
    from bot.services.users import Person


class MealResidents(MealWaitlist):
    # --- what is on --------------------------------------------------------------------

    async def upcoming(self, room: str, days: int = 14) -> list[MealView]:
        """Meals of ``room`` that have not started yet, soonest first."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(conn, room, now, now + timedelta(days=days))
            return await self._views(conn, meals)

    async def view(self, meal_id: int) -> MealView | None:
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            return None if meal is None else await self._view(conn, meal)

    async def calendar_entries(
        self, room: str, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """The meals of ``room`` in [start, end) as calendar rows (with a sign-up button)."""
        await self.ensure_schedule()  # as far ahead as the programme (see schedule_ahead)
        now = self.now()
        async with self.db.transaction() as conn:
            views = await self._views(conn, await store.meals_between(conn, room, start, end))
        entries = []
        for view in views:
            meal = view.meal
            open_ = not meal.cancelled and now < meal.deadline_at
            entries.append(
                CalendarEntry(
                    room=meal.room,
                    starts_at=meal.starts_at,
                    ends_at=meal.starts_at + MEAL_LENGTH,
                    title=TITLE,
                    category=CATEGORY,
                    ref=f"meal:{meal.id}",
                    cancelled=meal.cancelled,
                    capacity=view.cap,
                    taken=view.taken,
                    signup_data=MealSignUp(meal.id) if open_ else None,
                    sequence=1 if meal.cancelled else 0,
                    modified_at=meal.cancelled_at,
                )
            )
        return entries

    # --- my sign-up --------------------------------------------------------------------

    async def _open_meal(
        self, conn: aiosqlite.Connection, person: Person, meal_id: int, *, deadline: bool = True
    ) -> tuple[Outcome, MealRow | None]:
        meal = await store.get_meal(conn, meal_id)
        if meal is None:
            return Outcome.NOT_FOUND, None
        if meal.room != person.room:
            return Outcome.OTHER_ROOM, meal
        if meal.cancelled:
            return Outcome.CANCELLED, meal
        now = self.now()
        if meal.starts_at <= now:
            return Outcome.PAST, meal
        if deadline and meal.deadline_at <= now:
            return Outcome.CLOSED, meal
        return Outcome.OK, meal

    async def _own_signup(
        self, conn: aiosqlite.Connection, person: Person, meal_id: int, *, deadline: bool = True
    ) -> tuple[Outcome, MealRow | None, SignupRow | None]:
        """The open meal and ``person``'s active sign-up for it, or why there is none.

        The meal comes back with ``NOT_SIGNED_UP`` too (to show its seats); with any other
        refusal both are None.
        """
        outcome, meal = await self._open_meal(conn, person, meal_id, deadline=deadline)
        if outcome is not Outcome.OK or meal is None:
            return outcome, None, None
        row = await store.signup_of(conn, meal_id, person.id)
        if row is None or row.status not in store.ACTIVE:
            return Outcome.NOT_SIGNED_UP, meal, None
        return Outcome.OK, meal, row

    async def sign_up(self, person: Person, meal_id: int) -> Result:
        """One tap: a seat (pending until a volunteer confirms) or a place on the waitlist."""
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            return await self._seat_or_wait(conn, meal, person.id, now)

    async def my_signup(self, person: Person, meal_id: int) -> Result:
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None or meal.room != person.room:
                return Result(Outcome.NOT_FOUND)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None:
                return Result(Outcome.NOT_SIGNED_UP, await self._view(conn, meal))
            return await self._result(conn, meal, row.id, Outcome.OK)

    async def signup_row(self, signup_id: int) -> SignupRow | None:
        """One sign-up as it is now (a notice rendered at send time reads it)."""
        return await self.db.run(store.signup, signup_id)

    # --- the resident's card ------------------------------------------------------------

    async def track_card(self, signup_id: int, chat_id: int, message_id: int) -> None:
        """Remember which message shows this sign-up's card, to edit it on every change."""
        async with self.db.transaction() as conn:
            await store.track_card(conn, signup_id, chat_id, message_id, self.now())

    async def untrack_card(self, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await store.untrack_message(conn, chat_id, message_id)

    async def cards_of(
        self, pairs: list[tuple[int, int]]
    ) -> list[tuple[store.CardRow, int, int]]:
        """The tracked cards of (user id, meal id) pairs: (card, user id, meal id)."""
        out = []
        async with self.db.transaction() as conn:
            for user_id, meal_id in pairs:
                row = await store.signup_of(conn, meal_id, user_id)
                if row is None:
                    continue
                for found in await store.cards(conn, [row.id]):
                    out.append((found, user_id, meal_id))
        return out

    async def active_people(self, meal_id: int) -> list[int]:
        """User ids with an active sign-up for the meal (their cards change at the deadline)."""
        async with self.db.transaction() as conn:
            return [row.user_id for row in await store.signups(conn, meal_id)
                    if row.status in store.ACTIVE and row.has_address]

    async def my_signups(self, person: Person) -> dict[int, SignupRow]:
        """meal id → my sign-up, for the coming meals list."""
        async with self.db.transaction() as conn:
            rows = await store.of_user(conn, person.id)
        now = self.now()
        return {meal.id: row for meal, row in rows if meal.starts_at > now}

    async def set_guests(self, person: Person, meal_id: int, guests: int) -> Result:
        """Guests from my household count against the cap; more seats only if they are free."""
        if not 0 <= guests <= MAX_GUESTS:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._own_signup(conn, person, meal_id)
            if meal is None or row is None:
                return Result(outcome)
            if guests == row.guests:
                # A double tap, or the same button pressed again: nothing to change.
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            extra = guests - row.guests
            if row.status in SEATED and extra > 0:
                view = await self._view(conn, meal)
                if view.free < extra:
                    return await self._result(conn, meal, row.id, Outcome.NO_SEATS)
            await store.update_signup(conn, row.id, now, guests=guests)
            notices = await self._promote(conn, meal, now) if extra < 0 else []
            await self._tell(conn, notices)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def toggle_diet(self, person: Person, meal_id: int, code: str) -> Result:
        """Tick a diet on or off; without "allergy" the allergy note goes too."""
        if code not in DIETS:
            return Result(Outcome.INVALID)

        def change(row: SignupRow) -> tuple[set[str], str | None]:
            diet = set(row.diet) ^ {code}
            return diet, row.diet_note if "allergy" in diet else None

        return await self._change_diet(person, meal_id, change)

    async def set_note(self, person: Person, meal_id: int, note: str) -> Result:
        """A short allergy note (the cook reads it); too long is refused, not cut."""
        note = " ".join(note.split())
        if not note or len(note) > MAX_NOTE:
            return Result(Outcome.INVALID)
        return await self._change_diet(
            person, meal_id, lambda row: (set(row.diet) | {"allergy"}, note)
        )

    async def _change_diet(
        self, person: Person, meal_id: int,
        change: Callable[[SignupRow], tuple[set[str], str | None]],
    ) -> Result:
        """Apply ``change`` (my sign-up → diets, allergy note) to my sign-up and store it.

        Diets can change after the sign-up deadline, until the meal starts (the cook reads
        them on the day); they are stored in the order of ``DIETS``, so every list reads alike.
        """
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._own_signup(conn, person, meal_id, deadline=False)
            if meal is None or row is None:
                return Result(outcome)
            diet, note = change(row)
            codes = ",".join(c for c in DIETS if c in diet)
            await store.update_signup(conn, row.id, now, diet=codes, diet_note=note)
            if meal.list_sent and row.status in SEATED:
                await self._tell_cook(conn, meal, row.id, codes, note)
            return await self._result(conn, meal, row.id, Outcome.OK)

    async def _tell_cook(self, conn: aiosqlite.Connection, meal: MealRow, signup_id: int,
                         diet: str, note: str | None) -> None:
        """Food wishes changed after the cook's final list went out: the kookgroep must know
        (an allergy typed at 15:00 is useless if the cook only reads the 12:00 list). One
        ``meal.late_diet`` row per helper, with the wishes as they are after this change."""
        for helper in await self.services.recipients.room_helpers(conn, meal.room):
            await self.services.outbox.enqueue(
                conn, to=helper, kind=LATE_DIET, ref=meal.id,
                dedupe=f"{signup_id}:{secrets.token_hex(6)}",
                params={"signup": signup_id, "diet": diet, "note": note},
                expires_at=meal.starts_at + MEAL_LENGTH)

    async def cancel(self, person: Person, meal_id: int) -> Result:
        """Cancel myself up to the deadline (the waitlist may leave any time before the meal)."""
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal, row = await self._own_signup(conn, person, meal_id, deadline=False)
            if meal is None or row is None:
                if outcome is Outcome.NOT_SIGNED_UP and meal is not None:
                    gone = await store.signup_of(conn, meal_id, person.id)
                    if gone is not None and gone.status == "cancelled":
                        # "Yes, cancel" pressed twice (or again after a restart).
                        return await self._result(conn, meal, gone.id, Outcome.ALREADY)
                return Result(outcome, None if meal is None else await self._view(conn, meal))
            if row.status in SEATED and meal.deadline_at <= now:
                return Result(Outcome.CLOSED, await self._view(conn, meal), row)
            await store.update_signup(
                conn, row.id, now, status="cancelled", position=None, offer_expires_at=None
            )
            notices = await self._promote(conn, meal, now)
            await self._tell(conn, notices)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def answer_offer(self, person: Person, meal_id: int, accept: bool) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id, deadline=False)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is not None and row.status in ("pending", "confirmed"):
                # Accepted already (a double tap, or the old button after a restart): the
                # seat is theirs; a late "no" on the old offer does not give it away.
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            if row is not None and not accept and row.status == "cancelled":
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            if row is None or row.status != "offered" or (
                row.offer_expires_at is not None and row.offer_expires_at <= now
            ):
                return Result(Outcome.NO_OFFER, await self._view(conn, meal), row)
            if accept:
                await store.update_signup(
                    conn, row.id, now, status="pending", position=None, offer_expires_at=None
                )
                return await self._result(conn, meal, row.id, Outcome.OK)
            await store.update_signup(
                conn, row.id, now, status="cancelled", position=None, offer_expires_at=None
            )
            notices = await self._promote(conn, meal, now)
            await self._tell(conn, notices)
            return await self._result(conn, meal, row.id, Outcome.CANCELLED, notices)
