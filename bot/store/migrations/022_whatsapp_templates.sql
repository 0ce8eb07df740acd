-- WhatsApp's 24-hour window, templates and daily limit (issue 14, wa-tpl).
-- whatsapp_templates: the approval status Meta gave each template in each language (synced
-- from the Business Account; a template Meta paused or rejected is marked and not used).
CREATE TABLE whatsapp_templates (
    name TEXT NOT NULL,
    language TEXT NOT NULL,          -- Meta's language code (nl, en, ar, tr, uk, pl)
    status TEXT NOT NULL,            -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED, MISSING
    category TEXT NOT NULL DEFAULT '',
    reason TEXT,                     -- why it is not usable (Meta's reason or our error code)
    checked_at TEXT NOT NULL,
    PRIMARY KEY (name, language)
);

-- The template a row went out as (NULL: free-form inside the window): the daily limit and
-- the cost report count these. ``held``: why a queued row waits for the person rather than
-- for the clock ('show': the "you have a message" template went, waiting for the tap;
-- 'template': no approved template; 'limit': the daily limit). Their window opening
-- releases them.
ALTER TABLE outbox ADD COLUMN template TEXT;
ALTER TABLE outbox ADD COLUMN held TEXT;
CREATE INDEX outbox_held ON outbox (channel, address) WHERE held IS NOT NULL;

-- Business-initiated conversations: one row per template conversation opened with a person
-- (no content). The daily limit counts the distinct people of the last 24 hours; rows older
-- than two days are pruned.
CREATE TABLE whatsapp_conversations (
    id INTEGER PRIMARY KEY,
    person_id INTEGER,               -- for erasure (/vergeetmij)
    address TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX whatsapp_conversations_opened ON whatsapp_conversations (opened_at);
CREATE INDEX whatsapp_conversations_address ON whatsapp_conversations (address, opened_at);
CREATE INDEX whatsapp_conversations_person ON whatsapp_conversations (person_id);
