"""Eettafel: capped meal sign-up, waitlist, confirmation, attendance.

The seat invariant (pending + confirmed + offered seats, guests included, never above the cap)
and every waitlist promotion are checked and written inside one ``db.transaction()``. Methods
return what happened plus :class:`Notice` rows for other people; the handlers render and send
those after the transaction committed. Nothing here knows Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.clock import TZ, local, to_db
from bot.i18n import N_
from bot.schedule import CalendarEntry
from bot.store import job_runs
from bot.store import meals as store
from bot.store import participation as participation_store
from bot.store.meals import SEATED, MealRow, SignupRow
from bot.store.users import create as create_user

if TYPE_CHECKING:
    from bot.services import Services
    from bot.services.users import Person

TITLE = N_("Eettafel")
CATEGORY = "sociale_ontmoeting"
MEAL_LENGTH = timedelta(hours=2)
SCHEDULE_AHEAD = timedelta(weeks=3)
OFFER_WINDOW = timedelta(hours=3)
MIN_OFFER_WINDOW = timedelta(minutes=10)
MAX_GUESTS = 2
MAX_NOTE = 100
CAP_RANGE = (1, 40)
REMINDER_HOUR = 9
#: New sign-ups are told to the kookgroep in batches: once the oldest waits this long...
NEW_SIGNUP_BATCH = timedelta(minutes=30)
#: ...and only in the daytime (local hours [start, end)), never at night.
NOTIFY_HOURS = (8, 21)
DIETS = ("halal", "vega", "nopork", "allergy")


class Outcome(Enum):
    OK = "ok"
    WAITLISTED = "waitlisted"
    ALREADY = "already"
    NOT_FOUND = "not_found"
    OTHER_ROOM = "other_room"
    PAST = "past"
    CLOSED = "closed"  # after the sign-up deadline
    CANCELLED = "cancelled"
    NO_SEATS = "no_seats"
    INVALID = "invalid"
    NOT_SIGNED_UP = "not_signed_up"
    NO_OFFER = "no_offer"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Notice:
    """Something to tell a person after the transaction: ``kind`` picks the text."""

    user_id: int
    kind: str  # confirmed, declined, offer, offer_expired, waitlisted, cancelled, reminder
    meal_id: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MealView:
    meal: MealRow
    cap: int
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.cap - self.taken)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    view: MealView | None = None
    signup: SignupRow | None = None
    place: int | None = None  # waitlist place (1 = next)
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """Everything a volunteer needs about one meal."""

    view: MealView
    seated: list[SignupRow]
    waiting: list[SignupRow]
    diets: dict[str, int]


@dataclass(frozen=True)
class NewSignups:
    """Sign-ups of one room waiting for a volunteer's confirmation, per meal (a digest)."""

    room: str
    meals: list[tuple[MealView, list[SignupRow]]]


class MealService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._scheduled_on: date | None = None  # the day ensure_schedule last ran

    @property
    def db(self):
        return self.services.db

    def now(self) -> datetime:
        return self.services.clock.now()

    async def start(self) -> None:
        """Register privacy hooks and make sure the coming weeks' meals exist."""
        self.services.privacy.register("meals", self._export, self._erase)
        await self.ensure_schedule()

    # --- schedule --------------------------------------------------------------------

    async def ensure_schedule(self, now: datetime | None = None) -> None:
        """Create meal rows for the next three weeks from each room's weekly slots."""
        now = local(now or self.now())
        today = now.date()
        if self._scheduled_on == today:
            return  # rooms and slots only change with a restart; once a day is enough
        async with self.db.transaction() as conn:
            for room in self.services.config.rooms.values():
                for offset in range(SCHEDULE_AHEAD.days + 1):
                    day = today + timedelta(days=offset)
                    for slot in room.meals:
                        if slot.weekday != day.weekday():
                            continue
                        starts = datetime.combine(day, slot.at, TZ)
                        if starts <= now:
                            continue
                        deadline_time = min(room.meal_signup_deadline, slot.at)
                        deadline = datetime.combine(day, deadline_time, TZ)
                        await store.ensure_meal(conn, room.id, starts, deadline, now)
        self._scheduled_on = today

    async def _cap(self, conn: aiosqlite.Connection, meal: MealRow) -> int:
        if meal.cap is not None:
            return meal.cap
        override = await store.room_cap(conn, meal.room)
        if override is not None:
            return override
        room = self.services.config.room(meal.room)
        return room.meal_cap if room else 12

    async def _view(self, conn: aiosqlite.Connection, meal: MealRow) -> MealView:
        counts = await store.seats_taken_many(conn, [meal.id])
        taken, waiting = counts.get(meal.id, (0, 0))
        return MealView(meal, await self._cap(conn, meal), taken, waiting)

    async def room_cap(self, room: str) -> int:
        async with self.db.transaction() as conn:
            override = await store.room_cap(conn, room)
        config_room = self.services.config.room(room)
        return override if override is not None else (config_room.meal_cap if config_room else 12)

    async def upcoming(self, room: str, days: int = 14) -> list[MealView]:
        """Meals of ``room`` that have not started yet, soonest first."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(conn, room, now, now + timedelta(days=days))
            counts = await store.seats_taken_many(conn, [m.id for m in meals])
            views = []
            for meal in meals:
                taken, waiting = counts.get(meal.id, (0, 0))
                views.append(MealView(meal, await self._cap(conn, meal), taken, waiting))
        return views

    async def view(self, meal_id: int) -> MealView | None:
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            return None if meal is None else await self._view(conn, meal)

    async def calendar_entries(
        self, room: str, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """The meals of ``room`` in [start, end) as calendar rows (with a sign-up button)."""
        await self.ensure_schedule()
        now = self.now()
        async with self.db.transaction() as conn:
            meals = await store.meals_between(conn, room, start, end)
            counts = await store.seats_taken_many(conn, [m.id for m in meals])
            entries = []
            for meal in meals:
                taken, _waiting = counts.get(meal.id, (0, 0))
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
                        capacity=await self._cap(conn, meal),
                        taken=taken,
                        signup_data=signup_data(meal.id) if open_ else None,
                    )
                )
        return entries

    # --- residents ---------------------------------------------------------------------

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

    async def sign_up(self, person: Person, meal_id: int) -> Result:
        """One tap: a seat (pending until a volunteer confirms) or a place on the waitlist."""
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            return await self._seat_or_wait(conn, meal, person.id, now)

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

    async def _result(
        self, conn: aiosqlite.Connection, meal: MealRow, signup_id: int, outcome: Outcome,
        notices: list[Notice] | None = None,
    ) -> Result:
        row = await store.signup(conn, signup_id)
        place = await self._place(conn, row) if row else None
        return Result(outcome, await self._view(conn, meal), row, place, notices or [])

    async def _place(self, conn: aiosqlite.Connection, row: SignupRow) -> int | None:
        if row.status != "waiting":
            return None
        cursor = await conn.execute(
            "SELECT COUNT(*) FROM meal_signups WHERE meal_id = ? AND status = 'waiting'"
            " AND (position < ? OR (position = ? AND id < ?))",
            (row.meal_id, row.position, row.position, row.id),
        )
        found = await cursor.fetchone()
        return 1 + (int(found[0]) if found else 0)

    async def my_signup(self, person: Person, meal_id: int) -> Result:
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None or meal.room != person.room:
                return Result(Outcome.NOT_FOUND)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None:
                return Result(Outcome.NOT_SIGNED_UP, await self._view(conn, meal))
            return await self._result(conn, meal, row.id, Outcome.OK)

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
            outcome, meal = await self._open_meal(conn, person, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None or row.status not in store.ACTIVE:
                return Result(Outcome.NOT_SIGNED_UP)
            extra = guests - row.guests
            if row.status in SEATED and extra > 0:
                view = await self._view(conn, meal)
                if view.free < extra:
                    return await self._result(conn, meal, row.id, Outcome.NO_SEATS)
            await store.update_signup(conn, row.id, now, guests=guests)
            notices = await self._promote(conn, meal, now) if extra < 0 else []
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def toggle_diet(self, person: Person, meal_id: int, code: str) -> Result:
        if code not in DIETS:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id, deadline=False)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None or row.status not in store.ACTIVE:
                return Result(Outcome.NOT_SIGNED_UP)
            diet = set(row.diet) ^ {code}
            fields: dict[str, object] = {"diet": ",".join(c for c in DIETS if c in diet)}
            if "allergy" not in diet:
                fields["diet_note"] = None
            await store.update_signup(conn, row.id, now, **fields)
            return await self._result(conn, meal, row.id, Outcome.OK)

    async def set_note(self, person: Person, meal_id: int, note: str) -> Result:
        """A short allergy note (the cook reads it); too long is refused, not cut."""
        note = " ".join(note.split())
        if not note or len(note) > MAX_NOTE:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id, deadline=False)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None or row.status not in store.ACTIVE:
                return Result(Outcome.NOT_SIGNED_UP)
            diet = set(row.diet) | {"allergy"}
            await store.update_signup(
                conn, row.id, now, diet=",".join(c for c in DIETS if c in diet), diet_note=note
            )
            return await self._result(conn, meal, row.id, Outcome.OK)

    async def cancel(self, person: Person, meal_id: int) -> Result:
        """Cancel myself up to the deadline (the waitlist may leave any time before the meal)."""
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id, deadline=False)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
            if row is None or row.status not in store.ACTIVE:
                return Result(Outcome.NOT_SIGNED_UP, await self._view(conn, meal))
            if row.status in SEATED and meal.deadline_at <= now:
                return Result(Outcome.CLOSED, await self._view(conn, meal), row)
            await store.update_signup(
                conn, row.id, now, status="cancelled", position=None, offer_expires_at=None
            )
            notices = await self._promote(conn, meal, now)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def answer_offer(self, person: Person, meal_id: int, accept: bool) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._open_meal(conn, person, meal_id, deadline=False)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            row = await store.signup_of(conn, meal_id, person.id)
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
            return await self._result(conn, meal, row.id, Outcome.CANCELLED, notices)

    # --- the waitlist ------------------------------------------------------------------

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
            if row.telegram_id is None:
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

    # --- volunteers --------------------------------------------------------------------

    @staticmethod
    def may_manage(person: Person, room: str) -> bool:
        """Volunteers manage their own room's meals; coordinators every room's."""
        if person.role == "coordinator":
            return True
        return person.has_role("volunteer") and person.room == room

    async def _managed(
        self, conn: aiosqlite.Connection, volunteer: Person, meal_id: int
    ) -> tuple[Outcome, MealRow | None]:
        meal = await store.get_meal(conn, meal_id)
        if meal is None:
            return Outcome.NOT_FOUND, None
        if not self.may_manage(volunteer, meal.room):
            return Outcome.FORBIDDEN, meal
        return Outcome.OK, meal

    async def table(self, volunteer: Person, meal_id: int) -> tuple[Outcome, Table | None]:
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return outcome, None
            return Outcome.OK, await self._table(conn, meal)

    async def _table(self, conn: aiosqlite.Connection, meal: MealRow) -> Table:
        rows = await store.signups(conn, meal.id)
        seated = [r for r in rows if r.status in SEATED]
        diets: dict[str, int] = {}
        for row in seated:
            for code in row.diet:
                diets[code] = diets.get(code, 0) + 1
        return Table(
            await self._view(conn, meal),
            seated,
            [r for r in rows if r.status == "waiting"],
            diets,
        )

    async def table_for(self, meal_id: int) -> Table | None:
        """The list without a role check (the tick sends it to the room's volunteers)."""
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            return None if meal is None else await self._table(conn, meal)

    async def next_meal(self, room: str) -> MealView | None:
        """The meal a volunteer most likely means: today's (until 3 hours after) or the next."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(
                conn, room, now - timedelta(hours=3), now + SCHEDULE_AHEAD
            )
            meals = [m for m in meals if not m.cancelled] or meals
            return await self._view(conn, meals[0]) if meals else None

    async def recent_meals(self, room: str) -> list[MealView]:
        """Meals of the last week and the next two weeks (for attendance and caps)."""
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            meals = await store.meals_between(
                conn, room, now - timedelta(days=7), now + timedelta(days=14)
            )
            return [await self._view(conn, m) for m in meals]

    async def _record_volunteer(
        self, conn: aiosqlite.Connection, volunteer: Person, meal: MealRow
    ) -> None:
        await self.services.participation.record(
            conn, person_key=volunteer.row.anon_key, room=meal.room, category="volunteer",
            source="volunteer", source_id=f"meal:{meal.id}",
        )

    async def confirm(self, volunteer: Person, signup_id: int) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            row = await store.signup(conn, signup_id)
            if row is None:
                return Result(Outcome.NOT_FOUND)
            outcome, meal = await self._managed(conn, volunteer, row.meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            if row.user_id == volunteer.id and volunteer.role != "coordinator":
                return Result(Outcome.FORBIDDEN)
            if row.status != "pending":
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            await store.update_signup(conn, row.id, now, status="confirmed")
            await self._record_volunteer(conn, volunteer, meal)
            return await self._result(conn, meal, row.id, Outcome.OK,
                                      [Notice(row.user_id, "confirmed", meal.id)])

    async def confirm_all(self, volunteer: Person, meal_id: int) -> Result:
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            notices = []
            for row in await store.signups(conn, meal_id):
                if row.status != "pending" or row.user_id == volunteer.id:
                    continue
                await store.update_signup(conn, row.id, now, status="confirmed")
                notices.append(Notice(row.user_id, "confirmed", meal.id))
            if notices:
                await self._record_volunteer(conn, volunteer, meal)
            return Result(Outcome.OK if notices else Outcome.ALREADY,
                          await self._view(conn, meal), notices=notices)

    async def decline(self, volunteer: Person, signup_id: int, reason: str) -> Result:
        """Decline with a reason; the seat goes to the waitlist."""
        reason = " ".join(reason.split())
        if not reason or len(reason) > MAX_NOTE * 2:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            row = await store.signup(conn, signup_id)
            if row is None:
                return Result(Outcome.NOT_FOUND)
            outcome, meal = await self._managed(conn, volunteer, row.meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            if row.status not in store.ACTIVE:
                return await self._result(conn, meal, row.id, Outcome.ALREADY)
            await store.update_signup(conn, row.id, now, status="declined", reason=reason,
                                      position=None, offer_expires_at=None)
            await self._record_volunteer(conn, volunteer, meal)
            notices = [Notice(row.user_id, "declined", meal.id, {"reason": reason})]
            notices += await self._promote(conn, meal, now)
            return await self._result(conn, meal, row.id, Outcome.OK, notices)

    async def add_offline(self, volunteer: Person, meal_id: int, name: str) -> Result:
        """Someone without Telegram (a phone call, a walk-in): a seat or the waitlist."""
        name = " ".join(name.split())
        if not name or len(name) > 64:
            return Result(Outcome.INVALID)
        now = self.now()
        async with self.db.transaction() as conn:
            outcome, meal = await self._managed(conn, volunteer, meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            if meal.cancelled:
                return Result(Outcome.CANCELLED)
            if meal.starts_at + MEAL_LENGTH <= now:
                return Result(Outcome.PAST)
            user = await create_user(conn, telegram_id=None, language="nl", room=meal.room,
                                     now=now, display_name=name)
            result = await self._seat_or_wait(conn, meal, user.id, now, added_by=volunteer.id)
            if result.outcome is Outcome.OK and result.signup is not None:
                # A volunteer added them: no need to confirm again.
                await store.update_signup(conn, result.signup.id, now, status="confirmed")
                await self._record_volunteer(conn, volunteer, meal)
                return await self._result(conn, meal, result.signup.id, Outcome.OK)
            return result

    async def mark_attendance(self, volunteer: Person, signup_id: int, came: bool) -> Result:
        """After the meal: who came is kept for the participation tally."""
        now = self.now()
        async with self.db.transaction() as conn:
            row = await store.signup(conn, signup_id)
            if row is None:
                return Result(Outcome.NOT_FOUND)
            outcome, meal = await self._managed(conn, volunteer, row.meal_id)
            if outcome is not Outcome.OK or meal is None:
                return Result(outcome)
            if meal.starts_at > now:
                return Result(Outcome.INVALID)
            if row.status not in ("pending", "confirmed") or meal.cancelled:
                return Result(Outcome.NOT_SIGNED_UP)
            await store.update_signup(conn, row.id, now, attended=1 if came else 0)
            key = row.anon_key or ""
            if came:
                await self.services.participation.record(
                    conn, person_key=key, room=meal.room, category=CATEGORY, source="meal",
                    source_id=meal.id, occurred_on=meal.starts_at.date(), quantity=row.seats,
                )
            else:
                await participation_store.remove(
                    conn, person_key=key, source="meal", source_id=str(meal.id)
                )
            await self._record_volunteer(conn, volunteer, meal)
            return await self._result(conn, meal, row.id, Outcome.OK)

    # --- coordinators ------------------------------------------------------------------

    async def set_meal_cap(self, coordinator: Person, meal_id: int, cap: int) -> Result:
        if not CAP_RANGE[0] <= cap <= CAP_RANGE[1]:
            return Result(Outcome.INVALID)
        if coordinator.role != "coordinator":
            return Result(Outcome.FORBIDDEN)
        now = self.now()
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None:
                return Result(Outcome.NOT_FOUND)
            if meal.cancelled:
                return Result(Outcome.CANCELLED)
            if meal.starts_at <= now:
                return Result(Outcome.PAST)
            await store.set_meal_cap(conn, meal_id, cap)
            meal = await store.get_meal(conn, meal_id)
            assert meal is not None
            notices = await self._enforce_cap(conn, meal, now)
            return Result(Outcome.OK, await self._view(conn, meal), notices=notices)

    async def set_room_cap(self, coordinator: Person, room: str, cap: int) -> Result:
        """The cap of every coming meal of the room that has no cap of its own."""
        if not CAP_RANGE[0] <= cap <= CAP_RANGE[1]:
            return Result(Outcome.INVALID)
        if coordinator.role != "coordinator":
            return Result(Outcome.FORBIDDEN)
        if room not in self.services.config.rooms:
            return Result(Outcome.NOT_FOUND)
        now = self.now()
        await self.ensure_schedule(now)
        async with self.db.transaction() as conn:
            await store.set_room_cap(conn, room, cap)
            notices: list[Notice] = []
            for meal in await store.meals_between(conn, room, now, now + SCHEDULE_AHEAD * 2):
                if not meal.cancelled:
                    notices += await self._enforce_cap(conn, meal, now)
        return Result(Outcome.OK, notices=notices)

    async def cancel_meal(self, coordinator: Person, meal_id: int) -> Result:
        """Cancel a meal: everyone signed up or waiting is told."""
        if coordinator.role != "coordinator":
            return Result(Outcome.FORBIDDEN)
        now = self.now()
        async with self.db.transaction() as conn:
            meal = await store.get_meal(conn, meal_id)
            if meal is None:
                return Result(Outcome.NOT_FOUND)
            if meal.starts_at <= now:
                return Result(Outcome.PAST)
            if not await store.cancel_meal(conn, meal_id, now):
                return Result(Outcome.ALREADY)
            notices = [
                Notice(row.user_id, "cancelled", meal.id)
                for row in await store.signups(conn, meal_id)
                if row.status in store.ACTIVE
            ]
            meal = await store.get_meal(conn, meal_id)
            assert meal is not None
            return Result(Outcome.OK, await self._view(conn, meal), notices=notices)

    # --- scheduled work ----------------------------------------------------------------

    async def tick(self, now: datetime) -> tuple[list[Notice], list[int], list[NewSignups]]:
        """Expire offers and move them on, send morning reminders, hand out cook lists.

        Returns notices to send, meal ids whose final list goes to the room's volunteers, and
        digests of new sign-ups for them to confirm. Each reminder, list and announced sign-up
        is claimed in the database once, so a restart never repeats them.
        """
        await self.ensure_schedule(now)
        notices: list[Notice] = []
        lists: list[int] = []
        async with self.db.transaction() as conn:
            touched: set[int] = set()
            for row in await store.expired_offers(conn, now):
                await store.update_signup(conn, row.id, now, status="cancelled",
                                          offer_expires_at=None)
                notices.append(Notice(row.user_id, "offer_expired", row.meal_id))
                touched.add(row.meal_id)
            meals = await store.meals_between(conn, None, now - timedelta(days=1),
                                              now + timedelta(days=2))
            known = {meal.id for meal in meals}
            for meal_id in sorted(touched - known):
                found = await store.get_meal(conn, meal_id)
                if found is not None:
                    meals.append(found)
            for meal in meals:
                if meal.cancelled:
                    continue
                # Also repairs a promotion lost to a restart between two steps.
                if meal.id in touched or meal.starts_at > now:
                    notices += await self._promote(conn, meal, now)
                local_start = local(meal.starts_at)
                morning = datetime.combine(local_start.date(), datetime.min.time(), TZ).replace(
                    hour=REMINDER_HOUR)
                if morning <= now < meal.starts_at and await store.claim_meal_flag(
                    conn, meal.id, "reminder_sent_at", now
                ):
                    for row in await store.signups(conn, meal.id):
                        if row.status in ("pending", "confirmed"):
                            notices.append(Notice(row.user_id, "reminder", meal.id))
                if meal.deadline_at <= now < meal.starts_at + MEAL_LENGTH and (
                    await store.claim_meal_flag(conn, meal.id, "list_sent_at", now)
                ):
                    lists.append(meal.id)
            digests = await self._new_signups(conn, now)
        return notices, lists, digests

    async def _new_signups(self, conn: aiosqlite.Connection, now: datetime) -> list[NewSignups]:
        """Batch the sign-ups volunteers have not heard of yet, per room (inside the tick's tx).

        A volunteer gets at most one message per batch, in the daytime, once the oldest new
        sign-up has waited ``NEW_SIGNUP_BATCH`` — not a message per tap. Each sign-up is
        claimed in ``job_runs``, so it is announced once, also across a restart.
        """
        if not NOTIFY_HOURS[0] <= local(now).hour < NOTIFY_HOURS[1]:
            return []
        by_room: dict[str, dict[int, list[SignupRow]]] = {}
        meals: dict[int, MealRow] = {}
        for row in await store.unannounced_pending(conn, now):
            meal = meals.get(row.meal_id) or await store.get_meal(conn, row.meal_id)
            if meal is None:
                continue
            meals[meal.id] = meal
            by_room.setdefault(meal.room, {}).setdefault(meal.id, []).append(row)
        digests = []
        for room, per_meal in by_room.items():
            oldest = min(r.created_at for rows in per_meal.values() for r in rows)
            if now - oldest < NEW_SIGNUP_BATCH:
                continue  # wait a little: more may come, one message for all of them
            for rows in per_meal.values():
                for row in rows:
                    await job_runs.claim(conn, store.ANNOUNCED_JOB, store.announce_key(row), now)
            digests.append(NewSignups(room, [
                (await self._view(conn, meals[meal_id]), rows)
                for meal_id, rows in per_meal.items()
            ]))
        return digests

    # --- privacy -----------------------------------------------------------------------

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "meal": to_db(meal.starts_at),
                "room": meal.room,
                "status": row.status,
                "guests": row.guests,
                "diet": list(row.diet),
                "diet_note": row.diet_note,
                "attended": row.attended,
            }
            for meal, row in await store.of_user(conn, user_id)
        ]

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Forget diets and notes; leave coming meals (the tick offers the seat on)."""
        now = self.now()
        await conn.execute(
            "UPDATE meal_signups SET diet = '', diet_note = NULL, reason = NULL WHERE user_id = ?",
            (user_id,),
        )
        await conn.execute(
            "UPDATE meal_signups SET status = 'cancelled', position = NULL,"
            " offer_expires_at = NULL, updated_at = ? WHERE user_id = ? AND status IN"
            " ('pending', 'confirmed', 'offered', 'waiting') AND meal_id IN"
            " (SELECT id FROM meals WHERE starts_at > ?)",
            (to_db(now), user_id, to_db(now)),
        )


def signup_data(meal_id: int) -> str:
    """The callback data of the "sign up" button (also used by the calendar)."""
    return f"meal:su:{meal_id}"
