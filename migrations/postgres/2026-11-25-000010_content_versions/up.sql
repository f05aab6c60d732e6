-- What every reader of a chapter sees alike (its roster, event cards, sponsors, event lists and
-- calendar feed) is built once per change and kept by each instance. This counter tells any
-- instance that its copy is stale. Triggers bump it whatever path writes (a flow, a command, a
-- cascade), so no code path can forget to. Statement-level triggers with transition tables do
-- one UPDATE per chapter per statement, so bulk loads stay fast.
ALTER TABLE chapters ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;

-- Any change to the chapter row itself (its texts, status, member count) is a new version.
CREATE FUNCTION chapters_content_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.content_version := OLD.content_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER chapters_content_bump BEFORE UPDATE ON chapters
    FOR EACH ROW WHEN (NEW.content_version = OLD.content_version)
    EXECUTE FUNCTION chapters_content_bump();

-- A role, listing or move of a membership (inserts and deletes change member_count already).
CREATE FUNCTION memberships_content_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM new_rows UNION SELECT chapter_id FROM old_rows);
    RETURN NULL;
END
$$;

CREATE TRIGGER memberships_content_bump AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_content_bump();

-- A listed person's name, organization or title shows on their chapters' rosters.
CREATE FUNCTION users_content_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM memberships WHERE user_id = NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_content_bump AFTER UPDATE OF display_name, organization, job_title ON users
    FOR EACH ROW
    WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.organization IS DISTINCT FROM NEW.organization
          OR OLD.job_title IS DISTINCT FROM NEW.job_title)
    EXECUTE FUNCTION users_content_bump();

-- Events: one function per kind of statement, as transition tables require.
CREATE FUNCTION events_content_bump_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM new_rows);
    RETURN NULL;
END
$$;

CREATE FUNCTION events_content_bump_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT chapter_id FROM old_rows);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_content_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_content_bump_new();

CREATE TRIGGER events_content_update AFTER UPDATE ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_content_bump_new();

CREATE TRIGGER events_content_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_content_bump_old();

-- An event's hosts and agenda (sponsors on the chapter page, the event page).
CREATE FUNCTION event_parts_content_bump_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT e.chapter_id FROM events e JOIN new_rows n ON n.event_id = e.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION event_parts_content_bump_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1
    WHERE id IN (SELECT e.chapter_id FROM events e JOIN old_rows o ON o.event_id = e.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER event_hosts_content_insert AFTER INSERT ON event_hosts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_new();
CREATE TRIGGER event_hosts_content_update AFTER UPDATE ON event_hosts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_new();
CREATE TRIGGER event_hosts_content_delete AFTER DELETE ON event_hosts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_old();

CREATE TRIGGER event_agenda_content_insert AFTER INSERT ON event_agenda_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_new();
CREATE TRIGGER event_agenda_content_update AFTER UPDATE ON event_agenda_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_new();
CREATE TRIGGER event_agenda_content_delete AFTER DELETE ON event_agenda_items
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_parts_content_bump_old();

-- An organization's name or logo shows among the sponsors of any chapter (rare: all of them).
CREATE FUNCTION organizations_content_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chapters SET content_version = content_version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER organizations_content_bump AFTER UPDATE OR DELETE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION organizations_content_bump();
