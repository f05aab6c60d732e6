-- The day of the meetup. A ticket is a random token per RSVP (its QR code opens /tickets/{ticket});
-- check-in time and who checked the person in; where the RSVP came from ('rsvp' or 'door').
ALTER TABLE rsvps ADD COLUMN ticket TEXT;
CREATE UNIQUE INDEX rsvps_ticket_idx ON rsvps (ticket);
ALTER TABLE rsvps ADD COLUMN checked_in_at TIMESTAMP;
ALTER TABLE rsvps ADD COLUMN checked_in_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE rsvps ADD COLUMN source TEXT NOT NULL DEFAULT 'rsvp';
-- When each reminder went out (24 hours and 2 hours before the start).
ALTER TABLE rsvps ADD COLUMN reminded_24h_at TIMESTAMP;
ALTER TABLE rsvps ADD COLUMN reminded_2h_at TIMESTAMP;
-- The door QR's key (empty until staff first open the door page).
ALTER TABLE events ADD COLUMN door_key TEXT NOT NULL DEFAULT '';
-- Applications made at the door say so ('form' or 'door').
ALTER TABLE applications ADD COLUMN source TEXT NOT NULL DEFAULT 'form';
-- What an email carries besides its two bodies (JSON: a QR code to inline, an .ics to attach);
-- built when sent, so the row stays text.
ALTER TABLE outbox ADD COLUMN extras TEXT NOT NULL DEFAULT '';
