-- +goose Up
-- store/sqlite/migrations/0004_reset_tokens.sql in PostgreSQL's dialect:
-- password reset tokens, of which only the SHA-256 of the secret is kept.

CREATE TABLE reset_tokens (
    hash       bytea       PRIMARY KEY, -- SHA-256 of the secret
    owner_id   bigint      NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX reset_tokens_owner ON reset_tokens (owner_id);
CREATE INDEX reset_tokens_expiry ON reset_tokens (expires_at);
