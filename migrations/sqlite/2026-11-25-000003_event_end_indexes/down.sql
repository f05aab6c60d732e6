DROP INDEX events_chapter_end_idx;
DROP INDEX events_status_end_idx;
