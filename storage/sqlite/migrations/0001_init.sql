-- +goose Up
-- Times are Unix microseconds; ids are random positive 63-bit integers
-- (see store.NewID), so INTEGER PRIMARY KEY makes them the rowid.

CREATE TABLE owners (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL UNIQUE, -- store.NormalizeEmail'd
    password_hash TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE stores (
    id              INTEGER PRIMARY KEY,
    owner_id        INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    payment_methods TEXT,   -- JSON array; NULL = never set
    categories      TEXT,   -- JSON array; NULL = never set
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- Serves both the keyset paging of an owner's stores and counting them.
CREATE INDEX stores_owner_page ON stores (owner_id, created_at, id);

CREATE TABLE tokens (
    hash       BLOB    PRIMARY KEY, -- SHA-256 of the secret
    owner_id   INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX tokens_owner ON tokens (owner_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);
