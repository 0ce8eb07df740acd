"""Belronde: the weekly "how are you?" check-in and the follow-up by a volunteer.

Rules only, no Telegram: the handlers' tick asks :meth:`CheckinService.due` who should get a
check-in now and claims each resident's week with :meth:`claim`: a unique row, written in one
transaction with the message's outbox row, so a restart or a crash mid-run never sends twice and
never skips anyone. A check-in counts as delivered only once its outbox row is sent
(:meth:`settle`); until then it is ``sending`` and neither counted in the summary nor escalated.
Every notice to volunteers and coordinators is an outbox row written with the change that
causes it (a follow-up, an escalation, the week's summary claim). Wellbeing answers are health
data: only the room's volunteers and the coordinator see them, and they are folded into
anonymous counts after ``checkin_retention_weeks``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.clock import TZ, to_db
from bot.digits import ascii_digits
from bot.services.outbox import NOTICE, person_address
from bot.store import addresses as address_store
from bot.store import checkins as store
from bot.store import job_runs
from bot.store import users as user_store
from bot.store.checkins import ANSWERS, Checkin, Followup, Subscription

if TYPE_CHECKING:
    from bot.services import Services
    from bot.services.users import Person

#: The day parts a resident can choose, at these local times.
DAYPARTS: dict[str, time] = {
    "morning": time(10, 0),
    "afternoon": time(14, 0),
    "evening": time(19, 0),
}
#: No messages to residents at night: only from QUIET_END until QUIET_START (local time).
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
#: "Extra aandacht": no answer within this long → a volunteer calls.
NO_ANSWER_AFTER = timedelta(days=2)
#: A follow-up nobody took within this long goes to the coordinator.
ESCALATE_AFTER = timedelta(days=1)
#: How far ahead a pause may reach.
MAX_PAUSE = timedelta(weeks=26)
MAX_NOTE = 500
#: Answers that need a volunteer's call.
NEEDS_CALL = ("bad", "call")
_PHONE = re.compile(r"^\+?[0-9]{9,15}$")

#: Outbox kinds (CORE13 §6): the weekly question to a resident (ref: check-in id; one row a
#: day at most, ``dedupe`` the local date), a new follow-up to the room's helpers, a follow-up
#: nobody took to the coordinators (ref: follow-up id), the week's counts (ref: room:week).
QUESTION = "checkin.question"
FOLLOWUP = "checkin.followup"
ESCALATION = "checkin.escalation"
SUMMARY = "checkin.summary"
#: Outbox states after which a check-in's message may be tried again the next day.
_TRY_AGAIN = ("failed", "expired")


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def is_quiet(now: datetime) -> bool:
    """Night time, when we never message residents."""
    local = now.astimezone(TZ).time()
    return local >= QUIET_START or local < QUIET_END


def _awake(moment: datetime) -> datetime:
    """``moment``, or the end of that night (08:00) if it falls in the quiet hours: the tick
    does nothing for people at night."""
    if not is_quiet(moment):
        return moment
    local = moment.astimezone(TZ)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=TZ)


def normalise_phone(text: str) -> str | None:
    """A Dutch or international number as typed ("06-1234 5678", "+31 6 ..."), else None."""
    cleaned = re.sub(r"[\s\-().]", "", ascii_digits(text).strip())
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    return cleaned if _PHONE.match(cleaned) else None


class AnswerResult(Enum):
    OK = "ok"
    NOT_YOURS = "not_yours"  # forged or someone else's button
    OLD_WEEK = "old_week"  # an answer to an earlier week's message
    ALREADY = "already"  # answered before
    STOPPED = "stopped"  # tapped after stopping


class TakeResult(Enum):
    OK = "ok"
    TAKEN = "taken"  # someone else was first
    DONE = "done"
    UNKNOWN = "unknown"  # no such follow-up, or not of this volunteer's room


@dataclass(frozen=True)
class Due:
    """A resident whose check-in is due now."""

    user_id: int
    room: str
    week: str
    due_at: datetime


@dataclass(frozen=True)
class FollowupView:
    """A follow-up as a volunteer sees it."""

    followup: Followup
    name: str | None
    phone: str | None
    resident_id: int
    answer: str | None
    taken_by_name: str | None
    reachable: bool
    #: The resident's language code ("ar"): the volunteer who calls must know it.
    language: str | None = None
    #: Their WhatsApp address (the number, E.164 digits) when they use WhatsApp: the call
    #: card offers it when they gave no phone number of their own (docs/whatsapp-people.md).
    whatsapp: str | None = None


@dataclass(frozen=True)
class Answered:
    result: AnswerResult
    checkin: Checkin | None = None
    followup_id: int | None = None


async def _whatsapp_of(conn: aiosqlite.Connection, user_id: int) -> str | None:
    """The resident's WhatsApp address (their number), if they use WhatsApp."""
    found = await address_store.address_of(conn, user_id, "whatsapp")
    if found is None:  # unreachable there: still their number, still worth a call
        found = next((a for a in await address_store.of_person(conn, user_id)
                      if a.channel == "whatsapp"), None)
    return found.address if found else None


class CheckinService:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def db(self):
        return self.services.db

    @property
    def clock(self):
        return self.services.clock

    async def start(self) -> None:
        """Called once the database is connected: register what we keep about people."""
        self.services.privacy.register("checkins", self._export, self._erase)

    # --- the resident's own settings -------------------------------------------------

    async def subscription(self, person: Person) -> Subscription | None:
        return await self.db.run(store.subscription, person.id)

    async def opt_in(self, person: Person) -> Subscription:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await store.subscribe(conn, person.id, now)
            sub = await store.subscription(conn, person.id)
        assert sub is not None
        return sub

    async def _update(self, person: Person, **fields: Any) -> Subscription | None:
        async with self.db.transaction() as conn:
            sub = await store.subscription(conn, person.id)
            if sub is None or not sub.active:
                return None
            await store.update_subscription(conn, person.id, self.clock.now(), **fields)
            return await store.subscription(conn, person.id)

    async def stop(self, person: Person) -> bool:
        """Stop at any time; True if there was something to stop."""
        return await self._update(person, active=0) is not None

    async def set_weekday(self, person: Person, weekday: int | None) -> Subscription | None:
        if weekday is not None and not 0 <= weekday <= 6:
            return None
        # A new moment counts from now: moving to a day already past this week waits a week.
        return await self._update(person, weekday=weekday, starts_at=to_db(self.clock.now()))

    async def set_daypart(self, person: Person, daypart: str | None) -> Subscription | None:
        if daypart is not None and daypart not in DAYPARTS:
            return None
        return await self._update(person, daypart=daypart, starts_at=to_db(self.clock.now()))

    def pause_choices(self) -> list[date]:
        """The Sundays that end the next 1, 2, 3, 4, 6 and 8 weeks: "pause until ..."."""
        sunday = week_monday(self.clock.now().date()) + timedelta(days=6)
        return [sunday + timedelta(weeks=n) for n in (1, 2, 3, 4, 6, 8)]

    def valid_pause(self, until: date) -> bool:
        today = self.clock.now().date()
        return today <= until <= today + MAX_PAUSE

    async def pause(self, person: Person, until: date) -> Subscription | None:
        if not self.valid_pause(until):
            return None
        return await self._update(person, paused_until=until.isoformat())

    async def resume(self, person: Person) -> Subscription | None:
        return await self._update(person, paused_until=None)

    def moment(self, room_id: str | None, sub: Subscription | None) -> tuple[int, time]:
        """The resident's weekday and local time: their own choice, else the room's default."""
        room = self.services.config.room(room_id)
        default_day = room.belronde.weekday if room else 0
        default_at = room.belronde.at if room else DAYPARTS["morning"]
        weekday = sub.weekday if sub and sub.weekday is not None else default_day
        at = DAYPARTS[sub.daypart] if sub and sub.daypart else default_at
        return weekday, at

    def is_paused(self, sub: Subscription | None) -> bool:
        return bool(sub and sub.paused_until and sub.paused_until >= self.clock.now().date())

    async def set_phone(self, person: Person, text: str) -> str | None:
        """Store the number the resident shared so a volunteer can call; None if not a number."""
        phone = normalise_phone(text)
        if phone is None:
            return None
        async with self.db.transaction() as conn:
            await user_store.update(conn, person.id, phone=phone)
        return phone

    async def forget_phone(self, person: Person) -> None:
        async with self.db.transaction() as conn:
            await user_store.update(conn, person.id, phone=None)

    # --- the weekly send -------------------------------------------------------------

    def _due_moment(self, now: datetime, weekday: int, at: time) -> datetime:
        """This ISO week's moment in local wall time (so DST never shifts it)."""
        day = week_monday(now.astimezone(TZ).date()) + timedelta(days=weekday)
        return datetime.combine(day, at, tzinfo=TZ)

    async def due(self, now: datetime) -> list[Due]:
        """Residents whose moment this week has come and who have no row for this week.

        A moment missed while the bot was down is still due until the week's window closes
        (Sunday evening), so it is sent once on the next tick; never at night.
        """
        if is_quiet(now):
            return []
        local = now.astimezone(TZ)
        week = iso_week(local.date())
        async with self.db.transaction() as conn:
            rows = await store.active_subscribers(conn)
            done = await store.claimed_users(conn, week)
        result = []
        for row in rows:
            if row["user_id"] in done or row["room"] not in self.services.config.rooms:
                continue
            sub = store.subscription_of(row)
            assert sub is not None
            weekday, at = self.moment(row["room"], sub)
            due_at = self._due_moment(local, weekday, at)
            if due_at > local or due_at < sub.starts_at:
                continue
            if sub.paused_until and due_at.date() <= sub.paused_until:
                continue
            result.append(Due(row["user_id"], row["room"], week, due_at))
        return result

    async def upcoming(self, after: datetime) -> list[tuple[datetime, str, str | None]]:
        """When the tick will next have belronde work: (moment, kind, room) after ``after``.

        Each resident's own next moment (their day and day part, else the room's; a pause, a
        later start or a week already sent moves it on), the escalations ("extra aandacht" with
        no answer, a follow-up nobody took) and the morning notices of night-time follow-ups.
        Mirrors :meth:`due` and the escalation rules; used by the practice chat's clock.
        """
        local = after.astimezone(TZ)
        this_monday = week_monday(local.date())
        out: list[tuple[datetime, str, str | None]] = []
        async with self.db.transaction() as conn:
            rows = await store.active_subscribers(conn)
            claimed = await store.claimed_since(conn, iso_week(this_monday))
            no_answer = await store.unanswered_extra_attention(conn, after + timedelta(days=400))
            untaken = await store.untaken_since(conn, after + timedelta(days=400), FOLLOWUP)
            unannounced = await store.unannounced(conn)
        for row in rows:
            if row["room"] not in self.services.config.rooms:
                continue
            sub = store.subscription_of(row)
            assert sub is not None
            weekday, at = self.moment(row["room"], sub)
            for weeks in range(0, 60):
                day = this_monday + timedelta(weeks=weeks, days=weekday)
                due_at = datetime.combine(day, at, tzinfo=TZ)
                if (due_at <= local or (row["user_id"], iso_week(day)) in claimed
                        or due_at < sub.starts_at
                        or (sub.paused_until is not None and day <= sub.paused_until)):
                    continue
                out.append((_awake(due_at), "belronde", row["room"]))
                break
        for checkin in no_answer:
            assert checkin.sent_at is not None
            moment = checkin.sent_at + NO_ANSWER_AFTER
            out.append((_awake(moment), "belronde_escalation", checkin.room))
        for followup in untaken:
            assert followup.announced_at is not None
            out.append((_awake(followup.announced_at + ESCALATE_AFTER), "belronde_escalation",
                        followup.room))
        if is_quiet(after):
            out += [(_awake(after), "belronde_notice", f.room) for f in unannounced]
        return [(moment, kind, room) for moment, kind, room in out if moment > after]

    async def claim(self, due: Due, *, demo: bool = False) -> int | None:
        """Claim the resident's week and queue its message, in one transaction.

        Returns the check-in id, or None when the week was already claimed (another tick, or
        before a restart). Someone we cannot reach (no reachable address: blocked the bot) gets
        no message but a follow-up "to call", told to the room's helpers with it. ``demo``
        (``make demo``'s made-up history): the week counts as sent, nothing is queued.
        """
        now = self.clock.now()
        async with self.db.transaction() as conn:
            reachable = await person_address(conn, due.user_id) is not None
            status = "sending" if reachable else "unreachable"
            checkin_id = await store.claim(conn, due.user_id, due.room, due.week, due.due_at,
                                           status)
            if checkin_id is None:
                return None
            if demo:
                await store.mark_sent(conn, checkin_id, now)
            elif reachable:
                await self._queue_question(conn, checkin_id, due.user_id, now)
            else:
                await self._to_call(conn, due.user_id, checkin_id, due.room, now)
            return checkin_id

    async def _queue_question(self, conn: aiosqlite.Connection, checkin_id: int, user_id: int,
                              now: datetime) -> int | None:
        """The check-in's outbox row for today: not sent after the quiet hours begin (then it
        expires, and the next morning's tick queues it again, see :meth:`settle`)."""
        local = now.astimezone(TZ)
        return await self.services.outbox.enqueue(
            conn, to=user_id, kind=QUESTION, ref=checkin_id, dedupe=local.date().isoformat(),
            params={"checkin": checkin_id}, priority=NOTICE,
            expires_at=datetime.combine(local.date(), QUIET_START, tzinfo=TZ))

    def calls_today(self, room_id: str | None, now: datetime) -> bool:
        """Can a volunteer still call today? After the room's last calling hour: tomorrow.

        Before the night ends (say 02:00) "today" is still true: the call comes in the daytime.
        """
        room = self.services.config.room(room_id)
        until = room.belronde_calls_until if room else time(20, 0)
        return now.astimezone(TZ).time() < until

    async def settle(self, now: datetime, checkin_id: int | None = None) -> None:
        """Bring check-ins still ``sending`` in line with their outbox rows (all, or one).

        Sent → ``sent`` (from then on it counts: summary, "extra aandacht" escalation). The
        address is gone (blocked, chat deleted), also when a channel says so only after the
        send (WhatsApp's failed status) → ``unreachable`` and the resident goes on the
        "to call" list. Failed or expired (the evening came first) → queued again on the next
        day the tick runs in daytime, the same week only. Called by the outbox right after a
        row ends, and by every tick (a kill may come between the outbox and that call).
        """
        this_week = iso_week(now.astimezone(TZ).date())
        async with self.db.transaction() as conn:
            for found in await store.sending(conn, QUESTION, checkin_id):
                checkin, states = found.checkin, [a[0] for a in found.attempts]
                if "sent" in states:
                    sent_at = min(a[1] for a in found.attempts if a[0] == "sent" and a[1])
                    await store.mark_sent(conn, checkin.id, sent_at)
                elif "unreachable" in states:
                    await store.set_status(conn, checkin.id, "unreachable")
                    await self._to_call(conn, checkin.user_id, checkin.id, checkin.room, now)
                elif (states and all(state in _TRY_AGAIN for state in states)
                      and not is_quiet(now) and checkin.week == this_week):
                    sub = await store.subscription(conn, checkin.user_id)
                    if sub is not None and sub.active:
                        await self._queue_question(conn, checkin.id, checkin.user_id, now)
            # Sent, then undeliverable after all (a WhatsApp failed status, 131026): the
            # same as unreachable at once, on the "to call" list.
            for checkin in await store.undelivered(conn, QUESTION, checkin_id):
                await store.set_status(conn, checkin.id, "unreachable")
                await self._to_call(conn, checkin.user_id, checkin.id, checkin.room, now)

    async def _to_call(self, conn: aiosqlite.Connection, user_id: int, checkin_id: int,
                       room: str, now: datetime) -> int | None:
        """One open "to call" entry per unreachable resident, not a new one every week.

        While a volunteer has not closed the last one, this week adds nothing; once it is
        closed ("reached by phone"), the next week's moment opens a new one, so the belronde
        goes on by phone until a volunteer takes the resident off it. A new entry is told to
        the room's helpers in the same transaction.
        """
        if await store.has_open_unreachable(conn, user_id):
            return None
        followup_id = await store.create_followup(conn, checkin_id, room, "unreachable", now)
        if followup_id is not None:
            await self._announce(conn, followup_id, now)
        return followup_id

    # --- answers ---------------------------------------------------------------------

    async def answer(self, person: Person, checkin_id: int, value: str) -> Answered:
        """Record the resident's one-tap answer, its participation and maybe a follow-up."""
        if value not in ANSWERS:
            return Answered(AnswerResult.NOT_YOURS)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            checkin = await store.get(conn, checkin_id)
            if checkin is None or checkin.user_id != person.id:
                return Answered(AnswerResult.NOT_YOURS)
            sub = await store.subscription(conn, person.id)
            if sub is None or not sub.active:
                return Answered(AnswerResult.STOPPED, checkin)
            if checkin.answer is not None:
                return Answered(AnswerResult.ALREADY, checkin)
            if checkin.week != iso_week(now.date()) or checkin.status not in ("sent", "sending"):
                return Answered(AnswerResult.OLD_WEEK, checkin)
            if not await store.answer(conn, checkin_id, value, now):
                return Answered(AnswerResult.ALREADY, checkin)
            await self.services.participation.record(
                conn, person_key=person.row.anon_key, room=checkin.room, category="contact",
                source="checkin", source_id=checkin.id,
            )
            followup_id = None
            if value in NEEDS_CALL:
                followup_id = await store.create_followup(conn, checkin.id, checkin.room, value,
                                                          now)
                if followup_id is not None:
                    await self._announce(conn, followup_id, now)
            return Answered(AnswerResult.OK, await store.get(conn, checkin_id), followup_id)

    # --- volunteers: follow-ups and extra attention -----------------------------------

    def can_see(self, person: Person, room: str) -> bool:
        """Only the room's volunteers and the coordinators see individual answers."""
        from bot.services.users import COORDINATOR, VOLUNTEER

        return person.has_role(COORDINATOR) or (person.has_role(VOLUNTEER)
                                                and person.room == room)

    async def _view(self, conn: aiosqlite.Connection, followup: Followup) -> FollowupView:
        resident = await user_store.by_id(conn, followup.user_id)
        checkin = await store.get(conn, followup.checkin_id)
        taker = await user_store.by_id(conn, followup.taken_by) if followup.taken_by else None
        return FollowupView(
            followup=followup,
            name=resident.display_name if resident else None,
            phone=resident.phone if resident else None,
            resident_id=followup.user_id,
            answer=checkin.answer if checkin else None,
            taken_by_name=(taker.display_name or "") if taker else None,
            reachable=bool(resident and resident.reachable),
            language=resident.language if resident else None,
            whatsapp=await _whatsapp_of(conn, followup.user_id),
        )

    async def _current(self, conn: aiosqlite.Connection, followup_id: int) -> Followup | None:
        """The follow-up, or the newer one that superseded it (an old button still works)."""
        found = await store.followup(conn, followup_id)
        for _ in range(100):  # a chain of weeks; bounded so bad data cannot loop
            if found is None or found.superseded_by is None:
                return found
            found = await store.followup(conn, found.superseded_by)
        return found

    async def open_followups(self, volunteer: Person, room: str | None = None
                             ) -> list[FollowupView]:
        room = room or volunteer.room
        if room is None or not self.can_see(volunteer, room):
            return []
        async with self.db.transaction() as conn:
            return [await self._view(conn, f) for f in await store.open_followups(conn, room)]

    async def followup(self, volunteer: Person, followup_id: int) -> FollowupView | None:
        async with self.db.transaction() as conn:
            found = await self._current(conn, followup_id)
            if found is None or not self.can_see(volunteer, found.room):
                return None
            return await self._view(conn, found)

    async def take(self, volunteer: Person, followup_id: int) -> tuple[TakeResult,
                                                                       FollowupView | None]:
        """Exactly one volunteer takes a follow-up: checked and written in one transaction."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await self._actionable(conn, volunteer, followup_id)
            if not isinstance(found, Followup):
                return found
            if found.taken_by is not None:
                result = TakeResult.OK if found.taken_by == volunteer.id else TakeResult.TAKEN
                return result, await self._view(conn, found)
            await store.take(conn, found.id, volunteer.id, now)
            return await self._acted(conn, volunteer, found)

    async def finish(self, volunteer: Person, followup_id: int, note: str | None,
                     *, stop_checkin: bool = False) -> tuple[TakeResult, FollowupView | None]:
        """Mark done with a short note; only the volunteer who took it.

        ``stop_checkin`` (only for a resident we cannot reach: moved away, does not want it
        any more) takes them off the belronde, so no new "to call" entry comes next week.
        """
        note = " ".join(note.split())[:MAX_NOTE] if note else None
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await self._actionable(conn, volunteer, followup_id)
            if not isinstance(found, Followup):
                return found
            if found.taken_by != volunteer.id:
                return TakeResult.TAKEN, await self._view(conn, found)
            await store.finish(conn, found.id, volunteer.id, note or None, now)
            if stop_checkin and found.reason == "unreachable":
                await store.update_subscription(conn, found.user_id, now, active=0)
            return await self._acted(conn, volunteer, found)

    async def _actionable(self, conn: aiosqlite.Connection, volunteer: Person, followup_id: int
                          ) -> Followup | tuple[TakeResult, FollowupView | None]:
        """The follow-up a volunteer may take or finish, or the answer why not (it is not
        theirs to see, or it is done already)."""
        found = await self._current(conn, followup_id)
        if found is None or not self.can_see(volunteer, found.room):
            return TakeResult.UNKNOWN, None
        if found.done_at is not None:
            return TakeResult.DONE, await self._view(conn, found)
        return found

    async def _acted(self, conn: aiosqlite.Connection, volunteer: Person, found: Followup
                     ) -> tuple[TakeResult, FollowupView]:
        """After a take or a finish: the volunteer's part counted, the follow-up as it is now."""
        await self._record_volunteer(conn, volunteer, found)
        now_row = await store.followup(conn, found.id)
        assert now_row is not None
        return TakeResult.OK, await self._view(conn, now_row)

    async def _record_volunteer(self, conn: aiosqlite.Connection, volunteer: Person,
                                followup: Followup) -> None:
        await self.services.participation.record(
            conn, person_key=volunteer.row.anon_key, room=followup.room, category="volunteer",
            source="volunteer", source_id=f"checkin:{followup.checkin_id}",
        )

    async def participants(self, volunteer: Person) -> list[aiosqlite.Row]:
        """The room's residents in the belronde (for marking "extra aandacht")."""
        if volunteer.room is None or not self.can_see(volunteer, volunteer.room):
            return []
        return await self.db.run(store.room_subscribers, volunteer.room)

    async def toggle_extra_attention(self, volunteer: Person, user_id: int) -> bool | None:
        """Flip "extra aandacht" for a resident of the volunteer's room; None if not allowed."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            resident = await user_store.by_id(conn, user_id)
            sub = await store.subscription(conn, user_id)
            if (resident is None or resident.erased_at is not None or sub is None
                    or not sub.active or resident.room is None
                    or not self.can_see(volunteer, resident.room)):
                return None
            value = not sub.extra_attention
            await store.update_subscription(conn, user_id, now, extra_attention=int(value))
            return value

    # --- scheduled: escalation, summaries, retention ----------------------------------

    async def escalate_no_answer(self, now: datetime) -> list[int]:
        """"Extra aandacht" residents who did not answer within two days of receiving the
        check-in → follow-ups, told to the room's helpers in the same transaction."""
        created = []
        async with self.db.transaction() as conn:
            for checkin in await store.unanswered_extra_attention(conn, now - NO_ANSWER_AFTER):
                followup_id = await store.create_followup(conn, checkin.id, checkin.room,
                                                          "no_answer", now)
                if followup_id is not None:
                    await self._announce(conn, followup_id, now)
                    created.append(followup_id)
        return created

    async def escalate_untaken(self, now: datetime) -> list[Followup]:
        """Follow-ups nobody took within a day of the notice: each goes to the room's
        coordinators once (the claim and their outbox rows in one transaction)."""
        async with self.db.transaction() as conn:
            result = []
            for followup in await store.untaken_since(conn, now - ESCALATE_AFTER, FOLLOWUP):
                if await store.mark_escalated(conn, followup.id, now):
                    for person_id in await self.services.recipients.coordinators(
                            conn, followup.room):
                        await self.services.outbox.enqueue(
                            conn, to=person_id, kind=ESCALATION, ref=followup.id,
                            params={"followup": followup.id}, priority=NOTICE)
                    result.append(followup)
            return result

    # --- telling volunteers: at once in the daytime, at 08:00 for the night -----------

    async def _announce(self, conn: aiosqlite.Connection, followup_id: int, now: datetime
                        ) -> bool:
        """Claim telling the helpers about a new follow-up and queue their notices, in the
        caller's transaction; False at night or when it was claimed before.

        At night nothing is queued (volunteers are volunteers: the morning tick tells them at
        08:00, :meth:`pending_notices`; the follow-up is on their ``/belronde`` list at once).
        """
        if is_quiet(now):
            return False
        found = await store.followup(conn, followup_id)
        if found is None or not await store.claim_announcement(conn, followup_id, now):
            return False
        await self._tell_helpers(conn, found, since=None)
        return True

    async def _tell_helpers(self, conn: aiosqlite.Connection, followup: Followup, *,
                            since: datetime | None) -> None:
        """One outbox row per helper of the room (volunteers, else coordinators).

        One carried over from last week's entry that a volunteer already took: only they hear
        about the new answer; nobody else is asked to call too.
        """
        for person_id in await self.services.recipients.room_helpers(conn, followup.room):
            if followup.taken_by is not None and followup.taken_by != person_id:
                continue
            await self.services.outbox.enqueue(
                conn, to=person_id, kind=FOLLOWUP, ref=followup.id,
                params={"followup": followup.id, "since": to_db(since) if since else None},
                priority=NOTICE)

    async def pending_notices(self, now: datetime) -> int:
        """In the morning: tell about the follow-ups made during the night, each claimed once.

        One a volunteer already took or finished from the list needs no notice any more: it is
        claimed without a notice, so nobody is asked to call someone already called. Made at
        night: the notice says when, so the volunteer knows why it comes only now.
        """
        if is_quiet(now):
            return 0
        told = 0
        async with self.db.transaction() as conn:
            for found in await store.unannounced(conn):
                if not await store.claim_announcement(conn, found.id, now):
                    continue
                if found.taken_by is None and found.done_at is None:
                    since = found.created_at if is_quiet(found.created_at) else None
                    await self._tell_helpers(conn, found, since=since)
                    told += 1
        return told

    async def checkin(self, checkin_id: int) -> Checkin | None:
        return await self.db.run(store.get, checkin_id)

    async def subscribed(self, person: Person) -> bool:
        """Is the person in the belronde now (opted in, not stopped)?"""
        sub = await self.subscription(person)
        return sub is not None and sub.active

    async def followup_by_id(self, followup_id: int) -> Followup | None:
        return await self.db.run(store.followup, followup_id)

    async def weekly_summaries(self, now: datetime) -> list[tuple[str, str, dict[str, int]]]:
        """Last week's counts per room, each claimed once (sent from Monday morning) and
        queued for the room's coordinators in the same transaction."""
        if is_quiet(now):
            return []
        last_week = iso_week(now.astimezone(TZ).date() - timedelta(days=7))
        result = []
        async with self.db.transaction() as conn:
            for room in self.services.config.rooms:
                counts = await store.week_counts(conn, room, last_week)
                if counts["sent"] == 0 and counts["followups"] == 0:
                    continue
                if await job_runs.claim(conn, "checkins_summary", f"{room}:{last_week}", now):
                    for person_id in await self.services.recipients.coordinators(conn, room):
                        await self.services.outbox.enqueue(
                            conn, to=person_id, kind=SUMMARY, ref=f"{room}:{last_week}",
                            params={"room": room, "week": last_week, "counts": counts},
                            priority=NOTICE)
                    result.append((room, last_week, counts))
        return result

    async def erase_expired(self, now: datetime) -> int:
        """Answers older than the retention period become anonymous counts."""
        weeks = self.services.config.checkin_retention_weeks
        cutoff = to_db(now - timedelta(weeks=weeks))
        return await self.db.run(store.fold_and_delete, "c.due_at < ?", (cutoff,))

    # --- privacy ----------------------------------------------------------------------

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> dict[str, Any] | None:
        sub = await store.subscription(conn, user_id)
        checkins = await store.for_user(conn, user_id)
        taken = await store.followups_taken_by(conn, user_id)
        if sub is None and not checkins and not taken:
            return None
        data: dict[str, Any] = {}
        if sub is not None:
            data["subscription"] = {
                "active": sub.active,
                "weekday": sub.weekday,
                "daypart": sub.daypart,
                "paused_until": sub.paused_until.isoformat() if sub.paused_until else None,
                "extra_attention": sub.extra_attention,
            }
        data["weeks"] = [
            {"week": c.week, "status": c.status, "answer": c.answer,
             "answered_at": to_db(c.answered_at) if c.answered_at else None}
            for c in checkins
        ]
        if taken:
            data["followups_you_took"] = [
                {"week": f.week, "done": f.done_at is not None, "note": f.note} for f in taken
            ]
        return data

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.fold_and_delete(conn, "c.user_id = ?", (user_id,))
        # A volunteer who leaves: their follow-ups become open again, their notes go.
        await store.forget_user(conn, user_id)
