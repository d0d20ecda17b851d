package api

// The security events the API audits: the "event" of its audit log lines,
// and the label of shopkeeper_auth_events_total.
const (
	EventLoginSuccess  = "login.success"
	EventLoginFailure  = "login.failure"
	EventSignupSuccess = "signup.success"
	EventLogout        = "logout"
	EventThrottled     = "throttled"
)

// Events lists every event the API audits.
var Events = []string{EventLoginSuccess, EventLoginFailure, EventSignupSuccess, EventLogout, EventThrottled}
