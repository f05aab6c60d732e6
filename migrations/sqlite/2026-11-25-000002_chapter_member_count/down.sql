DROP TRIGGER memberships_count_move;
DROP TRIGGER memberships_count_delete;
DROP TRIGGER memberships_count_insert;
ALTER TABLE chapters DROP COLUMN member_count;
