"""SQL for help requests, their media, notes, referrals and the volunteers' skills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import inserted_id
from bot.store.rows import all_rows, maybe_row

OPEN, TAKEN, DONE, REFERRED, CANCELLED = "open", "taken", "done", "referred", "cancelled"
ACTIVE = (OPEN, TAKEN)
CLOSED = (DONE, REFERRED, CANCELLED)


@dataclass(frozen=True)
class RequestRow:
    id: int
    resident_id: int | None
    room: str
    kind: str
    category: str
    description: str | None
    urgency: str
    due_on: date | None
    contact: str
    phone: str | None
    status: str
    volunteer_id: int | None
    queued_at: datetime
    taken_at: datetime | None
    touched_at: datetime | None
    outcome: str | None
    created_at: datetime
    closed_at: datetime | None
    text_erased_at: datetime | None
    submit_key: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True)
class MediaRow:
    id: int
    request_id: int
    kind: str
    file_id: str


@dataclass(frozen=True)
class NoteRow:
    id: int
    request_id: int
    author_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ReferralRow:
    id: int
    request_id: int | None
    room: str
    person_id: int | None
    direction: str
    partner: str
    together: bool
    volunteer_id: int | None
    followup_on: date | None
    followup_sent_at: datetime | None
    followup_answer: str | None
    answered_at: datetime | None
    created_at: datetime


async def _all(conn: aiosqlite.Connection, sql: str, params: tuple = ()) -> list[aiosqlite.Row]:
    cursor = await conn.execute(sql, params)
    return list(await cursor.fetchall())


async def _requests(conn: aiosqlite.Connection, sql: str, params: tuple = ()
                    ) -> list[RequestRow]:
    """The requests a ``SELECT * FROM help_requests`` query finds, as rows."""
    return all_rows(RequestRow, await _all(conn, sql, params))


# --- requests ----------------------------------------------------------------------------


async def create(
    conn: aiosqlite.Connection,
    *,
    resident_id: int,
    room: str,
    kind: str,
    category: str,
    description: str | None,
    urgency: str,
    due_on: date | None,
    contact: str,
    phone: str | None,
    now: datetime,
    submit_key: str | None = None,
) -> int | None:
    """The new request's id; None when a request with this ``submit_key`` exists already."""
    cursor = await conn.execute(
        "INSERT INTO help_requests (resident_id, room, kind, category, description, urgency,"
        " due_on, contact, phone, status, queued_at, created_at, submit_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)"
        " ON CONFLICT (submit_key) WHERE submit_key IS NOT NULL DO NOTHING RETURNING id",
        (resident_id, room, kind, category, description, urgency,
         due_on.isoformat() if due_on else None, contact, phone, to_db(now), to_db(now),
         submit_key),
    )
    return await inserted_id(cursor)


async def by_submit_key(conn: aiosqlite.Connection, resident_id: int, submit_key: str
                        ) -> RequestRow | None:
    """The request this resident's intake draft became, if it was sent already."""
    cursor = await conn.execute(
        "SELECT * FROM help_requests WHERE submit_key = ? AND resident_id = ?",
        (submit_key, resident_id),
    )
    return maybe_row(RequestRow, await cursor.fetchone())


async def get(conn: aiosqlite.Connection, request_id: int) -> RequestRow | None:
    cursor = await conn.execute("SELECT * FROM help_requests WHERE id = ?", (request_id,))
    return maybe_row(RequestRow, await cursor.fetchone())


async def open_in_room(conn: aiosqlite.Connection, room: str, limit: int = 20) -> list[RequestRow]:
    """The queue: most urgent due date first, no-hurry last, then oldest first."""
    return await _requests(
        conn,
        "SELECT * FROM help_requests WHERE room = ? AND status = 'open'"
        " ORDER BY due_on IS NULL, due_on, created_at, id LIMIT ?",
        (room, limit),
    )


async def count_open_in_room(conn: aiosqlite.Connection, room: str) -> int:
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM help_requests WHERE room = ? AND status = 'open'", (room,)
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def held_in_room(conn: aiosqlite.Connection, room: str, limit: int = 20
                       ) -> list[RequestRow]:
    """Requests of a room that a volunteer holds (the coordinator's view), most urgent first."""
    return await _requests(
        conn,
        "SELECT * FROM help_requests WHERE room = ? AND status = 'taken'"
        " ORDER BY due_on IS NULL, due_on, taken_at, id LIMIT ?",
        (room, limit),
    )


async def held_by(conn: aiosqlite.Connection, volunteer_id: int) -> list[RequestRow]:
    return await _requests(
        conn,
        "SELECT * FROM help_requests WHERE volunteer_id = ? AND status = 'taken'"
        " ORDER BY due_on IS NULL, due_on, id",
        (volunteer_id,),
    )


async def of_resident(conn: aiosqlite.Connection, resident_id: int, limit: int = 10
                      ) -> list[RequestRow]:
    return await _requests(
        conn,
        "SELECT * FROM help_requests WHERE resident_id = ?"
        " ORDER BY status NOT IN ('open', 'taken'), id DESC LIMIT ?",
        (resident_id, limit),
    )


async def take(conn: aiosqlite.Connection, request_id: int, volunteer_id: int, now: datetime
               ) -> bool:
    """The single claim: only succeeds while the request is still open."""
    cursor = await conn.execute(
        "UPDATE help_requests SET status = 'taken', volunteer_id = ?, taken_at = ?,"
        " touched_at = ? WHERE id = ? AND status = 'open'",
        (volunteer_id, to_db(now), to_db(now), request_id),
    )
    return cursor.rowcount == 1


async def touch(conn: aiosqlite.Connection, request_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE help_requests SET touched_at = ? WHERE id = ?", (to_db(now), request_id)
    )


async def requeue(conn: aiosqlite.Connection, request_id: int, volunteer_id: int, now: datetime
                  ) -> bool:
    cursor = await conn.execute(
        "UPDATE help_requests SET status = 'open', volunteer_id = NULL, taken_at = NULL,"
        " touched_at = NULL, queued_at = ? WHERE id = ? AND status = 'taken'"
        " AND volunteer_id = ?",
        (to_db(now), request_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def close(conn: aiosqlite.Connection, request_id: int, status: str, outcome: str,
                now: datetime) -> bool:
    """Close an active request; its media are forgotten at once."""
    cursor = await conn.execute(
        "UPDATE help_requests SET status = ?, outcome = ?, closed_at = ?, touched_at = ?"
        " WHERE id = ? AND status IN ('open', 'taken')",
        (status, outcome, to_db(now), to_db(now), request_id),
    )
    if cursor.rowcount != 1:
        return False
    await conn.execute("DELETE FROM help_media WHERE request_id = ?", (request_id,))
    return True


async def unclaimed_since(conn: aiosqlite.Connection, before: datetime) -> list[RequestRow]:
    return await _requests(
        conn, "SELECT * FROM help_requests WHERE status = 'open' AND queued_at <= ?",
        (to_db(before),),
    )


async def due_by(conn: aiosqlite.Connection, last_day: date) -> list[RequestRow]:
    return await _requests(
        conn,
        "SELECT * FROM help_requests WHERE status IN ('open', 'taken') AND due_on IS NOT NULL"
        " AND due_on <= ?",
        (last_day.isoformat(),),
    )


async def untouched_since(conn: aiosqlite.Connection, before: datetime) -> list[RequestRow]:
    return await _requests(
        conn, "SELECT * FROM help_requests WHERE status = 'taken' AND touched_at <= ?",
        (to_db(before),),
    )


async def active(conn: aiosqlite.Connection) -> list[RequestRow]:
    """Every open or held request (the practice chat's clock asks when their alerts fall)."""
    rows = await _all(conn, "SELECT * FROM help_requests WHERE status IN ('open', 'taken')")
    return all_rows(RequestRow, rows)


async def erase_text_closed_before(conn: aiosqlite.Connection, before: datetime, now: datetime
                                   ) -> int:
    """Retention: free text of requests closed before ``before``; counts stay."""
    rows = await _all(
        conn,
        "SELECT id FROM help_requests WHERE status IN ('done', 'referred', 'cancelled')"
        " AND closed_at <= ? AND text_erased_at IS NULL",
        (to_db(before),),
    )
    ids = [row[0] for row in rows]
    for request_id in ids:
        await erase_text(conn, request_id, now)
    return len(ids)


async def erase_text(conn: aiosqlite.Connection, request_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE help_requests SET description = NULL, phone = NULL, text_erased_at = ?"
        " WHERE id = ?",
        (to_db(now), request_id),
    )
    await conn.execute("DELETE FROM help_notes WHERE request_id = ?", (request_id,))
    await conn.execute("DELETE FROM help_media WHERE request_id = ?", (request_id,))


# --- media and notes ---------------------------------------------------------------------


async def add_media(conn: aiosqlite.Connection, request_id: int, kind: str, file_id: str) -> None:
    await conn.execute(
        "INSERT INTO help_media (request_id, kind, file_id) VALUES (?, ?, ?)",
        (request_id, kind, file_id),
    )


async def media(conn: aiosqlite.Connection, request_id: int) -> list[MediaRow]:
    rows = await _all(conn, "SELECT * FROM help_media WHERE request_id = ? ORDER BY id",
                      (request_id,))
    return [MediaRow(r["id"], r["request_id"], r["kind"], r["file_id"]) for r in rows]


async def add_note(conn: aiosqlite.Connection, request_id: int, author_id: int, text: str,
                   now: datetime) -> None:
    await conn.execute(
        "INSERT INTO help_notes (request_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
        (request_id, author_id, text, to_db(now)),
    )


async def notes(conn: aiosqlite.Connection, request_id: int) -> list[NoteRow]:
    rows = await _all(conn, "SELECT * FROM help_notes WHERE request_id = ? ORDER BY id",
                      (request_id,))
    return [NoteRow(r["id"], r["request_id"], r["author_id"], r["text"],
                    from_db(r["created_at"])) for r in rows]  # type: ignore[arg-type]


# --- referrals ---------------------------------------------------------------------------


async def add_referral(
    conn: aiosqlite.Connection,
    *,
    request_id: int,
    room: str,
    person_id: int | None,
    direction: str,
    partner: str,
    together: bool,
    volunteer_id: int | None,
    followup_on: date | None,
    now: datetime,
) -> int | None:
    """None when this request already has a referral of this direction (from a partner)."""
    cursor = await conn.execute(
        "INSERT INTO help_referrals (request_id, room, person_id, direction, partner,"
        " together, volunteer_id, followup_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (request_id, direction) WHERE direction = 'from_partner' DO NOTHING"
        " RETURNING id",
        (request_id, room, person_id, direction, partner, int(together), volunteer_id,
         followup_on.isoformat() if followup_on else None, to_db(now)),
    )
    return await inserted_id(cursor)


async def referral(conn: aiosqlite.Connection, referral_id: int) -> ReferralRow | None:
    cursor = await conn.execute("SELECT * FROM help_referrals WHERE id = ?", (referral_id,))
    row = await cursor.fetchone()
    return maybe_row(ReferralRow, row)


async def referrals_of(conn: aiosqlite.Connection, request_id: int) -> list[ReferralRow]:
    rows = await _all(conn, "SELECT * FROM help_referrals WHERE request_id = ? ORDER BY id",
                      (request_id,))
    return all_rows(ReferralRow, rows)


async def followups_due(conn: aiosqlite.Connection, today: date) -> list[ReferralRow]:
    rows = await _all(
        conn,
        "SELECT * FROM help_referrals WHERE followup_on IS NOT NULL AND followup_on <= ?"
        " AND followup_sent_at IS NULL AND person_id IS NOT NULL",
        (today.isoformat(),),
    )
    return all_rows(ReferralRow, rows)


async def mark_followup_sent(conn: aiosqlite.Connection, referral_id: int, now: datetime
                             ) -> bool:
    cursor = await conn.execute(
        "UPDATE help_referrals SET followup_sent_at = ? WHERE id = ?"
        " AND followup_sent_at IS NULL",
        (to_db(now), referral_id),
    )
    return cursor.rowcount == 1


async def answer_followup(conn: aiosqlite.Connection, referral_id: int, person_id: int,
                          answer: str, now: datetime) -> bool:
    cursor = await conn.execute(
        "UPDATE help_referrals SET followup_answer = ?, answered_at = ? WHERE id = ?"
        " AND person_id = ? AND followup_sent_at IS NOT NULL AND followup_answer IS NULL",
        (answer, to_db(now), referral_id, person_id),
    )
    return cursor.rowcount == 1


# --- skills ------------------------------------------------------------------------------


async def skills(conn: aiosqlite.Connection, user_id: int) -> set[str]:
    rows = await _all(conn, "SELECT skill FROM help_skills WHERE user_id = ?", (user_id,))
    return {r[0] for r in rows}


async def toggle_skill(conn: aiosqlite.Connection, user_id: int, skill: str) -> bool:
    """True when the skill is now on."""
    cursor = await conn.execute(
        "DELETE FROM help_skills WHERE user_id = ? AND skill = ?", (user_id, skill)
    )
    if cursor.rowcount:
        return False
    await conn.execute("INSERT INTO help_skills (user_id, skill) VALUES (?, ?)", (user_id, skill))
    return True


# --- privacy -----------------------------------------------------------------------------


async def export(conn: aiosqlite.Connection, user_id: int) -> dict:
    requests = await _all(conn, "SELECT * FROM help_requests WHERE resident_id = ? ORDER BY id",
                          (user_id,))
    out_requests = []
    for row in requests:
        refs = await referrals_of(conn, row["id"])
        media_rows = await media(conn, row["id"])
        out_requests.append({
            "number": row["id"],
            "kind": row["kind"],
            "status": row["status"],
            "description": row["description"],
            "due_on": row["due_on"],
            "contact": row["contact"],
            "phone": row["phone"],
            "created_at": row["created_at"],
            "closed_at": row["closed_at"],
            "outcome": row["outcome"],
            "photos_voice_files": len(media_rows),
            "referrals": [{"partner": r.partner, "direction": r.direction,
                           "follow_up_answer": r.followup_answer} for r in refs],
        })
    skill_rows = sorted(await skills(conn, user_id))
    held = await _all(conn, "SELECT id FROM help_requests WHERE volunteer_id = ?", (user_id,))
    written = await _all(conn, "SELECT request_id, text, created_at FROM help_notes"
                               " WHERE author_id = ?", (user_id,))
    out: dict = {}
    if out_requests:
        out["requests"] = out_requests
    if skill_rows:
        out["volunteer_skills"] = skill_rows
    if held:
        out["requests_helped_with"] = [r[0] for r in held]
    if written:
        out["notes_written"] = [{"request": r[0], "text": r[1], "at": r[2]} for r in written]
    return out


async def erase_person(conn: aiosqlite.Connection, user_id: int, now: datetime
                       ) -> list[tuple[int, int]]:
    """As a resident: their requests lose all text and media and are closed; counts stay.

    As a volunteer: requests they hold go back to the queue; their notes stay with the request
    without an author; their skills go.

    Returns ``(request_id, volunteer_id)`` for each of the resident's requests that a volunteer
    held when it was closed here, so that volunteer can be told once the erasure committed.
    """
    rows = await _all(conn, "SELECT id, status, volunteer_id FROM help_requests"
                            " WHERE resident_id = ?", (user_id,))
    withdrawn: list[tuple[int, int]] = []
    for row in rows:
        if row["status"] in ACTIVE:
            await close(conn, row["id"], CANCELLED, "cancelled", now)
            if row["status"] == TAKEN and row["volunteer_id"] is not None:
                withdrawn.append((row["id"], row["volunteer_id"]))
        await erase_text(conn, row["id"], now)
    await conn.execute("UPDATE help_requests SET resident_id = NULL WHERE resident_id = ?",
                       (user_id,))
    await conn.execute("UPDATE help_referrals SET person_id = NULL WHERE person_id = ?",
                       (user_id,))
    await conn.execute(
        "UPDATE help_requests SET status = 'open', volunteer_id = NULL, taken_at = NULL,"
        " touched_at = NULL, queued_at = ? WHERE volunteer_id = ? AND status = 'taken'",
        (to_db(now), user_id),
    )
    await conn.execute("UPDATE help_requests SET volunteer_id = NULL WHERE volunteer_id = ?",
                       (user_id,))
    await conn.execute("UPDATE help_referrals SET volunteer_id = NULL WHERE volunteer_id = ?",
                       (user_id,))
    await conn.execute("UPDATE help_notes SET author_id = NULL WHERE author_id = ?", (user_id,))
    await conn.execute("DELETE FROM help_skills WHERE user_id = ?", (user_id,))
    return withdrawn
