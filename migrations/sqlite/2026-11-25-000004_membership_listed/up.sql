-- Whether a membership shows on the public roster (its user opted in and is not disabled), kept
-- on the membership so the roster of a 20 k-member chapter reads its 60 listed members straight
-- from an index instead of looking up thousands of users to find them.
ALTER TABLE memberships ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;

UPDATE memberships
SET listed = (SELECT users.roster_visible AND users.disabled_at IS NULL
              FROM users WHERE users.id = memberships.user_id);

CREATE INDEX memberships_listed_idx ON memberships (chapter_id, listed, role, id);

CREATE TRIGGER memberships_listed_insert AFTER INSERT ON memberships
BEGIN
    UPDATE memberships
    SET listed = (SELECT roster_visible AND disabled_at IS NULL FROM users WHERE id = NEW.user_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER users_listed_update AFTER UPDATE OF roster_visible, disabled_at ON users
WHEN OLD.roster_visible IS NOT NEW.roster_visible OR OLD.disabled_at IS NOT NEW.disabled_at
BEGIN
    UPDATE memberships
    SET listed = (NEW.roster_visible AND NEW.disabled_at IS NULL)
    WHERE user_id = NEW.id;
END;
