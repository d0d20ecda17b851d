package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"shopkeeper/mail"
	"shopkeeper/rules"
	"shopkeeper/storage"
	"shopkeeper/throttle"
)

// Mailer queues mails; *mail.Queue is one. Enqueue must not wait.
type Mailer interface {
	Enqueue(kind string, job mail.Job) bool
}

// The kinds of mail the API sends.
const (
	MailReset           = "password_reset"
	MailPasswordChanged = "password_changed"
)

// DefaultResetTTL is how long a reset link works unless Options.ResetTTL says.
const DefaultResetTTL = 30 * time.Minute

var errInvalidResetToken = &apiError{code: rules.CodeInvalidResetToken, message: "This reset link is invalid, used or expired. Ask for a new one"}

// RequestPasswordReset answers true whatever the email, throttled or not,
// and does the same work either way: the throttle, then one job on the mail
// queue. The job, in the mail worker, looks the owner up and, only if
// there is one, stores a fresh reset token (which replaces its earlier
// ones) and mails the link. So neither the answer nor its timing tells
// whether an account exists.
func (m mutationResolver) RequestPasswordReset(ctx context.Context, email string) (bool, error) {
	email, msg := rules.LoginEmail(email)
	if msg != "" {
		// Nothing typed (or too long to be anyone's): the same true, no mail.
		return true, nil
	}
	email = storage.NormalizeEmail(email)
	if err := m.s.throttleReset(ctx, email); err != nil {
		return true, nil
	}
	m.s.mailer.Enqueue(MailReset, m.s.resetJob(email))
	return true, nil
}

// throttleReset counts one reset request per email and per client address.
// A refusal is audited as reset.throttled; the caller still answers true.
func (s *Server) throttleReset(ctx context.Context, email string) error {
	if s.limits.Off {
		return nil
	}
	for _, ct := range []counter{
		{"reset:ip:" + clientKey(ctx), s.limits.ResetPerIP},
		{"reset:email:" + email, s.limits.ResetPerEmail},
	} {
		res, err := s.limiter.Allow(ctx, ct.key, ct.limit)
		if err != nil {
			s.logError(ctx, "rate limiter failed; letting the reset request through", err)
			continue
		}
		if !res.Allowed {
			s.audit(ctx, EventResetThrottled, slog.String("email", email))
			return &throttledError{retryAfter: throttle.RetryAfterSeconds(res.RetryAfter)}
		}
	}
	return nil
}

// resetJob is the mail worker's part of a reset request.
func (s *Server) resetJob(email string) mail.Job {
	return func(ctx context.Context) (*mail.Message, error) {
		o, err := s.db.OwnerByEmail(ctx, email)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		secret, hash := newSecret()
		now := s.now().UTC()
		if err := s.db.CreateResetToken(ctx, storage.ResetToken{Hash: hash, OwnerID: o.ID,
			ExpiresAt: now.Add(s.resetTTL), CreatedAt: now}); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil, nil // deleted meanwhile
			}
			return nil, err
		}
		link := s.baseURL + "/reset?token=" + url.QueryEscape(secret)
		return &mail.Message{
			To:      o.Email,
			Subject: "Reset your Shopkeeper password",
			Text: fmt.Sprintf("Hello %s,\n\nSomeone, hopefully you, asked to reset the password of your Shopkeeper account.\n"+
				"To choose a new password, open this link within %s:\n\n%s\n\n"+
				"The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
				o.Name, inWords(s.resetTTL), link),
		}, nil
	}
}

// ResetPassword sets a new password with a reset token: the sign-up rules
// apply, the token works once and only until it expires, and success ends
// every session of the owner and mails them that the password changed.
// Attempts are counted with the logins of the client address, since each
// costs a password hash.
func (m mutationResolver) ResetPassword(ctx context.Context, token, newPassword string) (bool, error) {
	var v invalid
	v.check("newPassword", rules.NewPassword(newPassword))
	if err := v.err(ctx); err != nil {
		return false, err
	}
	if token == "" || len(token) > 128 || !utf8.ValidString(token) {
		return false, errInvalidResetToken
	}
	if err := m.s.throttle(ctx, "reset_password", "", counter{"login:ip:" + clientKey(ctx), m.s.limits.LoginPerIP}); err != nil {
		return false, err
	}
	hash, err := m.s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return false, hasherError(err)
	}
	o, err := m.s.db.UseResetToken(ctx, hashSecret(token), m.s.now(), hash)
	if errors.Is(err, storage.ErrNotFound) {
		return false, errInvalidResetToken
	}
	if err != nil {
		return false, err
	}
	m.s.audit(ctx, EventPasswordReset, slog.String("email", o.Email))
	m.s.mailer.Enqueue(MailPasswordChanged, func(context.Context) (*mail.Message, error) {
		return &mail.Message{
			To:      o.Email,
			Subject: "Your Shopkeeper password was changed",
			Text: fmt.Sprintf("Hello %s,\n\nThe password of your Shopkeeper account was just changed with a reset link, "+
				"and every session was logged out.\n\nIf this was not you, reset your password again at %s/forgot "+
				"and check the mailbox of this address.\n", o.Name, m.s.baseURL),
		}, nil
	})
	return true, nil
}

// inWords says d as a person would: "30 minutes", "1 hour", "1 hour 30 minutes".
func inWords(d time.Duration) string {
	d = d.Round(time.Minute)
	h, mins := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if mins > 0 || h == 0 {
		parts = append(parts, plural(mins, "minute"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// logMailer is the Mailer when Options.Mailer is nil: it runs each job at
// once in the background and logs the mail instead of sending it.
type logMailer struct{ s *Server }

func (l logMailer) Enqueue(kind string, job mail.Job) bool {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		msg, err := job(ctx)
		switch {
		case err != nil:
			l.s.log.Error("preparing a mail failed", slog.String("kind", kind), slog.Any("error", err))
		case msg != nil:
			l.s.log.Info("mail not sent: no mailer configured", slog.String("kind", kind), slog.String("to", msg.To))
		}
	}()
	return true
}
