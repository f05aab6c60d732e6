DROP TRIGGER users_listed_update ON users;
DROP TRIGGER memberships_listed_insert ON memberships;
DROP FUNCTION users_listed_update();
DROP FUNCTION memberships_listed_insert();
DROP INDEX memberships_listed_idx;
ALTER TABLE memberships DROP COLUMN listed;
