-- Running it for real: a live calendar feed and the bot's own health records.

-- A subscribed phone only drops or updates an event whose SEQUENCE went up, so every change to
-- an occurrence (cancelled, moved, its activity stopped) counts up and records when.
ALTER TABLE activity_occurrences ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE activity_occurrences ADD COLUMN modified_at TEXT;
-- 1: the activity was stopped; the date is gone from /agenda and the poster but stays in the
-- feed as cancelled, so subscribed phones remove it.
ALTER TABLE activity_occurrences ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0;

-- The secret part of each room's feed address; a coordinator can renew it.
CREATE TABLE calendar_feed_keys (
    room TEXT PRIMARY KEY,
    feed_key TEXT NOT NULL,
    renewed_at TEXT NOT NULL
);

-- What `buurtbot doctor` and /healthz report across processes: the last tick, the last contact
-- with Telegram, the last backup and its failure. No personal data.
CREATE TABLE runtime_status (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
