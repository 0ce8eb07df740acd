"""The store's portable idioms: ``ON CONFLICT ... DO NOTHING`` and ``RETURNING`` tell "inserted
now" from "was there already" exactly as ``OR IGNORE`` plus ``lastrowid`` did; the framework's
saved state (``store/ptb_state``) and the audiences.

Fast tier: a database file in tmp, no bot, no sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import TZ
from bot.store import activities, audiences, checkins, job_runs, participation, ptb_state
from bot.store import help_requests as help_store
from bot.store.db import Database, NestedTransaction

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "x.db")
    await database.connect()
    yield database
    await database.close()


async def _person(db: Database, telegram_id: int | None, **columns: object) -> int:
    names = ["telegram_id", "anon_key", "created_at", *columns]
    values = [telegram_id, f"anon-{telegram_id}-{len(columns)}-{id(columns)}",
              "2026-11-01T00:00:00+00:00", *columns.values()]
    rows = await db.execute_returning(
        f"INSERT INTO users ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        " RETURNING id", values)
    person_id = int(rows[0][0])
    if telegram_id is not None:  # their Telegram address, as store/users.create writes it
        await db.execute(
            "INSERT INTO addresses (person_id, channel, address, reachable, created_at)"
            " VALUES (?, 'telegram', ?, ?, '2026-11-01T00:00:00+00:00')",
            (person_id, str(telegram_id), columns.get("reachable", 1)))
    return person_id


async def test_execute_counts_and_execute_returning_gives_the_new_id(db: Database) -> None:
    assert await db.execute("INSERT INTO job_runs (job, period, done_at) VALUES ('a','1','x')") \
        == 1
    rows = await db.execute_returning(
        "INSERT INTO job_runs (job, period, done_at) VALUES ('a','1','x')"
        " ON CONFLICT (job, period) DO NOTHING RETURNING job")
    assert rows == []
    assert await db.execute("DELETE FROM job_runs WHERE job = 'zzz'") == 0


async def test_a_claim_is_won_once(db: Database) -> None:
    async with db.transaction() as conn:
        assert await job_runs.claim(conn, "meals", "2026-11-30", NOW) is True
        assert await job_runs.claim(conn, "meals", "2026-11-30", NOW) is False
        assert await job_runs.claim(conn, "meals", "2026-12-01", NOW) is True


async def test_weekly_checkin_row_and_its_followup_are_inserted_once(db: Database) -> None:
    fatima = await _person(db, 11, room="top")
    async with db.transaction() as conn:
        first = await checkins.claim(conn, fatima, "top", "2026-W49", NOW, "sending")
        assert isinstance(first, int)
        assert await checkins.claim(conn, fatima, "top", "2026-W49", NOW, "sending") is None
        assert (await checkins.get(conn, first)).week == "2026-W49"  # type: ignore[union-attr]
        followup = await checkins.create_followup(conn, first, "top", "call", NOW)
        assert isinstance(followup, int)
        assert await checkins.create_followup(conn, first, "top", "call", NOW) is None
        assert await checkins.claimed_users(conn, "2026-W49") == {fatima}
        assert await checkins.claimed_since(conn, "2026-W01") == {(fatima, "2026-W49")}


async def test_participation_is_counted_once_per_source_but_anonymous_visits_add_up(
        db: Database) -> None:
    args = dict(room="top", category="eettafel", source="meal", occurred_on=date(2026, 11, 30),
                now=NOW)
    async with db.transaction() as conn:
        assert await participation.record(conn, person_key="k1", source_id="7", **args)
        assert not await participation.record(conn, person_key="k1", source_id="7", **args)
        assert await participation.record(conn, person_key=None, source_id="7", **args)
        assert await participation.record(conn, person_key=None, source_id="7", **args)


async def test_activity_series_seeded_once_and_signups_once(db: Database) -> None:
    fatima = await _person(db, 12, room="top")
    series = dict(room="top", title="Koffie", translatable=False, category="ontmoeting",
                  rrule="FREQ=WEEKLY;BYDAY=MO", start_time=datetime(2026, 1, 1, 10).time(),
                  duration_min=60, starts_on=date(2026, 11, 30), capacity=None, signup=True,
                  leader=None, now=NOW)
    async with db.transaction() as conn:
        seeded = await activities.insert_series(conn, seed_key="koffie", **series)
        assert isinstance(seeded, int)
        assert await activities.insert_series(conn, seed_key="koffie", **series) is None
        # Series without a seed key never conflict.
        assert await activities.insert_series(conn, seed_key=None, **series) is not None
        assert await activities.insert_series(conn, seed_key=None, **series) is not None
        occurrence = dict(series_id=seeded, original_date=date(2026, 11, 30), room="top",
                          title="Koffie", translatable=False, category="ontmoeting",
                          starts_at=NOW, ends_at=NOW, capacity=None, signup=True)
        found = await activities.insert_occurrence(conn, **occurrence)
        assert isinstance(found, int)
        assert await activities.insert_occurrence(conn, **occurrence) is None
        assert await activities.sign_up(conn, found, fatima, NOW) is True
        assert await activities.sign_up(conn, found, fatima, NOW) is False


async def test_one_referral_from_a_partner_per_request(db: Database) -> None:
    fatima = await _person(db, 13, room="top")
    async with db.transaction() as conn:
        request = await help_store.create(
            conn, resident_id=fatima, room="top", kind="letter", category="formulieren",
            description="Brief", urgency="week", due_on=None, contact="visit", phone=None,
            now=NOW, submit_key="k-1")
        assert isinstance(request, int)
        again = await help_store.create(
            conn, resident_id=fatima, room="top", kind="letter", category="formulieren",
            description="Brief", urgency="week", due_on=None, contact="visit", phone=None,
            now=NOW, submit_key="k-1")
        assert again is None
        referral = dict(request_id=request, room="top", person_id=fatima, partner="Buurtteam",
                        together=False, volunteer_id=None, followup_on=None, now=NOW)
        assert await help_store.add_referral(conn, direction="from_partner", **referral)
        assert await help_store.add_referral(conn, direction="from_partner", **referral) is None
        # Referrals *to* a partner are not limited to one.
        assert await help_store.add_referral(conn, direction="to_partner", **referral)
        assert await help_store.add_referral(conn, direction="to_partner", **referral)


async def test_ptb_state_round_trip_and_forgetting_a_person(db: Database) -> None:
    async with db.transaction() as conn:
        await ptb_state.put_data(conn, "user", 42, '{"draft": "De kraan lekt"}')
        await ptb_state.put_data(conn, "user", 42, '{"draft": "De kraan"}')
        await ptb_state.put_data(conn, "chat", 42, '{"x": 1}')
        await ptb_state.put_data(conn, "user", 43, '{"draft": "other"}')
        await ptb_state.put_conversation(conn, "help", (42, 42), 3)
        await ptb_state.put_conversation(conn, "onboarding", (42,), "lang")
        await ptb_state.put_conversation(conn, "help", (43, 43), 1)
    async with db.reading() as conn:
        assert await ptb_state.all_data(conn, "user") == [(42, '{"draft": "De kraan"}'),
                                                          (43, '{"draft": "other"}')]
        assert await ptb_state.data_of(conn, "user", 42) == {"draft": "De kraan"}
        assert await ptb_state.conversations(conn, "help") == {(42, 42): 3, (43, 43): 1}
    async with db.transaction() as conn:
        await ptb_state.forget_person(conn, 42)
        await ptb_state.drop_conversation(conn, "help", (43, 43))
    async with db.reading() as conn:
        assert await ptb_state.all_data(conn, "user") == [(43, '{"draft": "other"}')]
        assert await ptb_state.all_data(conn, "chat") == []
        assert await ptb_state.conversations(conn, "help") == {}
        assert await ptb_state.conversations(conn, "onboarding") == {}
    with pytest.raises(ValueError):
        async with db.reading() as conn:
            await ptb_state.all_data(conn, "bot")


async def test_reading_inside_a_transaction_is_refused(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(NestedTransaction):
            async with db.reading():
                pass


async def test_audiences_choose_the_same_people_as_before(db: Database) -> None:
    coordinator = 900
    resident = await _person(db, 1, room="top", role="resident")
    quiet = await _person(db, 2, room="top", role="resident", announcements=0)
    volunteer = await _person(db, 3, room="top", role="volunteer", announcements=0)
    blocked = await _person(db, 4, room="top", role="resident", reachable=0)
    staff = await _person(db, coordinator, room="top", role="resident")
    elsewhere = await _person(db, 5, room="hart", role="resident", language="ar")
    async with db.reading() as conn:
        everyone = await audiences.announcement(
            conn, author_id=staff, coordinators=[coordinator], volunteers_only=False)
        assert [m.user_id for m in everyone] == [resident, blocked, elsewhere]
        assert [m.state for m in everyone] == ["pending", "unreachable", "pending"]
        volunteers = await audiences.announcement(
            conn, author_id=resident, coordinators=[coordinator], volunteers_only=True)
        assert [m.user_id for m in volunteers] == [volunteer, staff]
        in_arabic = await audiences.announcement(
            conn, author_id=staff, coordinators=[coordinator], volunteers_only=False,
            language="ar")
        assert [m.user_id for m in in_arabic] == [elsewhere]
        nowhere = await audiences.announcement(
            conn, author_id=staff, coordinators=[coordinator], volunteers_only=False, room="")
        assert nowhere == []
        asked = await audiences.survey(conn, role="resident", rooms=["top"],
                                       coordinators=[coordinator], announcements_only=True)
        assert [m.user_id for m in asked] == [resident, blocked]
        assert {m.room for m in asked} == {"top"}
        hours = await audiences.hours_question(
            conn, rooms=["top"], coordinators=[coordinator], joined_before=NOW)
        assert [m.user_id for m in hours] == [volunteer]
    assert quiet not in [m.user_id for m in everyone]
