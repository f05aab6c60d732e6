-- Each instance keeps the sessions it has looked up in memory (web/session_cache.rs) and must
-- forget them when a session ends or its person changes, whoever made the change: another
-- instance, or a command run elsewhere. After commit, these tell every listening instance on
-- channel ogug_sessions; the payload is the schema, as on ogug_pages. Row triggers, so a
-- statement that changes nothing says nothing (PostgreSQL sends one notice per transaction for
-- identical ones). Moving last_seen_at forward (the once-a-minute refresh) needs no telling: a
-- kept copy is never used past its own refresh time.
CREATE FUNCTION ogug_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ogug_sessions', current_schema());
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION ogug_sessions_changed();

CREATE TRIGGER sessions_changed AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (NEW.last_seen_at < OLD.last_seen_at
          OR (NEW.token_hash, NEW.user_id, NEW.csrf_token, NEW.expires_at)
             IS DISTINCT FROM (OLD.token_hash, OLD.user_id, OLD.csrf_token, OLD.expires_at))
    EXECUTE FUNCTION ogug_sessions_changed();

CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION ogug_sessions_changed();
