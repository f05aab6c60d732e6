CREATE INDEX events_chapter_start_idx ON events (chapter_id, status, starts_at);
CREATE INDEX events_start_idx ON events (status, starts_at);
DROP INDEX events_status_start_id_idx;
DROP INDEX events_chapter_status_start_id_idx;
