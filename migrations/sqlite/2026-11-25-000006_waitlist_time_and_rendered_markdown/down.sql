ALTER TABLE chapters DROP COLUMN description_en_html;
ALTER TABLE chapters DROP COLUMN description_html;
ALTER TABLE events DROP COLUMN body_html;
ALTER TABLE rsvps DROP COLUMN waitlisted_at;
