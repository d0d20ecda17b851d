-- +goose Up
-- When each token was made (its absolute lifetime counts from there) and
-- last used (written with each slide of its expiry), in Unix microseconds.
--
-- Tokens made before this migration get 0 (1970) for both: their login time
-- is not known, and any guess later than "expires_at - SHOP_SESSION_MAX"
-- would let a slide carry them past the expiry they were issued with. With
-- 1970 their cap is long past, so no slide ever moves them: each ends at the
-- expiry it has now, at most one old SHOP_TOKEN_TTL after the upgrade.
ALTER TABLE tokens ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
