"""SQL for the belronde: subscriptions, weekly check-ins, follow-ups and anonymous week counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.clauses import set_list
from bot.store.db import inserted_id, stamp_once
from bot.store.rows import all_rows, from_row, maybe_row

ANSWERS = ("good", "okay", "bad", "call", "visit")


@dataclass(frozen=True)
class Subscription:
    user_id: int
    active: bool
    weekday: int | None
    daypart: str | None
    paused_until: date | None
    extra_attention: bool
    starts_at: datetime


@dataclass(frozen=True)
class Checkin:
    id: int
    user_id: int
    room: str
    week: str
    due_at: datetime
    status: str
    sent_at: datetime | None
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Followup:
    id: int
    checkin_id: int
    room: str
    reason: str
    created_at: datetime
    taken_by: int | None
    taken_at: datetime | None
    done_at: datetime | None
    note: str | None
    escalated_at: datetime | None
    user_id: int
    week: str
    announced_at: datetime | None = None
    superseded_by: int | None = None


def subscription_of(row: aiosqlite.Row | None) -> Subscription | None:
    """The subscription part of a row (of :func:`active_subscribers`, say)."""
    return maybe_row(Subscription, row)


# --- subscriptions -----------------------------------------------------------------------


async def subscription(conn: aiosqlite.Connection, user_id: int) -> Subscription | None:
    cursor = await conn.execute(
        "SELECT * FROM checkin_subscriptions WHERE user_id = ?", (user_id,)
    )
    return subscription_of(await cursor.fetchone())


async def subscribe(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Opt in (again): keeps earlier choices of day and day part, clears a pause."""
    await conn.execute(
        "INSERT INTO checkin_subscriptions (user_id, active, starts_at, updated_at)"
        " VALUES (?, 1, ?, ?) ON CONFLICT (user_id) DO UPDATE SET active = 1,"
        " paused_until = NULL, starts_at = excluded.starts_at, updated_at = excluded.updated_at",
        (user_id, to_db(now), to_db(now)),
    )


_SUB_FIELDS = {"active", "weekday", "daypart", "paused_until", "extra_attention", "starts_at"}


async def update_subscription(
    conn: aiosqlite.Connection, user_id: int, now: datetime, **fields: object
) -> None:
    assignments, values = set_list(fields, _SUB_FIELDS)
    await conn.execute(
        f"UPDATE checkin_subscriptions SET {assignments}, updated_at = ? WHERE user_id = ?",
        (*values, to_db(now), user_id),
    )


async def active_subscribers(conn: aiosqlite.Connection) -> list[aiosqlite.Row]:
    """Active subscriptions of people who still exist, with their room."""
    cursor = await conn.execute(
        "SELECT s.*, u.room AS room"
        " FROM checkin_subscriptions s JOIN users u ON u.id = s.user_id"
        " WHERE s.active = 1 AND u.erased_at IS NULL AND u.room IS NOT NULL ORDER BY s.user_id"
    )
    return list(await cursor.fetchall())


async def room_subscribers(conn: aiosqlite.Connection, room: str) -> list[aiosqlite.Row]:
    cursor = await conn.execute(
        "SELECT s.*, u.display_name AS display_name, u.reachable AS reachable"
        " FROM checkin_subscriptions s JOIN users u ON u.id = s.user_id"
        " WHERE s.active = 1 AND u.erased_at IS NULL AND u.room = ? ORDER BY s.user_id",
        (room,),
    )
    return list(await cursor.fetchall())


# --- check-ins ---------------------------------------------------------------------------


async def claim(
    conn: aiosqlite.Connection, user_id: int, room: str, week: str, due_at: datetime,
    status: str,
) -> int | None:
    """Insert this week's row for the resident; None if there already is one."""
    cursor = await conn.execute(
        "INSERT INTO checkins (user_id, room, week, due_at, status)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, week) DO NOTHING RETURNING id",
        (user_id, room, week, to_db(due_at), status),
    )
    return await inserted_id(cursor)


async def claimed_users(conn: aiosqlite.Connection, week: str) -> set[int]:
    """Residents who have this week's row already (sent, answered, unreachable…)."""
    cursor = await conn.execute("SELECT user_id FROM checkins WHERE week = ?", (week,))
    return {row[0] for row in await cursor.fetchall()}


async def claimed_since(conn: aiosqlite.Connection, week: str) -> set[tuple[int, str]]:
    """(user id, week) of every row from ``week`` on."""
    cursor = await conn.execute("SELECT user_id, week FROM checkins WHERE week >= ?", (week,))
    return {(row[0], row[1]) for row in await cursor.fetchall()}


async def mark_sent(conn: aiosqlite.Connection, checkin_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE checkins SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'sending'",
        (to_db(now), checkin_id),
    )


async def set_status(conn: aiosqlite.Connection, checkin_id: int, status: str) -> None:
    await conn.execute("UPDATE checkins SET status = ? WHERE id = ?", (status, checkin_id))


@dataclass(frozen=True)
class Sending:
    """A check-in still 'sending' (its message is in the outbox) and what its rows became."""

    checkin: Checkin
    #: (outbox state, sent_at, dedupe) of each attempt (one a day at most); empty for a row
    #: claimed before the outbox existed.
    attempts: tuple[tuple[str, datetime | None, str], ...]


async def sending(conn: aiosqlite.Connection, kind: str, checkin_id: int | None = None
                  ) -> list[Sending]:
    """Check-ins whose message is (or was) in the outbox and not settled yet, with the
    states of their outbox rows (``kind``; ``ref`` is the check-in id)."""
    sql = ("SELECT c.*, o.state AS o_state, o.sent_at AS o_sent_at, o.dedupe AS o_dedupe"
           " FROM checkins c LEFT JOIN outbox o ON o.kind = ? AND o.ref = CAST(c.id AS TEXT)"
           " WHERE c.status = 'sending'")
    params: list[object] = [kind]
    if checkin_id is not None:
        sql += " AND c.id = ?"
        params.append(checkin_id)
    cursor = await conn.execute(sql + " ORDER BY c.id, o.id", params)
    found: dict[int, tuple[Checkin, list[tuple[str, datetime | None, str]]]] = {}
    for row in await cursor.fetchall():
        checkin = from_row(Checkin, row)
        _, attempts = found.setdefault(checkin.id, (checkin, []))
        if row["o_state"] is not None:
            attempts.append((row["o_state"], from_db(row["o_sent_at"]), row["o_dedupe"]))
    return [Sending(checkin, tuple(attempts)) for checkin, attempts in found.values()]


async def undelivered(conn: aiosqlite.Connection, kind: str, checkin_id: int | None = None
                      ) -> list[Checkin]:
    """Check-ins counted as sent whose message turned out undeliverable afterwards (WhatsApp
    accepts a message, then a failed status webhook says 131026): a row of ``kind`` for it
    ended ``unreachable`` and none ended ``sent``. Not yet answered."""
    sql = ("SELECT c.* FROM checkins c WHERE c.status = 'sent'"
           " AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ? AND o.state = 'unreachable'"
           " AND o.ref = CAST(c.id AS TEXT))"
           " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ? AND o.state = 'sent'"
           " AND o.ref = CAST(c.id AS TEXT))")
    params: list[object] = [kind, kind]
    if checkin_id is not None:
        sql += " AND c.id = ?"
        params.append(checkin_id)
    cursor = await conn.execute(sql + " ORDER BY c.id", params)
    return all_rows(Checkin, await cursor.fetchall())


async def get(conn: aiosqlite.Connection, checkin_id: int) -> Checkin | None:
    cursor = await conn.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
    return maybe_row(Checkin, await cursor.fetchone())


async def answer(
    conn: aiosqlite.Connection, checkin_id: int, value: str, now: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE checkins SET status = 'answered', answer = ?, answered_at = ?,"
        " sent_at = COALESCE(sent_at, ?)"
        " WHERE id = ? AND status IN ('sent', 'sending') AND answer IS NULL",
        (value, to_db(now), to_db(now), checkin_id),
    )
    return cursor.rowcount == 1


async def unanswered_extra_attention(
    conn: aiosqlite.Connection, sent_before: datetime
) -> list[Checkin]:
    """Check-ins of "extra aandacht" residents, delivered long enough ago, with no answer yet.

    Only a delivered one counts (``sent``: its outbox row was sent); one still waiting in the
    outbox has not reached them, so the two days start when it does.
    """
    cursor = await conn.execute(
        "SELECT c.* FROM checkins c JOIN checkin_subscriptions s ON s.user_id = c.user_id"
        " WHERE c.status = 'sent' AND c.sent_at <= ?"
        " AND s.extra_attention = 1"
        " AND NOT EXISTS (SELECT 1 FROM checkin_followups f WHERE f.checkin_id = c.id)",
        (to_db(sent_before),),
    )
    return all_rows(Checkin, await cursor.fetchall())


async def for_user(conn: aiosqlite.Connection, user_id: int) -> list[Checkin]:
    cursor = await conn.execute(
        "SELECT * FROM checkins WHERE user_id = ? ORDER BY week", (user_id,)
    )
    return all_rows(Checkin, await cursor.fetchall())


async def week_counts(conn: aiosqlite.Connection, room: str, week: str) -> dict[str, int]:
    """Counts of a room's week: live rows plus what was folded in after erasure."""
    cursor = await conn.execute(
        "SELECT COUNT(*) AS sent, COUNT(c.answer) AS answered,"
        " SUM(c.answer = 'good') AS good, SUM(c.answer = 'okay') AS okay,"
        " SUM(c.answer = 'bad') AS bad, SUM(c.answer = 'call') AS call_me,"
        " SUM(c.answer = 'visit') AS visit, COUNT(f.id) AS followups,"
        " SUM(f.done_at IS NOT NULL AND f.superseded_by IS NULL) AS followups_done"
        " FROM checkins c LEFT JOIN checkin_followups f ON f.checkin_id = c.id"
        " WHERE c.room = ? AND c.week = ? AND c.status IN ('sent', 'answered')",
        (room, week),
    )
    live = dict(await cursor.fetchone())  # type: ignore[arg-type]
    cursor = await conn.execute(
        "SELECT * FROM checkin_week_counts WHERE room = ? AND week = ?", (room, week)
    )
    folded = await cursor.fetchone()
    result = {key: int(value or 0) for key, value in live.items()}
    if folded is not None:
        for key in result:
            result[key] += int(folded[key])
    # Follow-ups for unreachable residents count as opened follow-ups too.
    cursor = await conn.execute(
        "SELECT COUNT(f.id), COALESCE(SUM(f.done_at IS NOT NULL AND f.superseded_by IS NULL), 0)"
        " FROM checkin_followups f"
        " JOIN checkins c ON c.id = f.checkin_id"
        " WHERE c.room = ? AND c.week = ? AND c.status = 'unreachable'",
        (room, week),
    )
    extra = await cursor.fetchone()
    assert extra is not None
    result["followups"] += extra[0]
    result["followups_done"] += extra[1]
    return result


async def fold_and_delete(conn: aiosqlite.Connection, where: str, params: tuple) -> int:
    """Move matching check-ins into anonymous week counts, then delete them and their notes.

    ``where`` filters ``checkins c``; used by retention (old weeks) and by /vergeetmij.
    """
    cursor = await conn.execute(
        "SELECT c.room, c.week, SUM(c.status IN ('sent', 'answered')) AS sent,"
        " COUNT(c.answer) AS answered,"
        " SUM(c.answer = 'good') AS good, SUM(c.answer = 'okay') AS okay,"
        " SUM(c.answer = 'bad') AS bad, SUM(c.answer = 'call') AS call_me,"
        " SUM(c.answer = 'visit') AS visit, COUNT(f.id) AS followups,"
        " SUM(f.done_at IS NOT NULL AND f.superseded_by IS NULL) AS followups_done"
        " FROM checkins c LEFT JOIN checkin_followups f ON f.checkin_id = c.id"
        f" WHERE {where} GROUP BY c.room, c.week",
        params,
    )
    groups = list(await cursor.fetchall())
    columns = ("sent", "answered", "good", "okay", "bad", "call_me", "visit", "followups",
               "followups_done")
    for group in groups:
        values = [int(group[col] or 0) for col in columns]
        await conn.execute(
            f"INSERT INTO checkin_week_counts (room, week, {', '.join(columns)})"
            f" VALUES (?, ?, {', '.join('?' for _ in columns)})"
            " ON CONFLICT (room, week) DO UPDATE SET "
            + ", ".join(f"{col} = {col} + excluded.{col}" for col in columns),
            (group["room"], group["week"], *values),
        )
    await conn.execute(
        "DELETE FROM checkin_followups WHERE checkin_id IN"
        f" (SELECT c.id FROM checkins c WHERE {where})",
        params,
    )
    cursor = await conn.execute(f"DELETE FROM checkins WHERE id IN (SELECT c.id FROM checkins c"
                                f" WHERE {where})", params)
    return cursor.rowcount


async def forget_user(conn: aiosqlite.Connection, user_id: int) -> None:
    """/vergeetmij, after :func:`fold_and_delete` of their check-ins: the subscription goes;
    a volunteer's follow-ups open again (the unfinished ones) and lose their notes."""
    await conn.execute("DELETE FROM checkin_subscriptions WHERE user_id = ?", (user_id,))
    await conn.execute(
        "UPDATE checkin_followups SET taken_by = NULL, taken_at = NULL, note = NULL"
        " WHERE taken_by = ? AND done_at IS NULL", (user_id,),
    )
    await conn.execute(
        "UPDATE checkin_followups SET taken_by = NULL, note = NULL WHERE taken_by = ?",
        (user_id,),
    )


# --- follow-ups --------------------------------------------------------------------------

_FOLLOWUP_SELECT = (
    "SELECT f.*, c.user_id AS user_id, c.week AS week FROM checkin_followups f"
    " JOIN checkins c ON c.id = f.checkin_id"
)


async def create_followup(
    conn: aiosqlite.Connection, checkin_id: int, room: str, reason: str, now: datetime
) -> int | None:
    """A new follow-up for the check-in's resident, closing any older open one of theirs.

    One open entry per person: Vera's list never shows "📞 I will call Fatima" twice (last
    week's and this week's). The older entry is closed as superseded (``done_at`` set,
    ``superseded_by`` the new id), so it is not counted as a call made; a volunteer who had
    already taken the older one keeps the call on the new one. Runs in the caller's
    transaction, together with the insert.
    """
    cursor = await conn.execute(
        "INSERT INTO checkin_followups (checkin_id, room, reason, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (checkin_id) DO NOTHING RETURNING id",
        (checkin_id, room, reason, to_db(now)),
    )
    new_id = await inserted_id(cursor)
    if new_id is None:
        return None
    cursor = await conn.execute(
        _FOLLOWUP_SELECT + " WHERE f.done_at IS NULL AND f.id != ?"
        " AND c.user_id = (SELECT user_id FROM checkins WHERE id = ?) ORDER BY f.id",
        (new_id, checkin_id),
    )
    older = all_rows(Followup, await cursor.fetchall())
    taken = [f for f in older if f.taken_by is not None]
    if taken:
        await conn.execute(
            "UPDATE checkin_followups SET taken_by = ?, taken_at = ? WHERE id = ?",
            (taken[-1].taken_by, to_db(taken[-1].taken_at) if taken[-1].taken_at else None,
             new_id),
        )
    for found in older:
        await conn.execute(
            "UPDATE checkin_followups SET done_at = ?, superseded_by = ? WHERE id = ?",
            (to_db(now), new_id, found.id),
        )
    return new_id


async def has_open_unreachable(conn: aiosqlite.Connection, user_id: int) -> bool:
    """Is this resident already on the list "to call" because we cannot reach them?"""
    cursor = await conn.execute(
        "SELECT 1 FROM checkin_followups f JOIN checkins c ON c.id = f.checkin_id"
        " WHERE c.user_id = ? AND f.reason = 'unreachable' AND f.done_at IS NULL LIMIT 1",
        (user_id,),
    )
    return await cursor.fetchone() is not None


async def followup(conn: aiosqlite.Connection, followup_id: int) -> Followup | None:
    cursor = await conn.execute(_FOLLOWUP_SELECT + " WHERE f.id = ?", (followup_id,))
    return maybe_row(Followup, await cursor.fetchone())


async def open_followups(conn: aiosqlite.Connection, room: str) -> list[Followup]:
    cursor = await conn.execute(
        _FOLLOWUP_SELECT + " WHERE f.room = ? AND f.done_at IS NULL ORDER BY f.created_at, f.id",
        (room,),
    )
    return all_rows(Followup, await cursor.fetchall())


async def take(conn: aiosqlite.Connection, followup_id: int, user_id: int, now: datetime) -> bool:
    cursor = await conn.execute(
        "UPDATE checkin_followups SET taken_by = ?, taken_at = ?"
        " WHERE id = ? AND taken_by IS NULL AND done_at IS NULL",
        (user_id, to_db(now), followup_id),
    )
    return cursor.rowcount == 1


async def finish(
    conn: aiosqlite.Connection, followup_id: int, user_id: int, note: str | None, now: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE checkin_followups SET done_at = ?, note = ?"
        " WHERE id = ? AND taken_by = ? AND done_at IS NULL",
        (to_db(now), note, followup_id, user_id),
    )
    return cursor.rowcount == 1


async def untaken_since(conn: aiosqlite.Connection, told_before: datetime,
                        notice_kind: str) -> list[Followup]:
    """Open follow-ups nobody took, counted from when the volunteers were told.

    One made at night is announced at 08:00; the volunteers get a whole day from then, and one
    not announced yet is never escalated past them. "Told" is when the first notice
    (``notice_kind``, ref the follow-up id) was sent; while one is still waiting in the outbox
    (the bot was down) the day has not started; with no notice to send (nobody could be
    reached), from the announcement.
    """
    cursor = await conn.execute(
        _FOLLOWUP_SELECT + " WHERE f.taken_by IS NULL AND f.done_at IS NULL"
        " AND f.escalated_at IS NULL AND f.announced_at IS NOT NULL AND COALESCE("
        "  (SELECT MIN(o.sent_at) FROM outbox o WHERE o.kind = ? AND o.state = 'sent'"
        "   AND o.ref = CAST(f.id AS TEXT)),"
        "  CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ?"
        "   AND o.state IN ('queued', 'sending') AND o.ref = CAST(f.id AS TEXT))"
        "  THEN NULL ELSE f.announced_at END) <= ?",
        (notice_kind, notice_kind, to_db(told_before)),
    )
    return all_rows(Followup, await cursor.fetchall())


async def claim_announcement(
    conn: aiosqlite.Connection, followup_id: int, now: datetime
) -> bool:
    """Claim telling the volunteers about a follow-up: True only for the one caller that does."""
    return await stamp_once(conn, "checkin_followups", "announced_at", followup_id, now)


async def unannounced(conn: aiosqlite.Connection) -> list[Followup]:
    """Follow-ups the volunteers were not told about yet (made at night, or a crash)."""
    cursor = await conn.execute(
        _FOLLOWUP_SELECT + " WHERE f.announced_at IS NULL ORDER BY f.created_at, f.id"
    )
    return all_rows(Followup, await cursor.fetchall())


async def mark_escalated(conn: aiosqlite.Connection, followup_id: int, now: datetime) -> bool:
    return await stamp_once(conn, "checkin_followups", "escalated_at", followup_id, now)


async def followups_taken_by(conn: aiosqlite.Connection, user_id: int) -> list[Followup]:
    cursor = await conn.execute(_FOLLOWUP_SELECT + " WHERE f.taken_by = ?", (user_id,))
    return all_rows(Followup, await cursor.fetchall())
