-- Survey rounds (IMPACT/INPUT "Enquête"), volunteer hours, volunteer groups and keyholders.

-- A survey round goes out through the announcements' durable outbox: a broadcast row of its
-- own kind, pointing at the round (ref). Announcements keep kind 'announcement'.
ALTER TABLE broadcasts ADD COLUMN kind TEXT NOT NULL DEFAULT 'announcement';
ALTER TABLE broadcasts ADD COLUMN ref INTEGER;

CREATE TABLE survey_rounds (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('residents', 'volunteers')),
    room TEXT,                               -- NULL: all rooms
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    draft_key TEXT NOT NULL UNIQUE,          -- one start per confirm: a second press is the same
    started_by INTEGER REFERENCES users (id),
    started_at TEXT NOT NULL,
    started_on TEXT NOT NULL,                -- local date; the round counts in the period holding it
    closed_at TEXT,
    asked INTEGER NOT NULL DEFAULT 0,        -- people it was sent to (kept after the close)
    answered INTEGER NOT NULL DEFAULT 0,     -- of them, how many answered (set at the close)
    paper INTEGER NOT NULL DEFAULT 0         -- paper forms entered by volunteers (set at the close)
);
CREATE INDEX survey_rounds_status ON survey_rounds (status, kind);

-- During a round only: who was asked, whether they answered, and the random key of their
-- answers (so a second answer replaces the first). Deleted when the round closes.
CREATE TABLE survey_respondents (
    round_id INTEGER NOT NULL REFERENCES survey_rounds (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    room TEXT NOT NULL,
    form_key TEXT NOT NULL UNIQUE,
    answered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, user_id)
);

-- During a round only: one answer per form and question. A chat answer's form_key is its
-- respondent's random key; a paper form's key is made when a volunteer starts entering it.
CREATE TABLE survey_answers (
    round_id INTEGER NOT NULL REFERENCES survey_rounds (id),
    form_key TEXT NOT NULL,
    room TEXT NOT NULL,
    question TEXT NOT NULL,
    answer INTEGER NOT NULL,                 -- 1..5 agree scale, 1..10 score; 0 = don't know
    source TEXT NOT NULL CHECK (source IN ('chat', 'paper')),
    PRIMARY KEY (round_id, form_key, question)
);

-- After the close: only how many gave which answer, per room. No person, no order, no time.
CREATE TABLE survey_counts (
    round_id INTEGER NOT NULL REFERENCES survey_rounds (id),
    room TEXT NOT NULL,
    question TEXT NOT NULL,
    answer INTEGER NOT NULL,
    source TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (round_id, room, question, answer, source)
);

-- Hours a volunteer helped, one row per volunteer per ISO week. person_key is users.anon_key:
-- after /vergeetmij the row loses user_id and stays an anonymous count (like participation).
CREATE TABLE volunteer_hours (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users (id),
    person_key TEXT NOT NULL,
    room TEXT NOT NULL,
    week TEXT NOT NULL,                      -- e.g. 2026-W48
    week_start TEXT NOT NULL,                -- its Monday, YYYY-MM-DD
    hours REAL NOT NULL CHECK (hours >= 0 AND hours <= 80),
    source TEXT NOT NULL CHECK (source IN ('button', 'typed', 'proposed')),
    entered_at TEXT NOT NULL,
    UNIQUE (person_key, week)
);
CREATE INDEX volunteer_hours_room ON volunteer_hours (room, week_start);

-- Per volunteer: the weekly hours question on/off, and the keyholder (sleutelbeheerder) mark.
CREATE TABLE volunteer_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    ask_hours INTEGER NOT NULL DEFAULT 1,
    keyholder_since TEXT                     -- local date; NULL: not a keyholder
);

-- Membership of a room's volunteer groups (rooms.<id>.volunteer_groups).
CREATE TABLE volunteer_group_members (
    user_id INTEGER NOT NULL REFERENCES users (id),
    room TEXT NOT NULL,
    group_key TEXT NOT NULL,
    since TEXT NOT NULL,                     -- local date
    PRIMARY KEY (user_id, room, group_key)
);
