-- Scheduled messages that Telegram refused for a short-lived reason (5xx, 429, a network error
-- before the request left): kept, rendered for their recipient, and sent again on later ticks
-- until they go out or are no longer useful (expires_at). One row per message and chat; a
-- stand-in until the messaging core's outbox replaces it. Deleted once sent or expired, and by
-- /vergeetmij for the recipient (user_id).
CREATE TABLE send_retries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    markup TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    next_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (kind, ref, chat_id)
);
CREATE INDEX send_retries_due ON send_retries (next_at);
