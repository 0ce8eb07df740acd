"""What volunteers give: hours per week, volunteer groups and keyholders (OUTPUT indicators).

Hours: once a week (Monday from 10:00, never at night) each volunteer who has not switched it
off gets one calm question about last week, through the announcements' durable outbox (a
broadcast of kind ``hours`` per week: exactly once per volunteer per week, also across a
restart). The question proposes hours from what the bot saw (meals the volunteer's kookgroep
held, help requests they finished). One number per volunteer per week; a new answer replaces it.

Groups: each room has its groups (``rooms.<id>.volunteer_groups``). A group is *active* in a
period when, in that period, a member logged hours, or the bot saw the group's own work:
kookgroep — a meal took place (someone marked as come); klussendienst, formulierenbrigade,
computerhulp, taalteam — a help request of their kind was finished (see :data:`GROUP_WORK`).

Keyholders (sleutelbeheerders) are a mark a coordinator sets on a volunteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.clock import TZ
from bot.i18n import N_
from bot.services.checkins import is_quiet, iso_week, week_monday
from bot.services.indicators import ALL, COUNTED, IndicatorValue
from bot.services.users import COORDINATOR, VOLUNTEER, Person
from bot.store import audiences as audience_store
from bot.store import volunteer_work as store

if TYPE_CHECKING:
    from bot.services import Services

#: The weekly question goes out from Monday at this time (about the week before).
ASK_WEEKDAY, ASK_AT = 0, time(10, 0)
MAX_HOURS_WEEK = 80
#: How far back a volunteer may still enter or correct hours.
WEEKS_BACK = 8
#: What the bot proposes per thing it saw (a rough, honest estimate the volunteer confirms).
MEAL_HOURS = 3.0
HELP_HOURS = 1.0
#: One-tap answers: code → hours stored ("1–2" is stored as 1.5, and so on).
BUTTON_HOURS: dict[str, float] = {"0": 0.0, "1-2": 1.5, "3-5": 4.0, "6-10": 8.0}
#: Labels of the known groups (others are shown by their id).
GROUP_LABELS: dict[str, str] = {
    "kookgroep": N_("Cooking group"),
    "klussendienst": N_("Odd-jobs team"),
    "tuingroep": N_("Garden group"),
    "formulierenbrigade": N_("Forms team"),
    "taalteam": N_("Language team"),
    "computerhulp": N_("Computer help"),
}
#: Which help request categories are a group's own work (the bot sees it being done).
GROUP_WORK: dict[str, tuple[str, ...]] = {
    "klussendienst": ("klussen",),
    "formulierenbrigade": ("formulieren", "schulden"),
    "computerhulp": ("computer",),
    "taalteam": ("taal",),
}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_NUMBER = re.compile(r"^\s*(-?)\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:u|uur|h|hours?|saat)?\s*$",
                     re.IGNORECASE)


class HoursError(Exception):
    """``code``: 'not_a_number', 'negative', 'too_many', 'week'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def week_start(week: str) -> date | None:
    match = _WEEK.match(week)
    if not match:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def parse_hours(text: str) -> float:
    """A typed number of hours ("3", "2,5", "4 uur"); raises :class:`HoursError`."""
    match = _NUMBER.match(text or "")
    if not match:
        raise HoursError("not_a_number")
    value = float(match[2].replace(",", "."))
    if match[1] and value > 0:
        raise HoursError("negative")
    if value > MAX_HOURS_WEEK:
        raise HoursError("too_many")
    return value


@dataclass(frozen=True)
class Proposal:
    hours: float
    meals: int
    helps: int


class VolunteerWorkService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        self.services.privacy.register("volunteer_work", self._export, self._erase)
        indicators = self.services.indicators
        indicators.register("keyholders", self._keyholders)
        indicators.register("active_volunteers", self._active_volunteers)
        indicators.register("volunteer_groups", self._volunteer_groups)

    # --- the report's providers (room ALL: every room) ---------------------------------

    async def _keyholders(self, conn: aiosqlite.Connection, room: str, start: date, end: date
                          ) -> IndicatorValue:
        """Keyholders at the end of the period (a stock, not a flow).

        None ("no data") while nobody in the room is marked: then the coordinator has not used
        the mark yet, which a funder must not read as "zero keyholders".
        """
        count = await self.count_keyholders(conn, None if room == ALL else room, end)
        return IndicatorValue(count or None, COUNTED)

    async def _active_volunteers(self, conn: aiosqlite.Connection, room: str, start: date,
                                 end: date) -> IndicatorValue:
        found = await self.active_volunteers(conn, None if room == ALL else room, start, end)
        extra: dict[str, float | int] = {"hours": found["hours"],
                                         "reporting": found["reporting"]}
        if found["avg_hours_year"] is not None:
            extra["avg_hours_year"] = found["avg_hours_year"]
        return IndicatorValue(found["count"], COUNTED, extra=extra)

    async def _volunteer_groups(self, conn: aiosqlite.Connection, room: str, start: date,
                                end: date) -> IndicatorValue:
        active = await self.active_groups(conn, None if room == ALL else room, start, end)
        return IndicatorValue(len(active), COUNTED)

    # --- weeks ---------------------------------------------------------------------------

    def last_week(self, now: datetime | None = None) -> str:
        local = (now or self.services.clock.now()).astimezone(TZ).date()
        return iso_week(local - timedelta(days=7))

    def this_week(self) -> str:
        return iso_week(self.services.clock.now().astimezone(TZ).date())

    def check_week(self, week: str) -> date:
        """A week a volunteer may enter hours for: this week or up to WEEKS_BACK before."""
        start = week_start(week)
        today = self.services.clock.now().astimezone(TZ).date()
        if start is None or start > today or start < week_monday(today) - timedelta(
                weeks=WEEKS_BACK):
            raise HoursError("week")
        return start

    # --- the weekly question -------------------------------------------------------------

    async def ask_weekly(self, now: datetime) -> int | None:
        """From Monday 10:00 (daytime only): queue last week's question once; its broadcast id.

        A question missed while the bot was down goes out on the next daytime tick of the same
        week; the draft key ``hours:<week>`` makes it once per week, whatever restarts.
        """
        if is_quiet(now):
            return None
        local = now.astimezone(TZ)
        monday = week_monday(local.date())
        if local < datetime.combine(monday + timedelta(days=ASK_WEEKDAY), ASK_AT, tzinfo=TZ):
            return None
        week = self.last_week(now)
        announcements = self.services.announcements
        if await announcements.by_draft_key(f"hours:{week}") is not None:
            return None
        # Nobody is asked about a week that ended before they joined the bot.
        recipients = await self._to_ask(joined_before=datetime.combine(monday, time(0), tzinfo=TZ))
        async with self.services.db.transaction() as conn:
            row = await announcements.enqueue(
                conn, kind="hours", ref=None, draft_key=f"hours:{week}", created_by=None,
                coordinator_chat=0, coordinator_language="nl", audience="vol_all", room=None,
                recipients=recipients, text=f"hours {week}")
        if row is None:
            return None
        announcements.kick()
        return row.id

    async def _to_ask(self, joined_before: datetime) -> list[int]:
        rooms = list(self.services.config.rooms)
        if not rooms:
            return []
        async with self.services.db.reading() as conn:
            members = await audience_store.hours_question(
                conn, rooms=rooms, coordinators=sorted(self.services.config.coordinators),
                joined_before=joined_before)
        return [m.user_id for m in members]

    async def asking(self, person: Person) -> bool:
        async with self.services.db.transaction() as conn:
            row = await store.settings(conn, person.id)
        return row is None or bool(row["ask_hours"])

    async def set_asking(self, person: Person, on: bool) -> None:
        if not person.has_role(VOLUNTEER):
            raise PermissionError("only volunteers are asked for hours")
        async with self.services.db.transaction() as conn:
            await store.set_ask_hours(conn, person.id, on)

    async def proposal(self, person: Person, week: str) -> Proposal:
        """What the bot saw this volunteer do in ``week``: finished help requests, and the
        meals of their room if they are in its kookgroep."""
        start_day = week_start(week)
        if start_day is None or person.room is None:
            return Proposal(0.0, 0, 0)
        start = datetime.combine(start_day, time(0), tzinfo=TZ)
        end = start + timedelta(days=7)
        async with self.services.db.transaction() as conn:
            helps = await store.help_done(conn, room=None, start=start, end=end,
                                          volunteer_id=person.id)
            groups = {row["group_key"] for row in await store.groups_of(conn, person.id)
                      if row["room"] == person.room}
            meals = await store.meals_held(conn, person.room, start, end) \
                if "kookgroep" in groups else 0
        return Proposal(meals * MEAL_HOURS + helps * HELP_HOURS, meals, helps)

    async def record_hours(self, person: Person, week: str, hours: float, source: str) -> float:
        """Store (or replace) a volunteer's hours for a week; raises :class:`HoursError`."""
        if not person.has_role(VOLUNTEER):
            raise PermissionError("only volunteers log hours")
        start = self.check_week(week)
        if hours < 0:
            raise HoursError("negative")
        if hours > MAX_HOURS_WEEK:
            raise HoursError("too_many")
        room = person.room or next(iter(self.services.config.rooms), "")
        async with self.services.db.transaction() as conn:
            await store.put_hours(conn, user_id=person.id, person_key=person.row.anon_key,
                                  room=room, week=week, week_start=start, hours=hours,
                                  source=source, now=self.services.clock.now())
        return hours

    async def hours_in_week(self, person: Person, week: str) -> float | None:
        return await self.services.db.run(store.hours_in_week, person.id, week)

    async def hours_this_year(self, person: Person) -> float:
        year = self.services.clock.now().year
        async with self.services.db.transaction() as conn:
            rows = await store.hours_of(conn, person.id)
        return sum(r["hours"] for r in rows if r["week_start"].startswith(str(year)))

    # --- groups and keyholders -------------------------------------------------------------

    def room_groups(self, room: str | None) -> tuple[str, ...]:
        found = self.services.config.room(room)
        return found.volunteer_groups if found else ()

    async def groups_of(self, person: Person) -> set[str]:
        async with self.services.db.transaction() as conn:
            return {row["group_key"] for row in await store.groups_of(conn, person.id)
                    if row["room"] == person.room}

    async def set_member(self, actor: Person, target: Person, group: str, member: bool) -> bool:
        """A volunteer chooses their own groups; a coordinator anyone's. False: unknown group."""
        if actor.id != target.id and not actor.has_role(COORDINATOR):
            raise PermissionError("only coordinators change someone else's groups")
        if not target.has_role(VOLUNTEER) or group not in self.room_groups(target.room):
            return False
        async with self.services.db.transaction() as conn:
            if member:
                await store.join(conn, target.id, target.room or "", group,
                                 self.services.clock.now().date())
            else:
                await store.leave(conn, target.id, target.room or "", group)
        return True

    async def is_keyholder(self, person: Person) -> bool:
        async with self.services.db.transaction() as conn:
            row = await store.settings(conn, person.id)
        return bool(row and row["keyholder_since"])

    async def set_keyholder(self, coordinator: Person, target: Person, on: bool) -> None:
        if not coordinator.has_role(COORDINATOR):
            raise PermissionError("only coordinators mark keyholders")
        async with self.services.db.transaction() as conn:
            await store.set_keyholder(conn, target.id,
                                      self.services.clock.now().date() if on else None)

    # --- indicators --------------------------------------------------------------------

    async def count_keyholders(self, conn: aiosqlite.Connection, room: str | None,
                               end: date) -> int:
        return await store.count_keyholders(conn, room, end)

    async def active_volunteers(self, conn: aiosqlite.Connection, room: str | None,
                                start: date, end: date) -> dict[str, Any]:
        """Volunteers who logged hours or whom the bot saw at work in [start, end].

        ``avg_hours_year``: the mean hours per volunteer *who reported hours*, scaled to a
        year (unreported weeks are unknown, not zero), to hold against "gem. 250 uren/jaar".
        """
        hours = {k: h for k, h in (await store.hours_by_person(conn, room, start, end)).items()
                 if h > 0}
        rooms = [room] if room is not None else list(self.services.config.rooms)
        seen = await store.volunteer_contacts(conn, rooms, start, end)
        active = set(hours) | seen
        days = (end - start).days + 1
        total = sum(hours.values())
        avg = round(total / len(hours) * 365 / days, 1) if hours and days > 0 else None
        return {"count": len(active), "hours": round(total, 1), "reporting": len(hours),
                "avg_hours_year": avg}

    async def active_groups(self, conn: aiosqlite.Connection, room: str | None, start: date,
                            end: date) -> list[tuple[str, str]]:
        """(room, group) of every group active in [start, end] (the rule: module docstring)."""
        rooms = [room] if room is not None else list(self.services.config.rooms)
        first = datetime.combine(start, time(0), tzinfo=TZ)
        after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=TZ)
        active = []
        for room_id in rooms:
            for group in self.room_groups(room_id):
                if await store.group_hours(conn, room_id, group, start, end) > 0:
                    active.append((room_id, group))
                elif group == "kookgroep" and await store.meals_held(conn, room_id, first,
                                                                      after):
                    active.append((room_id, group))
                elif group in GROUP_WORK and await store.help_done(
                        conn, room=room_id, start=first, end=after,
                        categories=GROUP_WORK[group]):
                    active.append((room_id, group))
        return active

    # --- privacy -------------------------------------------------------------------------

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> dict[str, Any] | None:
        settings = await store.settings(conn, user_id)
        hours = await store.hours_of(conn, user_id)
        groups = await store.groups_of(conn, user_id)
        asked = await store.weeks_asked(conn, user_id)
        if settings is None and not hours and not groups and not asked:
            return None
        return {
            "weekly_hours_question": bool(settings["ask_hours"]) if settings else True,
            "keyholder_since": settings["keyholder_since"] if settings else None,
            "groups": [{"room": g["room"], "group": g["group_key"], "since": g["since"]}
                       for g in groups],
            "hours": [{"week": h["week"], "hours": h["hours"]} for h in hours],
            "weeks_asked": asked,
        }

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.forget_user(conn, user_id)
