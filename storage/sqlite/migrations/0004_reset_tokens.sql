-- +goose Up
-- Password reset tokens: like login tokens, only the SHA-256 of the secret
-- is kept. A token is deleted when it is used, when its owner asks for a
-- new one or changes the password, and once expired by the purge.

CREATE TABLE reset_tokens (
    hash       BLOB    PRIMARY KEY, -- SHA-256 of the secret
    owner_id   INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX reset_tokens_owner ON reset_tokens (owner_id);
CREATE INDEX reset_tokens_expiry ON reset_tokens (expires_at);
