// Package handlers is Shopkeeper's web front: the gin router, the pages and
// forms, and the session cookie. It talks to the GraphQL API only, through
// the interfaces declared next to each handler, and knows nothing about SQL.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"shopkeeper/components"
	"shopkeeper/handlers/session"
	"shopkeeper/static"
)

// API is everything the pages need of the GraphQL API; *gql.Client has it.
type API interface {
	authAPI
	dashboardAPI
	storeAPI
	accountAPI
	resetAPI
}

// Options wires the web front to its dependencies.
type Options struct {
	// API serves the pages; nil serves no pages (the api role).
	API API
	// GraphQL, when set, is mounted at /graphql.
	GraphQL http.Handler
	// SessionKeys are hash/block key pairs, newest first. They seal the
	// session and device cookies; an api role given them checks the device
	// cookies a web role in front passes on.
	SessionKeys [][]byte
	// CookieSecure is auto, true or false.
	CookieSecure string
	// TrustedProxies are the IPs or CIDRs whose X-Forwarded-* headers count.
	TrustedProxies []string
	// Ready reports whether the dependencies answer, for /readyz.
	Ready  func(context.Context) error
	Logger *slog.Logger
	// Now is the clock for session expiry; nil means time.Now.
	Now func() time.Time
	// SessionRedis keeps sessions server-side, under keys starting with
	// SessionRedisPrefix, the cookie holding only their signed and
	// encrypted id; nil keeps them in the encrypted cookie itself.
	SessionRedis       *redis.Client
	SessionRedisPrefix string
	// Metrics records requests and security events; nil records nothing.
	Metrics Recorder
	// MetricsHandler, when set, is mounted at GET /metrics.
	MetricsHandler http.Handler
	// BodyBudget bounds the bytes of all request bodies being read at
	// once; zero means DefaultBodyBudget.
	BodyBudget int64
	// GraphQLMaxBody is the largest body GraphQL reads; zero means
	// DefaultGraphQLMaxBody.
	GraphQLMaxBody int64
	// ReadTimeout is the http.Server's: the deadlines that keep a body
	// arriving never pass it. Zero: no such bound.
	ReadTimeout time.Duration
}

// NewServer returns the whole HTTP surface of Shopkeeper. Every route is here.
func NewServer(o Options) (http.Handler, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	proxies, err := parseProxies(o.TrustedProxies)
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil { // nil trusts none
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	fromProxy := func(c *gin.Context) bool { return proxies.contains(c.RemoteIP()) }
	https := func(c *gin.Context) bool {
		return c.Request.TLS != nil || (fromProxy(c) && strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https"))
	}
	if o.Metrics == nil {
		o.Metrics = noRecorder{}
	}
	if o.BodyBudget <= 0 {
		o.BodyBudget = DefaultBodyBudget
	}
	if o.GraphQLMaxBody <= 0 {
		o.GraphQLMaxBody = DefaultGraphQLMaxBody
	}
	// Every route that reads a body reserves it here first, up to its own
	// maximum.
	bodies := newBodyBudget(max(o.BodyBudget, o.GraphQLMaxBody, maxFormBytes), o.ReadTimeout)
	r.Use(requestLog(o.Logger, o.Metrics, fromProxy), recoverPanics(), securityHeaders(https))

	r.Match(getOrHead, "/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.Match(getOrHead, "/readyz", readiness(o.Ready))
	r.Match(getOrHead, "/static/*file", gin.WrapH(static.Handler()))
	secure := https
	switch o.CookieSecure {
	case "true":
		secure = func(*gin.Context) bool { return true }
	case "false":
		secure = func(*gin.Context) bool { return false }
	}
	devs := newDevices(o.SessionKeys, secure)
	if o.GraphQL != nil {
		// A web role in front names the browser's device as it names its
		// address: believed from trusted proxies only.
		r.Any("/graphql", bodies.admit(o.GraphQLMaxBody, busyGraphQL), devs.fromProxy(fromProxy), gin.WrapH(o.GraphQL))
	}
	if o.MetricsHandler != nil {
		r.Match(getOrHead, "/metrics", gin.WrapH(o.MetricsHandler))
	}
	notFound := func(c *gin.Context) { showError(c, http.StatusNotFound, notFoundView) }
	r.NoRoute(notFound)
	r.NoMethod(func(c *gin.Context) { showError(c, http.StatusMethodNotAllowed, methodNotAllowedView) })
	if o.API == nil {
		return noForwardedPrefix{r}, nil
	}

	sm := session.New(session.Options{
		Keys: o.SessionKeys, Redis: o.SessionRedis, Prefix: o.SessionRedisPrefix,
		Now: o.Now, Secure: secure, Logger: logger,
	})
	// Every route that reads the session cookie refuses cross-site writes
	// before the session is loaded: the refusal page asks the API nothing,
	// so it shows nobody logged in, and nothing in the session changes.
	// Pages read at most maxFormBytes, reserved in the body budget first.
	// /graphql is outside on purpose: it takes a bearer token, never the
	// cookie, and its browser callers are cross-origin by design (CORS).
	pages := r.Group("/", sm.Sessions(), crossOriginProtection(),
		bodies.admit(maxFormBytes, busyPage), limitBody(maxFormBytes), loadSession(sm))
	pages.Match(getOrHead, "/", home(o.API, sm))
	pages.Match(getOrHead, "/login", loginPage(sm))
	pages.POST("/login", devs.load(), login(o.API, sm, devs))
	pages.Match(getOrHead, "/signup", signupPage(sm))
	pages.POST("/signup", signup(o.API, sm, devs))
	pages.POST("/logout", logout(o.API, sm))
	// Pages that ask the API nothing else check the session for the nav.
	nav := liveNav(o.API, sm)
	pages.Match(getOrHead, "/forgot", nav, forgotPage(sm))
	pages.POST("/forgot", forgot(o.API, sm))
	pages.Match(getOrHead, "/reset", noReferrer, nav, resetPage(sm))
	pages.POST("/reset", noReferrer, reset(o.API, sm))

	owner := pages.Group("/stores", requireLogin(sm))
	owner.Match(getOrHead, "/new", newStorePage(o.API, sm))
	owner.POST("", saveStore(o.API, sm))
	owner.Match(getOrHead, "/:id", showStore(o.API, sm))
	owner.Match(getOrHead, "/:id/edit", editStorePage(o.API, sm))
	owner.POST("/:id", saveStore(o.API, sm)) // plain form
	owner.PUT("/:id", saveStore(o.API, sm))  // htmx
	owner.POST("/:id/delete", deleteStore(o.API, sm))
	owner.DELETE("/:id", deleteStore(o.API, sm))

	account := pages.Group("/account", requireLogin(sm))
	account.Match(getOrHead, "", accountPage(o.API, sm))
	account.POST("/sessions/:id/revoke", endSession(o.API, sm)) // plain form
	account.DELETE("/sessions/:id", endSession(o.API, sm))      // htmx
	account.POST("/logout-others", logoutOthers(o.API, sm))
	account.POST("/password", devs.load(), changePassword(o.API, sm))
	account.POST("/delete", devs.load(), deleteAccount(o.API, sm, devs))

	// A logged-in visitor's 404 page still shows them logged in, once the
	// API has said the session lives.
	r.NoRoute(sm.Sessions(), loadSession(sm), nav, notFound)
	return noForwardedPrefix{r}, nil
}

// noForwardedPrefix drops X-Forwarded-Prefix before gin routes: gin puts it
// in front of the Location of its trailing-slash redirects, whoever sent it,
// and Shopkeeper is never mounted under a prefix.
type noForwardedPrefix struct{ http.Handler }

func (h noForwardedPrefix) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := r.Header["X-Forwarded-Prefix"]; ok {
		r = r.Clone(r.Context()) // a handler must not change the request it was given
		r.Header.Del("X-Forwarded-Prefix")
	}
	h.Handler.ServeHTTP(w, r)
}

// getOrHead is how every page, asset and probe is routed: whatever answers
// GET answers HEAD the same way, and net/http leaves the body out.
var getOrHead = []string{http.MethodGet, http.MethodHead}

// readiness answers 200 when the dependencies answer, else 503.
func readiness(ready func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
			defer cancel()
			if err := ready(ctx); err != nil {
				logger(c).WarnContext(ctx, "not ready", "err", err)
				c.String(http.StatusServiceUnavailable, "not ready\n")
				return
			}
		}
		c.String(http.StatusOK, "ready\n")
	}
}

var methodNotAllowedView = components.ErrorView{
	Status: http.StatusMethodNotAllowed, Title: "Method not allowed",
	Message: "This address does not accept that kind of request.",
}

// proxySet is the parsed SHOP_TRUSTED_PROXIES.
type proxySet []netip.Prefix

func parseProxies(list []string) (proxySet, error) {
	var out proxySet
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an IP nor a CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (ps proxySet) contains(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func init() {
	// gin's debug mode prints every route at start-up and warns on stdout;
	// the request log is ours.
	gin.SetMode(gin.ReleaseMode)
}
