-- Insights (the join funnel, decisions, members, events and talks per month): where an
-- application came from, and the indexes their aggregates read.

-- "signed_in": made while signed in, so it needed no confirmation link. Earlier rows are known
-- by that: a user from the start and confirmed the moment they were made.
UPDATE applications SET source = 'signed_in'
 WHERE source = 'form' AND user_id IS NOT NULL AND confirmed_at = created_at;

-- Each insights query reads one of these ranges alone (no table row), so a year of a busy
-- chapter is a short index scan.
CREATE INDEX applications_chapter_created_idx
    ON applications (chapter_id, created_at, status, source, confirmed_at, user_id, organization);
CREATE INDEX applications_chapter_decided_idx
    ON applications (chapter_id, decided_at, status, created_at, confirmed_at);
CREATE INDEX memberships_chapter_joined_idx ON memberships (chapter_id, role, joined_at);
CREATE INDEX rsvps_user_idx ON rsvps (user_id, event_id, status, checked_in_at);
CREATE INDEX rsvps_event_checked_idx ON rsvps (event_id, status, checked_in_at);
CREATE INDEX talks_chapter_given_idx ON talks (chapter_id, given_at, status, language);
