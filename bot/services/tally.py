"""Participation tally and funder reports: unique residents per room, category and period.

Why it works like this: the rooms report to their funders how many *different* residents took
part in each kind of activity. Every feature writes anonymous participation records as a side
effect of daily work (``bot.services.participation``); this service only counts them, so a
report is a click and never shows who anyone is. A resident who erased their data keeps counting
in the past, because records hold the anonymous key, never the person.

It also runs ``/turf`` (a volunteer registers who came to today's activity) and the weekly
summary to each room's coordinator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.categories import CATEGORIES
from bot.clock import TZ, to_db
from bot.digits import whole_number
from bot.schedule import CalendarEntry
from bot.services.refused import Refused
from bot.store import job_runs
from bot.store import tally as store
from bot.store import users as user_store

if TYPE_CHECKING:
    from bot.services import Services
    from bot.services.users import Person

#: Categories whose target is a number of jobs, not of people ("klussen counted per job").
COUNTED_PER_JOB = frozenset({"klussen"})
#: The weekly summary: Sunday evening, about the week that ends that day.
WEEKLY_DAY, WEEKLY_AT = 6, time(18, 0)
WEEKLY_JOB = "tally_weekly"
#: The outbox kind of the weekly summary (CORE13 §6); the chart is its own row.
WEEKLY_KIND, WEEKLY_CHART = "tally.weekly", "chart"
#: A summary not delivered within two days (the bot down all that time) is no longer news.
WEEKLY_LIFETIME = timedelta(days=2)
#: A walk-in's pseudonymous code: letters and at least one digit, never a name.
WALKIN_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{3,6}$")
MAX_COUNT = 200
#: Earliest year a report can ask for (the rooms started keeping paper lists in 2015).
FIRST_YEAR = 2015


class ReportError(Refused):
    """A report that cannot be made; ``reason`` is one of the class constants."""

    FUTURE = "future"
    ORDER = "order"
    EMPTY = "empty"
    UNKNOWN_ROOM = "unknown_room"
    INVALID = "invalid"
    TOO_EARLY = "too_early"


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates, with how it was asked for (for labels and files)."""

    start: date
    end: date
    kind: str = "custom"  # year | quarter | month | week | custom

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ReportError(ReportError.INVALID, f"quarter {quarter}")
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, _month_end(year, 3 * quarter), "quarter")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise ReportError(ReportError.INVALID, f"month {month}")
        return cls(date(year, month, 1), _month_end(year, month), "month")

    @classmethod
    def week_of(cls, day: date) -> Period:
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2021``, ``2021-03``, ``2021-Q1`` (as on the command line and in buttons)."""
        text = text.strip().upper()
        if m := re.fullmatch(r"(\d{4})", text):
            return cls.year(int(m[1]))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            return cls.month(int(m[1]), int(m[2]))
        raise ReportError(ReportError.INVALID, text)

    @property
    def key(self) -> str:
        """Short stable name, used in file names and button data."""
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def label(self, t) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return t._("quarter {q} of {year}").format(
                q=(self.start.month - 1) // 3 + 1, year=self.start.year
            )
        if self.kind == "month":
            return t.date(self.start, "MMMM y")
        return t._("{start} to {end}").format(
            start=t.date(self.start, "d MMMM y"), end=t.date(self.end, "d MMMM y")
        )

    def checked(self, today: date) -> Period:
        """The period as far as it has happened; a future or reversed one is refused."""
        if self.end < self.start:
            raise ReportError(ReportError.ORDER)
        if self.start > today:
            raise ReportError(ReportError.FUTURE)
        if self.end.year < FIRST_YEAR:
            raise ReportError(ReportError.TOO_EARLY)
        return self if self.end <= today else Period(self.start, today, self.kind)


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_day(text: str) -> date | None:
    """``31-3-2021``, ``31/3/2021`` or ``2021-03-31``; None if it is not a real date."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One category of one room (or of all rooms together)."""

    category: str
    unique: int
    anonymous: int
    count: int
    target: int | None

    @property
    def per_job(self) -> bool:
        return self.category in COUNTED_PER_JOB

    @property
    def measured(self) -> int:
        """What the target is about: people, or jobs for klussen."""
        return self.count if self.per_job else self.unique


@dataclass(frozen=True)
class RoomReport:
    room: str  # room id, or "all"
    name: str
    lines: tuple[Line, ...]
    total_unique: int
    total_anonymous: int
    total_count: int
    total_target: int | None
    contacts_unique: int
    contacts_count: int
    referrals: int
    volunteers: int
    new_residents: int

    @property
    def is_empty(self) -> bool:
        return not (self.total_count or self.contacts_count or self.referrals or self.volunteers)

    def line(self, category: str) -> Line:
        return next(line for line in self.lines if line.category == category)


@dataclass(frozen=True)
class Report:
    period: Period
    rooms: tuple[RoomReport, ...]
    overall: RoomReport  # all rooms of the report together: unique over the rooms
    made_at: datetime

    @property
    def is_empty(self) -> bool:
        return all(room.is_empty for room in self.rooms) and not self.overall.new_residents


ALL = "all"


async def staff_ids(conn, config) -> list[int]:
    """``users.id`` of the coordinators (the settings name their Telegram ids): staff, whom
    the counts of residents leave out."""
    return [row.id for row in await user_store.by_user_ids(conn, sorted(config.coordinators))]


async def compute_report(
    conn, config, period: Period, rooms: list[str], made_at: datetime
) -> Report:
    """Count everything for ``rooms`` in ``period`` (already checked) in a few indexed queries."""
    cells = await store.cells(conn, period.start, period.end, rooms)
    across = await store.unique_by_category(conn, period.start, period.end, rooms)
    totals, overall_total = await store.unique_participants(conn, period.start, period.end, rooms)
    created_from = to_db(datetime.combine(period.start, time(0), TZ))
    created_before = to_db(datetime.combine(period.end + timedelta(days=1), time(0), TZ))
    new_per_room, new_overall = await store.new_people(
        conn, period.start, period.end, rooms, created_from, created_before,
        await staff_ids(conn, config),
    )
    empty = store.Cell(0, 0, 0)

    def room_report(room_id: str, name: str, targets: dict[str, int] | None) -> RoomReport:
        def cell(category: str) -> store.Cell:
            if room_id != ALL:
                return cells.get((room_id, category), empty)
            parts = [cells.get((r, category), empty) for r in rooms]
            return store.Cell(
                across.get(category, 0),
                sum(p.anonymous for p in parts),
                sum(p.count for p in parts),
            )

        lines = tuple(
            Line(c, cell(c).unique, cell(c).anonymous, cell(c).count,
                 None if targets is None else targets.get(c))
            for c in CATEGORIES
        )
        contact = cell("contact")
        return RoomReport(
            room=room_id,
            name=name,
            lines=lines,
            total_unique=overall_total if room_id == ALL else totals.get(room_id, 0),
            total_anonymous=sum(line.anonymous for line in lines),
            total_count=sum(line.count for line in lines),
            total_target=None if targets is None else targets.get("total"),
            contacts_unique=contact.unique,
            contacts_count=contact.count,
            referrals=cell("referral").unique,
            volunteers=cell("volunteer").unique,
            new_residents=new_overall if room_id == ALL else new_per_room.get(room_id, 0),
        )

    per_room = tuple(
        room_report(r, config.rooms[r].name, dict(config.rooms[r].targets)) for r in rooms
    )
    summed: dict[str, int] = {}
    for r in rooms:
        for key, value in config.rooms[r].targets.items():
            if key in CATEGORIES or key == "total":
                summed[key] = summed.get(key, 0) + value
    overall = room_report(ALL, "", summed)
    return Report(period, per_room, overall, made_at)


# --- /turf -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """What a volunteer registers attendance for: a calendar occurrence or an ad-hoc category."""

    room: str
    day: date
    category: str
    ref: str | None = None  # "occ:12" for a calendar occurrence; None for ad hoc
    title: str | None = None  # English msgid from the calendar
    starts_at: datetime | None = None

    @property
    def source_id(self) -> str:
        return f"{self.ref}:{self.day.isoformat()}" if self.ref else (
            f"{self.category}:{self.day.isoformat()}"
        )

    @property
    def token(self) -> str:
        """Compact form for button data: ``occ.12`` or ``c.taal``."""
        return self.ref.replace(":", ".") if self.ref else f"c.{self.category}"


@dataclass
class Attendance:
    activity: Activity
    regulars: list[store.Regular]
    present: set[str] = field(default_factory=set)
    walkins: list[str] = field(default_factory=list)  # codes, without the room prefix
    anonymous: int = 0

    @property
    def total(self) -> int:
        return len(self.present) + self.anonymous


class TurfError(Refused):
    """A /turf action that is refused; ``reason`` names why."""

    NOT_TODAY = "not_today"
    NOT_HERE = "not_here"
    UNKNOWN_PERSON = "unknown_person"
    BAD_CODE = "bad_code"
    BAD_COUNT = "bad_count"


def walkin_key(room: str, code: str) -> str:
    """Walk-in codes are per room and can never collide with a resident's anonymous key."""
    return f"walkin:{room}:{code}"


def normalise_code(text: str) -> str | None:
    code = "".join(text.split()).upper()
    return code if WALKIN_CODE.match(code) else None


# --- the weekly summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklySummary:
    room: str
    week: Period
    year_to_date: Period
    this_week: RoomReport
    ytd: RoomReport
    year_fraction: float  # how much of the year has passed at the week's end (for pro rata)


def due_week(now: datetime) -> Period:
    """The week whose summary is due: the latest Sunday 18:00 that has passed."""
    now = now.astimezone(TZ)
    sunday = now.date() + timedelta(days=(WEEKLY_DAY - now.weekday()) % 7)
    if sunday > now.date() or (sunday == now.date() and now.time() < WEEKLY_AT):
        sunday -= timedelta(days=7)
    return Period.week_of(sunday)


def weekly_period(room: str, week: Period) -> str:
    """The claim and outbox ``ref`` of a room's summary: ``top:2026-W49``."""
    year, number, _ = week.end.isocalendar()
    return f"{room}:{year}-W{number:02d}"


class TallyService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        """Nothing to seed; records belong to the features that write them."""

    # --- reports ------------------------------------------------------------------------

    def rooms_for(self, room: str | None) -> list[str]:
        config = self.services.config
        if room is None:
            return list(config.rooms)
        if room not in config.rooms:
            raise ReportError(ReportError.UNKNOWN_ROOM, room)
        return [room]

    async def report(
        self, period: Period, room: str | None = None, *, allow_empty: bool = False
    ) -> Report:
        """The funder report; refuses a future period, an unknown room and (unless allowed)
        a period without any records."""
        rooms = self.rooms_for(room)
        period = period.checked(self.services.clock.now().date())
        db = self.services.db
        async with db.transaction() as conn:
            report = await compute_report(
                conn, self.services.config, period, rooms, self.services.clock.now()
            )
        if report.is_empty and not allow_empty:
            raise ReportError(ReportError.EMPTY)
        return report

    # --- /turf --------------------------------------------------------------------------

    async def todays_activities(self, room: str) -> list[Activity]:
        """Today's activities of the room from the calendar (meals have their own list)."""
        today = self.services.clock.now().date()
        finder = getattr(self.services.calendar, "occurrences_on", None)
        if finder is None:
            return []
        entries: list[CalendarEntry] = await finder(room, today)
        return [
            Activity(room, today, e.category, e.ref, e.title, e.starts_at)
            for e in sorted(entries, key=lambda e: e.starts_at)
            if e.room == room and not e.cancelled and e.category in CATEGORIES
            and not e.ref.startswith("meal:")
        ]

    async def resolve(self, room: str, token: str, day: date) -> Activity:
        """Turn button data back into an activity, checking it is today's and this room's."""
        if day != self.services.clock.now().date():
            raise TurfError(TurfError.NOT_TODAY)
        if token.startswith("c."):
            category = token[2:]
            if category not in CATEGORIES:
                raise TurfError(TurfError.NOT_HERE)
            return Activity(room, day, category)
        ref = token.replace(".", ":", 1)
        for activity in await self.todays_activities(room):
            if activity.ref == ref:
                return activity
        raise TurfError(TurfError.NOT_HERE)

    async def _regulars(self, conn, room: str) -> list[store.Regular]:
        staff = await self.services.recipients.all_coordinators(conn)
        return await store.regulars(conn, room, staff)

    async def attendance(self, activity: Activity) -> Attendance:
        async with self.services.db.transaction() as conn:
            regulars = await self._regulars(conn, activity.room)
            keys, anonymous = await store.attendance(conn, activity.room, activity.source_id)
        prefix = walkin_key(activity.room, "")
        walkins = sorted(k[len(prefix):] for k in keys if k.startswith(prefix))
        return Attendance(activity, regulars, keys, walkins, anonymous)

    async def _record(self, conn, activity: Activity, key: str | None, volunteer: Person,
                      quantity: int = 1) -> None:
        participation = self.services.participation
        await participation.record(
            conn, person_key=key, room=activity.room, category=activity.category,
            source="activity", source_id=activity.source_id, occurred_on=activity.day,
            quantity=quantity,
        )
        await participation.record(
            conn, person_key=volunteer.row.anon_key, room=activity.room, category="volunteer",
            source="volunteer", source_id=f"turf:{activity.source_id}", occurred_on=activity.day,
        )

    async def toggle(self, activity: Activity, user_id: int, volunteer: Person) -> bool:
        """Mark a regular as present, or take the mark back; True if now present."""
        async with self.services.db.transaction() as conn:
            regulars = {r.user_id: r for r in await self._regulars(conn, activity.room)}
            regular = regulars.get(user_id)
            if regular is None:
                raise TurfError(TurfError.UNKNOWN_PERSON)
            if await store.remove_attendance(
                conn, activity.room, regular.anon_key, activity.source_id
            ):
                return False
            await self._record(conn, activity, regular.anon_key, volunteer)
            return True

    async def add_walkin(self, activity: Activity, text: str, volunteer: Person) -> str:
        code = normalise_code(text)
        if code is None:
            raise TurfError(TurfError.BAD_CODE)
        async with self.services.db.transaction() as conn:
            await self._record(conn, activity, walkin_key(activity.room, code), volunteer)
        return code

    async def remove_walkin(self, activity: Activity, code: str) -> bool:
        if normalise_code(code) != code:
            raise TurfError(TurfError.BAD_CODE)
        async with self.services.db.transaction() as conn:
            return await store.remove_attendance(
                conn, activity.room, walkin_key(activity.room, code), activity.source_id
            )

    async def set_count(self, activity: Activity, text: str, volunteer: Person) -> int:
        """How many came without registering; replaces the earlier number (so it can be fixed)."""
        count = whole_number(text)
        if count is None or not 0 <= count <= MAX_COUNT:
            raise TurfError(TurfError.BAD_COUNT)
        async with self.services.db.transaction() as conn:
            await store.remove_anonymous(conn, activity.room, activity.source_id)
            if count:
                await self._record(conn, activity, None, volunteer, quantity=count)
        return count

    # --- weekly summary -----------------------------------------------------------------

    async def queue_weekly(self, now: datetime) -> int:
        """Claim each room's summary of the week due now and queue it to the room's
        coordinators, claim and messages in one transaction (a kill loses none of them).

        A week without any record in the room is claimed but not sent: no noise in holidays.
        What is queued are ``params`` (room, week, moment); the handler layer renders the text
        and the chart when the message goes out (:func:`weekly_summary`). Returns how many
        rooms queued a summary.
        """
        week = due_week(now)
        outbox, recipients = self.services.outbox, self.services.recipients
        queued = 0
        for room in self.services.config.rooms:
            period = weekly_period(room, week)
            async with self.services.db.transaction() as conn:
                if not await job_runs.claim(conn, WEEKLY_JOB, period, now):
                    continue
                if not await store.has_records(conn, week.start, week.end, [room]):
                    continue
                params = {"room": room, "week": week.start.isoformat(), "at": to_db(now)}
                for person_id in await recipients.coordinators(conn, room):
                    for part in ("", WEEKLY_CHART):  # the text, then its chart
                        await outbox.enqueue(conn, to=person_id, kind=WEEKLY_KIND, ref=period,
                                             dedupe=part, params=params,
                                             expires_at=now + WEEKLY_LIFETIME)
            queued += 1
        return queued

    async def weekly_summary(self, room: str, week_start: date, made_at: datetime
                             ) -> WeeklySummary:
        """The week starting ``week_start`` and the year so far in ``room`` (read only)."""
        week = Period.week_of(week_start)
        ytd = Period(date(week.end.year, 1, 1), week.end, "custom")
        config = self.services.config
        async with self.services.db.transaction() as conn:
            this_week = await compute_report(conn, config, week, [room], made_at)
            year = await compute_report(conn, config, ytd, [room], made_at)
        days = (date(week.end.year, 12, 31) - date(week.end.year, 1, 1)).days + 1
        fraction = ((week.end - ytd.start).days + 1) / days
        return WeeklySummary(room, week, ytd, this_week.rooms[0], year.rooms[0], fraction)

