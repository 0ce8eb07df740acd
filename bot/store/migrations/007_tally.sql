-- Tally: the funder report reads participation by period, and "new residents" asks for each
-- person whether they took part in the room before. These indexes keep a yearly report for all
-- rooms well under a second on five years of records (see bench/bench_report.py).

-- Covering index for the per-period counts (no table lookups while counting).
CREATE INDEX participation_report
    ON participation (occurred_on, room, category, person_key, quantity);

-- "Was this person here before the period?"
CREATE INDEX participation_first
    ON participation (person_key, room, occurred_on)
    WHERE person_key IS NOT NULL;
