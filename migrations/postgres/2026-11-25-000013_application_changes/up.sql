-- The review queue's first page of each tab is kept by each instance until that tab's
-- applications change. `changes` counts, per count row, every application that entered or
-- left the row's status or changed what the queue shows while in it; their sum per status is
-- the version of that tab, read with the tab counts in the same statement. It only grows.
ALTER TABLE application_counts ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
UPDATE application_counts SET changes = n;

CREATE OR REPLACE FUNCTION application_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO application_counts AS c (chapter_id, status, shard, n, changes)
    SELECT chapter_id, status, id % 8, count(*), count(*) FROM new_rows GROUP BY 1, 2, 3
    ON CONFLICT (chapter_id, status, shard)
    DO UPDATE SET n = c.n + EXCLUDED.n, changes = c.changes + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application_counts SET n = n - 1, changes = changes + 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = OLD.id % 8;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO application_counts AS c (chapter_id, status, shard, n, changes)
        VALUES (NEW.chapter_id, NEW.status, NEW.id % 8, 1, 1)
        ON CONFLICT (chapter_id, status, shard)
        DO UPDATE SET n = c.n + 1, changes = c.changes + 1;
    END IF;
    RETURN NULL;
END
$$;

-- What the queue shows changed, the status did not.
CREATE FUNCTION application_counts_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application_counts SET changes = changes + 1
    WHERE chapter_id = NEW.chapter_id AND status = NEW.status AND shard = NEW.id % 8;
    RETURN NULL;
END
$$;

CREATE TRIGGER application_counts_touch
    AFTER UPDATE OF email, name, organization, desired_role, created_at, confirmed_at
    ON applications
    FOR EACH ROW
    WHEN (OLD.status = NEW.status AND OLD.chapter_id = NEW.chapter_id
          AND (OLD.email, OLD.name, OLD.organization, OLD.desired_role, OLD.created_at,
               OLD.confirmed_at)
              IS DISTINCT FROM (NEW.email, NEW.name, NEW.organization, NEW.desired_role,
                                NEW.created_at, NEW.confirmed_at))
    EXECUTE FUNCTION application_counts_touch();
