-- Core: people, roles, invites, exactly-once job runs, PTB conversation persistence, participation.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,              -- NULL for people without Telegram and after erasure
    display_name TEXT,                       -- optional, as the person gave it
    language TEXT NOT NULL DEFAULT 'nl',
    room TEXT,                               -- home BuurtWerkKamer (config id)
    role TEXT NOT NULL DEFAULT 'resident' CHECK (role IN ('resident', 'volunteer')),
    phone TEXT,                              -- only if the person chose to share it
    privacy_accepted_at TEXT,
    reachable INTEGER NOT NULL DEFAULT 1,    -- 0 once Telegram says the person blocked the bot
    announcements INTEGER NOT NULL DEFAULT 1,
    anon_key TEXT NOT NULL UNIQUE,           -- random; keeps anonymous counts after erasure
    created_at TEXT NOT NULL,
    erased_at TEXT
);
CREATE INDEX users_room ON users (room, role);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    room TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by INTEGER REFERENCES users (id),
    used_at TEXT
);

-- A periodic job's period (e.g. 'weekly_post:top:2026-W49') is done exactly once.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (job, period)
);

-- PTB persistence: unfinished conversations and their drafts survive a restart.
CREATE TABLE ptb_conversations (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE TABLE ptb_user_data (
    user_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE ptb_chat_data (
    chat_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);

-- Participation: one row per contact, written as a side effect of daily work.
-- person_key is users.anon_key (or a walk-in code), never a name or Telegram id.
CREATE TABLE participation (
    id INTEGER PRIMARY KEY,
    person_key TEXT,                         -- NULL for a counted-only walk-in
    room TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,                    -- meal, help, checkin, activity, referral, ...
    source_id TEXT,                          -- e.g. the meal or request id, for de-duplication
    occurred_on TEXT NOT NULL,               -- local date YYYY-MM-DD
    quantity INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX participation_once ON participation (person_key, source, source_id, category)
    WHERE person_key IS NOT NULL AND source_id IS NOT NULL;
CREATE INDEX participation_period ON participation (room, occurred_on, category);
