-- Announcements can also be posted in the rooms' Telegram groups (rooms.<id>.chat_id).
-- A group post is an outbox row without a person (user_id NULL, room set), so it goes through
-- the same durable outbox and pacer: written before sending, resumed after a crash, sent once.

ALTER TABLE broadcasts ADD COLUMN post_groups INTEGER NOT NULL DEFAULT 0;

CREATE TABLE broadcast_outbox_new (
    id INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    user_id INTEGER REFERENCES users (id),   -- NULL: a post in a room's group
    room TEXT,                               -- the room whose group this row posts in
    chat_id INTEGER,                         -- NULL: not on Telegram
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'unreachable', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    done_at TEXT,
    UNIQUE (broadcast_id, user_id),
    CHECK ((user_id IS NULL) <> (room IS NULL))
);
INSERT INTO broadcast_outbox_new (id, broadcast_id, user_id, chat_id, state, attempts, error,
                                  done_at)
    SELECT id, broadcast_id, user_id, chat_id, state, attempts, error, done_at
    FROM broadcast_outbox;
DROP TABLE broadcast_outbox;
ALTER TABLE broadcast_outbox_new RENAME TO broadcast_outbox;
CREATE INDEX broadcast_outbox_state ON broadcast_outbox (state, broadcast_id);
CREATE UNIQUE INDEX broadcast_outbox_group ON broadcast_outbox (broadcast_id, room)
    WHERE room IS NOT NULL;
