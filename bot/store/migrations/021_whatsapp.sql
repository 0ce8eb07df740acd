-- WhatsApp's message map (issue 14). The handlers speak Telegram's shapes: every message has
-- an integer message_id, a button press names the message it sat on. WhatsApp names a message
-- by its wamid ("wamid.HBgL…"). Each message the bot sends to WhatsApp gets a row here, so its
-- id stands for the wamid inside the application (a tap's context.id → the message_id the
-- handlers see). No content: only the two ids, the person's WhatsApp address and the moment.
-- Rows older than 30 days are pruned (a tap on an older message is a stale button anyway);
-- a person's rows go with their erasure.
CREATE TABLE whatsapp_messages (
    id INTEGER PRIMARY KEY,                 -- the Telegram-shaped message_id
    wamid TEXT NOT NULL UNIQUE,             -- WhatsApp's message id
    wa_id TEXT NOT NULL,                    -- the recipient's WhatsApp address
    created_at TEXT NOT NULL
);
CREATE INDEX whatsapp_messages_wa_id ON whatsapp_messages (wa_id);
CREATE INDEX whatsapp_messages_created ON whatsapp_messages (created_at);

-- Status webhooks (sent, delivered, read, failed) find the outbox row by its provider_ref
-- (the wamid), also in a broadcast to thousands: an index. Delivered and read are kept once
-- (the first report of each; a late or repeated webhook changes nothing).
CREATE INDEX outbox_provider_ref ON outbox (provider_ref) WHERE provider_ref IS NOT NULL;
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
ALTER TABLE outbox ADD COLUMN read_at TEXT;
