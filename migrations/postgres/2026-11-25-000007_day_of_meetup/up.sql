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
-- Announcements to an event's attendees or a chapter's members, and who opted out of a
-- chapter's announcements (the one-click List-Unsubscribe link carries the user's key).
CREATE TABLE announcements (
    id BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    audience TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_chapter_idx ON announcements (chapter_id, created_at);
CREATE TABLE announcement_optouts (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, chapter_id)
);
ALTER TABLE users ADD COLUMN unsubscribe_key TEXT NOT NULL DEFAULT '';
