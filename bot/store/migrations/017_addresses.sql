-- People and addresses (issue 13): a person is one users row with one or more contact
-- addresses; Telegram is the first channel, WhatsApp (issue 14) the next.
--
-- users.telegram_id and users.reachable stay for now as mirrors of the Telegram address,
-- written only by bot/store/users.py and bot/store/addresses.py (SQLite drops a UNIQUE column
-- only by rebuilding the table: that waits for the stage that moves every reader over).

CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,                   -- 'telegram' (chat id of the private chat), ...
    address TEXT NOT NULL,                   -- the channel's own id, as text
    reachable INTEGER NOT NULL DEFAULT 1,    -- 0 once the channel says we cannot reach them
    reachable_at TEXT,                       -- last seen reachable (they wrote, or a send worked)
    unreachable_at TEXT,                     -- when the channel said "gone" (blocked, deleted)
    window_until TEXT,                       -- WhatsApp's 24-hour window (issue 14); NULL here
    created_at TEXT NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX addresses_person ON addresses (person_id, channel);

-- Every person with a Telegram id gets their Telegram address, reachable as today. Erased
-- people have no Telegram id any more, and so no address. Before this migration the moment a
-- person became unreachable was not kept: unreachable_at stays unknown (NULL) for them.
INSERT INTO addresses (person_id, channel, address, reachable, reachable_at, created_at)
SELECT id, 'telegram', CAST(telegram_id AS TEXT), reachable,
       CASE WHEN reachable THEN created_at END, created_at
FROM users
WHERE telegram_id IS NOT NULL AND erased_at IS NULL
ORDER BY id;
