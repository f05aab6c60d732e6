DROP INDEX talks_chapter_given_idx;
DROP INDEX rsvps_event_checked_idx;
DROP INDEX rsvps_user_idx;
DROP INDEX memberships_chapter_joined_idx;
DROP INDEX applications_chapter_decided_idx;
DROP INDEX applications_chapter_created_idx;
UPDATE applications SET source = 'form' WHERE source = 'signed_in';
