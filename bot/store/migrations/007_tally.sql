-- Tally: the funder report counts distinct people per room, category and period, and asks for
-- each person whether they took part before the period ("new residents"). These covering
-- indexes keep a yearly report for all rooms well under a second on five years of records
-- (see bench/bench_report.py).

-- Per room and category over a date range (skip-scan over the few rooms and categories).
CREATE INDEX participation_report
    ON participation (room, category, occurred_on, person_key, quantity);

-- Per room over a date range, all categories (unique participants in total).
CREATE INDEX participation_span
    ON participation (room, occurred_on, category, person_key, quantity);

-- "Did this person take part before?"
CREATE INDEX participation_first
    ON participation (person_key, room, occurred_on, category)
    WHERE person_key IS NOT NULL;
