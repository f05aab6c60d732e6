-- Organizers choose when an event takes registrations (UTC; empty: from publishing until it
-- ends).
ALTER TABLE events ADD COLUMN registration_opens_at TIMESTAMP;
ALTER TABLE events ADD COLUMN registration_closes_at TIMESTAMP;
