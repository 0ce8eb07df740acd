-- One durable outbox for every message the bot sends on its own (issue 13). A row is written
-- in the same transaction as the change or claim that causes it, then sent by the one paced
-- sender; its state says what became of it: queued -> sending (leased) -> sent | unreachable
-- | failed | skipped | expired. 'sending' rows go back to 'queued' at start (the one in flight
-- at a crash may arrive twice, never none). Erased with the person (/vergeetmij).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    person_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    dedupe TEXT NOT NULL DEFAULT '',
    params TEXT,
    message TEXT,
    priority INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    expires_at TEXT,
    lease_until TEXT,
    error TEXT,
    provider_ref TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (kind, ref, channel, address, dedupe)
);
CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_person ON outbox (person_id);

-- Scheduled messages still waiting in the stand-in retry table move over, rendered as they
-- were (their Telegram keyboard becomes neutral buttons with the same callback data).
INSERT INTO outbox (person_id, channel, address, kind, ref, dedupe, message, priority, state,
                    attempts, next_at, expires_at, error, created_at)
SELECT r.user_id, 'telegram', CAST(r.chat_id AS TEXT), r.kind, r.ref, '',
       json_object('text', r.text, 'buttons', json(COALESCE((
           SELECT json_group_array(json((
               SELECT json_group_array(CASE WHEN json_extract(b.value, '$.url') IS NOT NULL
                   THEN json_object('label', json_extract(b.value, '$.text'),
                                    'url', json_extract(b.value, '$.url'))
                   ELSE json_object('label', json_extract(b.value, '$.text'),
                                    'action', json_extract(b.value, '$.callback_data')) END)
               FROM json_each(k.value) AS b)))
           FROM json_each(r.markup, '$.inline_keyboard') AS k), '[]'))),
       1, 'queued', r.attempts, r.next_at, r.expires_at, r.last_error, r.created_at
FROM send_retries AS r
WHERE true
ON CONFLICT DO NOTHING;

DROP TABLE send_retries;
