DROP TRIGGER users_changed ON users;
DROP TRIGGER sessions_changed ON sessions;
DROP TRIGGER sessions_ended ON sessions;
DROP FUNCTION ogug_sessions_changed();
