-- The offer's performance table (issue 15): what the coordinator enters, the marks residents
-- give themselves (newcomer) or that come from intake (referred), and help-request outcomes.

-- A value the bot cannot count, entered by a coordinator for a room (or 'all') and a period.
-- Entering again for the same room, indicator and period replaces the value (one row).
-- entered_role is a role label ("coordinator"), never a name: reports show it as it is.
CREATE TABLE indicator_entries (
    id INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period_key TEXT NOT NULL,                -- 2026, 2026-Q1, 2026-03 or 2026-01-01_2026-06-30
    start_on TEXT NOT NULL,                  -- local date YYYY-MM-DD
    end_on TEXT NOT NULL,
    value REAL NOT NULL,
    note TEXT,                               -- short, anonymous (placements: what kind of place)
    entered_role TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    UNIQUE (room, indicator, period_key)
);
CREATE INDEX indicator_entries_span ON indicator_entries (indicator, room, start_on, end_on);

-- A mark on a person for the report: 'newcomer' (self-declared or by a volunteer with consent)
-- or 'referred' (came via an agency, marked at intake). Erased with the person (/vergeetmij);
-- the report reads only counts of anon keys.
CREATE TABLE person_marks (
    user_id INTEGER NOT NULL REFERENCES users (id),
    mark TEXT NOT NULL CHECK (mark IN ('newcomer', 'referred')),
    marked_on TEXT NOT NULL,                 -- local date: counts as registered from then on
    marked_by TEXT NOT NULL CHECK (marked_by IN ('self', 'volunteer', 'referral')),
    PRIMARY KEY (user_id, mark)
);

-- What came of a help request: 'paid_work' (the resident found paid work). One per request.
-- No link to the person: the room and the date are enough for the report.
CREATE TABLE help_outcomes (
    request_id INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('paid_work')),
    room TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (request_id, outcome)
);
CREATE INDEX help_outcomes_span ON help_outcomes (room, occurred_on);
