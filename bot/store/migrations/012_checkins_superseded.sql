-- Belronde: one open follow-up per resident. When a new one is made (a new week's answer, an
-- escalation, "to call"), an older open one of the same resident is closed as superseded:
-- done_at is set (it leaves the volunteers' list) and superseded_by points at the new one, so
-- an old button still reaches the current entry and the counts do not call it "done".
ALTER TABLE checkin_followups ADD COLUMN superseded_by INTEGER REFERENCES checkin_followups (id);

-- Entries that piled up before this migration: keep the newest open one per resident.
UPDATE checkin_followups
SET superseded_by = (
        SELECT MAX(f2.id) FROM checkin_followups f2 JOIN checkins c2 ON c2.id = f2.checkin_id
        WHERE f2.done_at IS NULL
          AND c2.user_id = (SELECT c.user_id FROM checkins c
                            WHERE c.id = checkin_followups.checkin_id)),
    done_at = (
        SELECT MAX(f2.created_at) FROM checkin_followups f2 JOIN checkins c2 ON c2.id = f2.checkin_id
        WHERE f2.done_at IS NULL
          AND c2.user_id = (SELECT c.user_id FROM checkins c
                            WHERE c.id = checkin_followups.checkin_id))
WHERE done_at IS NULL
  AND id < (SELECT MAX(f2.id) FROM checkin_followups f2 JOIN checkins c2 ON c2.id = f2.checkin_id
            WHERE f2.done_at IS NULL
              AND c2.user_id = (SELECT c.user_id FROM checkins c
                                WHERE c.id = checkin_followups.checkin_id));
