ALTER TABLE events DROP COLUMN registration_closes_at;
ALTER TABLE events DROP COLUMN registration_opens_at;
