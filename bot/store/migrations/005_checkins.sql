-- Belronde: the weekly check-in, its follow-ups and the counts that outlive the answers.

-- Who wants the weekly check-in, and when. NULL weekday/daypart: the room's default moment.
CREATE TABLE checkin_subscriptions (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    active INTEGER NOT NULL DEFAULT 1,
    weekday INTEGER CHECK (weekday BETWEEN 0 AND 6),
    daypart TEXT CHECK (daypart IN ('morning', 'afternoon', 'evening')),
    paused_until TEXT,                       -- local date YYYY-MM-DD (inclusive)
    extra_attention INTEGER NOT NULL DEFAULT 0,
    starts_at TEXT NOT NULL,                 -- first moment a check-in may be due (UTC)
    updated_at TEXT NOT NULL
);

-- One row per resident per ISO week, inserted *before* sending: never two in one week.
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    room TEXT NOT NULL,
    week TEXT NOT NULL,                      -- ISO week, e.g. 2026-W49 (local time)
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'answered', 'unreachable')),
    sent_at TEXT,
    answer TEXT CHECK (answer IN ('good', 'okay', 'bad', 'call', 'visit')),
    answered_at TEXT,
    UNIQUE (user_id, week)
);
CREATE INDEX checkins_room_week ON checkins (room, week);

-- A resident a volunteer should call: at most one per check-in; only one volunteer takes it.
CREATE TABLE checkin_followups (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL UNIQUE REFERENCES checkins (id) ON DELETE CASCADE,
    room TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('bad', 'call', 'no_answer', 'unreachable')),
    created_at TEXT NOT NULL,
    taken_by INTEGER REFERENCES users (id),
    taken_at TEXT,
    done_at TEXT,
    note TEXT,
    escalated_at TEXT
);
CREATE INDEX checkin_followups_open ON checkin_followups (room, done_at);

-- What remains of a week once its answers are erased (retention or /vergeetmij): counts only.
CREATE TABLE checkin_week_counts (
    room TEXT NOT NULL,
    week TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    good INTEGER NOT NULL DEFAULT 0,
    okay INTEGER NOT NULL DEFAULT 0,
    bad INTEGER NOT NULL DEFAULT 0,
    call_me INTEGER NOT NULL DEFAULT 0,
    visit INTEGER NOT NULL DEFAULT 0,
    followups INTEGER NOT NULL DEFAULT 0,
    followups_done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room, week)
);
