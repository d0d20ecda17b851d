-- +goose Up
-- store/sqlite/migrations/0002_token_times.sql in PostgreSQL's dialect: when
-- each token was made (its absolute lifetime counts from there) and last used.
--
-- Tokens made before this migration get the epoch (1970) for both: their
-- login time is not known, and any guess later than
-- "expires_at - SHOP_SESSION_MAX" would let a slide carry them past the
-- expiry they were issued with. With 1970 their cap is long past, so no
-- slide ever moves them: each ends at the expiry it has now.
ALTER TABLE tokens
    ADD COLUMN created_at   timestamptz NOT NULL DEFAULT 'epoch',
    ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT 'epoch';
ALTER TABLE tokens
    ALTER COLUMN created_at   DROP DEFAULT,
    ALTER COLUMN last_used_at DROP DEFAULT;
