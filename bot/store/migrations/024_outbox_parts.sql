-- A WhatsApp message in several parts (a long text, then its choices) that fails half-way
-- goes on with the parts still missing on the next attempt, also after a restart: the
-- wamids of the parts Meta accepted, with the key of the message they belong to (JSON
-- {"key": …, "wamids": […]}), written as each part is accepted; cleared once the row is
-- sent or ends. No content.
ALTER TABLE outbox ADD COLUMN parts TEXT;
