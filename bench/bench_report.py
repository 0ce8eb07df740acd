"""Benchmark the funder report: five years of records for three rooms, yearly report timing.

Not a test. Generates at least 500,000 participation records into a temporary SQLite database
(with the real migrations), plus what the other indicators read (referrals to and from
partners, newcomer and referred marks, "found paid work" outcomes, coordinator-entered values),
then times the yearly performance table (all 27 indicators, every room and the summary), its
peak memory, and how the time grows as the database holds 1 to 5 years and as the period
grows from 1 to 5 years.

    python bench/bench_report.py [--records-per-year 110000] [--seed 7] [--keep DB]

Targets: a yearly report for all rooms under 1 second; peak memory under 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import TZ, FrozenClock, to_db  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.services.tally import Period  # noqa: E402
from bot.store.db import Database  # noqa: E402

ROOMS = ("top", "hart", "verbinding")
FIRST_YEAR = 2021
YEARS = 5
#: Share of records per category: most contact is social (meals, coffee mornings).
WEIGHTS = {
    "sociale_ontmoeting": 55, "klussen": 5, "computer": 6, "taal": 8, "formulieren": 12,
    "schulden": 4, "werk": 3, "contact": 5, "referral": 1, "volunteer": 1,
}
SOURCE = {"sociale_ontmoeting": "meal", "contact": "checkin", "referral": "referral",
          "volunteer": "volunteer"}


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records-per-year", type=int, default=110_000,
                        help="participation records per year, all rooms (default 110,000: "
                             "550,000 in five years)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="time each report this many times, keep the best (default 3)")
    parser.add_argument("--keep", metavar="DB", help="write the database here and keep it")
    return parser.parse_args(argv)


def _records(year: int, n: int, rng: random.Random, people: dict[str, list[str]],
             counter: list[int]):
    """One year of records: a growing pool of regulars per room with repeated visits."""
    cats = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    now = to_db(datetime(year, 12, 31, 12, tzinfo=TZ))
    for room in ROOMS:
        people[room].extend(secrets.token_hex(8) for _ in range(600))  # newcomers this year
    for _ in range(n):
        room = rng.choice(ROOMS)
        category = rng.choices(cats, weights)[0]
        day = (date(year, 1, 1) + timedelta(days=rng.randrange(days))).isoformat()
        counter[0] += 1
        source = SOURCE.get(category) or rng.choice(("help", "activity"))
        if category != "volunteer" and rng.random() < 0.03:
            yield (None, room, category, "activity", f"{category}:{day}", day,
                   rng.randint(1, 6), now)
            continue
        pool = people[room]
        if category == "volunteer":
            key = f"vol-{room}-{rng.randrange(25)}"
        elif rng.random() < 0.8:  # regulars: mostly the people who came recently
            key = pool[len(pool) - 1 - min(len(pool) - 1, int(abs(rng.gauss(0, 0.25))
                                                            * len(pool)))]
        else:
            key = pool[rng.randrange(len(pool))]
        yield (key, room, category, source, f"b{counter[0]}", day, 1, now)


async def _fill(db: Database, year: int, n: int, rng: random.Random,
                people: dict[str, list[str]], counter: list[int]) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO participation (person_key, room, category, source, source_id,"
            " occurred_on, quantity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _records(year, n, rng, people, counter),
        )
        # Some of this year's newcomers registered in the bot (for "new residents").
        await conn.executemany(
            "INSERT INTO users (telegram_id, language, room, role, anon_key, created_at)"
            " VALUES (NULL, 'nl', ?, 'resident', ?, ?)",
            [(room, key, to_db(datetime(year, 1 + i % 12, 1 + i % 28, 10, tzinfo=TZ)))
             for room in ROOMS for i, key in enumerate(people[room][-200:])],
        )
        await _other_indicators(conn, year, rng)
    await db.conn.execute("ANALYZE")


PARTNERS = ("buurtteam", "ucentraal", "dock", "stadsgeldbeheer", "voedselbank", "taalhuis")


async def _other_indicators(conn, year: int, rng: random.Random) -> None:
    """A year of what the non-PROCES indicators read, at a busy room's scale."""
    rows = await (await conn.execute(
        "SELECT id, room FROM users WHERE created_at LIKE ?", (f"{year}-%",))).fetchall()
    people = [(r[0], r[1]) for r in rows]
    referrals = []
    for i in range(400):
        person, room = rng.choice(people)
        at = to_db(datetime(year, 1 + i % 12, 1 + i % 28, 11, tzinfo=TZ))
        referrals.append((room, person, rng.choice(("to_partner", "from_partner")),
                          rng.choice(PARTNERS), at))
    await conn.executemany(
        "INSERT INTO help_referrals (request_id, room, person_id, direction, partner,"
        " created_at) VALUES (NULL, ?, ?, ?, ?, ?)", referrals)
    marks = [(person, rng.choice(("newcomer", "referred")), f"{year}-{1 + i % 12:02d}-01")
             for i, (person, _room) in enumerate(rng.sample(people, min(150, len(people))))]
    await conn.executemany(
        "INSERT OR IGNORE INTO person_marks (user_id, mark, marked_on, marked_by)"
        " VALUES (?, ?, ?, 'self')", marks)
    await conn.executemany(
        "INSERT INTO help_outcomes (request_id, outcome, room, occurred_on, recorded_at)"
        " VALUES (?, 'paid_work', ?, ?, ?)",
        [(year * 1000 + i, rng.choice(ROOMS), f"{year}-{1 + i % 12:02d}-15",
          to_db(datetime(year, 12, 31, tzinfo=TZ))) for i in range(12)])
    await conn.executemany(
        "INSERT INTO indicator_entries (room, indicator, period_key, start_on, end_on, value,"
        " entered_role, entered_at) VALUES (?, ?, ?, ?, ?, ?, 'coordinator', ?)",
        [(room, key, str(year), f"{year}-01-01", f"{year}-12-31", value,
          to_db(datetime(year, 12, 31, tzinfo=TZ)))
         for room in ROOMS for key, value in (("paying_members", 150), ("placements", 3),
                                              ("budget_deficit", 1), ("impact_evictions", 4))])


async def _time_report(services: Services, period: Period, repeat: int):
    best = float("inf")
    report = None
    for _ in range(repeat):
        started = time.perf_counter()
        report = await services.indicators.table(None, period.start, period.end)
        best = min(best, time.perf_counter() - started)
    return best, report


async def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    rng = random.Random(args.seed)
    config = load_config(ROOT / "buurtbot.example.toml", env={})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.db"
        if path.exists():
            path.unlink()
        config = replace(config, database=str(path))
        db = Database(path)
        await db.connect()
        # The real services (every registered indicator provider), on this database.
        services = Services(config, db, FrozenClock(datetime(FIRST_YEAR + YEARS, 1, 5, 9,
                                                             tzinfo=TZ)))
        people: dict[str, list[str]] = {room: [] for room in ROOMS}
        counter = [0]
        growth: list[tuple[int, int, float]] = []
        print(f"Generating {args.records_per_year:,} records a year for {YEARS} years, "
              f"rooms {', '.join(ROOMS)} ...")
        for i in range(YEARS):
            year = FIRST_YEAR + i
            started = time.perf_counter()
            await _fill(db, year, args.records_per_year, rng, people, counter)
            total = await db.fetchval("SELECT COUNT(*) FROM participation")
            seconds, _ = await _time_report(services, Period.year(year), args.repeat)
            growth.append((i + 1, total, seconds))
            print(f"  {year}: {total:,} records in the database "
                  f"(generated in {time.perf_counter() - started:.1f} s)")
        last = FIRST_YEAR + YEARS - 1
        tracemalloc.start()
        seconds, report = await _time_report(services, Period.year(last), args.repeat)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        spans: list[tuple[int, float]] = []
        for n in range(1, YEARS + 1):
            period = Period(date(last - n + 1, 1, 1), date(last, 12, 31))
            span_seconds, _ = await _time_report(services, period, 1)
            spans.append((n, span_seconds))
        await db.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total_records = growth[-1][1]
    print()
    print(f"Yearly performance table {last} (27 indicators), all rooms and the summary, "
          f"{total_records:,} records in the database:")
    print(f"  time        {seconds * 1000:8.1f} ms   (target < 1000 ms)  "
          f"{'OK' if seconds < 1 else 'TOO SLOW'}")
    print(f"  peak memory {peak / 2**20:8.1f} MB Python (tracemalloc); whole process max RSS "
          f"{rss_mb:.0f} MB   (target < 200 MB)  {'OK' if rss_mb < 200 else 'TOO MUCH'}")
    print(f"  e.g. TOP: {report.rooms[0].row('total').value.value:,} unique participants; "
          f"{report.overall.row('total').value.value:,} over all rooms; referred "
          f"{report.overall.row('referred_residents').value.value} of "
          f"{report.overall.row('referred_residents').value.of}")
    print()
    print("Yearly report of the latest year as the database grows:")
    print("  years in DB    records   report ms")
    for years, records, secs in growth:
        print(f"  {years:>11}  {records:>9,}  {secs * 1000:>10.1f}")
    print()
    print("Report over a longer period (the database holds 5 years):")
    print("  period years  report ms")
    for years, secs in spans:
        print(f"  {years:>12}  {secs * 1000:>9.1f}")
    ok = seconds < 1 and rss_mb < 200 and total_records >= 500_000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
