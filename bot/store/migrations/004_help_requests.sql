-- Help requests (formulierenhulp and more): intake, queue, claim, notes, referrals, skills.

-- Which kinds of request a volunteer takes (formulierenbrigade, computerhulp, ...).
CREATE TABLE help_skills (
    user_id INTEGER NOT NULL REFERENCES users (id),
    skill TEXT NOT NULL,
    PRIMARY KEY (user_id, skill)
);

CREATE TABLE help_requests (
    id INTEGER PRIMARY KEY,
    resident_id INTEGER REFERENCES users (id),   -- NULL once the resident erased their data
    room TEXT NOT NULL,
    kind TEXT NOT NULL,                          -- letter, debts, computer, odd_job, language, work, other
    category TEXT NOT NULL,                      -- funder category (bot/categories.py)
    description TEXT,                            -- free text; erased after the retention period
    urgency TEXT NOT NULL,                       -- today, week, date, none
    due_on TEXT,                                 -- local date YYYY-MM-DD, NULL = no hurry
    contact TEXT NOT NULL,                       -- visit, call, message
    phone TEXT,                                  -- only for "call me"; erased with the free text
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'taken', 'done', 'referred', 'cancelled')),
    volunteer_id INTEGER REFERENCES users (id),
    queued_at TEXT NOT NULL,                     -- when it (last) entered the open queue
    taken_at TEXT,
    touched_at TEXT,                             -- last action by the holding volunteer
    outcome TEXT,                                -- helped, partly, not_helped, referred, cancelled
    created_at TEXT NOT NULL,
    closed_at TEXT,
    text_erased_at TEXT
);
CREATE INDEX help_requests_queue ON help_requests (room, status, due_on);
CREATE INDEX help_requests_resident ON help_requests (resident_id);

-- Photos, voice notes and files: Telegram file ids only, deleted when the request closes.
CREATE TABLE help_media (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'voice', 'document')),
    file_id TEXT NOT NULL
);

-- Private notes of the volunteers on a request.
CREATE TABLE help_notes (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users (id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Warm handoffs: to a partner (with consent, maybe together, with a follow-up) or from one.
CREATE TABLE help_referrals (
    id INTEGER PRIMARY KEY,
    request_id INTEGER REFERENCES help_requests (id),
    room TEXT NOT NULL,
    person_id INTEGER REFERENCES users (id),     -- the resident; NULL after erasure
    direction TEXT NOT NULL CHECK (direction IN ('to_partner', 'from_partner')),
    partner TEXT NOT NULL,                       -- config partner id
    together INTEGER NOT NULL DEFAULT 0,         -- "samen langs": the volunteer goes along
    volunteer_id INTEGER REFERENCES users (id),
    followup_on TEXT,                            -- local date of the follow-up question
    followup_sent_at TEXT,
    followup_answer TEXT,                        -- yes, partly, no, not_yet
    answered_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX help_referrals_from_once ON help_referrals (request_id, direction)
    WHERE direction = 'from_partner';
CREATE INDEX help_referrals_followup ON help_referrals (followup_on) WHERE followup_sent_at IS NULL;
