-- Announcements: a broadcast and its durable outbox (one row per recipient).

CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    draft_key TEXT NOT NULL UNIQUE,           -- one confirm per draft: a second press cannot resend
    created_by INTEGER REFERENCES users (id),
    coordinator_chat INTEGER NOT NULL,       -- where progress and the report go
    coordinator_language TEXT NOT NULL DEFAULT 'nl',
    audience TEXT NOT NULL CHECK (audience IN ('room', 'all', 'vol_room', 'vol_all', 'lang')),
    room TEXT,                               -- for room / vol_room; the sender's room otherwise
    language TEXT,                           -- for lang
    text TEXT NOT NULL,                      -- HTML, already escaped
    photo_file_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled')),
    send_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    throttled INTEGER NOT NULL DEFAULT 0,    -- 429s met while sending
    progress_message_id INTEGER
);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);

CREATE TABLE broadcast_outbox (
    id INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    chat_id INTEGER,                         -- NULL: not on Telegram
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'unreachable', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    done_at TEXT,
    UNIQUE (broadcast_id, user_id)
);
CREATE INDEX broadcast_outbox_state ON broadcast_outbox (state, broadcast_id);
