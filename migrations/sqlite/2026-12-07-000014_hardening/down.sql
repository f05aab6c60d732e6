DROP TRIGGER organizations_not_merged_into_itself_insert;
DROP TRIGGER organizations_not_merged_into_itself_update;
DELETE FROM tokens WHERE purpose = 'door-check-in';
