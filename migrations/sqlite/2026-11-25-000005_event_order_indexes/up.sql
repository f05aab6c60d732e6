-- Event lists are ordered by (starts_at, id): with id in the index PostgreSQL reads a page of
-- events in index order instead of sorting every event that starts at the same moment.
CREATE INDEX events_chapter_status_start_id_idx ON events (chapter_id, status, starts_at, id);
CREATE INDEX events_status_start_id_idx ON events (status, starts_at, id);
DROP INDEX events_chapter_start_idx;
DROP INDEX events_start_idx;
