-- Guests register for a meetup without joining: the form's answers wait here until the
-- emailed link is followed (only the token's SHA-256 is kept); confirming gives the guest a
-- contact row in users (no password) and an RSVP like anyone's.
CREATE TABLE registrations (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL,
    also_apply BOOLEAN NOT NULL DEFAULT FALSE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP
);
CREATE UNIQUE INDEX registrations_token_idx ON registrations (token_hash);
CREATE INDEX registrations_event_idx ON registrations (event_id, email);
