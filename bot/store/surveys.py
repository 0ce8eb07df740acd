"""SQL for survey rounds: the round, who was asked (during the round), answers, counts.

While a round is open, ``survey_respondents`` knows who was asked and whether they answered
(so nobody is asked twice and a second answer replaces the first) and ``survey_answers`` holds
one row per form and question. :func:`close` folds the answers into ``survey_counts`` and
deletes both, so after the close no answer can be traced to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import to_db
from bot.store.clauses import and_given
from bot.store.rows import all_rows, inserted, maybe_row


@dataclass(frozen=True)
class SurveyRound:
    id: int
    kind: str  # residents | volunteers
    room: str | None  # None: all rooms
    status: str  # open | closed
    started_by: int | None
    started_at: datetime
    started_on: date
    closed_at: datetime | None
    asked: int
    answered: int
    paper: int

    @property
    def is_open(self) -> bool:
        return self.status == "open"


async def create(conn: aiosqlite.Connection, *, kind: str, room: str | None, draft_key: str,
                 started_by: int, now: datetime, today: date) -> SurveyRound:
    cursor = await conn.execute(
        "INSERT INTO survey_rounds (kind, room, draft_key, started_by, started_at, started_on)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (kind, room, draft_key, started_by, to_db(now), today.isoformat()),
    )
    return await inserted(SurveyRound, cursor)


async def get(conn: aiosqlite.Connection, round_id: int) -> SurveyRound | None:
    cursor = await conn.execute("SELECT * FROM survey_rounds WHERE id = ?", (round_id,))
    return maybe_row(SurveyRound, await cursor.fetchone())


async def by_draft_key(conn: aiosqlite.Connection, draft_key: str) -> SurveyRound | None:
    cursor = await conn.execute("SELECT * FROM survey_rounds WHERE draft_key = ?", (draft_key,))
    return maybe_row(SurveyRound, await cursor.fetchone())


async def open_rounds(conn: aiosqlite.Connection, kind: str | None = None) -> list[SurveyRound]:
    narrow, params = and_given({"kind": kind})
    cursor = await conn.execute(
        f"SELECT * FROM survey_rounds WHERE status = 'open'{narrow} ORDER BY id", params)
    return all_rows(SurveyRound, await cursor.fetchall())


async def recent_closed(conn: aiosqlite.Connection, limit: int = 5) -> list[SurveyRound]:
    cursor = await conn.execute(
        "SELECT * FROM survey_rounds WHERE status = 'closed' ORDER BY id DESC LIMIT ?", (limit,))
    return all_rows(SurveyRound, await cursor.fetchall())


async def set_asked(conn: aiosqlite.Connection, round_id: int, asked: int) -> None:
    await conn.execute("UPDATE survey_rounds SET asked = ? WHERE id = ?", (asked, round_id))


# --- respondents (open rounds only) -------------------------------------------------------


async def add_respondents(conn: aiosqlite.Connection, round_id: int,
                          rows: list[tuple[int, str, str]]) -> None:
    """(user id, room, random form key) per person asked."""
    await conn.executemany(
        "INSERT INTO survey_respondents (round_id, user_id, room, form_key)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO NOTHING",
        [(round_id, uid, room, key) for uid, room, key in rows],
    )


async def recipients(conn: aiosqlite.Connection, round_id: int) -> list[int]:
    """The people asked in a round (not erased meanwhile); where to reach them is their
    addresses' business."""
    cursor = await conn.execute(
        "SELECT u.id FROM survey_respondents r JOIN users u"
        " ON u.id = r.user_id WHERE r.round_id = ? AND u.erased_at IS NULL ORDER BY u.id",
        (round_id,))
    return [row[0] for row in await cursor.fetchall()]


async def respondent(conn: aiosqlite.Connection, round_id: int, user_id: int
                     ) -> aiosqlite.Row | None:
    cursor = await conn.execute(
        "SELECT * FROM survey_respondents WHERE round_id = ? AND user_id = ?", (round_id, user_id))
    return await cursor.fetchone()


async def mark_answered(conn: aiosqlite.Connection, round_id: int, user_id: int) -> None:
    await conn.execute(
        "UPDATE survey_respondents SET answered = 1 WHERE round_id = ? AND user_id = ?",
        (round_id, user_id))


async def open_for_user(conn: aiosqlite.Connection, user_id: int) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT r.round_id, r.answered FROM survey_respondents r"
        " JOIN survey_rounds s ON s.id = r.round_id WHERE r.user_id = ? AND s.status = 'open'",
        (user_id,))
    return list(await cursor.fetchall())


async def forget_user(conn: aiosqlite.Connection, user_id: int) -> None:
    """Erasure during a round: their answers go too (they can no longer be told apart later)."""
    cursor = await conn.execute(
        "SELECT round_id, form_key FROM survey_respondents WHERE user_id = ?", (user_id,))
    for round_id, form_key in await cursor.fetchall():
        await conn.execute("DELETE FROM survey_answers WHERE round_id = ? AND form_key = ?",
                           (round_id, form_key))
    await conn.execute("DELETE FROM survey_respondents WHERE user_id = ?", (user_id,))


# --- answers ------------------------------------------------------------------------------


async def put_answer(conn: aiosqlite.Connection, *, round_id: int, form_key: str, room: str,
                     question: str, answer: int, source: str) -> None:
    """One answer per form and question: a second one replaces the first."""
    await conn.execute(
        "INSERT INTO survey_answers (round_id, form_key, room, question, answer, source)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, form_key, question)"
        " DO UPDATE SET answer = excluded.answer",
        (round_id, form_key, room, question, answer, source),
    )


async def form_answers(conn: aiosqlite.Connection, round_id: int, form_key: str
                       ) -> dict[str, int]:
    cursor = await conn.execute(
        "SELECT question, answer FROM survey_answers WHERE round_id = ? AND form_key = ?",
        (round_id, form_key))
    return {q: a for q, a in await cursor.fetchall()}


async def progress(conn: aiosqlite.Connection, round_id: int) -> dict[str, int]:
    """asked, answered (in the chat) and paper forms of an open round."""
    cursor = await conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM survey_respondents WHERE round_id = ?",
        (round_id,))
    asked, answered = await cursor.fetchone()  # type: ignore[misc]
    cursor = await conn.execute(
        "SELECT COUNT(DISTINCT form_key) FROM survey_answers WHERE round_id = ?"
        " AND source = 'paper'", (round_id,))
    (paper,) = await cursor.fetchone()  # type: ignore[misc]
    return {"asked": asked, "answered": answered, "paper": paper}


async def close(conn: aiosqlite.Connection, round_id: int, now: datetime) -> bool:
    """Close an open round: fold answers into counts, forget who was asked. False if closed."""
    cursor = await conn.execute(
        "UPDATE survey_rounds SET status = 'closed', closed_at = ?"
        " WHERE id = ? AND status = 'open'",
        (to_db(now), round_id))
    if cursor.rowcount != 1:
        return False
    counts = await progress(conn, round_id)
    await conn.execute(
        "UPDATE survey_rounds SET answered = ?, paper = ?,"
        " asked = MAX(asked, ?) WHERE id = ?",
        (counts["answered"], counts["paper"], counts["asked"], round_id))
    await conn.execute(
        "INSERT INTO survey_counts (round_id, room, question, answer, source, n)"
        " SELECT round_id, room, question, answer, source, COUNT(*) FROM survey_answers"
        " WHERE round_id = ? GROUP BY round_id, room, question, answer, source",
        (round_id,))
    await conn.execute("DELETE FROM survey_answers WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM survey_respondents WHERE round_id = ?", (round_id,))
    # The outbox rows said who was asked: they go too (the broadcast keeps only its total).
    await conn.execute(
        "DELETE FROM outbox WHERE kind = 'survey' AND ref IN"
        " (SELECT CAST(id AS TEXT) FROM broadcasts WHERE kind = 'survey' AND ref = ?)",
        (round_id,))
    return True


async def tallies(conn: aiosqlite.Connection, *, kind: str, question: str, room: str | None,
                  start: date, end: date, round_id: int | None = None) -> dict[int, int]:
    """answer → how many, over the rounds of ``kind`` started in [start, end] (open ones too).

    ``room`` None: all rooms. ``round_id``: only that round.
    """
    narrow, values = and_given({"x.room": room, "s.id": round_id})
    where = " AND s.kind = ? AND s.started_on BETWEEN ? AND ?" + narrow
    params = [question, kind, start.isoformat(), end.isoformat(), *values]
    result: dict[int, int] = {}
    for table, amount in (("survey_counts", "SUM(x.n)"), ("survey_answers", "COUNT(*)")):
        cursor = await conn.execute(
            f"SELECT x.answer, {amount} FROM {table} x JOIN survey_rounds s ON s.id = x.round_id"
            f" WHERE x.question = ?{where} GROUP BY x.answer", params)
        for answer, n in await cursor.fetchall():
            result[answer] = result.get(answer, 0) + n
    return result
