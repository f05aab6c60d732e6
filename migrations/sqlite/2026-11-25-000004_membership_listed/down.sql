DROP TRIGGER users_listed_update;
DROP TRIGGER memberships_listed_insert;
DROP INDEX memberships_listed_idx;
ALTER TABLE memberships DROP COLUMN listed;
