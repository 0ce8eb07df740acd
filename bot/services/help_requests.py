"""Help requests (formulierenhulp and more): intake, queue, claim, handoff, escalation.

The rules live here, free of Telegram: who may see or act on a request, the single claim, what
is counted for the funders (participation records in the same transaction as the work) and
what the scheduled job finds due. Handlers render and send; they never decide. What can be
asked (kinds, skills, limits) and how typed dates and numbers are read is in
``help_requests_rules.py``.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.clock import TZ
from bot.services.help_requests_rules import (
    CONTACTS,
    FOLLOWUP_ANSWERS,
    FOLLOWUP_DAYS,
    KINDS,
    MAX_DESCRIPTION,
    MAX_MEDIA,
    MAX_NOTE,
    OUTCOMES,
    SKILLS,
    URGENCIES,
    due_on,
)
from bot.services.users import COORDINATOR, VOLUNTEER, Person
from bot.store import help_requests as store
from bot.store import job_runs
from bot.store import users as user_store
from bot.store.help_requests import ReferralRow, RequestRow

if TYPE_CHECKING:
    from bot.services import Services


#: Outbox kinds of this feature (CORE13 §6); their renderers are in
#: ``bot/handlers/help_requests/notices.py``. ``help.media``: what the resident attached,
#: passed on to the volunteer who takes the request on.
NEW, UNCLAIMED, DUE_SOON, RELEASED, PARTNER_FOLLOWUP, NOTICE, MEDIA = (
    "help.new", "help.unclaimed", "help.due_soon", "help.released", "help.partner_followup",
    "help.notice", "help.media")
#: A notice about a request is worth sending for this long (then it is stale).
NOTICE_LIFETIME = timedelta(days=7)

UNCLAIMED_AFTER = timedelta(hours=48)
DUE_WITHIN_DAYS = 2
RELEASE_AFTER = timedelta(days=7)
#: How many held requests the coordinator's /vragen lists (a message has 4,096 characters).
QUEUE_HELD_LIMIT = 20


class Refusal(enum.Enum):
    """Why an action was not done; the handler turns it into a friendly sentence."""

    NOT_FOUND = "not_found"          # unknown id, or not for you to see (never leak which)
    TAKEN = "taken"                  # someone else was faster
    NOT_OPEN = "not_open"            # closed or no longer in the state the button expected
    NOT_HOLDER = "not_holder"
    TOO_LONG = "too_long"
    NO_CONSENT = "no_consent"
    UNKNOWN_PARTNER = "unknown_partner"
    ALREADY = "already"
    # A repeated press (double tap, a retry after a restart) finds its work already done:
    ALREADY_YOURS = "already_yours"          # take: you hold it already
    ALREADY_QUEUED = "already_queued"        # hand back: it is in the queue already
    ALREADY_DONE = "already_done"
    ALREADY_REFERRED = "already_referred"
    ALREADY_CANCELLED = "already_cancelled"


class HelpError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class Queue:
    """/vragen: ``open`` (at most 10 of ``total``), ``mine`` (held by me) and, for the room's
    coordinator, ``held_by_others``: (request, the volunteer holding it)."""

    open: list[RequestRow]
    total: int
    mine: list[RequestRow]
    held_by_others: list[tuple[RequestRow, Person | None]]
    #: the room's coordinator: opens each request (to read it first) rather than taking it
    coordinator: bool = False


@dataclass(frozen=True)
class Submitted:
    """What a press of "Send" did: ``created`` is False when this draft was sent before
    (a double tap, or the old button after a restart); then nobody is to be told again."""

    request: RequestRow
    #: ``users.id`` of the helpers told (an outbox row each, written with the request)
    helpers: list[int]
    created: bool


class HelpRequestService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        """Register what this feature keeps about people for /mijngegevens and /vergeetmij."""
        self.services.privacy.register("help_requests", self._export, self._erase)

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> dict:
        return await store.export(conn, user_id)

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Erase; the volunteer holding a request of the erased resident is told it is gone,
        by an outbox row written in the erasure's own transaction (a rolled-back erasure
        tells nobody). The notice names only the request number: the resident's name and
        words are erased."""
        withdrawn = await store.erase_person(conn, user_id, self.services.clock.now())
        for request_id, volunteer_id in withdrawn:
            await self._tell(conn, volunteer_id, request_id, "withdrawn")

    async def _tell(self, conn: aiosqlite.Connection, to: int | None, request_id: int,
                    variant: str, **params: object) -> int | None:
        """A ``help.notice`` to the resident or a volunteer about ``request_id``, in the
        caller's transaction (the change it tells of). The change itself happens once, so
        each notice has a dedupe of its own; ``params`` say what the renderer needs."""
        if to is None:
            return None
        return await self.services.outbox.enqueue(
            conn, to=to, kind=NOTICE, ref=request_id,
            dedupe=f"{variant}:{secrets.token_hex(6)}", params={"variant": variant, **params},
            expires_at=self._now() + NOTICE_LIFETIME)

    @staticmethod
    def _displaced_id(person: Person, request: RequestRow) -> int | None:
        """The volunteer holding ``request`` when someone else (the coordinator) acts on it:
        they must hear that it is no longer theirs."""
        if (request.status == store.TAKEN and request.volunteer_id is not None
                and request.volunteer_id != person.id):
            return request.volunteer_id
        return None

    @property
    def db(self):
        return self.services.db

    def _now(self) -> datetime:
        return self.services.clock.now()

    # --- who may do what ---------------------------------------------------------------

    async def is_room_coordinator(self, person: Person, room: str) -> bool:
        if not person.has_role(COORDINATOR):
            return False
        return any(c.id == person.id for c in await self.services.users.coordinators(room))

    async def can_see_details(self, person: Person, request: RequestRow) -> bool:
        """Descriptions and media: only the holding volunteer and the room's coordinator."""
        if request.volunteer_id == person.id and request.status == store.TAKEN:
            return True
        return await self.is_room_coordinator(person, request.room)

    @staticmethod
    def _may_take(person: Person, request: RequestRow, coordinator: bool) -> bool:
        """``coordinator``: read before the taking transaction (``_coordinates``), because
        looking up the room's coordinators needs the database lock that transaction holds."""
        if not person.has_role(VOLUNTEER):
            return False
        return request.room == person.room or coordinator

    # --- reading -----------------------------------------------------------------------

    async def get(self, request_id: int) -> RequestRow | None:
        return await self.db.run(store.get, request_id)

    async def media(self, request_id: int) -> list[store.MediaRow]:
        return await self.db.run(store.media, request_id)

    async def notes(self, request_id: int) -> list[store.NoteRow]:
        return await self.db.run(store.notes, request_id)

    async def referrals(self, request_id: int) -> list[ReferralRow]:
        return await self.db.run(store.referrals_of, request_id)

    async def queue(self, person: Person) -> Queue:
        """What /vragen shows: the open requests of my room, those I hold and, for the
        room's coordinator, every request other volunteers hold, with who holds it."""
        room = person.room or ""
        coordinator = bool(room) and await self.is_room_coordinator(person, room)
        async with self.db.transaction() as conn:
            open_rows = await store.open_in_room(conn, room, limit=10)
            total = await store.count_open_in_room(conn, room)
            held = await store.held_by(conn, person.id)
            others = ([r for r in await store.held_in_room(conn, room, limit=QUEUE_HELD_LIMIT)
                       if r.volunteer_id != person.id] if coordinator else [])
        held_by_others = []
        for request in others:
            holder = (await self.services.users.by_id(request.volunteer_id)
                      if request.volunteer_id else None)
            held_by_others.append((request, holder))
        return Queue(open_rows, total, held, held_by_others, coordinator)

    async def mine(self, person: Person) -> list[RequestRow]:
        return await self.db.run(store.of_resident, person.id)

    async def visible_request(self, person: Person, request_id: int) -> RequestRow:
        """A request the person may open in detail, else NOT_FOUND (never say it exists)."""
        request = await self.get(request_id)
        if request is None or not await self.can_see_details(person, request):
            raise HelpError(Refusal.NOT_FOUND)
        return request

    async def own_request(self, person: Person, request_id: int) -> RequestRow:
        request = await self.get(request_id)
        if request is None or request.resident_id != person.id:
            raise HelpError(Refusal.NOT_FOUND)
        return request

    # --- residents ---------------------------------------------------------------------

    async def create(
        self,
        person: Person,
        *,
        kind: str,
        description: str | None,
        media: list[tuple[str, str]],
        urgency: str,
        chosen_date: date | None,
        contact: str,
        phone: str | None,
        save_phone: bool = False,
        submit_key: str | None = None,
    ) -> Submitted:
        """Store a finished intake once; returns the request and whom to tell about it.

        ``submit_key`` is the draft's own random key (it travels in the "Send" button): the
        check for an earlier request with it and the insert are one transaction, and the key
        is unique in the table, so two or three presses at once, or a press after a restart,
        make exactly one request, and only the press that made it tells the volunteers.

        ``save_phone``: the number typed for "call me" also becomes the profile's number (the
        resident is told; /mijngegevens shows it, /vergeetmij erases it), in the same
        transaction as the request, so neither is stored without the other.
        """
        if kind not in KINDS or urgency not in URGENCIES or contact not in CONTACTS:
            raise ValueError("incomplete intake")
        if description and len(description) > MAX_DESCRIPTION:
            raise HelpError(Refusal.TOO_LONG)
        today = self._now().date()
        room = person.room or next(iter(self.services.config.rooms))
        async with self.db.transaction() as conn:
            if submit_key:
                earlier = await store.by_submit_key(conn, person.id, submit_key)
                if earlier is not None:
                    return Submitted(earlier, [], created=False)
            if urgency == "date" and (chosen_date is None or chosen_date < today):
                raise ValueError("a date in the past")
            request_id = await store.create(
                conn,
                resident_id=person.id,
                room=room,
                kind=kind,
                category=KINDS[kind].category,
                description=description or None,
                urgency=urgency,
                due_on=due_on(urgency, today, chosen_date),
                contact=contact,
                phone=phone if contact == "call" else None,
                now=self._now(),
                submit_key=submit_key,
            )
            if request_id is None:  # the unique key: another resident's key (forged)
                raise HelpError(Refusal.NOT_FOUND)
            for media_kind, file_id in media[:MAX_MEDIA]:
                await store.add_media(conn, request_id, media_kind, file_id)
            if save_phone and phone and contact == "call":
                await user_store.update(conn, person.id, phone=phone)
            request = await store.get(conn, request_id)
            assert request is not None
            helpers = await self.services.recipients.room_helpers(
                conn, request.room, skill=KINDS[request.kind].skill)
            for helper in helpers:  # written with the request: nobody is left untold
                await self.services.outbox.enqueue(
                    conn, to=helper, kind=NEW, ref=request.id, params={},
                    expires_at=self._now() + NOTICE_LIFETIME)
        return Submitted(request, helpers, created=True)

    async def submitted(self, person: Person, submit_key: str) -> RequestRow | None:
        """The request an old "Send" button already made, if any (for a friendly answer)."""
        return await self.db.run(store.by_submit_key, person.id, submit_key)

    async def cancel(self, person: Person, request_id: int) -> RequestRow:
        """The resident withdraws their own request; the volunteer holding it is told."""
        async with self.db.transaction() as conn:
            request = await store.get(conn, request_id)
            if request is None or request.resident_id != person.id:
                raise HelpError(Refusal.NOT_FOUND)
            if request.status == store.CANCELLED:
                raise HelpError(Refusal.ALREADY_CANCELLED)
            if not await store.close(conn, request_id, store.CANCELLED, "cancelled", self._now()):
                raise HelpError(Refusal.NOT_OPEN)
            if request.status == store.TAKEN and request.volunteer_id:
                await self._tell(conn, request.volunteer_id, request_id, "cancelled")
            updated = await store.get(conn, request_id)
        assert updated is not None
        return updated

    # --- volunteers --------------------------------------------------------------------

    async def skills(self, person: Person) -> set[str]:
        return await self.db.run(store.skills, person.id)

    async def toggle_skill(self, person: Person, skill: str) -> bool:
        if skill not in SKILLS or not person.has_role(VOLUNTEER):
            raise HelpError(Refusal.NOT_FOUND)
        return await self.db.run(store.toggle_skill, person.id, skill)

    async def _record_help(self, conn: aiosqlite.Connection, request: RequestRow,
                           volunteer: Person) -> None:
        participation = self.services.participation
        if request.resident_id is not None:
            resident = await user_store.by_id(conn, request.resident_id)
            if resident is not None:
                await participation.record(
                    conn, person_key=resident.anon_key, room=request.room,
                    category=request.category, source="help", source_id=request.id,
                )
        await participation.record(
            conn, person_key=volunteer.row.anon_key, room=request.room, category="volunteer",
            source="volunteer", source_id=f"help:{request.id}",
        )

    async def take(self, person: Person, request_id: int) -> RequestRow:
        """Exactly one volunteer wins: checked and written in one transaction, together with
        the resident's "has taken on your request" and what the resident attached, passed on
        to the volunteer (``help.media``, after the card the handler shows)."""
        coordinator = await self._coordinates(person, request_id)
        async with self.db.transaction() as conn:
            request = await store.get(conn, request_id)
            if request is None or not self._may_take(person, request, coordinator):
                raise HelpError(Refusal.NOT_FOUND)
            if request.status == store.TAKEN:
                raise HelpError(Refusal.ALREADY_YOURS if request.volunteer_id == person.id
                                else Refusal.TAKEN)
            if not await store.take(conn, request_id, person.id, self._now()):
                raise HelpError(Refusal.NOT_OPEN)
            request = await store.get(conn, request_id)
            assert request is not None
            await self._record_help(conn, request, person)
            await self._tell(conn, request.resident_id, request.id, "taken",
                             volunteer=person.id)
            taking = secrets.token_hex(6)
            for n, item in enumerate(await store.media(conn, request.id)):
                await self.services.outbox.enqueue(
                    conn, to=person.id, kind=MEDIA, ref=request.id, dedupe=f"{taking}:{n}",
                    params={"media": item.id}, expires_at=self._now() + NOTICE_LIFETIME)
        return request

    async def resend_media(self, person: Person, request_id: int, *, priority: int) -> int:
        """ "Show photos and messages again": each attachment once more to ``person`` (who may
        see the details), through the outbox; returns how many were queued."""
        request = await self.visible_request(person, request_id)
        pressed = secrets.token_hex(6)
        async with self.db.transaction() as conn:
            items = await store.media(conn, request.id)
            for n, item in enumerate(items):
                await self.services.outbox.enqueue(
                    conn, to=person.id, kind=MEDIA, ref=request.id, dedupe=f"{pressed}:{n}",
                    params={"media": item.id}, priority=priority,
                    expires_at=self._now() + NOTICE_LIFETIME)
        return len(items)

    async def media_item(self, request_id: int, media_id: int) -> store.MediaRow | None:
        """One attachment of a request (None once erased)."""
        return next((m for m in await self.media(request_id) if m.id == media_id), None)

    async def _coordinates(self, person: Person, request_id: int) -> bool:
        """Whether ``person`` coordinates the room of this request (rooms never change, so
        this may be read before the transaction that acts)."""
        request = await self.get(request_id)
        return request is not None and await self.is_room_coordinator(person, request.room)

    @staticmethod
    def _check_holder(person: Person, request: RequestRow | None, coordinator: bool,
                      already: dict[str, Refusal]) -> RequestRow:
        """Who may act on a held request, checked inside the acting transaction.

        ``already`` maps a status to the friendly answer for a repeated press that finds
        the work done (a double tap): said to the one who did it, or to the coordinator, and
        changes nothing.
        """
        if request is None:
            raise HelpError(Refusal.NOT_FOUND)
        involved = coordinator or request.volunteer_id == person.id
        if request.status in already and (
                involved or (request.status == store.OPEN and request.room == person.room)):
            raise HelpError(already[request.status])
        holder = request.status == store.TAKEN and request.volunteer_id == person.id
        if not (holder or coordinator):
            raise HelpError(Refusal.NOT_FOUND)
        if not request.active:
            raise HelpError(Refusal.NOT_OPEN)
        return request

    async def add_note(self, person: Person, request_id: int, text: str) -> RequestRow:
        text = text.strip()
        if len(text) > MAX_NOTE:
            raise HelpError(Refusal.TOO_LONG)
        coordinator = await self._coordinates(person, request_id)
        async with self.db.transaction() as conn:
            request = self._check_holder(person, await store.get(conn, request_id),
                                         coordinator, {})
            await store.add_note(conn, request.id, person.id, text, self._now())
            if request.volunteer_id == person.id:
                await store.touch(conn, request.id, self._now())
        return request

    async def hand_back(self, person: Person, request_id: int) -> RequestRow:
        """Back to the queue; the resident and the displaced holder (if any) are told.

        Checked and written in one transaction with their notices: a second press finds it
        in the queue and is told so (ALREADY_QUEUED); nobody is told twice.
        """
        coordinator = await self._coordinates(person, request_id)
        async with self.db.transaction() as conn:
            request = self._check_holder(person, await store.get(conn, request_id), coordinator,
                                         {store.OPEN: Refusal.ALREADY_QUEUED,
                                          store.DONE: Refusal.ALREADY_DONE,
                                          store.REFERRED: Refusal.ALREADY_REFERRED})
            if request.volunteer_id is None or not await store.requeue(
                    conn, request.id, request.volunteer_id, self._now()):
                raise HelpError(Refusal.NOT_OPEN)
            await self._tell(conn, request.resident_id, request.id, "waiting")
            await self._tell(conn, self._displaced_id(person, request), request.id,
                             "given_back")
            updated = await store.get(conn, request.id)
        assert updated is not None
        return updated

    async def done(self, person: Person, request_id: int, outcome: str) -> RequestRow:
        """Close with an outcome; the resident and the displaced holder (if any) are told.

        One transaction: a double tap on an outcome closes it once, counts once, and the
        second press hears that it is done already.
        """
        if outcome not in OUTCOMES:
            raise HelpError(Refusal.NOT_FOUND)
        coordinator = await self._coordinates(person, request_id)
        async with self.db.transaction() as conn:
            request = self._check_holder(person, await store.get(conn, request_id), coordinator,
                                         {store.DONE: Refusal.ALREADY_DONE,
                                          store.REFERRED: Refusal.ALREADY_REFERRED})
            if request.status == store.OPEN:
                raise HelpError(Refusal.NOT_OPEN)
            if not await store.close(conn, request.id, store.DONE, outcome, self._now()):
                raise HelpError(Refusal.NOT_OPEN)
            updated = await store.get(conn, request.id)
            assert updated is not None
            await self._record_help(conn, updated, person)
            await self._tell(conn, request.resident_id, request.id, "done")
            await self._tell(conn, self._displaced_id(person, request), request.id, "closed")
        return updated

    def partners_for(self, room: str) -> list:
        config = self.services.config
        room_cfg = config.room(room)
        ids = room_cfg.partners if room_cfg else tuple(config.partners)
        return [config.partners[p] for p in ids if p in config.partners]

    async def refer(self, person: Person, request_id: int, partner: str, *, consent: bool,
                    together: bool, followup_days: int) -> tuple[RequestRow, ReferralRow]:
        """Warm handoff to a partner: closes the request as 'referred' with a follow-up.

        The resident and the displaced holder (if any) are told in the same transaction.
        """
        if not consent:
            raise HelpError(Refusal.NO_CONSENT)
        if followup_days not in FOLLOWUP_DAYS:
            raise HelpError(Refusal.NOT_FOUND)
        coordinator = await self._coordinates(person, request_id)
        now = self._now()
        followup_on = now.date() + timedelta(days=followup_days) if followup_days else None
        async with self.db.transaction() as conn:
            request = self._check_holder(person, await store.get(conn, request_id), coordinator,
                                         {store.REFERRED: Refusal.ALREADY_REFERRED,
                                          store.DONE: Refusal.ALREADY_DONE})
            if partner not in {p.id for p in self.partners_for(request.room)}:
                raise HelpError(Refusal.UNKNOWN_PARTNER)
            if not await store.close(conn, request.id, store.REFERRED, "referred", now):
                raise HelpError(Refusal.NOT_OPEN)
            referral_id = await store.add_referral(
                conn, request_id=request.id, room=request.room, person_id=request.resident_id,
                direction="to_partner", partner=partner, together=together,
                volunteer_id=person.id,
                followup_on=followup_on if request.resident_id else None, now=now,
            )
            assert referral_id is not None
            updated = await store.get(conn, request.id)
            assert updated is not None
            await self._record_help(conn, updated, person)
            await self._record_referral(conn, updated, referral_id)
            referral = await store.referral(conn, referral_id)
            await self._tell(conn, request.resident_id, request.id, "referred",
                             partner=partner, together=together, volunteer=person.id)
            await self._tell(conn, self._displaced_id(person, request), request.id,
                             "referred_by_coordinator", partner=partner)
        assert referral is not None
        return updated, referral

    async def _record_referral(self, conn: aiosqlite.Connection, request: RequestRow,
                               referral_id: int) -> None:
        if request.resident_id is None:
            return
        resident = await user_store.by_id(conn, request.resident_id)
        if resident is not None:
            await self.services.participation.record(
                conn, person_key=resident.anon_key, room=request.room, category="referral",
                source="referral", source_id=referral_id,
            )

    async def referred_by_partner(self, person: Person, request_id: int, partner: str
                                  ) -> RequestRow:
        """A partner sent this resident to the room (counted as a referral to us)."""
        request = await self.get(request_id)
        if request is None or not await self.can_see_details(person, request):
            raise HelpError(Refusal.NOT_FOUND)
        if partner not in {p.id for p in self.partners_for(request.room)}:
            raise HelpError(Refusal.UNKNOWN_PARTNER)
        now = self._now()
        async with self.db.transaction() as conn:
            referral_id = await store.add_referral(
                conn, request_id=request.id, room=request.room, person_id=request.resident_id,
                direction="from_partner", partner=partner, together=False,
                volunteer_id=person.id, followup_on=None, now=now,
            )
            if referral_id is None:
                raise HelpError(Refusal.ALREADY)
            await self._record_referral(conn, request, referral_id)
            if request.volunteer_id == person.id:
                await store.touch(conn, request.id, now)
        return request

    async def answer_followup(self, person: Person, referral_id: int, answer: str
                              ) -> ReferralRow:
        """The resident's answer goes back to the volunteer who referred them (an outbox
        row written with the answer)."""
        if answer not in FOLLOWUP_ANSWERS:
            raise HelpError(Refusal.NOT_FOUND)
        async with self.db.transaction() as conn:
            referral = await store.referral(conn, referral_id)
            if referral is None or referral.person_id != person.id:
                raise HelpError(Refusal.NOT_FOUND)
            if not await store.answer_followup(conn, referral_id, person.id, answer,
                                               self._now()):
                raise HelpError(Refusal.ALREADY)
            referral = await store.referral(conn, referral_id)
            assert referral is not None
            await self._tell(conn, referral.volunteer_id, referral.request_id or 0,
                             "followup_answer", referral=referral.id)
        return referral

    async def referral(self, referral_id: int) -> ReferralRow | None:
        return await self.db.run(store.referral, referral_id)

    # --- scheduled work ----------------------------------------------------------------

    async def escalations(self, now: datetime) -> int:
        """Unclaimed for 48 h, or due within 2 days and not done: the room's coordinator.

        Each alert is claimed in ``job_runs`` and written to the outbox in that same
        transaction, so it goes out once across restarts and a kill loses none. A request
        that goes back to the queue may be alerted again (the period holds when it queued).
        Returns how many alerts were queued.
        """
        recipients = self.services.recipients
        queued = 0
        async with self.db.transaction() as conn:
            found: list[tuple[str, str, RequestRow]] = []
            for request in await store.unclaimed_since(conn, now - UNCLAIMED_AFTER):
                period = f"{request.id}:{request.queued_at.isoformat()}"
                if await job_runs.claim(conn, "help:unclaimed", period, now):
                    found.append((UNCLAIMED, request.queued_at.isoformat(), request))
            for request in await store.due_by(conn, now.date() + timedelta(days=DUE_WITHIN_DAYS)):
                if await job_runs.claim(conn, "help:due_soon", str(request.id), now):
                    found.append((DUE_SOON, "", request))
            for kind, period, request in found:
                for coordinator in await recipients.coordinators(conn, request.room):
                    if await self.services.outbox.enqueue(
                            conn, to=coordinator, kind=kind, ref=request.id, dedupe=period,
                            params={}, expires_at=now + NOTICE_LIFETIME):
                        queued += 1
        return queued

    async def upcoming(self, after: datetime) -> list[tuple[datetime, str, str]]:
        """When :meth:`escalations` and :meth:`release_stale` will next have an alert:
        (moment, kind, room) after ``after``. Mirrors their rules (48 hours untaken, due
        within two days, held and untouched for 7 days); only the practice chat's clock asks.
        """
        async with self.db.transaction() as conn:
            requests = await store.active(conn)
        out: list[tuple[datetime, str, str]] = []
        for request in requests:
            if request.status == store.OPEN:
                out.append((request.queued_at + UNCLAIMED_AFTER, "help_unclaimed", request.room))
            if request.status == store.TAKEN and request.touched_at is not None:
                out.append((request.touched_at + RELEASE_AFTER, "help_release", request.room))
            if request.due_on is not None:
                first_day = request.due_on - timedelta(days=DUE_WITHIN_DAYS)
                out.append((datetime.combine(first_day, time(0, 0), tzinfo=TZ),
                            "help_due_soon", request.room))
        return [m for m in out if m[0] > after]

    async def release_stale(self, now: datetime) -> int:
        """Held but untouched for 7 days: back to the queue; the volunteer and the resident
        are told (the resident would otherwise think someone is still on it), by outbox rows
        written with the change. Returns how many requests went back."""
        released = 0
        async with self.db.transaction() as conn:
            for request in await store.untouched_since(conn, now - RELEASE_AFTER):
                assert request.volunteer_id is not None
                if not await store.requeue(conn, request.id, request.volunteer_id, now):
                    continue
                released += 1
                held = now.isoformat()
                for to, whom in ((request.volunteer_id, "volunteer"),
                                 (request.resident_id, "resident")):
                    if to is not None:
                        await self.services.outbox.enqueue(
                            conn, to=to, kind=RELEASED, ref=request.id,
                            dedupe=f"{whom}:{held}", params={"to": whom},
                            expires_at=now + NOTICE_LIFETIME)
        return released

    async def due_followups(self, now: datetime) -> int:
        """Follow-up questions due today: each is marked sent and written to the outbox in
        one transaction (once, and never lost). Returns how many were queued."""
        queued = 0
        async with self.db.transaction() as conn:
            for referral in await store.followups_due(conn, now.date()):
                if await store.mark_followup_sent(conn, referral.id, now) and \
                        referral.person_id is not None:
                    if await self.services.outbox.enqueue(
                            conn, to=referral.person_id, kind=PARTNER_FOLLOWUP,
                            ref=referral.id, params={}, expires_at=now + NOTICE_LIFETIME):
                        queued += 1
        return queued

    async def erase_expired_text(self, now: datetime) -> int:
        """Retention: free text of requests closed longer ago than the configured days."""
        days = self.services.config.help_retention_days
        return await self.db.run(store.erase_text_closed_before, now - timedelta(days=days), now)
