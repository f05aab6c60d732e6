-- What every reader of a chapter sees alike (its roster, event cards, sponsors, event lists and
-- calendar feed) is built once per change and kept by each instance. This counter tells any
-- instance that its copy is stale. Triggers bump it whatever path writes (a flow, a command, a
-- cascade), so no code path can forget to.
ALTER TABLE chapters ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;

-- Any change to the chapter row itself (its texts, status, member count) is a new version.
-- (Recursive triggers are off: the bump does not fire this trigger again.)
CREATE TRIGGER chapters_content_bump AFTER UPDATE ON chapters
WHEN NEW.content_version = OLD.content_version
BEGIN
    UPDATE chapters SET content_version = content_version + 1 WHERE id = NEW.id;
END;

-- A role, listing or move of a membership (inserts and deletes change member_count already).
CREATE TRIGGER memberships_content_bump AFTER UPDATE ON memberships
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (OLD.chapter_id, NEW.chapter_id);
END;

-- A listed person's name, organization or title shows on their chapters' rosters.
CREATE TRIGGER users_content_bump AFTER UPDATE OF display_name, organization, job_title ON users
WHEN OLD.display_name IS NOT NEW.display_name
  OR OLD.organization IS NOT NEW.organization
  OR OLD.job_title IS NOT NEW.job_title
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM memberships WHERE user_id = NEW.id);
END;

CREATE TRIGGER events_content_insert AFTER INSERT ON events
BEGIN
    UPDATE chapters SET content_version = content_version + 1 WHERE id = NEW.chapter_id;
END;

CREATE TRIGGER events_content_update AFTER UPDATE ON events
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (OLD.chapter_id, NEW.chapter_id);
END;

CREATE TRIGGER events_content_delete AFTER DELETE ON events
BEGIN
    UPDATE chapters SET content_version = content_version + 1 WHERE id = OLD.chapter_id;
END;

-- An event's hosts and agenda (sponsors on the chapter page, the event page).
CREATE TRIGGER event_hosts_content_insert AFTER INSERT ON event_hosts
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id = (SELECT chapter_id FROM events WHERE id = NEW.event_id);
END;

CREATE TRIGGER event_hosts_content_update AFTER UPDATE ON event_hosts
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM events WHERE id IN (OLD.event_id, NEW.event_id));
END;

CREATE TRIGGER event_hosts_content_delete AFTER DELETE ON event_hosts
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id = (SELECT chapter_id FROM events WHERE id = OLD.event_id);
END;

CREATE TRIGGER event_agenda_content_insert AFTER INSERT ON event_agenda_items
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id = (SELECT chapter_id FROM events WHERE id = NEW.event_id);
END;

CREATE TRIGGER event_agenda_content_update AFTER UPDATE ON event_agenda_items
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM events WHERE id IN (OLD.event_id, NEW.event_id));
END;

CREATE TRIGGER event_agenda_content_delete AFTER DELETE ON event_agenda_items
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id = (SELECT chapter_id FROM events WHERE id = OLD.event_id);
END;

-- An organization's name or logo shows among the sponsors of any chapter (rare: all of them).
CREATE TRIGGER organizations_content_update AFTER UPDATE ON organizations
BEGIN
    UPDATE chapters SET content_version = content_version + 1;
END;

CREATE TRIGGER organizations_content_delete AFTER DELETE ON organizations
BEGIN
    UPDATE chapters SET content_version = content_version + 1;
END;
