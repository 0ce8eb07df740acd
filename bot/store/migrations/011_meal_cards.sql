-- Eettafel: the resident's own sign-up cards (messages that show their sign-up with its
-- buttons) are remembered, so every change made by someone else (a volunteer confirms,
-- declines or cancels, a seat is offered, the sign-up deadline passes) edits those cards in
-- place instead of leaving old text and buttons that no longer work. A message shows at most
-- one card; the store keeps the last few cards of each sign-up.
CREATE TABLE meal_cards (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    signup_id INTEGER NOT NULL REFERENCES meal_signups (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX meal_cards_signup ON meal_cards (signup_id, updated_at);
