package session

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
)

// flashOnlyMaxAge bounds a cookie that holds no login, only a flash or a draft.
const flashOnlyMaxAge = 10 * 60

// errTooLarge says the values do not fit in a cookie (securecookie's own
// error does not keep its type).
var errTooLarge = errors.New("session: the values do not fit in a cookie")

// visit is what the Manager and its store know of one request's session
// beyond its values. It travels in the request's context, the one
// gin-contrib hands the store.
type visit struct {
	m      *Manager
	secure bool
	// Set by the store when it reads the session.
	stale   bool  // an older key opened the cookie, or the values were gob
	loadErr error // the store could not read the session
	// Set by the Manager for the store's save.
	renew   bool // the login changed: a server-side store takes a new id
	changed bool // the cookie must be written
}

type visitKey struct{}

func visitOf(r *http.Request) *visit {
	v, _ := r.Context().Value(visitKey{}).(*visit)
	return v
}

// cookie is how the session's cookie is set: for as long as the login it
// holds, a few minutes when it holds only a flash or a draft, and deleted
// when it holds nothing.
func (v *visit) cookie(base gsessions.Options, values map[any]any) *gsessions.Options {
	o := base
	o.Secure = v.secure
	o.MaxAge = -1
	if login, ok := v.m.login(func(k any) any { return values[k] }); ok {
		o.MaxAge = max(1, int(login.TTL.Sub(v.m.now())/time.Second))
	} else if len(values) > 0 {
		o.MaxAge = flashOnlyMaxAge
	}
	return &o
}

// keys is what both stores share: the cookie's key pairs and its fixed
// attributes, set once.
type keys struct {
	codecs []securecookie.Codec
	base   gsessions.Options
}

func (k *keys) Options(o sessions.Options) { k.base = *o.ToGorillaOptions() }

// open decodes a cookie value into dst and reports whether a key pair other
// than the newest opened it.
func (k *keys) open(name, value string, dst any) (stale bool, err error) {
	for i, codec := range k.codecs {
		if err = codec.Decode(name, value, dst); err == nil {
			return i > 0, nil
		}
	}
	return false, err
}

// seal encodes a cookie value with the newest key pair.
func (k *keys) seal(name string, value any) (string, error) {
	return k.codecs[0].Encode(name, value)
}

func (k *keys) newSession(st gsessions.Store, name string) *gsessions.Session {
	s := gsessions.NewSession(st, name)
	opts := k.base
	s.Options = &opts
	s.IsNew = true
	return s
}

// cookieStore keeps the values in the cookie itself, signed and encrypted
// (codecs with valuesSerializer). A cookie it cannot open (tampered with,
// or made with a dropped key) is no session.
type cookieStore struct{ keys }

// Get is New: gin-contrib asks once per request and keeps the session, so
// gorilla's registry of the request's sessions would only add a copy of the
// request.
func (s *cookieStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return s.New(r, name)
}

func (s *cookieStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	sess := s.newSession(s, name)
	if c, err := r.Cookie(name); err == nil {
		var got decodedValues
		if stale, err := s.open(name, c.Value, &got); err == nil {
			sess.Values, sess.IsNew = got.values, false
			visitOf(r).stale = stale || got.legacy
		}
	}
	return sess, nil
}

func (s *cookieStore) Save(r *http.Request, w http.ResponseWriter, sess *gsessions.Session) error {
	opts := visitOf(r).cookie(s.base, sess.Values)
	value := ""
	if opts.MaxAge > 0 {
		var err error
		if value, err = s.seal(sess.Name(), sess.Values); err != nil {
			// securecookie's length check is the one error it does not
			// return as a securecookie.Error.
			if _, ok := errors.AsType[securecookie.Error](err); ok {
				return err
			}
			return fmt.Errorf("%w: %v", errTooLarge, err)
		}
	}
	http.SetCookie(w, gsessions.NewCookie(sess.Name(), value, opts))
	return nil
}

// redisStore keeps the values in Redis (valuesSerializer's bytes) under the
// prefix and a random id, expiring with the cookie; the cookie holds only
// the id, signed and encrypted. A record that is gone is no session; a
// Redis that does not answer is the visit's loadErr, not "no session".
type redisStore struct {
	keys
	rdb    *redis.Client
	prefix string
}

// Get is New, as cookieStore's.
func (s *redisStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return s.New(r, name)
}

func (s *redisStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	sess := s.newSession(s, name)
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	stale, err := s.open(name, c.Value, &id)
	if err != nil {
		return sess, nil
	}
	b, err := s.rdb.Get(r.Context(), s.prefix+id).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			visitOf(r).loadErr = err
		}
		return sess, nil
	}
	var got decodedValues
	if (valuesSerializer{}).Deserialize(b, &got) == nil {
		sess.ID, sess.Values, sess.IsNew = id, got.values, false
		visitOf(r).stale = stale || got.legacy
	}
	return sess, nil
}

// Save writes the record and the cookie. A new login, or an ended one,
// deletes the old record and takes a new id, so an id planted in a browser
// before the login (session fixation) is worth nothing afterwards.
func (s *redisStore) Save(r *http.Request, w http.ResponseWriter, sess *gsessions.Session) error {
	v := visitOf(r)
	opts := v.cookie(s.base, sess.Values)
	old := ""
	if v.renew || opts.MaxAge <= 0 {
		old, sess.ID = sess.ID, ""
	}
	value := ""
	ctx := r.Context()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if old != "" {
			p.Del(ctx, s.prefix+old)
		}
		if opts.MaxAge <= 0 {
			return nil
		}
		b, err := valuesSerializer{}.Serialize(sess.Values)
		if err != nil {
			return err
		}
		if sess.ID == "" {
			sess.ID = rand.Text()
		}
		if value, err = s.seal(sess.Name(), sess.ID); err != nil {
			return err
		}
		p.Set(ctx, s.prefix+sess.ID, b, time.Duration(opts.MaxAge)*time.Second)
		return nil
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, gsessions.NewCookie(sess.Name(), value, opts))
	return nil
}
