-- The waitlist is ordered by when each person joined it, not by when they first answered.
ALTER TABLE rsvps ADD COLUMN waitlisted_at TIMESTAMP;
UPDATE rsvps SET waitlisted_at = updated_at WHERE status = 'waitlisted';
-- Markdown rendered and sanitized when saved, stored beside its source (NULL: not yet rendered;
-- `ogug serve` renders those rows at start-up).
ALTER TABLE events ADD COLUMN body_html TEXT;
ALTER TABLE chapters ADD COLUMN description_html TEXT;
ALTER TABLE chapters ADD COLUMN description_en_html TEXT;
UPDATE events SET body_html = '' WHERE body = '';
UPDATE chapters SET description_html = '' WHERE description = '';
UPDATE chapters SET description_en_html = '' WHERE description_en = '';
