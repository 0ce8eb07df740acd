"""SQL for meals and their sign-ups (the eettafel). Functions take a connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.clauses import set_list
from bot.store.db import inserted_id, stamp_once

#: Statuses that hold seats against the cap.
SEATED = ("pending", "confirmed", "offered")
ACTIVE = (*SEATED, "waiting")


@dataclass(frozen=True)
class MealRow:
    id: int
    room: str
    starts_at: datetime
    deadline_at: datetime
    cap: int | None
    cancelled: bool
    reminder_sent: bool
    list_sent: bool
    cancelled_at: datetime | None = None  # LAST-MODIFIED of a cancelled dinner in the feed


@dataclass(frozen=True)
class SignupRow:
    id: int
    meal_id: int
    user_id: int
    status: str
    guests: int
    diet: tuple[str, ...]
    diet_note: str | None
    position: int | None
    offer_expires_at: datetime | None
    reason: str | None
    attended: bool | None
    added_by: int | None
    created_at: datetime
    name: str | None = None
    #: The person can be sent a message (has an address); not someone added by a volunteer.
    has_address: bool = False
    anon_key: str | None = None
    #: Reached on WhatsApp (the dinner list shows "📱 WhatsApp").
    on_whatsapp: bool = False

    @property
    def seats(self) -> int:
        return 1 + self.guests


def _meal(row: aiosqlite.Row | None) -> MealRow | None:
    if row is None:
        return None
    return MealRow(
        id=row["id"],
        room=row["room"],
        starts_at=from_db(row["starts_at"]),  # type: ignore[arg-type]
        deadline_at=from_db(row["deadline_at"]),  # type: ignore[arg-type]
        cap=row["cap"],
        cancelled=row["cancelled_at"] is not None,
        reminder_sent=row["reminder_sent_at"] is not None,
        list_sent=row["list_sent_at"] is not None,
        cancelled_at=from_db(row["cancelled_at"]),
    )


def _signup(row: aiosqlite.Row) -> SignupRow:
    keys = row.keys()
    return SignupRow(
        id=row["id"],
        meal_id=row["meal_id"],
        user_id=row["user_id"],
        status=row["status"],
        guests=row["guests"],
        diet=tuple(code for code in row["diet"].split(",") if code),
        diet_note=row["diet_note"],
        position=row["position"],
        offer_expires_at=from_db(row["offer_expires_at"]),
        reason=row["reason"],
        attended=None if row["attended"] is None else bool(row["attended"]),
        added_by=row["added_by"],
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        name=row["display_name"] if "display_name" in keys else None,
        has_address=bool(row["has_address"]) if "has_address" in keys else False,
        anon_key=row["anon_key"] if "anon_key" in keys else None,
        on_whatsapp=bool(row["on_whatsapp"]) if "on_whatsapp" in keys else False,
    )


# --- meals ---------------------------------------------------------------------------------


async def ensure_meal(
    conn: aiosqlite.Connection, room: str, starts_at: datetime, deadline_at: datetime,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO meals (room, starts_at, deadline_at, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (room, starts_at) DO NOTHING",
        (room, to_db(starts_at), to_db(deadline_at), to_db(now)),
    )


async def get_meal(conn: aiosqlite.Connection, meal_id: int) -> MealRow | None:
    cursor = await conn.execute("SELECT * FROM meals WHERE id = ?", (meal_id,))
    return _meal(await cursor.fetchone())


async def meals_between(
    conn: aiosqlite.Connection, room: str | None, start: datetime, end: datetime
) -> list[MealRow]:
    sql = "SELECT * FROM meals WHERE starts_at >= ? AND starts_at < ?"
    params: list[object] = [to_db(start), to_db(end)]
    if room is not None:
        sql += " AND room = ?"
        params.append(room)
    cursor = await conn.execute(sql + " ORDER BY starts_at, id", params)
    return [m for m in map(_meal, await cursor.fetchall()) if m is not None]


async def set_meal_cap(conn: aiosqlite.Connection, meal_id: int, cap: int | None) -> None:
    await conn.execute("UPDATE meals SET cap = ? WHERE id = ?", (cap, meal_id))


async def cancel_meal(conn: aiosqlite.Connection, meal_id: int, now: datetime) -> bool:
    return await stamp_once(conn, "meals", "cancelled_at", meal_id, now)


async def reminders_owed(conn: aiosqlite.Connection, meal_id: int) -> list[SignupRow]:
    """Sign-ups that were there when the meal's morning reminder run began and have not had
    their reminder yet (a crash mid-run leaves the rest owed, not lost)."""
    cursor = await conn.execute(
        _WITH_USER + " JOIN meals m ON m.id = s.meal_id WHERE s.meal_id = ?"
        " AND m.reminder_sent_at IS NOT NULL AND s.reminded_at IS NULL"
        " AND s.status IN ('pending', 'confirmed', 'waiting')"
        " AND s.created_at <= m.reminder_sent_at ORDER BY s.id",
        (meal_id,),
    )
    return [_signup(row) for row in await cursor.fetchall()]


async def claim_reminder(conn: aiosqlite.Connection, signup_id: int, now: datetime) -> bool:
    """Mark one sign-up's reminder as going out now; False if it already went."""
    return await stamp_once(conn, "meal_signups", "reminded_at", signup_id, now)


async def claim_meal_flag(
    conn: aiosqlite.Connection, meal_id: int, column: str, now: datetime
) -> bool:
    """Set ``reminder_sent_at`` or ``list_sent_at`` once; False if it was already set."""
    if column not in ("reminder_sent_at", "list_sent_at"):
        raise ValueError(column)
    cursor = await conn.execute(
        f"UPDATE meals SET {column} = ? WHERE id = ? AND {column} IS NULL",
        (to_db(now), meal_id),
    )
    return cursor.rowcount == 1


async def room_cap(conn: aiosqlite.Connection, room: str) -> int | None:
    cursor = await conn.execute("SELECT cap FROM meal_room_caps WHERE room = ?", (room,))
    row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def set_room_cap(conn: aiosqlite.Connection, room: str, cap: int) -> None:
    await conn.execute(
        "INSERT INTO meal_room_caps (room, cap) VALUES (?, ?)"
        " ON CONFLICT (room) DO UPDATE SET cap = excluded.cap",
        (room, cap),
    )


# --- sign-ups ------------------------------------------------------------------------------

_WITH_USER = (
    "SELECT s.*, u.display_name, u.anon_key,"
    " EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = u.id) AS has_address,"
    " EXISTS (SELECT 1 FROM addresses w WHERE w.person_id = u.id AND w.channel = 'whatsapp')"
    " AS on_whatsapp"
    " FROM meal_signups s"
    " JOIN users u ON u.id = s.user_id"
)


async def signups(conn: aiosqlite.Connection, meal_id: int) -> list[SignupRow]:
    """Every sign-up of a meal: seated first by arrival, then the waitlist in order."""
    cursor = await conn.execute(
        _WITH_USER + " WHERE s.meal_id = ? ORDER BY"
        " CASE WHEN s.status = 'waiting' THEN 1 ELSE 0 END, s.position, s.id",
        (meal_id,),
    )
    return [_signup(row) for row in await cursor.fetchall()]


async def signup(conn: aiosqlite.Connection, signup_id: int) -> SignupRow | None:
    cursor = await conn.execute(_WITH_USER + " WHERE s.id = ?", (signup_id,))
    row = await cursor.fetchone()
    return None if row is None else _signup(row)


async def signup_of(conn: aiosqlite.Connection, meal_id: int, user_id: int) -> SignupRow | None:
    cursor = await conn.execute(
        _WITH_USER + " WHERE s.meal_id = ? AND s.user_id = ?", (meal_id, user_id)
    )
    row = await cursor.fetchone()
    return None if row is None else _signup(row)


async def seats_taken(conn: aiosqlite.Connection, meal_id: int) -> int:
    cursor = await conn.execute(
        "SELECT COALESCE(SUM(1 + guests), 0) FROM meal_signups"
        " WHERE meal_id = ? AND status IN ('pending', 'confirmed', 'offered')",
        (meal_id,),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def seats_taken_many(
    conn: aiosqlite.Connection, meal_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """meal id → (seats held, people waiting)."""
    if not meal_ids:
        return {}
    marks = ",".join("?" for _ in meal_ids)
    cursor = await conn.execute(
        "SELECT meal_id,"
        " COALESCE(SUM(CASE WHEN status IN ('pending', 'confirmed', 'offered')"
        " THEN 1 + guests ELSE 0 END), 0),"
        " SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END)"
        f" FROM meal_signups WHERE meal_id IN ({marks}) GROUP BY meal_id",
        meal_ids,
    )
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in await cursor.fetchall()}


async def next_position(conn: aiosqlite.Connection, meal_id: int, top: bool = False) -> int:
    func = "MIN(position) - 1" if top else "MAX(position) + 1"
    cursor = await conn.execute(
        f"SELECT COALESCE({func}, 1) FROM meal_signups WHERE meal_id = ? AND status = 'waiting'",
        (meal_id,),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 1


async def waiting_ahead(conn: aiosqlite.Connection, row: SignupRow) -> int:
    """How many of the meal's waiting list stand before ``row`` (position, then sign-up)."""
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM meal_signups WHERE meal_id = ? AND status = 'waiting'"
        " AND (position < ? OR (position = ? AND id < ?))",
        (row.meal_id, row.position, row.position, row.id),
    )
    found = await cursor.fetchone()
    return int(found[0]) if found else 0


async def forget_user_signups(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """/vergeetmij: forget someone's diets and notes, and give up their seats at coming meals
    (the tick offers them on); past meals keep the bare sign-up for the counts."""
    await conn.execute(
        "UPDATE meal_signups SET diet = '', diet_note = NULL, reason = NULL WHERE user_id = ?",
        (user_id,),
    )
    await conn.execute(
        "UPDATE meal_signups SET status = 'cancelled', position = NULL,"
        " offer_expires_at = NULL, updated_at = ? WHERE user_id = ? AND status IN"
        " ('pending', 'confirmed', 'offered', 'waiting') AND meal_id IN"
        " (SELECT id FROM meals WHERE starts_at > ?)",
        (to_db(now), user_id, to_db(now)),
    )


async def insert_signup(
    conn: aiosqlite.Connection, meal_id: int, user_id: int, status: str, position: int | None,
    now: datetime, added_by: int | None = None,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO meal_signups (meal_id, user_id, status, position, added_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (meal_id, user_id, status, position, added_by, to_db(now), to_db(now)),
    )
    return await inserted_id(cursor) or 0


async def reopen_signup(
    conn: aiosqlite.Connection, signup_id: int, status: str, position: int | None, now: datetime
) -> None:
    """A person who cancelled (or was declined) signs up again: a fresh place in the queue."""
    await conn.execute(
        "UPDATE meal_signups SET status = ?, position = ?, guests = 0, offer_expires_at = NULL,"
        " reason = NULL, attended = NULL, created_at = ?, updated_at = ? WHERE id = ?",
        (status, position, to_db(now), to_db(now), signup_id),
    )


_FIELDS = {"status", "guests", "diet", "diet_note", "position", "offer_expires_at", "reason",
           "attended", "reminded_at"}


async def update_signup(
    conn: aiosqlite.Connection, signup_id: int, now: datetime, **fields: object
) -> None:
    assignments, values = set_list(fields, _FIELDS)
    await conn.execute(
        f"UPDATE meal_signups SET {assignments}, updated_at = ? WHERE id = ?",
        (*[to_db(v) if isinstance(v, datetime) else v for v in values], to_db(now), signup_id),
    )


async def expired_offers(conn: aiosqlite.Connection, now: datetime) -> list[SignupRow]:
    cursor = await conn.execute(
        _WITH_USER + " WHERE s.status = 'offered' AND s.offer_expires_at <= ? ORDER BY s.id",
        (to_db(now),),
    )
    return [_signup(row) for row in await cursor.fetchall()]


async def of_user(conn: aiosqlite.Connection, user_id: int) -> list[tuple[MealRow, SignupRow]]:
    cursor = await conn.execute(
        _WITH_USER + " WHERE s.user_id = ? ORDER BY s.id", (user_id,)
    )
    out = []
    for row in await cursor.fetchall():
        signup_row = _signup(row)
        meal = await get_meal(conn, signup_row.meal_id)
        if meal is not None:
            out.append((meal, signup_row))
    return out


#: job_runs job name for "volunteers were told about this pending sign-up".
ANNOUNCED_JOB = "meals:new"


def announce_key(row: SignupRow) -> str:
    """One key per sign-up *round*: signing up again after a cancel is news again."""
    return f"{row.id}@{to_db(row.created_at)}"


async def unannounced_pending(conn: aiosqlite.Connection, now: datetime) -> list[SignupRow]:
    """Pending sign-ups of coming meals the room's volunteers have not been told about."""
    cursor = await conn.execute(
        _WITH_USER + " JOIN meals m ON m.id = s.meal_id"
        " WHERE s.status = 'pending' AND s.added_by IS NULL AND m.cancelled_at IS NULL"
        " AND m.starts_at > ? AND NOT EXISTS (SELECT 1 FROM job_runs j WHERE j.job = ?"
        " AND j.period = s.id || '@' || s.created_at) ORDER BY m.starts_at, s.id",
        (to_db(now), ANNOUNCED_JOB),
    )
    return [_signup(row) for row in await cursor.fetchall()]


# --- the resident's own card ---------------------------------------------------------------


@dataclass(frozen=True)
class CardRow:
    signup_id: int
    chat_id: int
    message_id: int


#: Cards kept per sign-up: the newest few messages showing it (older ones are left as they are).
CARDS_PER_SIGNUP = 3


async def track_card(
    conn: aiosqlite.Connection, signup_id: int, chat_id: int, message_id: int, now: datetime
) -> None:
    """``message_id`` now shows this sign-up's card (and no other card)."""
    await conn.execute(
        "INSERT INTO meal_cards (chat_id, message_id, signup_id, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id, message_id) DO UPDATE SET signup_id = excluded.signup_id,"
        " updated_at = excluded.updated_at",
        (chat_id, message_id, signup_id, to_db(now)),
    )
    await conn.execute(
        "DELETE FROM meal_cards WHERE signup_id = ? AND (chat_id, message_id) NOT IN"
        " (SELECT chat_id, message_id FROM meal_cards WHERE signup_id = ?"
        " ORDER BY updated_at DESC, message_id DESC LIMIT ?)",
        (signup_id, signup_id, CARDS_PER_SIGNUP),
    )


async def untrack_message(conn: aiosqlite.Connection, chat_id: int, message_id: int) -> None:
    """The message shows something else now (the list of meals, a question)."""
    await conn.execute(
        "DELETE FROM meal_cards WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    )


async def cards(conn: aiosqlite.Connection, signup_ids: list[int]) -> list[CardRow]:
    if not signup_ids:
        return []
    marks = ",".join("?" for _ in signup_ids)
    cursor = await conn.execute(
        f"SELECT signup_id, chat_id, message_id FROM meal_cards WHERE signup_id IN ({marks})"
        " ORDER BY signup_id, message_id",
        signup_ids,
    )
    return [CardRow(row[0], row[1], row[2]) for row in await cursor.fetchall()]


async def forget_cards_of_user(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute(
        "DELETE FROM meal_cards WHERE signup_id IN"
        " (SELECT id FROM meal_signups WHERE user_id = ?)",
        (user_id,),
    )


async def pending_counts(
    conn: aiosqlite.Connection, room: str, after: datetime
) -> list[tuple[int, int]]:
    """(meal id, pending sign-ups) for coming meals of ``room`` that have any, soonest first."""
    cursor = await conn.execute(
        "SELECT m.id, COUNT(*) FROM meals m JOIN meal_signups s ON s.meal_id = m.id"
        " WHERE m.room = ? AND m.starts_at > ? AND m.cancelled_at IS NULL"
        " AND s.status = 'pending' GROUP BY m.id ORDER BY m.starts_at",
        (room, to_db(after)),
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
