-- Member counts are kept on the chapter row: the home page and the chapter list read them
-- without counting a million memberships. Triggers keep them right whichever path adds or
-- removes a membership (approval, appointment, removal, leaving, an account deleted in cascade).
-- Statement-level triggers with transition tables: one UPDATE per chapter per statement, so a
-- bulk insert or a cascade does not update the chapter row once per membership.
ALTER TABLE chapters ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;

UPDATE chapters
SET member_count = (SELECT count(*) FROM memberships WHERE memberships.chapter_id = chapters.id);

CREATE FUNCTION memberships_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters c SET member_count = c.member_count + n.added
    FROM (SELECT chapter_id, count(*) AS added FROM new_rows GROUP BY chapter_id) n
    WHERE c.id = n.chapter_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION memberships_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters c SET member_count = c.member_count - o.removed
    FROM (SELECT chapter_id, count(*) AS removed FROM old_rows GROUP BY chapter_id) o
    WHERE c.id = o.chapter_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION memberships_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
    UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_count_insert();

CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_count_delete();

CREATE TRIGGER memberships_count_move AFTER UPDATE OF chapter_id ON memberships
    FOR EACH ROW WHEN (OLD.chapter_id IS DISTINCT FROM NEW.chapter_id)
    EXECUTE FUNCTION memberships_count_move();
