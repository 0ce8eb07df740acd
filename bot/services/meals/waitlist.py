"""The waitlist: who gets a seat, who is offered one that came free, and for how long.

Every method runs inside the caller's transaction, so a seat is never handed out twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.services.meals.core import MealCore
from bot.services.meals.model import MIN_OFFER_WINDOW, OFFER_WINDOW, Notice, Outcome, Result
from bot.store import meals as store
from bot.store.meals import SEATED, MealRow, SignupRow


class MealWaitlist(MealCore):
    async def _seat_or_wait(
        self, conn: aiosqlite.Connection, meal: MealRow, user_id: int, now: datetime,
        added_by: int | None = None,
    ) -> Result:
        existing = await store.signup_of(conn, meal.id, user_id)
        if existing is not None and existing.status in (*store.ACTIVE, "declined"):
            # A double tap, or a volunteer already said no (the card shows the reason).
            return await self._result(conn, meal, existing.id, Outcome.ALREADY)
        view = await self._view(conn, meal)
        # Seats go to the waitlist first: nobody jumps the queue.
        if view.free >= 1 and view.waiting == 0:
            status, position, outcome = "pending", None, Outcome.OK
        else:
            status, position = "waiting", await store.next_position(conn, meal.id)
            outcome = Outcome.WAITLISTED
        if existing is None:
            signup_id = await store.insert_signup(
                conn, meal.id, user_id, status, position, now, added_by
            )
        else:
            signup_id = existing.id
            await store.reopen_signup(conn, signup_id, status, position, now)
        return await self._result(conn, meal, signup_id, outcome)

    def offer_window(self, meal: MealRow, now: datetime) -> timedelta | None:
        """Three hours, shorter close to the meal (half the time left); None: too late."""
        window = min(OFFER_WINDOW, (meal.starts_at - now) / 2)
        return window if window >= MIN_OFFER_WINDOW else None

    async def _promote(
        self, conn: aiosqlite.Connection, meal: MealRow, now: datetime
    ) -> list[Notice]:
        """Offer free seats to the first people waiting who fit (inside the caller's tx)."""
        if meal.cancelled or meal.starts_at <= now:
            return []
        window = self.offer_window(meal, now)
        if window is None:
            return []
        view = await self._view(conn, meal)
        free = view.free
        notices = []
        for row in await store.signups(conn, meal.id):
            if free <= 0:
                break
            if row.status != "waiting" or row.seats > free:
                continue
            expires = now + window
            await store.update_signup(
                conn, row.id, now, status="offered", position=None, offer_expires_at=expires
            )
            free -= row.seats
            if not row.has_address:
                # Someone without Telegram: a volunteer phoned them; the seat is theirs.
                await store.update_signup(conn, row.id, now, status="pending",
                                          offer_expires_at=None)
                continue
            notices.append(Notice(row.user_id, "offer", meal.id, {"expires": expires}))
        return notices

    async def _enforce_cap(
        self, conn: aiosqlite.Connection, meal: MealRow, now: datetime
    ) -> list[Notice]:
        """A lowered cap moves the latest sign-ups to the top of the waitlist, in order."""
        cap = await self._cap(conn, meal)
        seated = [r for r in await store.signups(conn, meal.id) if r.status in SEATED]
        seated.sort(key=lambda r: (r.created_at, r.id))
        taken = sum(r.seats for r in seated)
        moved: list[SignupRow] = []
        while taken > cap and seated:
            row = seated.pop()
            moved.append(row)
            taken -= row.seats
        notices = []
        for row in moved:  # latest first, so the earliest of them ends up on top
            position = await store.next_position(conn, meal.id, top=True)
            await store.update_signup(
                conn, row.id, now, status="waiting", position=position, offer_expires_at=None
            )
        for row in moved:
            notices.append(Notice(row.user_id, "waitlisted", meal.id, {
                "place": await self._place(conn, await store.signup(conn, row.id))}))  # type: ignore[arg-type]
        return notices + await self._promote(conn, meal, now)
