-- An answer to a person's update, sent again when the update is handled again after a kill
-- -9 (the inbox replays what was not marked handled), must not reach WhatsApp twice: there
-- is no edit that repeats invisibly, as on Telegram. Each message-map row of an answer keeps
-- the update it answered (the inbox key, "channel:update id") and a digest of what it showed
-- (sha256 of the neutral message and the part's number). No content.
ALTER TABLE whatsapp_messages ADD COLUMN answer_to TEXT;
ALTER TABLE whatsapp_messages ADD COLUMN digest TEXT;
CREATE INDEX whatsapp_messages_answer ON whatsapp_messages (answer_to, wa_id)
    WHERE answer_to IS NOT NULL;
