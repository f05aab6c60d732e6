DELETE FROM tokens WHERE purpose = 'door-check-in';
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_purpose_check
    CHECK (purpose IN ('confirm-application', 'activate', 'reset-password', 'application-status'));
ALTER TABLE organizations DROP CONSTRAINT organizations_not_merged_into_itself;
