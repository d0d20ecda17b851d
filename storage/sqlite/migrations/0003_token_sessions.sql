-- +goose Up
-- Tokens as sessions an owner can list and end: a public id (random, like
-- an owner's, and unrelated to the secret: the hash never leaves the
-- server) and the User-Agent the login came with.
--
-- Tokens made before this migration get a random id here and no User-Agent.
ALTER TABLE tokens ADD COLUMN id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE tokens SET id = (random() & 0x7FFFFFFFFFFFFFFF) | 1;
CREATE UNIQUE INDEX tokens_id ON tokens (id);
