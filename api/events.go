package api

import (
	"context"
	"log/slog"

	"shopkeeper/audit"
	"shopkeeper/visitor"
)

// The security events the API audits: the "event" of its audit log lines,
// and the label of shopkeeper_auth_events_total.
const (
	EventLoginSuccess  = "login.success"
	EventLoginFailure  = "login.failure"
	EventSignupSuccess = "signup.success"
	EventLogout        = "logout"
	EventThrottled     = "throttled"
	// EventSessionRevoked is one session ended with revokeSession.
	EventSessionRevoked  = "session.revoked"
	EventPasswordChanged = "password.changed"
	EventOwnerDeleted    = "owner.deleted"
	// EventPasswordReset is a password set with a reset token.
	EventPasswordReset = "password.reset"
	// EventResetThrottled is a reset request dropped by its limits; the
	// caller was still answered true.
	EventResetThrottled = "reset.throttled"
)

// Events lists every event the API audits.
var Events = []string{EventLoginSuccess, EventLoginFailure, EventSignupSuccess, EventLogout, EventThrottled,
	EventSessionRevoked, EventPasswordChanged, EventOwnerDeleted, EventPasswordReset, EventResetThrottled}

// audit logs a security event in the line shape the web logs too, and
// counts it.
func (s *Server) audit(ctx context.Context, event string, attrs ...slog.Attr) {
	v, _ := visitor.FromContext(ctx)
	audit.Log(ctx, s.log, event, v.Addr, attrs...)
	if s.onEvent != nil {
		s.onEvent(event)
	}
}
