// Package session owns the fauna-session cookie, through gin-contrib/sessions:
// the login the API returned and the owner's name, one-time flash messages,
// and drafts (a form posted after the session ended, kept across the login).
// The values live in the cookie itself, signed and encrypted, or in Redis
// with only their signed and encrypted id in the cookie.
//
// Handlers change the session through a Manager; it writes the cookie at
// most once per answer, just before the answer goes out, and re-issues a
// cookie an older key opened with the newest one.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"shopkeeper/gql"
)

// CookieName is the cookie the workshop app used.
const CookieName = "fauna-session"

// Keys kept in the session, besides gin-contrib's flashes.
const (
	keySecret  = "secret"
	keyTTL     = "ttl" // Unix milliseconds
	keyEmail   = "email"
	keyOwnerID = "ownerId"
	keyName    = "name"
	keyDraft   = "draft" // JSON of draft
)

// ErrExpired is what Load says of a login past its ttl; the caller ends it.
var ErrExpired = errors.New("session: the login has expired")

// Options configures a Manager.
type Options struct {
	// Keys are hash/block key pairs, newest first: the newest signs and
	// encrypts, any of them opens.
	Keys [][]byte
	// Redis, when set, keeps the values there under keys starting with
	// Prefix, and only their id in the cookie.
	Redis  *redis.Client
	Prefix string
	// Now is the clock that says when a login has expired.
	Now func() time.Time
	// Secure says whether the cookie of c's answer is Secure.
	Secure func(c *gin.Context) bool
	// Logger is c's logger, for what users are not shown.
	Logger func(c *gin.Context) *slog.Logger
}

// Manager reads and changes the session of each request.
type Manager struct {
	store  sessions.Store
	now    func() time.Time
	secure func(*gin.Context) bool
	logger func(*gin.Context) *slog.Logger
}

// New returns a Manager keeping sessions as o says.
func New(o Options) *Manager {
	var st sessions.Store = &cookieStore{keys{codecs: valueCodecs(o.Keys)}}
	if o.Redis != nil {
		// The cookie holds only the record's id: gob, as before, decodes a
		// string cheaply, and cookies already out still open.
		st = &redisStore{keys: keys{codecs: securecookie.CodecsFromPairs(o.Keys...)}, rdb: o.Redis, prefix: o.Prefix}
	}
	st.Options(sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return &Manager{store: st, now: o.Now, secure: o.Secure, logger: o.Logger}
}

// Sessions opens the visitor's session for the handlers after it. If they
// changed it, the cookie is written once, just before the answer goes out.
func (m *Manager) Sessions() gin.HandlerFunc {
	open := sessions.Sessions(CookieName, m.store)
	return func(c *gin.Context) {
		v := &visit{m: m, secure: m.secure(c)}
		// What the API tells back to this request's calls (gql.Reply) is
		// read as the cookie is saved: the token's expiry follows it.
		ctx := context.WithValue(c.Request.Context(), visitKey{}, v)
		c.Request = c.Request.WithContext(gql.WithReply(ctx))
		w := &saveFirst{ResponseWriter: c.Writer, save: func() { m.flush(c, v) }}
		c.Writer = w
		defer func() { c.Writer = w.ResponseWriter }() // a panic's 500 page saves nothing
		open(c)
		if !w.Written() { // the headers go out after this, without a write of ours
			w.saveOnce()
		}
	}
}

// Load reads the session for the request. It answers ErrExpired for a login
// past its ttl, and an error when the store could not read the session: the
// visitor must not be taken as logged out, which would lose it. A cookie an
// older key opened is re-issued with the newest.
func (m *Manager) Load(c *gin.Context) error {
	v := visitOf(c.Request)
	secret, _ := sessions.Default(c).Get(keySecret).(string) // reads the session from the store
	switch _, live := Current(c); {
	case v.loadErr != nil:
		return v.loadErr
	case secret != "" && !live:
		return ErrExpired
	}
	if v.stale {
		v.changed = true
	}
	return nil
}

// Current returns the live login of the request, if any. It only reads: a
// handler may use it on a request it refuses.
func Current(c *gin.Context) (gql.Session, bool) {
	v := visitOf(c.Request)
	if v == nil {
		return gql.Session{}, false
	}
	return v.m.login(sessions.Default(c).Get)
}

// Confirmed returns the request's live login if the API has accepted its
// token while answering this request: the API tells the token's expiry to
// every call that carried a live one (gql.Reply). It is what a page
// may show as logged in; a cookie alone, which outlives a logout, is not.
func Confirmed(c *gin.Context) (gql.Session, bool) {
	login, ok := Current(c)
	if !ok {
		return gql.Session{}, false
	}
	if gql.ReplyFrom(c.Request.Context()).Secret != login.Secret {
		return gql.Session{}, false
	}
	return login, true
}

// login reads the login held in a session's values, if it is live.
func (m *Manager) login(get func(key any) any) (gql.Session, bool) {
	secret, _ := get(keySecret).(string)
	ttlMillis, _ := get(keyTTL).(int64)
	ttl := time.UnixMilli(ttlMillis)
	if secret == "" || !m.now().Before(ttl) {
		return gql.Session{}, false
	}
	email, _ := get(keyEmail).(string)
	ownerID, _ := get(keyOwnerID).(string)
	name, _ := get(keyName).(string)
	return gql.Session{Secret: secret, TTL: ttl, Email: email, OwnerID: ownerID, Name: name}, true
}

// Start replaces whatever session the browser had with login, under a new
// id, with flash for the next page; a draft kept for this login stays. It
// saves at once: a login the store could not keep is an error, and the
// browser keeps the cookie it had.
func (m *Manager) Start(c *gin.Context, login gql.Session, flash string) error {
	v, s := visitOf(c.Request), sessions.Default(c)
	draft := s.Get(keyDraft)
	s.Clear()
	if draft != nil {
		s.Set(keyDraft, draft)
	}
	s.Set(keySecret, login.Secret)
	s.Set(keyTTL, login.TTL.UnixMilli())
	s.Set(keyEmail, login.Email)
	s.Set(keyOwnerID, login.OwnerID)
	s.Set(keyName, login.Name)
	s.AddFlash(flash)
	v.renew, v.changed = true, true
	if err := m.save(c, v); err != nil {
		s.Clear()
		v.changed = false
		return err
	}
	return nil
}

// End forgets the session, and its record in the store, leaving flash for
// the next page if it is not empty.
func (m *Manager) End(c *gin.Context, flash string) {
	v, s := visitOf(c.Request), sessions.Default(c)
	s.Clear()
	if flash != "" {
		s.AddFlash(flash)
	}
	v.renew, v.changed = true, true
}

// Flash keeps msg for the next page.
func (m *Manager) Flash(c *gin.Context, msg string) {
	sessions.Default(c).AddFlash(msg)
	visitOf(c.Request).changed = true
}

// TakeFlash returns the newest message kept for this page, if any, and
// forgets them all.
func (m *Manager) TakeFlash(c *gin.Context) string {
	flashes := sessions.Default(c).Flashes()
	if len(flashes) == 0 {
		return ""
	}
	visitOf(c.Request).changed = true
	msg, _ := flashes[len(flashes)-1].(string)
	return msg
}

// draft is a form kept across a login, for the page at Path.
type draft struct {
	Path string
	Form json.RawMessage
}

// KeepDraft keeps form, posted after the session ended, to show it again on
// path after the login. A draft too large for the cookie is not kept.
func (m *Manager) KeepDraft(c *gin.Context, path string, form any) {
	b, err := json.Marshal(form)
	if err != nil {
		return
	}
	if b, err = json.Marshal(draft{Path: path, Form: b}); err != nil {
		return
	}
	sessions.Default(c).Set(keyDraft, string(b))
	visitOf(c.Request).changed = true
}

// TakeDraft fills form with the draft kept for path and forgets it. It
// reports whether there was one.
func (m *Manager) TakeDraft(c *gin.Context, path string, form any) bool {
	s := sessions.Default(c)
	raw, _ := s.Get(keyDraft).(string)
	var d draft
	if raw == "" || json.Unmarshal([]byte(raw), &d) != nil || d.Path != path || json.Unmarshal(d.Form, form) != nil {
		return false
	}
	s.Delete(keyDraft)
	visitOf(c.Request).changed = true
	return true
}

// save writes the session if it changed. A draft that makes the cookie too
// large is dropped and the rest written.
func (m *Manager) save(c *gin.Context, v *visit) error {
	if !v.changed {
		return nil
	}
	s := sessions.Default(c)
	// Through the store, not gin-contrib's Save: that writes only a session
	// it saw a value set in, and a cookie re-issued with the newest key has
	// none.
	gs := s.(interface{ Session() *gsessions.Session }).Session()
	err := gs.Save(c.Request, c.Writer)
	if errors.Is(err, errTooLarge) && s.Get(keyDraft) != nil {
		m.logger(c).WarnContext(c.Request.Context(), "unsaved form too large to keep across login")
		s.Delete(keyDraft)
		err = gs.Save(c.Request, c.Writer)
	}
	if err == nil {
		v.changed, v.renew = false, false
	}
	return err
}

// flush saves the session as the answer goes out, when nothing can be done
// about a failure but to log it.
func (m *Manager) flush(c *gin.Context, v *visit) {
	m.followToken(c, v)
	if err := m.save(c, v); err != nil && !errors.Is(err, context.Canceled) {
		m.logger(c).ErrorContext(c.Request.Context(), "saving the session failed", "err", err)
	}
}

// followToken moves the login's ttl to the expiry the API last reported for
// its token during this request, so the cookie expires with the token as it
// slides (the API never reports one past the absolute cap). A report for
// another token (one the request has just replaced or ended) is ignored, and
// so is one for a login that has already expired here.
func (m *Manager) followToken(c *gin.Context, v *visit) {
	reply := gql.ReplyFrom(c.Request.Context())
	secret, expires := reply.Secret, reply.TokenExpiresAt
	if secret == "" {
		return
	}
	s := sessions.Default(c)
	login, live := m.login(s.Get)
	if !live || login.Secret != secret || !m.now().Before(expires) || login.TTL.Equal(expires.Truncate(time.Millisecond)) {
		return
	}
	s.Set(keyTTL, expires.UnixMilli())
	v.changed = true
}

// saveFirst saves the session just before the answer's headers go out.
type saveFirst struct {
	gin.ResponseWriter
	save  func()
	saved bool
}

func (w *saveFirst) saveOnce() {
	if !w.saved {
		w.saved = true
		w.save()
	}
}

func (w *saveFirst) WriteHeaderNow() {
	w.saveOnce()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *saveFirst) Write(b []byte) (int, error) {
	w.saveOnce()
	return w.ResponseWriter.Write(b)
}

func (w *saveFirst) WriteString(s string) (int, error) {
	w.saveOnce()
	return w.ResponseWriter.WriteString(s)
}

func (w *saveFirst) Flush() {
	w.saveOnce()
	w.ResponseWriter.Flush()
}

func (w *saveFirst) Unwrap() http.ResponseWriter { return w.ResponseWriter }
