-- Two merges racing (A into B and B into A on two instances) once left an organization
-- pointing at itself: its page redirected to itself forever and both vanished from the
-- directory. Repair what is stored, then make it impossible.
-- 1. An entry that points at itself is not merged.
UPDATE organizations SET merged_into = NULL WHERE merged_into = id;
-- 2. An entry merged into a merged one points at the end of the chain (one step is all a
--    race could make).
UPDATE organizations AS o SET merged_into = t.merged_into
FROM organizations AS t
WHERE o.merged_into = t.id AND t.merged_into IS NOT NULL AND t.merged_into <> o.id;
-- 3. A pair pointing at each other: the older one stays.
UPDATE organizations AS o SET merged_into = NULL
FROM organizations AS t
WHERE o.merged_into = t.id AND t.merged_into = o.id AND o.id < t.id;
ALTER TABLE organizations
    ADD CONSTRAINT organizations_not_merged_into_itself
    CHECK (merged_into IS NULL OR merged_into <> id);

-- The door's one-tap check-in link is a token of its own purpose.
ALTER TABLE tokens DROP CONSTRAINT tokens_purpose_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_purpose_check
    CHECK (purpose IN ('confirm-application', 'activate', 'reset-password', 'application-status', 'door-check-in'));
