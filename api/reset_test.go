package api_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/mail"
	"shopkeeper/mail/mailtest"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

const (
	requestResetMutation  = `mutation RequestReset($email: String!) { requestPasswordReset(email: $email) }`
	resetPasswordMutation = `mutation Reset($token: String!, $pw: String!) { resetPassword(token: $token, newPassword: $pw) }`
	baseURL               = "https://shop.example"
)

// smtpEnv is an API whose mails go through a real SMTP server on loopback.
type smtpEnv struct {
	*env
	smtp     *mailtest.Server
	queue    *mail.Queue
	failures atomic.Int32
}

func newSMTPEnv(t *testing.T, change ...func(*api.Options)) *smtpEnv {
	t.Helper()
	se := &smtpEnv{smtp: mailtest.Start(t, nil)}
	cfg, err := mail.ParseSMTPURL("smtp://" + se.smtp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	se.env = newEnv(t, append([]func(*api.Options){func(o *api.Options) {
		se.queue = mail.NewQueue(mail.QueueOptions{
			Sender: mail.NewSMTP(cfg, "Shopkeeper <no-reply@shop.example>", 2*time.Second),
			Log:    o.Logger, Backoff: time.Millisecond, Attempts: 2,
			OnFailure: func(string) { se.failures.Add(1) },
		})
		t.Cleanup(func() { se.queue.Close(context.Background()) })
		o.Mailer, o.BaseURL = se.queue, baseURL
	}}, change...)...)
	return se
}

func (e *env) requestReset(email string) {
	e.t.Helper()
	r := e.as("", requestResetMutation, map[string]any{"email": email})
	r.noErrors(e.t)
	jsonEq(e.t, r.Data, `{"requestPasswordReset": true}`)
}

var linkRE = regexp.MustCompile(`(\S+)/reset\?token=(\S+)`)

// resetLink returns the base and the token of the link in m.
func resetLink(t *testing.T, m mailtest.Mail) (base, token string) {
	t.Helper()
	sub := linkRE.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no reset link in %q", m.Text)
	}
	tok, err := url.QueryUnescape(sub[2])
	if err != nil {
		t.Fatal(err)
	}
	return sub[1], tok
}

// TestResetFlowOverSMTP: the reset mail arrives over SMTP; its link's token
// sets a new password once, ends the owner's sessions, and a second mail
// says the password changed.
func TestResetFlowOverSMTP(t *testing.T) {
	e := newSMTPEnv(t)
	ann := e.register("ann@example.com", "Ann")
	e.requestReset("ANN@example.com ")
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "ann@example.com" || m.From != "no-reply@shop.example" {
		t.Fatalf("mail envelope %v → %v", m.From, m.To)
	}
	for _, want := range []string{"30 minutes", "ignore this mail", "Ann"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the reset mail lacks %q:\n%s", want, m.Text)
		}
	}
	base, token := resetLink(t, m)
	if base != baseURL {
		t.Fatalf("the link starts with %q, want SHOP_BASE_URL %q", base, baseURL)
	}
	if len(token) < 43 { // 32 random bytes, base64
		t.Fatalf("token %q is shorter than 256 bits", token)
	}

	// A successful login does not end the reset token.
	e.login("ann@example.com", "password-Ann")

	r := e.as("", resetPasswordMutation, map[string]any{"token": token, "pw": "short"})
	r.invalidField(t, "newPassword")

	r = e.as("", resetPasswordMutation, map[string]any{"token": token, "pw": "a brand new password"})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"resetPassword": true}`)
	if c := e.as(ann.Secret, mySessionsQuery, nil).code(t); c != rules.CodeInvalidToken {
		t.Fatalf("an old session after the reset: %s, want %s", c, rules.CodeInvalidToken)
	}
	e.login("ann@example.com", "a brand new password")
	if !strings.Contains(e.logs.String(), `"event":"password.reset"`) {
		t.Errorf("no password.reset audit line:\n%s", e.logs.String())
	}

	r = e.as("", resetPasswordMutation, map[string]any{"token": token, "pw": "another new password"})
	if c := r.code(t); c != rules.CodeInvalidResetToken {
		t.Fatalf("the token used twice: %s, want %s", c, rules.CodeInvalidResetToken)
	}
	mails := e.smtp.Wait(t, 2, 5*time.Second)
	if !strings.Contains(mails[1].Subject, "password was changed") || mails[1].To[0] != "ann@example.com" {
		t.Fatalf("the second mail: %+v", mails[1])
	}
	e.queue.Close(t.Context())
	if n := len(e.smtp.Mails()); n != 2 {
		t.Fatalf("%d mails, want the reset and the notice", n)
	}
}

// TestResetNoEnumeration: an unknown email gets the same answer and no mail.
func TestResetNoEnumeration(t *testing.T) {
	e := newSMTPEnv(t)
	e.register("ann@example.com", "Ann")
	known := e.as("", requestResetMutation, map[string]any{"email": "ann@example.com"})
	unknown := e.as("", requestResetMutation, map[string]any{"email": "nobody@example.com"})
	if string(known.raw) != string(unknown.raw) {
		t.Fatalf("answers differ: %s vs %s", known.raw, unknown.raw)
	}
	e.queue.Close(t.Context())
	mails := e.smtp.Mails()
	if len(mails) != 1 || mails[0].To[0] != "ann@example.com" {
		t.Fatalf("mails: %+v, want one to ann", mails)
	}
	if e.failures.Load() != 0 {
		t.Fatalf("%d failures", e.failures.Load())
	}
}

// countingDB counts the store calls made through it.
type countingDB struct {
	storage.DB
	mu    sync.Mutex
	calls []string
}

func (c *countingDB) note(name string) {
	c.mu.Lock()
	c.calls = append(c.calls, name)
	c.mu.Unlock()
}

func (c *countingDB) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

func (c *countingDB) OwnerByEmail(ctx context.Context, email string) (storage.Owner, error) {
	c.note("OwnerByEmail")
	return c.DB.OwnerByEmail(ctx, email)
}

func (c *countingDB) CreateResetToken(ctx context.Context, t storage.ResetToken) error {
	c.note("CreateResetToken")
	return c.DB.CreateResetToken(ctx, t)
}

// jobs is a Mailer that keeps the jobs for the test to run.
type jobs struct {
	mu   sync.Mutex
	list []mail.Job
}

func (j *jobs) Enqueue(_ string, job mail.Job) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, job)
	return true
}

func (j *jobs) take() []mail.Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := j.list
	j.list = nil
	return out
}

// TestResetSameWork: the request does the same work for a known and an
// unknown email (no store call, one job queued); only the job, run by the
// mail worker away from the request, tells them apart.
func TestResetSameWork(t *testing.T) {
	var (
		db *countingDB
		q  = &jobs{}
	)
	e := newEnv(t, func(o *api.Options) {
		db = &countingDB{DB: o.DB}
		o.DB, o.Mailer, o.BaseURL = db, q, baseURL
	})
	e.register("ann@example.com", "Ann")
	db.take()
	for _, email := range []string{"ann@example.com", "nobody@example.com"} {
		e.requestReset(email)
		if calls := db.take(); len(calls) != 0 {
			t.Fatalf("requestPasswordReset(%s) made store calls %v in the request", email, calls)
		}
		js := q.take()
		if len(js) != 1 {
			t.Fatalf("requestPasswordReset(%s) queued %d jobs, want 1", email, len(js))
		}
		msg, err := js[0](t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if (msg != nil) != (email == "ann@example.com") {
			t.Fatalf("job for %s made %+v", email, msg)
		}
		db.take() // the worker's calls
	}
}

// TestResetExpiry: a link works for SHOP_RESET_TTL and not a moment after,
// and a new request makes the earlier link useless.
func TestResetExpiry(t *testing.T) {
	e := newSMTPEnv(t, func(o *api.Options) { o.ResetTTL = 45 * time.Minute })
	e.register("ann@example.com", "Ann")
	e.requestReset("ann@example.com")
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if !strings.Contains(m.Text, "45 minutes") {
		t.Fatalf("the mail does not say 45 minutes:\n%s", m.Text)
	}
	_, token := resetLink(t, m)
	e.clock.Advance(45 * time.Minute)
	r := e.as("", resetPasswordMutation, map[string]any{"token": token, "pw": "a brand new password"})
	if c := r.code(t); c != rules.CodeInvalidResetToken {
		t.Fatalf("an expired token: %s", c)
	}

	e.requestReset("ann@example.com")
	_, first := resetLink(t, e.smtp.Wait(t, 2, 5*time.Second)[1])
	e.requestReset("ann@example.com")
	_, second := resetLink(t, e.smtp.Wait(t, 3, 5*time.Second)[2])
	r = e.as("", resetPasswordMutation, map[string]any{"token": first, "pw": "a brand new password"})
	if c := r.code(t); c != rules.CodeInvalidResetToken {
		t.Fatalf("a token replaced by a newer request: %s", c)
	}
	e.clock.Advance(44 * time.Minute)
	e.as("", resetPasswordMutation, map[string]any{"token": second, "pw": "a brand new password"}).noErrors(t)
}

// TestResetEndedByChangePassword: changing the password makes a pending
// reset link useless.
func TestResetEndedByChangePassword(t *testing.T) {
	e := newSMTPEnv(t)
	ann := e.register("ann@example.com", "Ann")
	e.requestReset("ann@example.com")
	_, token := resetLink(t, e.smtp.Wait(t, 1, 5*time.Second)[0])
	e.as(ann.Secret, `mutation { changePassword(currentPassword: "password-Ann", newPassword: "changed by Ann herself") { secret } }`, nil).noErrors(t)
	r := e.as("", resetPasswordMutation, map[string]any{"token": token, "pw": "a brand new password"})
	if c := r.code(t); c != rules.CodeInvalidResetToken {
		t.Fatalf("a reset token after changePassword: %s", c)
	}
	for _, bad := range []string{"", "nonsense", strings.Repeat("x", 500)} {
		r := e.as("", resetPasswordMutation, map[string]any{"token": bad, "pw": "a brand new password"})
		if c := r.code(t); c != rules.CodeInvalidResetToken {
			t.Fatalf("token %.10q: %s", bad, c)
		}
	}
}

// TestResetThrottled: the sixth request in an hour for one email answers
// true, sends nothing and is audited.
func TestResetThrottled(t *testing.T) {
	e := newSMTPEnv(t)
	e.register("ann@example.com", "Ann")
	for range 6 {
		e.requestReset("ann@example.com")
	}
	e.queue.Close(t.Context())
	if n := len(e.smtp.Mails()); n != 5 {
		t.Fatalf("%d mails for 6 requests, want 5", n)
	}
	if !strings.Contains(e.logs.String(), `"event":"reset.throttled"`) {
		t.Fatalf("no reset.throttled audit line:\n%s", e.logs.String())
	}
}

// TestResetThrottledPerEmail: the per-email limit holds across addresses
// too, counted through the same limiter as logins.
func TestResetThrottledPerEmail(t *testing.T) {
	var q jobs
	e := newEnv(t, func(o *api.Options) {
		o.Mailer = &q
		o.Limits = api.DefaultLimits
		o.Limits.ResetPerIP = o.Limits.LoginPerIP // many people behind one address
	})
	for range 7 {
		e.requestReset("ann@example.com")
	}
	if n := len(q.take()); n != 5 {
		t.Fatalf("%d jobs for 7 requests, want 5", n)
	}
	e.requestReset("bob@example.com")
	if n := len(q.take()); n != 1 {
		t.Fatalf("another email was throttled too")
	}
}

// TestResetSMTPDown: with the mail server down the answer is still true,
// nothing crashes, and the failure is logged and counted.
func TestResetSMTPDown(t *testing.T) {
	e := newSMTPEnv(t)
	e.register("ann@example.com", "Ann")
	e.smtp.Stop()
	start := time.Now()
	e.requestReset("ann@example.com")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the request waited %v for the mail", d)
	}
	e.queue.Close(t.Context())
	if e.failures.Load() != 1 {
		t.Fatalf("%d failures counted, want 1", e.failures.Load())
	}
	if !strings.Contains(e.logs.String(), "mail not sent") {
		t.Fatalf("the failure is not logged:\n%s", e.logs.String())
	}
	e.as("", `{ __typename }`, nil).noErrors(t)
}
