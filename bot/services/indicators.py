"""The offer's performance table: 27 indicators per room, with target, value, status, source.

Why a registry: the values come from many features (the tally counts PROCES, surveys ask
residents and volunteers, the coordinator enters what nobody can count). Each feature registers
a *provider* for its indicator keys; this service asks every provider, falls back on what the
coordinator entered, compares with the room's yearly target (pro rata for shorter periods) and
returns one :class:`ReportTable` that every output (chat, PDF, XLSX, CSV, Markdown) renders.

Provider contract (``Provider``): ``await provider(conn, room_id, start, end_inclusive)``
- ``room_id`` is a configured room id, or ``ALL`` (``"all"``) for the summary over every room
  of the report: count distinct people over the rooms there (``room_ids(config, room_id)``
  gives the list). The connection is inside one read transaction; do not commit.
- return ``IndicatorValue(None, ...)`` when there is no data for the period: an entered value,
  if any, is then shown instead.
- ``source="survey"`` values need ``n`` (answers); fewer than 5 are never shown.
- never put a name, phone, Telegram id or anonymous key in a value or in ``extra``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import aiosqlite

from bot.clock import from_db, to_db
from bot.indicators_catalog import BY_KEY, INDICATORS, Indicator, Target
from bot.services.refused import Refused
from bot.store import indicators as store

if TYPE_CHECKING:
    from bot.config import Config
    from bot.services import Services

log = logging.getLogger(__name__)

ALL = "all"
COUNTED, SURVEY, ENTERED = "counted", "survey", "entered"
#: Survey values with fewer answers are not shown ("te weinig antwoorden"): too easy to trace.
MIN_ANSWERS = 5
REACHED, ON_TRACK, BEHIND = "reached", "on_track", "behind"
#: Who may enter values; stored and shown as this label, never as a name.
COORDINATOR = "coordinator"


@dataclass(frozen=True)
class IndicatorValue:
    value: float | int | None  # None: no data for the period
    source: str  # "counted" | "survey" | "entered"
    n: int | None = None  # survey: number of answers
    of: int | None = None  # "x of y": the y (registered); value is the x (taking part)
    extra: Mapping[str, float | int] = field(default_factory=dict)  # {"avg_hours_year": 212.0}
    entered_by: str | None = None  # a role label, e.g. "coordinator" (never a name)
    entered_at: datetime | None = None


#: (conn, room_id or ALL, start, end inclusive) → the value for that room and period.
Provider = Callable[[aiosqlite.Connection, str, date, date], Awaitable[IndicatorValue]]


def room_ids(config: Config, room_id: str) -> list[str]:
    """The rooms a provider call is about: one room, or every configured room for ``ALL``."""
    return list(config.rooms) if room_id == ALL else [room_id]


def year_fraction(start: date, end: date) -> float:
    """How much of a year the period is (1.0 for a whole calendar year)."""
    days = (end - start).days + 1
    year_days = 366 if _leap(start.year) and start.month <= 2 else 365
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return 1.0
    return days / year_days


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class IndicatorRow:
    """One line of a room's table, ready to render."""

    indicator: Indicator
    value: IndicatorValue
    target: Target | None  # yearly target
    period_target: float | None  # the pro-rata target for a shorter period (None: whole)
    status: str | None  # REACHED | ON_TRACK | BEHIND | None (no data / no target)
    entered_for: str | None = None  # the period key an entered value was entered for

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def too_few_answers(self) -> bool:
        return self.value.source == SURVEY and self.value.value is not None and (
            self.value.n is None or self.value.n < MIN_ANSWERS
        )

    @property
    def shown_value(self) -> float | int | None:
        """The value as outputs may show it (hidden when a survey has too few answers)."""
        return None if self.too_few_answers else self.value.value


@dataclass(frozen=True)
class RoomTable:
    room: str  # room id or ALL
    name: str  # the room's name ("" for ALL: outputs say "All rooms" in their language)
    rows: tuple[IndicatorRow, ...]
    #: Context lines outside the 27 (so they are not mistaken for an indicator):
    first_contact: int = 0  # "Nieuw bij de BuurtWerkKamer": first contact in the period
    anonymous_visits: int = 0  # walk-ins only counted: visits, never people

    def row(self, key: str) -> IndicatorRow:
        return next(r for r in self.rows if r.key == key)


@dataclass(frozen=True)
class ReportTable:
    start: date
    end: date
    period_key: str
    kind: str  # year | quarter | month | custom
    rooms: tuple[RoomTable, ...]  # one per room of the report
    overall: RoomTable | None  # all rooms together (None for a one-room report)
    made_at: datetime
    asked_end: date | None = None  # the period's own end when it was counted up to today

    @property
    def up_to_today(self) -> bool:
        return self.asked_end is not None and self.end < self.asked_end

    @property
    def fraction(self) -> float:
        return year_fraction(self.start, self.end)

    @property
    def tables(self) -> list[RoomTable]:
        """Each room, then the summary (the order of the PDF's pages and XLSX sheets)."""
        return [*self.rooms, *([self.overall] if self.overall else [])]


def combined_target(indicator: Indicator, targets: Sequence[Target]) -> Target | None:
    """The summary's target over rooms: counts add up, shares and scores stay as they are."""
    targets = [t for t in targets if t is not None]
    if not targets:
        return None
    if indicator.kind == "of":
        return (sum(t[0] for t in targets), sum(t[1] for t in targets))  # type: ignore[index]
    if indicator.kind == "positive":
        return True
    if indicator.kind in ("percent", "score"):
        return max(targets)  # type: ignore[type-var]
    return sum(targets)  # type: ignore[arg-type]


def period_target(indicator: Indicator, target: Target | None, fraction: float) -> float | None:
    """The share of a yearly target a shorter (or longer) period should reach, if it grows."""
    if target is None or not indicator.pro_rata or indicator.kind != "number":
        return None
    if abs(fraction - 1.0) < 1e-9:
        return None
    return float(target) * fraction  # type: ignore[arg-type]


def round_half_up(x: float) -> int:
    return int(x + 0.5)


def status_of(indicator: Indicator, value: IndicatorValue, target: Target | None,
              pro: float | None, too_few: bool) -> str | None:
    if value.value is None or target is None or too_few:
        return None
    if indicator.kind == "positive":
        return REACHED if value.value else BEHIND
    goal = target[0] if indicator.kind == "of" else target  # type: ignore[index]
    if value.value >= goal:  # type: ignore[operator]
        return REACHED
    if pro is not None and value.value >= round_half_up(pro):
        return ON_TRACK
    return BEHIND


def _combine_entries(indicator: Indicator, entries: list[store.Entry]) -> float | None:
    values = [e.value for e in entries]
    if not values:
        return None
    if indicator.kind == "positive":
        return 1.0 if all(values) else 0.0
    if indicator.kind in ("percent", "score"):
        return sum(values) / len(values)
    return sum(values)


def _pick_entry(entries: list[store.Entry], start: date, end: date) -> store.Entry | None:
    """The entry that best fits the period: the same period, else one that holds it (the year
    for a quarter), else the latest one entered inside it."""
    exact = [e for e in entries if e.start == start and e.end == end]
    if exact:
        return exact[-1]
    holding = [e for e in entries if e.start <= start and e.end >= end]
    if holding:
        return min(holding, key=lambda e: ((e.end - e.start).days, e.entered_at))
    inside = [e for e in entries if e.start >= start and e.end <= end]
    if inside:
        return max(inside, key=lambda e: (e.end, e.entered_at))
    return None


def entered_value(indicator: Indicator, room: str, rooms: list[str],
                  entries: list[store.Entry], start: date, end: date
                  ) -> tuple[IndicatorValue, str | None] | None:
    mine = [e for e in entries if e.indicator == indicator.key]
    if room != ALL:
        chosen = _pick_entry([e for e in mine if e.room == room], start, end)
        if chosen is None:
            return None
        return IndicatorValue(chosen.value, ENTERED, entered_by=chosen.entered_role,
                              entered_at=from_db(chosen.entered_at)), chosen.period_key
    whole = _pick_entry([e for e in mine if e.room == ALL], start, end)
    if whole is not None:
        return IndicatorValue(whole.value, ENTERED, entered_by=whole.entered_role,
                              entered_at=from_db(whole.entered_at)), whole.period_key
    picked = [p for r in rooms if (p := _pick_entry([e for e in mine if e.room == r], start, end))]
    combined = _combine_entries(indicator, picked)
    if combined is None:
        return None
    latest = max(picked, key=lambda e: e.entered_at)
    keys = {e.period_key for e in picked}
    return IndicatorValue(combined, ENTERED, entered_by=latest.entered_role,
                          entered_at=from_db(latest.entered_at)), (
        keys.pop() if len(keys) == 1 else None)


class IndicatorError(Refused):
    """An entered value that is refused; ``reason`` names why (shown in the user's language)."""

    UNKNOWN_INDICATOR = "unknown_indicator"
    NOT_ENTERABLE = "not_enterable"
    BAD_VALUE = "bad_value"
    UNKNOWN_ROOM = "unknown_room"
    NOT_ALLOWED = "not_allowed"
    BAD_NOTE = "bad_note"


#: The highest value each kind accepts (a typo such as 1800 paying members is possible; a
#: share over 100 % or a score over 10 is not).
MAX_NOTE = 200
#: A note is about a place, never a person: a phone number (9 digits or more, spaces and
#: dashes allowed) or an e-mail address in it is refused. Names cannot be recognised.
PERSONAL_IN_NOTE = re.compile(r"(?:\+?\d[\s\-./()]*){9,}|[^\s@]+@[^\s@]+\.[a-z]{2,}", re.I)


def parse_value(indicator: Indicator, text: str) -> float:
    """A typed value: ``180``, ``2,5`` or ``2.5 %``, ``ja`` / ``positief`` for the budget."""
    raw = text.strip().lower().rstrip("%").strip().replace(",", ".")
    if indicator.kind == "positive":
        if raw in ("1", "positive", "positief", "yes", "ja", "evet", "olumlu", "+", "نعم",
                   "إيجابي", "так", "позитивно", "позитивний"):
            return 1.0
        if raw in ("0", "negative", "negatief", "no", "nee", "hayır", "olumsuz", "-", "لا",
                   "سلبي", "ні", "негативно", "негативний"):
            return 0.0
        raise IndicatorError(IndicatorError.BAD_VALUE, text)
    try:
        value = float(raw)
    except ValueError:
        raise IndicatorError(IndicatorError.BAD_VALUE, text) from None
    if value != value or value < 0:
        raise IndicatorError(IndicatorError.BAD_VALUE, text)
    high = {"percent": 100.0, "score": 10.0}.get(indicator.kind, 100_000.0)
    if value > high:
        raise IndicatorError(IndicatorError.BAD_VALUE, text)
    if indicator.kind == "number" and value != int(value):
        raise IndicatorError(IndicatorError.BAD_VALUE, text)
    return value


class IndicatorService:
    """Available as ``services.indicators``."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._providers: dict[str, Provider] = {}
        # The counted indicators (PROCES, referred, newcomers, paid work, referrals, partners)
        # are registered here, so a feature registering its own keys in its start() or
        # __init__ never depends on the order features start in.
        from bot.services import indicators_counted

        indicators_counted.register_all(self)

    async def start(self) -> None:
        """Person marks (newcomer, referred) are personal data: shown and erased with the rest."""
        self.services.privacy.register("report_marks", self._export_marks, self._erase_marks)

    async def _export_marks(self, conn, user_id: int):
        marks = await store.marks_of(conn, user_id)
        return [{"mark": m, "since": on, "marked_by": by} for m, on, by in marks] or None

    async def _erase_marks(self, conn, user_id: int) -> None:
        await store.erase_marks(conn, user_id)

    async def set_mark(self, user_id: int, mark: str, by: str, *,
                       tell: str | None = None) -> bool:
        """Mark a person as newcomer (self-declared, or by a volunteer with consent) or as
        referred at intake; True when new. Counted from today. ``tell``: an outbox kind that
        tells the person, written with a new mark (params: the mark)."""
        async with self.services.db.transaction() as conn:
            now = self.services.clock.now()
            new = await store.set_mark(conn, user_id, mark, now.date(), by)
            if new and tell:
                await self.services.outbox.enqueue(
                    conn, to=user_id, kind=tell, ref=user_id, dedupe=f"{mark}:{now.isoformat()}",
                    params={"mark": mark})
            return new

    async def clear_mark(self, user_id: int, mark: str) -> bool:
        return await self.services.db.run(store.clear_mark, user_id, mark)

    async def has_mark(self, user_id: int, mark: str) -> bool:
        async with self.services.db.transaction() as conn:
            return any(m == mark for m, _on, _by in await store.marks_of(conn, user_id))

    async def record_paid_work(self, request_id: int, room: str) -> bool:
        """"Found paid work" as the outcome of a help request: once per request."""
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            return await store.add_outcome(conn, request_id, "paid_work", room, now.date(),
                                           to_db(now))

    def register(self, key: str, provider: Provider) -> None:
        """Make ``provider`` the source of indicator ``key`` (one of the 27; later wins)."""
        if key not in BY_KEY:
            raise KeyError(f"unknown indicator {key!r}")
        self._providers[key] = provider

    def has_provider(self, key: str) -> bool:
        return key in self._providers

    def targets(self, room: str) -> dict[str, Target]:
        return dict(self.services.config.rooms[room].targets)

    async def table(self, room: str | None, start: date, end: date) -> ReportTable:
        """The table for one room (``room``) or for every room plus the summary (None).

        The caller checks the period (``bot.services.tally.Period.checked``)."""
        config = self.services.config
        rooms = list(config.rooms) if room is None else [room]
        if room is not None and room not in config.rooms:
            raise IndicatorError(IndicatorError.UNKNOWN_ROOM, room)
        fraction = year_fraction(start, end)
        async with self.services.db.transaction() as conn:
            entries = await store.entries_overlapping(conn, [*rooms, ALL], start, end)
            tables = []
            context = await _context(conn, self.services, rooms, start, end)
            targets_by_room = {r: config.rooms[r].targets for r in rooms}
            for r in [*rooms, *([ALL] if room is None else [])]:
                if r == ALL:
                    targets = {
                        i.key: combined_target(i, [targets_by_room[x].get(i.key) for x in rooms])
                        for i in INDICATORS
                    }
                else:
                    targets = dict(targets_by_room[r])
                rows = []
                for indicator in INDICATORS:
                    value, entered_for = await self._value(conn, indicator, r, rooms, entries,
                                                           start, end)
                    target = targets.get(indicator.key)
                    pro = period_target(indicator, target, fraction)
                    row = IndicatorRow(indicator, value, target, pro, None, entered_for)
                    rows.append(IndicatorRow(
                        indicator, value, target, pro,
                        status_of(indicator, value, target, pro, row.too_few_answers),
                        entered_for,
                    ))
                tables.append(RoomTable(r, "" if r == ALL else config.rooms[r].name,
                                        tuple(rows), *context[r]))
        key = _period_key(start, end)
        return ReportTable(
            start, end, key[0], key[1],
            tuple(t for t in tables if t.room != ALL),
            next((t for t in tables if t.room == ALL), None),
            self.services.clock.now(),
        )

    async def report(self, room: str | None, period) -> ReportTable:
        """The table for a :class:`bot.services.tally.Period` as asked (a year, a quarter, ...):
        checked (a future or reversed period is refused with ``ReportError``), counted up to
        today, and labelled as asked ("2026", not "1 January to 30 November")."""
        import dataclasses

        checked = period.checked(self.services.clock.now().date())
        made = await self.table(room, checked.start, checked.end)
        return dataclasses.replace(made, period_key=period.key, kind=period.kind,
                                   asked_end=period.end)

    async def _value(self, conn, indicator: Indicator, room: str, rooms: list[str],
                     entries: list[store.Entry], start: date, end: date
                     ) -> tuple[IndicatorValue, str | None]:
        provider = self._providers.get(indicator.key)
        value: IndicatorValue | None = None
        if provider is not None:
            try:
                value = await provider(conn, room, start, end)
            except Exception:  # one broken source must not take the whole report down
                log.exception("indicator provider %s failed", indicator.key)
                value = None
            if value is not None and value.value is not None:
                return value, None
        entered = entered_value(indicator, room, rooms, entries, start, end)
        if entered is not None:
            return entered
        if value is not None:
            return value, None
        source = SURVEY if indicator.measure == "survey" and not indicator.enterable else (
            ENTERED if indicator.enterable else COUNTED)
        return IndicatorValue(None, source), None

    # --- entering values ------------------------------------------------------------------

    async def enter(self, *, room: str, indicator: str, start: date, end: date,
                    period_key: str, text: str, note: str | None = None,
                    role: str = COORDINATOR) -> tuple[float, bool]:
        """Store a coordinator's value (replaces one for the same room, indicator, period).

        Returns (value, replaced). Refuses unknown rooms and indicators, indicators the bot
        counts itself, and values that make no sense; nothing is stored then."""
        if role != COORDINATOR:
            raise IndicatorError(IndicatorError.NOT_ALLOWED)
        if room != ALL and room not in self.services.config.rooms:
            raise IndicatorError(IndicatorError.UNKNOWN_ROOM, room)
        spec = BY_KEY.get(indicator)
        if spec is None:
            raise IndicatorError(IndicatorError.UNKNOWN_INDICATOR, indicator)
        if not spec.enterable:
            raise IndicatorError(IndicatorError.NOT_ENTERABLE, indicator)
        value = parse_value(spec, text)
        if note is not None:
            note = " ".join(note.split())
            if len(note) > MAX_NOTE:
                raise IndicatorError(IndicatorError.BAD_NOTE)
            if PERSONAL_IN_NOTE.search(note):
                raise IndicatorError(IndicatorError.BAD_NOTE, "personal")
            note = note or None
        entry = store.Entry(room, indicator, period_key, start, end, value, note, role,
                            to_db(self.services.clock.now()))
        async with self.services.db.transaction() as conn:
            replaced = await store.put_entry(conn, entry)
        return value, replaced


def _period_key(start: date, end: date) -> tuple[str, str]:
    from bot.services.tally import Period

    for candidate in (Period.year(start.year),
                      Period.quarter(start.year, (start.month - 1) // 3 + 1),
                      Period.month(start.year, start.month)):
        if candidate.start == start and candidate.end == end:
            return candidate.key, candidate.kind
    return Period(start, end).key, "custom"


async def _context(conn, services: Services, rooms: list[str], start: date, end: date
                   ) -> dict[str, tuple[int, int]]:
    from bot.services import indicators_counted

    return await indicators_counted.context_lines(conn, services, rooms, start, end)
