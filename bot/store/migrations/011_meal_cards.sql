-- Eettafel: the resident's own sign-up card (the last message that shows their sign-up with its
-- buttons) is remembered, so every change made by someone else (a volunteer confirms, declines
-- or cancels, a seat is offered, the sign-up deadline passes) edits that card in place instead
-- of leaving old text and buttons that no longer work. One card per sign-up; a message shows
-- at most one card.
CREATE TABLE meal_cards (
    signup_id INTEGER PRIMARY KEY REFERENCES meal_signups (id),
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (chat_id, message_id)
);
