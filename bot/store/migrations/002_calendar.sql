-- Activity calendar: weekly series, their dated occurrences, sign-ups and weekly-post subscribers.

CREATE TABLE activity_series (
    id INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    title TEXT NOT NULL,                     -- a shipped English msgid or a coordinator's text
    translatable INTEGER NOT NULL DEFAULT 0, -- 1: title is a msgid (shipped programme)
    category TEXT NOT NULL,
    rrule TEXT NOT NULL,                     -- RFC 5545 recurrence, e.g. FREQ=WEEKLY;BYDAY=TU
    start_time TEXT NOT NULL,                -- local wall time HH:MM (stays put across DST)
    duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 720),
    starts_on TEXT NOT NULL,                 -- local date YYYY-MM-DD
    ends_on TEXT,                            -- last local date, NULL = open-ended
    capacity INTEGER,                        -- NULL = no maximum
    signup INTEGER NOT NULL DEFAULT 0,
    leader TEXT,
    seed_key TEXT UNIQUE,                    -- programme-file key; seeded once
    created_at TEXT NOT NULL
);
CREATE INDEX activity_series_room ON activity_series (room);

-- One row per dated activity: generated from a series (series_id, original_date) or a one-off.
CREATE TABLE activity_occurrences (
    id INTEGER PRIMARY KEY,
    series_id INTEGER REFERENCES activity_series (id),
    original_date TEXT,                      -- the series date this occurrence belongs to
    room TEXT NOT NULL,
    title TEXT NOT NULL,
    translatable INTEGER NOT NULL DEFAULT 0,
    category TEXT NOT NULL,
    starts_at TEXT NOT NULL,                 -- UTC
    ends_at TEXT NOT NULL,
    capacity INTEGER,
    signup INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    moved_from TEXT,                         -- UTC start before a move
    UNIQUE (series_id, original_date)
);
CREATE INDEX activity_occurrences_room ON activity_occurrences (room, starts_at);

CREATE TABLE activity_signups (
    occurrence_id INTEGER NOT NULL REFERENCES activity_occurrences (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);

CREATE TABLE calendar_subscriptions (
    user_id INTEGER NOT NULL REFERENCES users (id),
    room TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, room)
);
