DROP TRIGGER application_counts_touch;
DROP TRIGGER application_counts_insert;
DROP TRIGGER application_counts_update;
DROP TRIGGER application_counts_delete;

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

ALTER TABLE application_counts DROP COLUMN changes;
