-- The review queue's tabs show a chapter's applications by status on every view; the counts are
-- kept here by triggers instead of counted each time. (PostgreSQL spreads each count over 8
-- rows against lock waits; SQLite writes one transaction at a time, so one row, shard 0.)
CREATE TABLE application_counts (
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chapter_id, status, shard)
);

INSERT INTO application_counts (chapter_id, status, shard, n)
SELECT chapter_id, status, 0, count(*) FROM applications GROUP BY chapter_id, status;

CREATE TRIGGER application_counts_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO application_counts (chapter_id, status, shard, n)
    VALUES (NEW.chapter_id, NEW.status, 0, 1)
    ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER application_counts_update AFTER UPDATE OF status, chapter_id ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.chapter_id IS NOT NEW.chapter_id
BEGIN
    UPDATE application_counts SET n = n - 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = 0;
    INSERT INTO application_counts (chapter_id, status, shard, n)
    VALUES (NEW.chapter_id, NEW.status, 0, 1)
    ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER application_counts_delete AFTER DELETE ON applications
BEGIN
    UPDATE application_counts SET n = n - 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = 0;
END;
