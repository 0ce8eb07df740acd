-- Linking two channels (issue 14): a person on Telegram and on WhatsApp is one person. The
-- app they use shows a short code; typed in the other app, it adds that app's address to
-- the same person. Only a hash of the code is kept (the code itself is shown once, in a chat),
-- one code per person at a time, valid for 15 minutes; a used code is kept until it expires,
-- so typing it twice says "already used" instead of "wrong".
CREATE TABLE link_codes (
    code_hash TEXT PRIMARY KEY,             -- sha256 hex of the normalised code
    person_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,                  -- where it was shown (the confirmation goes there)
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX link_codes_person ON link_codes (person_id);

-- Wrong codes typed, per typing address (no guessing: 5 in an hour, then a pause). Rows older
-- than an hour are of no use and are deleted as new tries come in.
CREATE TABLE link_tries (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    tried_at TEXT NOT NULL
);
CREATE INDEX link_tries_address ON link_tries (channel, address, tried_at);
