-- Eettafel: meals generated ahead from each room's weekly slots, capped sign-ups with a waitlist.

-- A coordinator's cap for all meals of a room (overrides the config's meal_cap).
CREATE TABLE meal_room_caps (
    room TEXT PRIMARY KEY,
    cap INTEGER NOT NULL CHECK (cap BETWEEN 1 AND 40)
);

CREATE TABLE meals (
    id INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    starts_at TEXT NOT NULL,                 -- UTC ISO
    deadline_at TEXT NOT NULL,               -- sign-up and self-cancel deadline, UTC ISO
    cap INTEGER CHECK (cap IS NULL OR cap BETWEEN 1 AND 40),  -- NULL: the room's cap
    cancelled_at TEXT,
    reminder_sent_at TEXT,                   -- the morning reminder went out (exactly once)
    list_sent_at TEXT,                       -- the cook's final list went out (exactly once)
    created_at TEXT NOT NULL,
    UNIQUE (room, starts_at)
);
CREATE INDEX meals_room_start ON meals (room, starts_at);

-- One row per person per meal. Seats held = pending + confirmed + offered (1 + guests each).
CREATE TABLE meal_signups (
    id INTEGER PRIMARY KEY,
    meal_id INTEGER NOT NULL REFERENCES meals (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN
        ('pending', 'confirmed', 'waiting', 'offered', 'declined', 'cancelled')),
    guests INTEGER NOT NULL DEFAULT 0 CHECK (guests BETWEEN 0 AND 2),
    diet TEXT NOT NULL DEFAULT '',           -- comma-separated codes: halal, vega, nopork, allergy
    diet_note TEXT,                          -- short allergy note, as the person typed it
    position INTEGER,                        -- waitlist order (lower first)
    offer_expires_at TEXT,
    reason TEXT,                             -- why a volunteer declined
    attended INTEGER,                        -- NULL not marked, 1 came, 0 did not come
    added_by INTEGER REFERENCES users (id),  -- a volunteer who added someone without Telegram
    reminded_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (meal_id, user_id)
);
CREATE INDEX meal_signups_meal ON meal_signups (meal_id, status);
CREATE INDEX meal_signups_user ON meal_signups (user_id);
