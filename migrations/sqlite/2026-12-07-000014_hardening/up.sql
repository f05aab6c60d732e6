-- Two merges racing once left an organization pointing at itself (see the PostgreSQL
-- migration). Repair what is stored, then make it impossible; SQLite cannot add a CHECK to an
-- existing table, so triggers refuse it instead.
UPDATE organizations SET merged_into = NULL WHERE merged_into = id;
UPDATE organizations SET merged_into = (
    SELECT t.merged_into FROM organizations AS t WHERE t.id = organizations.merged_into
)
WHERE merged_into IN (SELECT id FROM organizations WHERE merged_into IS NOT NULL)
  AND (SELECT t.merged_into FROM organizations AS t WHERE t.id = organizations.merged_into) <> id;
UPDATE organizations SET merged_into = NULL
WHERE merged_into IS NOT NULL
  AND id < merged_into
  AND (SELECT t.merged_into FROM organizations AS t WHERE t.id = organizations.merged_into) = id;

CREATE TRIGGER organizations_not_merged_into_itself_insert
BEFORE INSERT ON organizations
WHEN NEW.merged_into IS NOT NULL AND NEW.merged_into = NEW.id
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: organizations_not_merged_into_itself');
END;

CREATE TRIGGER organizations_not_merged_into_itself_update
BEFORE UPDATE OF merged_into ON organizations
WHEN NEW.merged_into IS NOT NULL AND NEW.merged_into = NEW.id
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: organizations_not_merged_into_itself');
END;

-- The door's one-tap check-in link is a token of its own purpose. SQLite cannot change a
-- CHECK in place: the table is rebuilt with its rows (nothing references it).
CREATE TABLE tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm-application', 'activate', 'reset-password', 'application-status', 'door-check-in')),
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    application_id BIGINT REFERENCES applications (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO tokens_new (id, token_hash, purpose, user_id, application_id, expires_at, used_at, created_at)
SELECT id, token_hash, purpose, user_id, application_id, expires_at, used_at, created_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_user_idx ON tokens (user_id);
