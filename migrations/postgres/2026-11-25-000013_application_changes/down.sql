DROP TRIGGER application_counts_touch ON applications;
DROP FUNCTION application_counts_touch();

CREATE OR REPLACE FUNCTION application_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO application_counts AS c (chapter_id, status, shard, n)
    SELECT chapter_id, status, id % 8, count(*) FROM new_rows GROUP BY 1, 2, 3
    ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application_counts SET n = n - 1
    WHERE chapter_id = OLD.chapter_id AND status = OLD.status AND shard = OLD.id % 8;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO application_counts AS c (chapter_id, status, shard, n)
        VALUES (NEW.chapter_id, NEW.status, NEW.id % 8, 1)
        ON CONFLICT (chapter_id, status, shard) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;

ALTER TABLE application_counts DROP COLUMN changes;
