-- Member counts are kept on the chapter row: the home page and the chapter list read them
-- without counting a million memberships. Triggers keep them right whichever path adds or
-- removes a membership (approval, appointment, removal, leaving, an account deleted in cascade).
ALTER TABLE chapters ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;

UPDATE chapters
SET member_count = (SELECT count(*) FROM memberships WHERE memberships.chapter_id = chapters.id);

CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships
BEGIN
    UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
END;

CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships
BEGIN
    UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
END;

CREATE TRIGGER memberships_count_move AFTER UPDATE OF chapter_id ON memberships
WHEN OLD.chapter_id <> NEW.chapter_id
BEGIN
    UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
    UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
END;
