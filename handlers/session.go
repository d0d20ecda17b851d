package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"

	"shopkeeper/components"
	"shopkeeper/gql"
)

// sessionCookie is the cookie name the workshop app used.
const sessionCookie = "fauna-session"

// Keys kept in the session. Only what login returned is stored, plus a
// one-time flash message.
const (
	keySecret  = "secret"
	keyTTL     = "ttl" // Unix milliseconds
	keyEmail   = "email"
	keyOwnerID = "ownerId"
	keyFlash   = "flash"
	keyDraft   = "draft" // a store form posted after the session ended, as JSON
	// keyStoreDown marks a session a server-side store could not load; it
	// is never saved.
	keyStoreDown = "\x00store-down"
)

// flashWelcomeBack is replaced by "Welcome back, NAME." on the first page that
// knows the owner's name.
const flashWelcomeBack = "\x00welcome-back"

// flashOnlyMaxAge bounds a cookie that carries only a flash message.
const flashOnlyMaxAge = 10 * 60

// authKey is where the logged-in session lives in the gin context.
const authKey = "shopkeeper.auth"

// newSessionStore returns the cookie store: each key pair is a hash key and a
// block key, newest first, so the value is signed and encrypted and older keys
// still open cookies made before a rotation.
func newSessionStore(keyPairs [][]byte) sessions.Store {
	st := cookie.NewStore(keyPairs...)
	st.Options(sessions.Options{Path: "/", MaxAge: flashOnlyMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return st
}

// errSessionStore is logged when a server-side session store fails.
var errSessionStore = errors.New("the session store (Redis) did not answer")

// outageAware wraps a server-side session store (Redis) so that a session
// it failed to load is marked keyStoreDown, for load to answer 503, instead
// of looking like no session at all. A cookie that does not decode (tampered,
// or made with a dropped key) is still simply no session.
type outageAware struct{ sessions.Store }

func (o outageAware) Get(r *http.Request, name string) (*gsessions.Session, error) {
	s, err := o.Store.Get(r, name)
	var cookieErr securecookie.Error
	if err != nil && !errors.As(err, &cookieErr) {
		if s == nil {
			s = gsessions.NewSession(o, name)
		}
		s.Values[keyStoreDown] = true
		return s, nil
	}
	return s, err
}

// sessions is the session lifecycle: reading it on every request, starting it
// at login and ending it at logout or expiry.
type sessionManager struct {
	now    func() time.Time
	secure func(*gin.Context) bool
	// newest opens only cookies made with the newest key pair; nil when
	// there is only one pair.
	newest []securecookie.Codec
	// serverSide is set when the cookie holds only an id and the values
	// live in a shared store (Redis).
	serverSide bool
}

func newSessionManager(keyPairs [][]byte, now func() time.Time, secure func(*gin.Context) bool) sessionManager {
	m := sessionManager{now: now, secure: secure}
	if len(keyPairs) > 2 {
		m.newest = securecookie.CodecsFromPairs(keyPairs[:2]...)
	}
	return m
}

// load reads the session on every request. A live one is put in the gin
// context and its secret in the request context for the API client; an
// expired one is dropped whatever the browser still sends.
func (m sessionManager) load() gin.HandlerFunc {
	return func(c *gin.Context) {
		s := sessions.Default(c)
		if s.Get(keyStoreDown) != nil {
			// The visitor has a session we cannot read: pretending they are
			// logged out would lose it, and saving would overwrite it.
			logUnexpected(c, "session store unavailable", errSessionStore)
			showError(c, http.StatusServiceUnavailable, unavailableView)
			c.Abort()
			return
		}
		secret, _ := s.Get(keySecret).(string)
		if secret != "" {
			ttlMillis, _ := s.Get(keyTTL).(int64)
			ttl := time.UnixMilli(ttlMillis)
			if m.now().Before(ttl) {
				email, _ := s.Get(keyEmail).(string)
				ownerID, _ := s.Get(keyOwnerID).(string)
				c.Set(authKey, gql.Session{Secret: secret, TTL: ttl, Email: email, OwnerID: ownerID})
				c.Request = c.Request.WithContext(gql.WithSecret(c.Request.Context(), secret))
				// Pages behind a login must not be kept by browsers or proxies.
				c.Header("Cache-Control", "no-store")
				m.reissueOldKey(c)
			} else {
				m.end(c)
				_ = m.flash(c, msgSessionEnded)
			}
		}
		c.Next()
	}
}

// reissueOldKey re-encodes with the newest key a live session whose cookie
// an older key opened, so a key rotation completes as people use the site
// and the old key can be dropped after one token ttl.
func (m sessionManager) reissueOldKey(c *gin.Context) {
	if m.newest == nil {
		return
	}
	raw, err := c.Cookie(sessionCookie)
	if err != nil {
		return
	}
	// The cookie holds the values, or with a server-side store their id.
	var dst any = &map[any]any{}
	if m.serverSide {
		dst = new(string)
	}
	if securecookie.DecodeMulti(sessionCookie, raw, dst, m.newest...) != nil {
		_ = m.save(c) // re-encodes values that were just decoded: cannot fail in practice
	}
}

// start replaces whatever session the browser had with a fresh one holding
// what login returned, expiring when the token does.
func (m sessionManager) start(c *gin.Context, login gql.Session) error {
	s := sessions.Default(c)
	draft := s.Get(keyDraft) // survives the login it was waiting for
	if m.serverSide {
		// A server-side store keeps the id it was given. Drop the old record
		// and take a new id, so an id planted before login (session
		// fixation) is worth nothing afterwards.
		s.Options(sessions.Options{Path: "/", MaxAge: -1})
		if err := s.Save(); err != nil {
			return err
		}
		if gs, ok := s.(interface{ Session() *gsessions.Session }); ok {
			gs.Session().ID = ""
		}
	}
	s.Clear()
	if draft != nil {
		s.Set(keyDraft, draft)
	}
	s.Set(keySecret, login.Secret)
	s.Set(keyTTL, login.TTL.UnixMilli())
	s.Set(keyEmail, login.Email)
	s.Set(keyOwnerID, login.OwnerID)
	c.Set(authKey, login)
	return m.save(c)
}

// end forgets the session and tells the browser to drop the cookie.
func (m sessionManager) end(c *gin.Context) {
	sessions.Default(c).Clear()
	c.Set(authKey, nil)
	_ = m.save(c) // encodes nothing: cannot fail in practice
}

// flash stores a one-time message for the next page.
func (m sessionManager) flash(c *gin.Context, msg string) error {
	sessions.Default(c).Set(keyFlash, msg)
	return m.save(c)
}

// takeFlash returns and forgets the pending flash message, if any. ownerName
// completes the welcome message.
func (m sessionManager) takeFlash(c *gin.Context, ownerName string) string {
	s := sessions.Default(c)
	msg, _ := s.Get(keyFlash).(string)
	if msg == "" {
		return ""
	}
	s.Delete(keyFlash)
	_ = m.save(c) // re-encodes values that were just decoded: cannot fail in practice
	if msg == flashWelcomeBack {
		return "Welcome back, " + ownerName + "."
	}
	return msg
}

// draft is a store form kept across a login.
type draft struct {
	Path string
	Form components.StoreForm
}

// keepDraft keeps a store form the user could not save because their session
// ended, to show it again on path after they log in. A form too large for a
// cookie is not kept.
func (m sessionManager) keepDraft(c *gin.Context, path string, form components.StoreForm) {
	form.Errors, form.Alert = nil, ""
	b, err := json.Marshal(draft{Path: path, Form: form})
	if err != nil {
		return
	}
	s := sessions.Default(c)
	s.Set(keyDraft, string(b))
	if m.save(c) != nil {
		s.Delete(keyDraft)
		logger(c).WarnContext(c.Request.Context(), "unsaved store form too large to keep across login")
		_ = m.save(c)
	}
}

// takeDraft returns and forgets the draft kept for path, if any.
func (m sessionManager) takeDraft(c *gin.Context, path string) (components.StoreForm, bool) {
	s := sessions.Default(c)
	raw, _ := s.Get(keyDraft).(string)
	var d draft
	if raw == "" || json.Unmarshal([]byte(raw), &d) != nil || d.Path != path {
		return components.StoreForm{}, false
	}
	s.Delete(keyDraft)
	_ = m.save(c)
	return d.Form, true
}

// save writes the cookie. It lives as long as the login it holds; a cookie
// holding only a flash message lives a few minutes; an empty one is deleted.
func (m sessionManager) save(c *gin.Context) error {
	s := sessions.Default(c)
	maxAge := -1
	if a, ok := currentAuth(c); ok {
		maxAge = max(1, int(a.TTL.Sub(m.now())/time.Second))
	} else if s.Get(keyFlash) != nil || s.Get(keyDraft) != nil {
		maxAge = flashOnlyMaxAge
	}
	s.Options(sessions.Options{
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   m.secure(c),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return s.Save()
}

// currentAuth returns the live session of this request, if any.
func currentAuth(c *gin.Context) (gql.Session, bool) {
	v, ok := c.Get(authKey)
	if !ok || v == nil {
		return gql.Session{}, false
	}
	a, ok := v.(gql.Session)
	return a, ok
}
