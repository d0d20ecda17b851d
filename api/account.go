package api

import (
	"context"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"shopkeeper/api/internal/graph/model"
	"shopkeeper/rules"
	"shopkeeper/storage"
	"shopkeeper/visitor"
)

// maxSessions is how many sessions mySessions lists at most: all of them,
// as an owner has no more.
const maxSessions = storage.MaxSessions

var (
	errWrongPassword = &apiError{code: rules.CodeAuthenticationFailed, message: "The password is incorrect"}
	// errCurrentPassword is changePassword's answer to a wrong current password.
	errCurrentPassword = &apiError{code: rules.CodeAuthenticationFailed, message: "The current password is incorrect"}
)

// MySessions lists the caller's live tokens, newest first.
func (q queryResolver) MySessions(ctx context.Context) ([]*model.Session, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	toks, err := q.s.db.OwnerTokens(ctx, c.owner.ID, q.s.now(), maxSessions)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Session, 0, len(toks))
	for _, t := range toks {
		s := &model.Session{ID: t.ID, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt,
			ExpiresAt: t.ExpiresAt, Current: t.ID == c.token.ID}
		if t.UserAgent != "" {
			s.UserAgent = &t.UserAgent
		}
		out = append(out, s)
	}
	return out, nil
}

// RevokeSession deletes one of the caller's tokens by its public id. The
// store scopes the delete by the caller's owner id, so another owner's id
// is false, exactly like an unknown one.
func (m mutationResolver) RevokeSession(ctx context.Context, id string) (bool, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return false, err
	}
	ok, err := m.s.db.DeleteOwnerToken(ctx, c.owner.ID, id)
	if err != nil || !ok {
		return false, err
	}
	current := id == c.token.ID
	if current {
		c.revoked()
	}
	m.s.audit(ctx, EventSessionRevoked, slog.String("email", c.owner.Email), slog.Bool("current", current))
	return true, nil
}

// ChangePassword checks the current password as a login would (the same
// counters, the same audit event when it is wrong), then, in one store
// transaction, replaces the hash, ends every session of the owner and makes
// a fresh token for this client.
func (m mutationResolver) ChangePassword(ctx context.Context, current, next string) (*model.Token, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	var v invalid
	v.check("currentPassword", rules.LoginPassword(current))
	v.check("newPassword", rules.NewPassword(next))
	if err := v.err(ctx); err != nil {
		return nil, err
	}
	if err := m.s.reauthenticate(ctx, c, "change_password", current); err != nil {
		if errors.Is(err, errWrongPassword) {
			return nil, errCurrentPassword
		}
		return nil, err
	}
	hash, err := m.s.hasher.Hash(ctx, next)
	if err != nil {
		return nil, hasherError(err)
	}
	secret, tokenHash := newSecret()
	now := m.s.now().UTC()
	expires := now.Add(m.s.tokenTTL).Truncate(time.Second)
	t := storage.Token{Hash: tokenHash, OwnerID: c.owner.ID, ExpiresAt: expires, CreatedAt: now, UserAgent: userAgent(ctx)}
	if err := m.s.db.ChangePassword(ctx, c.owner.ID, hash, t); err != nil {
		return nil, err
	}
	c.revoked()
	m.s.audit(ctx, EventPasswordChanged, slog.String("email", c.owner.Email))
	return &model.Token{TTL: expires, Secret: secret, Email: c.owner.Email, OwnerID: c.owner.ID}, nil
}

// DeleteOwner checks the password as a login would, then removes the owner,
// its stores and its tokens in one store transaction.
func (m mutationResolver) DeleteOwner(ctx context.Context, pw string) (bool, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return false, err
	}
	var v invalid
	v.check("password", rules.LoginPassword(pw))
	if err := v.err(ctx); err != nil {
		return false, err
	}
	if err := m.s.reauthenticate(ctx, c, "delete_owner", pw); err != nil {
		return false, err
	}
	if err := m.s.db.DeleteOwner(ctx, c.owner.ID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return false, errInvalidToken // deleted meanwhile
		}
		return false, err
	}
	c.revoked()
	m.s.audit(ctx, EventOwnerDeleted, slog.String("email", c.owner.Email))
	return true, nil
}

// reauthenticate checks that pw is the caller's password. The attempt is
// counted by the login throttle first (per address and per account, so a
// stolen session cannot guess the password faster than a login could), and
// a wrong password is audited as a failed login. action names the operation
// in the audit lines.
func (s *Server) reauthenticate(ctx context.Context, c *caller, action, pw string) error {
	email := c.owner.Email
	if err := s.throttle(ctx, action, email, s.loginCounters(ctx, email)...); err != nil {
		return err
	}
	ok, rehash := false, false
	if utf8.RuneCountInString(pw) <= rules.MaxPassword {
		var err error
		ok, rehash, err = s.hasher.Verify(ctx, c.owner.PasswordHash, pw)
		if err != nil {
			return hasherError(err)
		}
	}
	_ = rehash // the password is replaced or the owner deleted right after
	if !ok {
		s.audit(ctx, EventLoginFailure, slog.String("email", email), slog.String("action", action))
		return errWrongPassword
	}
	s.loginSucceeded(ctx, email)
	return nil
}

// userAgent is the User-Agent a token made in this request records: the
// visitor's, cut to storage.MaxUserAgent bytes.
func userAgent(ctx context.Context) string {
	v, _ := visitor.FromContext(ctx)
	return storage.TruncateUserAgent(v.UserAgent)
}
