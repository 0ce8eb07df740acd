"""Survey rounds: the offer's "Enquête" indicators, asked in the chat with one-tap answers.

A coordinator starts a round for residents (two IMPACT statements on a 5-point agree scale) or
for volunteers (satisfaction 1–10), for one room or all rooms. The round goes out through the
announcements' durable, paced outbox (a broadcast of kind ``survey``). While it is open the bot
knows who was asked and whether they answered, so nobody is asked twice and a second answer
replaces the first; closing the round folds the answers into anonymous counts and forgets who
was asked. Aggregates are shown only from :data:`MIN_ANSWERS` answers on.

Why "replace": a resident who tapped the wrong face should be able to put it right; the last
answer before the close counts, exactly one per person and question.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.clock import TZ
from bot.i18n import N_
from bot.services.checkins import QUIET_END, is_quiet
from bot.services.indicators import ALL, SURVEY, IndicatorValue, Provider
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person
from bot.store import audiences as audience_store
from bot.store import surveys as store
from bot.store.surveys import SurveyRound

if TYPE_CHECKING:
    from bot.services import Services

KINDS = ("residents", "volunteers")
#: Fewer answers than this: "te weinig antwoorden", never a share (nobody can be singled out).
MIN_ANSWERS = 5
DONT_KNOW = 0
#: 5-point agree scale: value → (pictogram, label msgid). 4 and 5 count as "agree".
AGREE_SCALE: dict[int, tuple[str, str]] = {
    5: ("😀", N_("Strongly agree")),
    4: ("🙂", N_("Agree")),
    3: ("😐", N_("Neither agree nor disagree")),
    2: ("🙁", N_("Disagree")),
    1: ("😞", N_("Strongly disagree")),
}
AGREE = (4, 5)
SCORE_RANGE = range(1, 11)


@dataclass(frozen=True)
class Question:
    key: str
    text: str  # msgid
    scale: str  # agree | score


QUESTIONS: dict[str, tuple[Question, ...]] = {
    "residents": (
        Question("confidence", N_("Thanks to the BuurtWerkKamer, I have more confidence in what "
                                  "I can do myself."), "agree"),
        Question("nicer_living", N_("The BuurtWerkKamer makes living in my neighbourhood "
                                    "nicer."), "agree"),
    ),
    "volunteers": (
        Question("satisfaction", N_("How happy are you with your volunteer work at the "
                                    "BuurtWerkKamer? Give a score from 1 to 10."), "score"),
    ),
}


def valid_answer(question: Question, answer: int) -> bool:
    if answer == DONT_KNOW:
        return True
    return answer in AGREE_SCALE if question.scale == "agree" else answer in SCORE_RANGE


class SurveyError(Exception):
    """A rule was broken; ``code`` says which (the handler words it)."""

    def __init__(self, code: str, round_: SurveyRound | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.round = round_


@dataclass(frozen=True)
class Aggregate:
    """One question's result: a share agreeing (agree scale) or a mean score, or too few."""

    question: str
    n: int  # answers with an opinion
    dont_know: int
    agree: int = 0
    value: float | None = None  # share 0..1 (agree) or mean 1..10 (score); None if too few

    @property
    def too_few(self) -> bool:
        return self.value is None


def sum_scores(tallies: dict[int, int]) -> int:
    return sum(a * k for a, k in tallies.items() if a != DONT_KNOW)


def aggregate(question: Question, tallies: dict[int, int]) -> Aggregate:
    opinions = {a: n for a, n in tallies.items() if a != DONT_KNOW}
    n = sum(opinions.values())
    dont_know = tallies.get(DONT_KNOW, 0)
    if question.scale == "agree":
        agree = sum(opinions.get(a, 0) for a in AGREE)
        value = agree / n if n >= MIN_ANSWERS else None
        return Aggregate(question.key, n, dont_know, agree, value)
    total = sum(a * k for a, k in opinions.items())
    return Aggregate(question.key, n, dont_know, 0, total / n if n >= MIN_ANSWERS else None)


@dataclass(frozen=True)
class AnswerResult:
    """What an answer press did: 'next' (ask ``index``), 'done', 'closed', 'not_for_you'."""

    code: str
    round: SurveyRound | None = None
    index: int = 0
    answers: dict[str, int] = field(default_factory=dict)


def _answered_question(found: SurveyRound, index: int, answer: int) -> Question:
    """The round's question ``index`` if ``answer`` fits it; forged data raises ``bad``."""
    questions = QUESTIONS[found.kind]
    if not 0 <= index < len(questions) or not valid_answer(questions[index], answer):
        raise SurveyError("bad")
    return questions[index]


def _after_answer(found: SurveyRound, index: int, answers: dict[str, int]) -> AnswerResult:
    """What an answer leads to: the next question, or 'done' after the last one."""
    if index + 1 < len(QUESTIONS[found.kind]):
        return AnswerResult("next", found, index + 1, answers)
    return AnswerResult("done", found, index, answers)


class SurveyService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        self.services.privacy.register("surveys", self._export, self._erase)
        indicators = self.services.indicators
        indicators.register("impact_confidence", self._provider("residents", "confidence"))
        indicators.register("impact_nicer_living", self._provider("residents", "nicer_living"))
        indicators.register("volunteer_satisfaction",
                            self._provider("volunteers", "satisfaction"))

    def _provider(self, kind: str, question: str) -> Provider:
        """The report's value: the share agreeing in percent (0–100) or the mean score, with n.

        The report hides a value with fewer than MIN_ANSWERS answers ("te weinig antwoorden");
        with no answer at all the value is None, so a coordinator's entry could show instead.
        """

        async def provide(conn: aiosqlite.Connection, room: str, start: date, end: date
                          ) -> IndicatorValue:
            result = await self.period_result(conn, kind, question,
                                              None if room == ALL else room, start, end)
            if result.n == 0:
                return IndicatorValue(None, SURVEY, n=0)
            question_spec = next(q for q in QUESTIONS[kind] if q.key == question)
            if question_spec.scale == "agree":
                value = round(100 * result.agree / result.n, 1)
                extra = {"agree": result.agree, "dont_know": result.dont_know}
            else:
                value = round(sum_scores(await store.tallies(
                    conn, kind=kind, question=question, room=None if room == ALL else room,
                    start=start, end=end)) / result.n, 1)
                extra = {"dont_know": result.dont_know}
            return IndicatorValue(value, SURVEY, n=result.n, extra=extra)

        return provide

    # --- who is asked --------------------------------------------------------------------

    def rooms_of(self, room: str | None) -> list[str]:
        rooms = self.services.config.rooms
        return [room] if room is not None else list(rooms)

    async def audience(self, kind: str, room: str | None) -> list[tuple[int, str, str]]:
        """(person id, 'pending' or 'unreachable', room) of everyone a round would ask.

        Residents who switched announcements off are not asked (a survey is a message the bot
        sends on its own); volunteers always are, as with announcements for volunteers.
        Coordinators are staff, not asked.
        """
        if kind not in KINDS:
            raise SurveyError("kind")
        rooms = self.rooms_of(room)
        if not rooms:
            return []
        async with self.services.db.reading() as conn:
            members = await audience_store.survey(
                conn, role="resident" if kind == "residents" else "volunteer", rooms=rooms,
                coordinators=sorted(self.services.config.coordinators),
                announcements_only=kind == "residents")
        return [(m.user_id, m.state, m.room or "") for m in members]

    async def preview(self, coordinator: Person, kind: str, room: str | None) -> tuple[int, int]:
        """(reachable, not reachable) for the confirm screen."""
        self._coordinator(coordinator)
        rows = await self.audience(kind, room)
        reachable = sum(1 for r in rows if r[1] == "pending")
        return reachable, len(rows) - reachable

    @staticmethod
    def _coordinator(person: Person) -> None:
        if not person.has_role(COORDINATOR):
            raise PermissionError("only coordinators run survey rounds")

    # --- starting and closing --------------------------------------------------------------

    @staticmethod
    def _overlaps(a: str | None, b: str | None) -> bool:
        return a is None or b is None or a == b

    async def start_round(self, coordinator: Person, *, kind: str, room: str | None,
                          draft_key: str, chat_id: int) -> tuple[SurveyRound, bool]:
        """Start a round: (round, created). The same confirm twice returns the first round.

        Refused (``SurveyError('already_open')``) while a round of the same kind is open for
        the same room or for all rooms. The round, who is asked and the outbox rows are written
        in one transaction, so a crash never leaves a round half sent.
        """
        self._coordinator(coordinator)
        if kind not in KINDS:
            raise SurveyError("kind")
        if room is not None and room not in self.services.config.rooms:
            raise SurveyError("room")
        recipients = await self.audience(kind, room)
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            existing = await store.by_draft_key(conn, draft_key)
            if existing is not None:
                return existing, False
            for other in await store.open_rounds(conn, kind):
                if self._overlaps(other.room, room):
                    raise SurveyError("already_open", other)
            asked = [r for r in recipients if r[1] == "pending"]
            if not asked:
                raise SurveyError("nobody")
            created = await store.create(conn, kind=kind, room=room, draft_key=draft_key,
                                         started_by=coordinator.id, now=now, today=now.date())
            await store.add_respondents(
                conn, created.id, [(uid, r_room, secrets.token_hex(8))
                                   for uid, _state, r_room in asked])
            await store.set_asked(conn, created.id, len(asked))
            await self.services.announcements.enqueue(
                conn, send_at=self.after_night(now), kind="survey", ref=created.id,
                draft_key=f"survey:{created.id}",
                created_by=coordinator.id, coordinator_chat=chat_id,
                coordinator_language=coordinator.language,
                audience=("room" if room else "all") if kind == "residents"
                else ("vol_room" if room else "vol_all"),
                room=room, recipients=[uid for uid, _state, _room in asked],
                text=f"survey {created.id}",
            )
            fresh = await store.get(conn, created.id)
        self.services.announcements.kick()
        assert fresh is not None
        return fresh, True

    @staticmethod
    def after_night(now: datetime) -> datetime | None:
        """None in the daytime (send now); at night the morning's QUIET_END (never at night)."""
        if not is_quiet(now):
            return None
        local = now.astimezone(TZ)
        day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
        return datetime.combine(day, QUIET_END, tzinfo=TZ)

    async def release_held(self, now: datetime) -> int:
        """In the morning: send the rounds started at night (each exactly once)."""
        if is_quiet(now):
            return 0
        announcements = self.services.announcements
        released = 0
        for broadcast in await announcements.held("survey"):
            if broadcast.send_at > now:
                continue
            async with self.services.db.transaction() as conn:
                found = await store.get(conn, broadcast.ref or 0)
                recipients = await store.recipients(conn, found.id) if found and \
                    found.is_open else []
                if await announcements.release(conn, broadcast.id, recipients):
                    released += 1
        if released:
            announcements.kick()
        return released

    async def close_round(self, coordinator: Person, round_id: int) -> tuple[SurveyRound, bool]:
        """Close: (round, closed now). Closing a closed round again changes nothing."""
        self._coordinator(coordinator)
        async with self.services.db.transaction() as conn:
            found = await store.get(conn, round_id)
            if found is None:
                raise SurveyError("unknown")
            closed = await store.close(conn, round_id, self.services.clock.now())
            fresh = await store.get(conn, round_id)
        assert fresh is not None
        return fresh, closed

    # --- answering -----------------------------------------------------------------------

    async def get(self, round_id: int) -> SurveyRound | None:
        return await self.services.db.run(store.get, round_id)

    async def open_for(self, person: Person) -> list[int]:
        """Open rounds this person was asked in and has not answered yet."""
        async with self.services.db.transaction() as conn:
            return [row["round_id"] for row in await store.open_for_user(conn, person.id)
                    if not row["answered"]]

    async def respondent_answers(self, person: Person, round_id: int) -> dict[str, int] | None:
        """What this person answered so far in an open round; None if they were not asked."""
        async with self.services.db.transaction() as conn:
            row = await store.respondent(conn, round_id, person.id)
            if row is None:
                return None
            return await store.form_answers(conn, round_id, row["form_key"])

    async def answer(self, person: Person, round_id: int, index: int, answer: int
                     ) -> AnswerResult:
        """Store one answer of a person who was asked; the answer replaces an earlier one.

        Raises ``SurveyError('bad')`` for forged data (unknown round, question or answer);
        a closed round and a person it was not meant for get their own codes and store nothing.
        """
        async with self.services.db.transaction() as conn:
            found = await store.get(conn, round_id)
            if found is None:
                raise SurveyError("bad")
            question = _answered_question(found, index, answer)
            if not found.is_open:
                return AnswerResult("closed", found)
            row = await store.respondent(conn, round_id, person.id)
            if row is None:
                wrong_role = (found.kind == "volunteers") != person.has_role(VOLUNTEER) \
                    or person.role == COORDINATOR
                return AnswerResult("not_for_you" if wrong_role else "not_asked", found)
            await store.put_answer(conn, round_id=round_id, form_key=row["form_key"],
                                   room=row["room"], question=question.key,
                                   answer=answer, source="chat")
            await store.mark_answered(conn, round_id, person.id)
            answers = await store.form_answers(conn, round_id, row["form_key"])
        return _after_answer(found, index, answers)

    # --- paper forms ---------------------------------------------------------------------

    @staticmethod
    def new_form_key() -> str:
        return secrets.token_hex(4)

    async def paper_answer(self, volunteer: Person, round_id: int, form: str, index: int,
                           answer: int) -> AnswerResult:
        """A volunteer enters one answer of a paper form (a resident without the bot).

        ``form`` is the key made when the volunteer began this form: pressing twice replaces,
        never counts a form twice.
        """
        if not volunteer.has_role(VOLUNTEER):
            raise PermissionError("only volunteers enter paper surveys")
        if not (len(form) == 8 and all(c in "0123456789abcdef" for c in form)):
            raise SurveyError("bad")
        async with self.services.db.transaction() as conn:
            found = await store.get(conn, round_id)
            if found is None or found.kind != "residents":
                raise SurveyError("bad")
            question = _answered_question(found, index, answer)
            if not found.is_open:
                return AnswerResult("closed", found)
            room = found.room or volunteer.room
            if room is None or not self._may_enter(volunteer, found):
                return AnswerResult("not_for_you", found)
            await store.put_answer(conn, round_id=round_id, form_key=f"p{form}", room=room,
                                   question=question.key, answer=answer, source="paper")
            answers = await store.form_answers(conn, round_id, f"p{form}")
        return _after_answer(found, index, answers)

    @staticmethod
    def _may_enter(volunteer: Person, found: SurveyRound) -> bool:
        """Volunteers enter paper forms of their own room; coordinators of every room."""
        return volunteer.has_role(COORDINATOR) or found.room in (None, volunteer.room)

    # --- looking at rounds ---------------------------------------------------------------

    async def open_rounds(self, person: Person) -> list[tuple[SurveyRound, dict[str, int]]]:
        """Open rounds this person may see (volunteers: their room's), with their progress."""
        if not person.has_role(VOLUNTEER):
            raise PermissionError("only volunteers see survey rounds")
        async with self.services.db.transaction() as conn:
            rounds = [r for r in await store.open_rounds(conn)
                      if person.has_role(COORDINATOR) or r.room in (None, person.room)]
            return [(r, await store.progress(conn, r.id)) for r in rounds]

    async def recent_closed(self, coordinator: Person) -> list[SurveyRound]:
        self._coordinator(coordinator)
        return await self.services.db.run(store.recent_closed)

    async def results(self, found: SurveyRound, room: str | None = None) -> list[Aggregate]:
        """Each question's aggregate for one round (``room`` None: all its rooms)."""
        result = []
        async with self.services.db.transaction() as conn:
            for question in QUESTIONS[found.kind]:
                tallies = await store.tallies(conn, kind=found.kind, question=question.key,
                                              room=room, start=date.min, end=date.max,
                                              round_id=found.id)
                result.append(aggregate(question, tallies))
        return result

    async def period_result(self, conn: aiosqlite.Connection, kind: str, question_key: str,
                            room: str | None, start: date, end: date) -> Aggregate:
        """A question over every round started in [start, end] (for the report)."""
        question = next(q for q in QUESTIONS[kind] if q.key == question_key)
        tallies = await store.tallies(conn, kind=kind, question=question_key, room=room,
                                      start=start, end=end)
        return aggregate(question, tallies)

    # --- privacy -------------------------------------------------------------------------

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
        """Only open rounds: after the close the bot no longer knows what anyone answered."""
        result = []
        for row in await store.open_for_user(conn, user_id):
            found = await store.get(conn, row["round_id"])
            respondent = await store.respondent(conn, row["round_id"], user_id)
            answers = await store.form_answers(conn, row["round_id"], respondent["form_key"]) \
                if respondent else {}
            result.append({"survey_round": row["round_id"], "kind": found.kind if found else None,
                           "answered": bool(row["answered"]), "answers": answers})
        return result

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await store.forget_user(conn, user_id)


__all__ = ["AGREE_SCALE", "DONT_KNOW", "KINDS", "MIN_ANSWERS", "QUESTIONS", "RESIDENT",
           "Aggregate", "AnswerResult", "Question", "SurveyError", "SurveyService", "aggregate"]
