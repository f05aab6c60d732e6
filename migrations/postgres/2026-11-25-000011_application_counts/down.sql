DROP TRIGGER application_counts_delete ON applications;
DROP TRIGGER application_counts_update ON applications;
DROP TRIGGER application_counts_insert ON applications;
DROP FUNCTION application_counts_change();
DROP FUNCTION application_counts_insert();
DROP TABLE application_counts;
