DROP TRIGGER memberships_count_move ON memberships;
DROP TRIGGER memberships_count_delete ON memberships;
DROP TRIGGER memberships_count_insert ON memberships;
DROP FUNCTION memberships_count_move();
DROP FUNCTION memberships_count_delete();
DROP FUNCTION memberships_count_insert();
ALTER TABLE chapters DROP COLUMN member_count;
