-- Incoming updates, kept before they are acknowledged (issue 13, "nothing taken in and then
-- dropped"). A row is written before Telegram is told the update arrived (the next getUpdates
-- offset, or the webhook's 200) and marked handled once its handlers ran and the conversation
-- step was written; rows still 'received' at start are handled then. The key is the channel's
-- own update id, so a redelivered update (Telegram, a WhatsApp webhook retry) is handled once.
-- The payload holds what a person typed: it is cleared as soon as the update is handled, and
-- every row is deleted after 24 hours (Telegram keeps unacknowledged updates that long too).
CREATE TABLE inbox (
    channel TEXT NOT NULL,                  -- 'telegram'; 'whatsapp' (issue 14)
    update_id TEXT NOT NULL,                -- the channel's id of the update, as text
    payload TEXT,                           -- the update as received (JSON); NULL once handled
    received_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'handled', 'failed')),
    handled_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,    -- handlings started (replays after a restart count)
    PRIMARY KEY (channel, update_id)
);
CREATE INDEX inbox_received ON inbox (state, received_at);
