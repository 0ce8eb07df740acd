"""The weekly programme: activity series, occurrences, sign-ups, the weekly post's timing.

Why occurrences are stored rows and not computed on the fly: one occurrence can be cancelled or
moved without touching its series, people sign up for one occurrence, and the tally refers to
it by a stable ``occ:<id>``. Rows are generated ahead from each series for ``horizon_weeks``
(and further on demand, e.g. for an .ics of more weeks). Times are stored as UTC moments but
generated from the series' *local* wall time, so the 17:30 activity stays 17:30 across DST.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from dateutil.rrule import rrulestr

from bot.actions.calendar import ActivitySignUp
from bot.categories import is_category
from bot.clock import TZ, to_db
from bot.i18n import N_
from bot.schedule import CalendarEntry
from bot.services.calendar_programme import (
    MAX_LEADER,
    MAX_TITLE,
    Programme,
    check_rrule,
    load_programme,
    weekly_rule,
)
from bot.services.calendar_titles import SHIPPED_TITLES
from bot.store import activities as store
from bot.store import job_runs
from bot.store.activities import OccurrenceRow, SeriesRow

if TYPE_CHECKING:
    import aiosqlite

    from bot.services import Services
    from bot.services.users import Person

log = logging.getLogger(__name__)

MOVED_NOTE = N_("Moved to this time")
POST_JOB = "calendar_post"
CHAT_POST_JOB = "calendar_post_chat"  # period: the week; claimed = posted in the group
CHAT_GONE_JOB = "calendar_chat_gone"  # period: the room; present = the bot cannot post there
#: The outbox kind of a notice to someone signed up for a date that was called off or moved
#: (``params["variant"]``: one of the three below; the handler layer renders it).
CHANGED_KIND = "calendar.changed"
CANCELLED, MOVED, ENDED = "cancelled", "moved", "ended"


class CalendarError(Exception):
    """A coordinator's change that cannot be made; ``code`` says why (for a friendly text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SignupResult(Enum):
    OK = "ok"
    ALREADY = "already"
    FULL = "full"
    CLOSED = "closed"  # cancelled, started, or no sign-up for this activity
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Change:
    """What a cancel/move/end did, and whom it told: ``notices`` are the outbox rows (kind
    :data:`CHANGED_KIND`) queued to the people signed up, in the change's own transaction."""

    occurrences: list[OccurrenceRow]
    notify_user_ids: dict[int, list[OccurrenceRow]]
    notices: tuple[int, ...] = ()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def local_moment(day: date, at: time) -> datetime:
    """Wall time in Amsterdam on ``day`` (fold=0 on the autumn night: the first 02:30)."""
    return datetime.combine(day, at, tzinfo=TZ)


def expand(rule: str, starts_on: date, at: time, first: date, last: date) -> list[date]:
    """The dates in [first, last] on which a series with ``rule`` takes place."""
    if last < first:
        return []
    start = datetime.combine(starts_on, at)
    recurrence = rrulestr(rule, dtstart=start, ignoretz=True)
    lo = datetime.combine(max(first, starts_on), time(0))
    hi = datetime.combine(last, time(23, 59, 59))
    return [moment.date() for moment in recurrence.between(lo, hi, inc=True)]


class CalendarService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._programme: Programme | None = None
        self._generated: dict[str, date] = {}

    # --- set-up ---------------------------------------------------------------------------

    @property
    def programme(self) -> Programme:
        if self._programme is None:
            self._programme = load_programme(self.services.config.programme_file,
                                             set(self.services.config.rooms))
        return self._programme

    @property
    def horizon_weeks(self) -> int:
        return self.programme.horizon_weeks

    async def start(self) -> None:
        """Seed the programme file's activities once (by key), register privacy hooks."""
        self.services.privacy.register("calendar", self._export, self._erase)
        self._generated.clear()
        today = self.services.clock.today()
        async with self.services.db.transaction() as conn:
            for activity in self.programme.activities:
                await store.insert_series(
                    conn, room=activity.room, title=activity.title,
                    translatable=activity.title in SHIPPED_TITLES, category=activity.category,
                    rrule=activity.rrule, start_time=activity.start_time,
                    duration_min=activity.duration_min, starts_on=week_start(today),
                    capacity=activity.capacity, signup=activity.signup, leader=activity.leader,
                    seed_key=activity.key, now=self.services.clock.now(),
                )

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> dict[str, Any] | None:
        signups = await store.signups_of(conn, user_id)
        subscriptions = await store.subscriptions_of(conn, user_id)
        if not signups and not subscriptions:
            return None
        return {
            "signups": [{"activity": row["title"], "room": row["room"],
                         "starts_at": row["starts_at"], "signed_up_at": row["created_at"]}
                        for row in signups],
            "weekly_programme_subscriptions": subscriptions,
        }

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.erase_user(conn, user_id)

    # --- occurrences ------------------------------------------------------------------------

    async def _generate(self, conn: aiosqlite.Connection, room: str, until: date) -> None:
        """Make sure every series of ``room`` has its occurrence rows up to ``until``."""
        today = self.services.clock.today()
        until = max(until, today + timedelta(weeks=self.horizon_weeks))
        done = self._generated.get(room)
        if done is not None and done >= until:
            return
        first = week_start(today) - timedelta(days=7)
        for series in await store.active_series(conn, room, first):
            await self._generate_series(conn, series, first, until)
        self._generated[room] = until

    async def _generate_series(self, conn: aiosqlite.Connection, series: SeriesRow,
                               first: date, until: date) -> None:
        last = min(until, series.ends_on) if series.ends_on else until
        for day in expand(series.rrule, series.starts_on, series.start_time, first, last):
            starts = local_moment(day, series.start_time)
            await store.insert_occurrence(
                conn, series_id=series.id, original_date=day, room=series.room,
                title=series.title, translatable=series.translatable, category=series.category,
                starts_at=starts, ends_at=starts + timedelta(minutes=series.duration_min),
                capacity=series.capacity, signup=series.signup,
            )

    async def generate_all(self) -> None:
        """Generate ahead for every room (the tick calls this; cheap when already done)."""
        async with self.services.db.transaction() as conn:
            for room in self.services.config.rooms:
                await self._generate(conn, room, self.services.clock.today())

    async def occurrence_rows(self, room: str, start: datetime, end: datetime
                              ) -> list[OccurrenceRow]:
        async with self.services.db.transaction() as conn:
            await self._generate(conn, room, end.astimezone(TZ).date())
            return await store.occurrences(conn, room, start, end)

    async def feed_entries(self, room: str, start: datetime, end: datetime
                           ) -> list[CalendarEntry]:
        """The live feed's events: like :meth:`entries`, plus the stopped activities' dates
        (cancelled), so a subscribed phone drops them."""
        async with self.services.db.transaction() as conn:
            await self._generate(conn, room, end.astimezone(TZ).date())
            rows = await store.occurrences(conn, room, start, end, with_stopped=True)
        found = [self.entry(row) for row in rows]
        found.extend(await self.services.meals.calendar_entries(room, start, end))
        return sorted(found, key=lambda e: (e.starts_at, e.ends_at, e.ref))

    @staticmethod
    def entry(row: OccurrenceRow) -> CalendarEntry:
        open_for_signup = row.signup and not row.cancelled
        return CalendarEntry(
            room=row.room, starts_at=row.starts_at, ends_at=row.ends_at, title=row.title,
            category=row.category, ref=f"occ:{row.id}", cancelled=row.cancelled,
            capacity=row.capacity if row.signup else None,
            taken=row.taken if row.signup else None,
            signup_data=ActivitySignUp(row.id) if open_for_signup else None,
            note=MOVED_NOTE if row.moved_from is not None else None, leader=row.leader,
            sequence=row.sequence, modified_at=row.modified_at,
        )

    async def entries(self, room: str, start: datetime, end: datetime) -> list[CalendarEntry]:
        """Everything on ``room``'s programme in [start, end): activities and meals."""
        rows = await self.occurrence_rows(room, start, end)
        found = [self.entry(row) for row in rows]
        found.extend(await self.services.meals.calendar_entries(room, start, end))
        return sorted(found, key=lambda e: (e.starts_at, e.ends_at, e.ref))

    async def occurrences_on(self, room: str, day: date) -> list[CalendarEntry]:
        """Today's (or ``day``'s) activities of ``room``, without the meals."""
        start = local_moment(day, time(0))
        rows = await self.occurrence_rows(room, start, local_moment(day + timedelta(days=1),
                                                                    time(0)))
        return [self.entry(row) for row in rows]

    async def week(self, room: str, monday: date) -> list[CalendarEntry]:
        return await self.entries(room, local_moment(monday, time(0)),
                                  local_moment(monday + timedelta(days=7), time(0)))

    async def get_occurrence(self, occurrence_id: int) -> OccurrenceRow | None:
        return await self.services.db.run(store.occurrence, occurrence_id)

    async def get_series(self, series_id: int) -> SeriesRow | None:
        return await self.services.db.run(store.series, series_id)

    async def series_of(self, room: str) -> list[SeriesRow]:
        return await self.services.db.run(store.active_series, room, self.services.clock.today())

    async def upcoming_of_series(self, series_id: int, limit: int = 6) -> list[OccurrenceRow]:
        async with self.services.db.transaction() as conn:
            series = await store.series(conn, series_id)
            if series is None:
                return []
            now = self.services.clock.now()
            await self._generate(conn, series.room, now.date())
            rows = await store.occurrences(conn, series.room, now,
                                           now + timedelta(weeks=self.horizon_weeks),
                                           series_id=series_id)
            return rows[:limit]

    # --- residents ----------------------------------------------------------------------------

    async def sign_up(self, person: Person, occurrence_id: int) -> tuple[SignupResult,
                                                                       OccurrenceRow | None]:
        """Sign up for one occurrence; the cap is checked and written in one transaction."""
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            row = await store.occurrence(conn, occurrence_id)
            if row is None:
                return SignupResult.UNKNOWN, None
            if not row.signup or row.cancelled or row.starts_at <= now:
                return SignupResult.CLOSED, row
            if occurrence_id in await store.user_signed_up(conn, person.id, row.room):
                return SignupResult.ALREADY, row
            if row.capacity is not None and row.taken >= row.capacity:
                return SignupResult.FULL, row
            await store.sign_up(conn, occurrence_id, person.id, now)
            return SignupResult.OK, await store.occurrence(conn, occurrence_id)

    async def sign_off(self, person: Person, occurrence_id: int) -> OccurrenceRow | None:
        """Undo a sign-up; None if there was none."""
        async with self.services.db.transaction() as conn:
            if not await store.sign_off(conn, occurrence_id, person.id):
                return None
            return await store.occurrence(conn, occurrence_id)

    async def signed_up(self, person: Person, room: str) -> set[int]:
        return await self.services.db.run(store.user_signed_up, person.id, room)

    async def is_subscribed(self, person: Person, room: str) -> bool:
        async with self.services.db.transaction() as conn:
            return room in await store.subscriptions_of(conn, person.id)

    async def set_subscribed(self, person: Person, room: str, on: bool) -> None:
        if room not in self.services.config.rooms:
            raise CalendarError("room")
        async with self.services.db.transaction() as conn:
            if on:
                await store.subscribe(conn, person.id, room, self.services.clock.now())
            else:
                await store.unsubscribe(conn, person.id, room)

    async def subscribers(self, room: str) -> list[int]:
        return await self.services.db.run(store.subscribers, room)

    # --- coordinators ---------------------------------------------------------------------

    def _check_common(self, room: str, title: str, category: str, duration_min: int,
                      capacity: int | None) -> str:
        if room not in self.services.config.rooms:
            raise CalendarError("room")
        title = " ".join(title.split())
        if not title:
            raise CalendarError("title_empty")
        if len(title) > MAX_TITLE:
            raise CalendarError("title_long")
        if not is_category(category):
            raise CalendarError("category")
        if not 5 <= duration_min <= 720:
            raise CalendarError("duration")
        if capacity is not None and not 1 <= capacity <= 500:
            raise CalendarError("capacity")
        return title

    async def add_series(self, *, room: str, title: str, category: str, days: list[int] | None,
                         start_time: time, duration_min: int, signup: bool,
                         capacity: int | None, starts_on: date, rrule: str | None = None,
                         leader: str | None = None) -> int:
        """A new weekly activity from ``starts_on`` (not in the past)."""
        title = self._check_common(room, title, category, duration_min, capacity)
        leader = " ".join((leader or "").split()) or None
        if leader is not None and len(leader) > MAX_LEADER:
            raise CalendarError("leader_long")
        if starts_on < self.services.clock.today():
            raise CalendarError("past")
        if rrule is None:
            if not days or not all(0 <= d <= 6 for d in days):
                raise CalendarError("days")
            rrule = weekly_rule(days)
        elif not check_rrule(rrule):
            raise CalendarError("rrule")
        async with self.services.db.transaction() as conn:
            series_id = await store.insert_series(
                conn, room=room, title=title, translatable=False, category=category,
                rrule=rrule, start_time=start_time, duration_min=duration_min,
                starts_on=starts_on, capacity=capacity, signup=signup, leader=leader,
                seed_key=None, now=self.services.clock.now())
            assert series_id is not None
            series = await store.series(conn, series_id)
            assert series is not None
            today = self.services.clock.today()
            await self._generate_series(conn, series, week_start(today) - timedelta(days=7),
                                        self._generated.get(room, today + timedelta(
                                            weeks=self.horizon_weeks)))
        return series_id

    async def add_one_off(self, *, room: str, title: str, category: str, starts_at: datetime,
                          duration_min: int, signup: bool, capacity: int | None) -> int:
        title = self._check_common(room, title, category, duration_min, capacity)
        if starts_at <= self.services.clock.now():
            raise CalendarError("past")
        async with self.services.db.transaction() as conn:
            occurrence_id = await store.insert_occurrence(
                conn, series_id=None, original_date=None, room=room, title=title,
                translatable=False, category=category, starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=duration_min), capacity=capacity,
                signup=signup)
        assert occurrence_id is not None
        return occurrence_id

    async def overlapping(self, room: str, starts_at: datetime, duration_min: int,
                          exclude: int | None = None) -> list[CalendarEntry]:
        """Entries that overlap a planned time (allowed, but the coordinator is shown them)."""
        ends_at = starts_at + timedelta(minutes=duration_min)
        day_entries = await self.entries(room, starts_at - timedelta(hours=12), ends_at)
        return [e for e in day_entries if e.starts_at < ends_at and e.ends_at > starts_at
                and not e.cancelled and e.ref != f"occ:{exclude}"]

    async def overlapping_series(self, room: str, days: list[int], at: time,
                                 duration_min: int, starts_on: date) -> list[CalendarEntry]:
        """Overlaps in the first week of a planned series."""
        found: list[CalendarEntry] = []
        for offset in range(7):
            day = starts_on + timedelta(days=offset)
            if day.weekday() in days:
                found.extend(await self.overlapping(room, local_moment(day, at), duration_min))
        return found

    async def cancel(self, occurrence_id: int) -> Change:
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            row = await self._still_to_come(conn, occurrence_id, now)
            await store.cancel(conn, occurrence_id, now)
            users = await store.signed_up_users(conn, occurrence_id)
            notify = {user: [row] for user in users}
            return Change([row], notify, await self._tell(conn, notify, CANCELLED, now))

    async def move(self, occurrence_id: int, new_start: datetime) -> tuple[Change,
                                                                          OccurrenceRow]:
        """Move one occurrence to another (future) moment; returns the old and the new row."""
        now = self.services.clock.now()
        if new_start <= now:
            raise CalendarError("past")
        async with self.services.db.transaction() as conn:
            row = await self._still_to_come(conn, occurrence_id, now)
            await store.move(conn, occurrence_id, new_start,
                             new_start + (row.ends_at - row.starts_at), row.starts_at, now)
            users = await store.signed_up_users(conn, occurrence_id)
            moved = await store.occurrence(conn, occurrence_id)
            assert moved is not None
            notify = {user: [row] for user in users}
            notices = await self._tell(conn, notify, MOVED, now, moved.starts_at)
            return Change([row], notify, notices), moved

    async def end_series(self, series_id: int) -> Change:
        """Stop a series: its dates that have not started yet are called off.

        They leave /agenda and the poster, but stay in the live feed as cancelled (with a
        higher sequence), so a phone that subscribed removes them instead of keeping them."""
        now = self.services.clock.now()
        today = now.date()
        async with self.services.db.transaction() as conn:
            series = await store.series(conn, series_id)
            if series is None:
                raise CalendarError("unknown")
            if series.ends_on is not None and series.ends_on < today:
                raise CalendarError("ended")
            todays = [r for r in await store.future_of_series(conn, series_id,
                                                              today - timedelta(days=1))
                      if r.original_date == today]
            started_today = any(r.starts_at <= now for r in todays)
            last_day = today if started_today else today - timedelta(days=1)
            await store.end_series(conn, series_id, last_day)
            removed = await store.future_of_series(conn, series_id, last_day)
            notify: dict[int, list[OccurrenceRow]] = {}
            for row in removed:
                if row.starts_at <= now:
                    continue
                for user in await store.signed_up_users(conn, row.id):
                    if not row.cancelled:
                        notify.setdefault(user, []).append(row)
                await store.stop_occurrence(conn, row.id, now)
            return Change(removed, notify, await self._tell(conn, notify, ENDED, now))

    async def _still_to_come(self, conn: aiosqlite.Connection, occurrence_id: int,
                             now: datetime) -> OccurrenceRow:
        """The occurrence a cancel or a move may change: known, not cancelled, not started."""
        row = await store.occurrence(conn, occurrence_id)
        if row is None:
            raise CalendarError("unknown")
        if row.cancelled:
            raise CalendarError("already_cancelled")
        if row.starts_at <= now:
            raise CalendarError("started")
        return row

    async def _tell(self, conn: aiosqlite.Connection, notify: dict[int, list[OccurrenceRow]],
                    variant: str, now: datetime, new_start: datetime | None = None
                    ) -> tuple[int, ...]:
        """Queue the notices of a change to everyone signed up, in the change's transaction
        (committed together: a kill never loses one). The row ids, for "n people were told"."""
        ids: list[int] = []
        for user_id, rows in notify.items():
            for row in rows:
                params: dict[str, Any] = {"variant": variant, "title": row.title,
                                          "starts_at": to_db(row.starts_at)}
                if new_start is not None:
                    params["new_starts_at"] = to_db(new_start)
                row_id = await self.services.outbox.enqueue(
                    conn, to=user_id, kind=CHANGED_KIND, ref=row.id,
                    dedupe=f"{variant}:{to_db(now)}", params=params)
                if row_id is not None:
                    ids.append(row_id)
        return tuple(ids)

    # --- the weekly post ----------------------------------------------------------------------

    def post_due(self, room_id: str, now: datetime) -> date | None:
        """The Monday of the week whose programme should be posted now, else None.

        The post moment is the room's ``weekly_post`` in the current week; it is due from then
        until the programme's week starts (so a post missed while the bot was down still goes
        out once, if that week has not begun).
        """
        room = self.services.config.rooms[room_id]
        now = now.astimezone(TZ)
        monday = week_start(now.date())
        moment = local_moment(monday + timedelta(days=room.weekly_post.weekday),
                              room.weekly_post.at)
        target = monday + timedelta(days=7)
        if moment <= now < local_moment(target, time(0)):
            return target
        return None

    @staticmethod
    def post_period(room: str, monday: date) -> str:
        year, week, _ = monday.isocalendar()
        return f"{room}:{year}-W{week:02d}"

    async def post_done(self, room: str, monday: date) -> bool:
        return await self.services.db.run(job_runs.done, POST_JOB, self.post_period(room, monday))

    def room_of_chat(self, chat_id: int) -> str | None:
        """The room whose group or channel is ``chat_id``, if any."""
        return next((room.id for room in self.services.config.rooms.values()
                     if room.chat_id == chat_id), None)

    async def chat_gone(self, room: str) -> bool:
        """True while the bot was removed from (or may not write in) the room's group."""
        return await self.services.db.run(job_runs.done, CHAT_GONE_JOB, room)
