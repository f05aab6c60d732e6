-- The review queue's first page of each tab is kept by each instance until that tab's
-- applications change. `changes` counts every application that entered or left the row's
-- status or changed what the queue shows while in it: the version of that tab, read with the
-- tab counts in the same statement. It only grows.
ALTER TABLE application_counts ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
UPDATE application_counts SET changes = n;

DROP TRIGGER application_counts_insert;
DROP TRIGGER application_counts_update;
DROP TRIGGER application_counts_delete;

CREATE TRIGGER application_counts_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO application_counts (chapter_id, status, shard, n, changes)
    VALUES (NEW.chapter_id, NEW.status, 0, 1, 1)
    ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = n + 1, changes = changes + 1;
END;

CREATE TRIGGER application_counts_update AFTER UPDATE OF status, chapter_id ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.chapter_id IS NOT NEW.chapter_id
BEGIN
    UPDATE application_counts SET n = n - 1, changes = changes + 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = 0;
    INSERT INTO application_counts (chapter_id, status, shard, n, changes)
    VALUES (NEW.chapter_id, NEW.status, 0, 1, 1)
    ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = n + 1, changes = changes + 1;
END;

CREATE TRIGGER application_counts_delete AFTER DELETE ON applications
BEGIN
    UPDATE application_counts SET n = n - 1, changes = changes + 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = 0;
END;

-- What the queue shows changed, the status did not.
CREATE TRIGGER application_counts_touch
AFTER UPDATE OF email, name, organization, desired_role, created_at, confirmed_at ON applications
WHEN OLD.status IS NEW.status AND OLD.chapter_id IS NEW.chapter_id
    AND (OLD.email IS NOT NEW.email OR OLD.name IS NOT NEW.name
         OR OLD.organization IS NOT NEW.organization OR OLD.desired_role IS NOT NEW.desired_role
         OR OLD.created_at IS NOT NEW.created_at OR OLD.confirmed_at IS NOT NEW.confirmed_at)
BEGIN
    UPDATE application_counts SET changes = changes + 1
    WHERE chapter_id = NEW.chapter_id AND status = NEW.status AND shard = 0;
END;
