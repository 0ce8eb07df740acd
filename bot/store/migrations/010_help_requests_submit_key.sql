-- Help requests: a finished intake is stored once. Each intake draft gets a random key that
-- travels in its "Send" button; the request keeps it, so a double tap, three taps at once or a
-- press of the old button after a restart finds the request that was already made instead of
-- making another one. Requests made before this migration have no key.
ALTER TABLE help_requests ADD COLUMN submit_key TEXT;
CREATE UNIQUE INDEX help_requests_submit_key ON help_requests (submit_key)
    WHERE submit_key IS NOT NULL;
