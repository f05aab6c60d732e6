ALTER TABLE outbox DROP COLUMN extras;
ALTER TABLE applications DROP COLUMN source;
ALTER TABLE events DROP COLUMN door_key;
ALTER TABLE rsvps DROP COLUMN source;
ALTER TABLE rsvps DROP COLUMN checked_in_by;
ALTER TABLE rsvps DROP COLUMN checked_in_at;
DROP INDEX rsvps_ticket_idx;
ALTER TABLE rsvps DROP COLUMN ticket;
