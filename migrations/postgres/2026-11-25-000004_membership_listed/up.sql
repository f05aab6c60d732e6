-- Whether a membership shows on the public roster (its user opted in and is not disabled), kept
-- on the membership so the roster of a 20 k-member chapter reads its 60 listed members straight
-- from an index instead of looking up thousands of users to find them.
ALTER TABLE memberships ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE memberships m
SET listed = (u.roster_visible AND u.disabled_at IS NULL)
FROM users u WHERE u.id = m.user_id;

CREATE INDEX memberships_listed_idx ON memberships (chapter_id, listed, role, id);

CREATE FUNCTION memberships_listed_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT u.roster_visible AND u.disabled_at IS NULL INTO NEW.listed
    FROM users u WHERE u.id = NEW.user_id;
    NEW.listed := coalesce(NEW.listed, FALSE);
    RETURN NEW;
END
$$;

CREATE FUNCTION users_listed_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships SET listed = (NEW.roster_visible AND NEW.disabled_at IS NULL)
    WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER memberships_listed_insert BEFORE INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_listed_insert();

CREATE TRIGGER users_listed_update AFTER UPDATE OF roster_visible, disabled_at ON users
    FOR EACH ROW
    WHEN (OLD.roster_visible IS DISTINCT FROM NEW.roster_visible
          OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
    EXECUTE FUNCTION users_listed_update();
