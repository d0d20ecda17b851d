-- +goose Up
-- store/sqlite/migrations/0003_token_sessions.sql in PostgreSQL's dialect:
-- tokens as sessions an owner can list and end, with a public id (random,
-- unrelated to the secret: the hash never leaves the server) and the
-- User-Agent the login came with.
--
-- Tokens made before this migration get a random id here and no User-Agent.
ALTER TABLE tokens
    ADD COLUMN id         bigint,
    ADD COLUMN user_agent text NOT NULL DEFAULT '';
UPDATE tokens
    SET id = (('x' || md5(random()::text || hash::text))::bit(64)::bigint & 9223372036854775807) | 1;
ALTER TABLE tokens
    ALTER COLUMN id SET NOT NULL,
    ALTER COLUMN user_agent DROP DEFAULT,
    ADD CONSTRAINT tokens_id_key UNIQUE (id);
