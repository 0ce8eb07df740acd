-- One outbox (issue 13): announcements, survey rounds and the weekly hours question leave
-- their own table. Every row of broadcast_outbox becomes an outbox row of the broadcast's kind
-- (ref = the broadcast id, priority 0 = BROADCAST), so old reports keep their numbers:
--   pending, sending -> queued (sent by the one sender; 'sending' was in flight at a stop)
--   sent -> sent; failed -> failed
--   blocked -> unreachable, tried (attempts >= 1: "blocked the bot")
--   unreachable -> unreachable, never tried (attempts 0: "unreachable before")
-- A group post has no person; its room goes into params (the report names the group).
-- Rows without a chat (erased, or never on Telegram) keep a placeholder address: they are
-- final and never sent. The broadcasts table stays as the header.
INSERT INTO outbox (person_id, channel, address, kind, ref, dedupe, params, priority, state,
                    attempts, next_at, error, created_at, sent_at)
SELECT o.user_id,
       CASE WHEN o.chat_id IS NULL THEN 'none' ELSE 'telegram' END,
       CASE WHEN o.chat_id IS NULL THEN 'row:' || o.id ELSE CAST(o.chat_id AS TEXT) END,
       b.kind,
       CAST(b.id AS TEXT),
       CASE WHEN o.room IS NOT NULL THEN 'group:' || o.room ELSE '' END,
       CASE WHEN o.room IS NOT NULL THEN json_object('room', o.room) ELSE '{}' END,
       0,
       CASE o.state WHEN 'pending' THEN 'queued' WHEN 'sending' THEN 'queued'
                    WHEN 'blocked' THEN 'unreachable' ELSE o.state END,
       CASE o.state WHEN 'blocked' THEN MAX(o.attempts, 1)
                    WHEN 'unreachable' THEN 0 ELSE o.attempts END,
       COALESCE(b.started_at, b.send_at),
       o.error,
       COALESCE(b.started_at, b.created_at),
       CASE WHEN o.state = 'sent' THEN o.done_at END
FROM broadcast_outbox AS o JOIN broadcasts AS b ON b.id = o.broadcast_id
WHERE true
ON CONFLICT DO NOTHING;

DROP TABLE broadcast_outbox;
