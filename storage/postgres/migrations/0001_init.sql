-- +goose Up
-- The schema of store/sqlite/migrations/0001_init.sql in PostgreSQL's
-- dialect. Ids are random positive 63-bit integers (see store.NewID);
-- timestamptz keeps microseconds, the precision SQLite's integers hold.

CREATE TABLE owners (
    id            bigint      PRIMARY KEY,
    name          text        NOT NULL,
    email         text        NOT NULL CONSTRAINT owners_email_key UNIQUE, -- store.NormalizeEmail'd
    password_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE stores (
    id              bigint      PRIMARY KEY,
    owner_id        bigint      NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    email           text        NOT NULL,
    payment_methods text[],     -- NULL = never set
    categories      text[],     -- NULL = never set
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- Serves both the keyset paging of an owner's stores and counting them.
CREATE INDEX stores_owner_page ON stores (owner_id, created_at, id);

CREATE TABLE tokens (
    hash       bytea       PRIMARY KEY, -- SHA-256 of the secret
    owner_id   bigint      NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

CREATE INDEX tokens_owner ON tokens (owner_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);
