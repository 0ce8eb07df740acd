-- Belronde: volunteers are not woken at night. A follow-up made between 21:00 and 08:00 waits
-- for the morning tick; announced_at is set in the transaction that claims its notice, so it
-- is sent once, also across restarts. Follow-ups that exist already were announced at once.
ALTER TABLE checkin_followups ADD COLUMN announced_at TEXT;
UPDATE checkin_followups SET announced_at = created_at;
CREATE INDEX checkin_followups_unannounced ON checkin_followups (announced_at)
    WHERE announced_at IS NULL;
