// Package app assembles Shopkeeper from its configuration: the store, the
// GraphQL API, the web front and the HTTP server, and runs them until the
// context ends.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/handlers"
	"shopkeeper/mail"
	"shopkeeper/metrics"
	"shopkeeper/password"
	"shopkeeper/storage"
	"shopkeeper/storage/postgres"
	"shopkeeper/storage/sqlite"
	"shopkeeper/throttle"
)

// Server timeouts: generous enough for a slow phone, short enough that idle
// or stalled clients do not pile up.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 20 * time.Second
	mailTimeout       = 10 * time.Second // one attempt at sending a mail
	purgeEvery        = 10 * time.Minute
)

// Run serves Shopkeeper with cfg until ctx is done, then drains in-flight
// requests and returns. Logs go to logOut as JSON lines, in batches: within
// logFlushEvery, at once from a warning up, and all of them by the return.
//
// The roles share the HTTP server, metrics, readiness and Redis: role api
// builds the API (buildAPI), role web the pages (buildWeb), role all both.
func Run(ctx context.Context, cfg Config, logOut io.Writer) error {
	logger, logs := newBufferedLogger(logOut, logBufferSize, logFlushEvery)
	defer logs.Close() // deferred first, so it runs last: every line is written
	// Bind first: a taken port must fail before anything opens the database
	// or writes to the data dir.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	defer ln.Close() // on an early return; Shutdown closes it otherwise

	m, err := newMetrics()
	if err != nil {
		return err
	}
	opts := handlers.Options{
		Metrics:        m,
		MetricsHandler: m.Handler(),
		CookieSecure:   cfg.CookieSecure,
		TrustedProxies: cfg.TrustedProxies,
		Logger:         logger,
		GraphQLMaxBody: api.MaxBodyBytes,
		ReadTimeout:    readTimeout, // bodies are read at a floor rate, never past it
	}
	var ready []func(context.Context) error
	var rdb *redis.Client
	if cfg.RedisURL != "" {
		if rdb, err = openRedis(ctx, cfg.RedisURL, logger); err != nil {
			return err
		}
		defer rdb.Close()
		ready = append(ready, func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	}

	var background []func(context.Context)
	var stop []func(context.Context) error // after the requests drained, in the same window
	var graphql *api.Server
	if cfg.Role != "web" {
		a, err := buildAPI(ctx, cfg, logger, m, rdb)
		if err != nil {
			return err
		}
		defer a.db.Close()
		stop = append(stop, a.mail.Close)
		graphql = a.server
		opts.GraphQL = graphql
		if cfg.Role == "api" {
			// The web roles in front pass on the device cookies they
			// checked, sealed with their session keys: with the same
			// keys this API checks them again, and a browser's own login
			// budget holds across the two processes.
			if len(cfg.SessionKeys) == 0 {
				logger.Info("SHOP_SESSION_KEYS is not set: device cookies passed on by web roles are not checked, so their logins keep the per-account limits")
			} else if opts.SessionKeys, err = sessionKeyPairs(cfg.SessionKeys, cfg.DataDir); err != nil {
				return err
			}
		}
		ready = append(ready, a.db.Ping)
		background = append(background, func(ctx context.Context) { graphql.PurgeExpiredTokens(ctx, purgeEvery) })
	}
	if cfg.Role != "api" {
		w, err := buildWeb(cfg, graphql)
		if err != nil {
			return err
		}
		opts.API, opts.SessionKeys = w.api, w.sessionKeys
		if cfg.SessionStore == "redis" { // the limits' client: one pool, the same timeouts
			opts.SessionRedis, opts.SessionRedisPrefix = rdb, cfg.RedisPrefix+"session:"
		}
		if w.ready != nil {
			ready = append(ready, w.ready)
		}
	}

	opts.Ready = func(ctx context.Context) error {
		for _, check := range ready {
			if err := check(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	h, err := handlers.NewServer(opts)
	if err != nil {
		return err
	}
	return serve(ctx, ln, cfg, h, logger, background, stop)
}

// newMailQueue sends mails through SHOP_SMTP_URL, or writes them to
// DATA_DIR/outbox when it is not set, in the background.
func newMailQueue(cfg Config, logger *slog.Logger, m *metrics.Metrics) *mail.Queue {
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		sender = mail.NewSMTP(cfg.SMTP, cfg.MailFrom, mailTimeout)
	} else {
		dir := filepath.Join(cfg.DataDir, "outbox")
		logger.Info("no SHOP_SMTP_URL: mails are written to the outbox and logged", "dir", dir)
		sender = &mail.Outbox{Dir: dir, From: cfg.MailFrom, Log: logger}
	}
	mm := mailMetricsFor(m)
	return mail.NewQueue(mail.QueueOptions{Sender: sender, Timeout: mailTimeout, Log: logger,
		OnSent: mm.sent, OnFailure: mm.failed})
}

// apiPart is the GraphQL API over its database.
type apiPart struct {
	db     storage.DB
	server *api.Server
	mail   *mail.Queue
}

// buildAPI opens the database and builds the GraphQL API over it. Login and
// sign-up attempts are counted per process, or across instances in Redis
// when rdb is set, falling back to this process's count while Redis is down.
func buildAPI(ctx context.Context, cfg Config, logger *slog.Logger, m *metrics.Metrics, rdb *redis.Client) (*apiPart, error) {
	local := throttle.NewMemory(throttle.MemoryOptions{})
	var limiter api.Limiter = local
	if rdb != nil {
		shared := throttle.NewRedis(rdb).WithPrefix(cfg.RedisPrefix + "throttle:")
		// Redis down: keep counting in this instance rather than refuse logins.
		limiter = throttle.NewFallback(shared, local, logger)
	}
	limits := api.DefaultLimits
	if !cfg.RateLimits {
		logger.Warn("login, sign-up and store write rate limits are off (SHOP_RATE_LIMITS=off)")
		limits.Off = true
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	if p, ok := db.(interface{ PoolStats() []storage.PoolStats }); ok {
		if err := m.Register(poolCollector(p.PoolStats)); err != nil {
			db.Close()
			return nil, err
		}
	}
	queue := newMailQueue(cfg, logger, m)
	server := api.New(api.Options{
		Mailer: queue, BaseURL: cfg.BaseURL, ResetTTL: cfg.ResetTTL,
		DB: db, TokenTTL: cfg.TokenTTL, SessionMax: cfg.SessionMax, Logger: logger, CORSOrigins: cfg.CORSOrigins,
		Hasher:      password.New(password.Options{OnWait: m.HashWait}),
		OnOperation: m.Operation, OnEvent: m.Event,
		Limiter: limiter, Limits: limits, MaxStores: cfg.MaxStores,
		DisableIntrospection: !cfg.Introspection,
	})
	return &apiPart{db: db, server: server, mail: queue}, nil
}

// webPart is what the pages need: a GraphQL client and the session cookie's
// keys.
type webPart struct {
	api         *gql.Client
	sessionKeys [][]byte
	ready       func(context.Context) error // the remote API's health, if any
}

// buildWeb sets up the pages' side: the API in this process when graphql is
// set, else the remote one at SHOP_GRAPHQL_URL; and the session keys
// (generated into the data dir when none are configured).
func buildWeb(cfg Config, graphql *api.Server) (*webPart, error) {
	w := &webPart{}
	if graphql != nil {
		w.api = gql.NewInProcess(graphql)
	} else {
		w.api = gql.NewRemote(cfg.GraphQLURL)
		w.ready = remoteHealth(cfg.GraphQLURL)
	}
	if len(cfg.SessionKeys) == 0 { // one is generated into the data dir
		if err := prepareDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	keys, err := sessionKeyPairs(cfg.SessionKeys, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	w.sessionKeys = keys
	return w, nil
}

// serve serves h on ln, with pprof on its own address if asked, and the
// background jobs running, until ctx is done; then it drains in-flight
// requests.
func serve(ctx context.Context, ln net.Listener, cfg Config, h http.Handler, logger *slog.Logger, background []func(context.Context), stop []func(context.Context) error) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	for _, f := range background {
		go f(bgCtx)
	}

	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	// Start-up garbage (the 19 MiB argon2 block behind the dummy password
	// hash, parsed schemas) would otherwise stay mapped until the scavenger
	// gets to it; an idle instance should be small.
	debug.FreeOSMemory()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", "http://"+ln.Addr().String(), "role", cfg.Role)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	for _, f := range stop { // such as sending the queued mails
		if err := f(shutdownCtx); err != nil {
			logger.Error("shutting down", "error", err)
		}
	}
	logger.Info("stopped")
	return nil
}

// openStore opens PostgreSQL when SHOP_DATABASE_URL names it, else the SQLite
// file in the data dir. Either way the schema is brought up to date.
func openStore(ctx context.Context, cfg Config) (storage.DB, error) {
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		return postgres.Open(ctx, cfg.DatabaseURL)
	case cfg.DatabaseURL != "":
		return nil, errors.New("SHOP_DATABASE_URL must start with postgres:// (or be empty for SQLite in the data dir)")
	}
	if err := prepareDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	path, err := filepath.Abs(filepath.Join(cfg.DataDir, "shopkeeper.db"))
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return sqlite.Open(ctx, path)
}

// prepareDataDir creates the data dir if need be and checks that this
// process may write to it, so that a wrong path or owner is reported as
// such ("data dir /x (SHOP_DATA_DIR): permission denied") rather than as
// SQLite's "unable to open database file (14)".
func prepareDataDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("data dir %s (SHOP_DATA_DIR): %w", dir, err)
	}
	fail := func(err error) error {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // the cause; the path is the data dir's or under it
		}
		return fmt.Errorf("data dir %s (SHOP_DATA_DIR): %w", abs, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fail(err)
	}
	probe, err := os.CreateTemp(abs, ".write-check-*")
	if err != nil {
		return fail(err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return fail(err)
	}
	return nil
}

// servePprof serves Go's profiles on their own loopback listener, apart from
// the app's routes, for `go tool pprof http://ADDR/debug/pprof/profile`.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("serving pprof", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}

// openRedis connects to the Redis at rawURL (redis:// or rediss://). Commands
// time out quickly (sooner when their context says so) and a refused
// connection is not redialled: a slow or dead Redis must not hold logins up. The client's own log lines join ours.
//
// A Redis that does not answer now is one warning, not an error: it may come
// up later, and meanwhile each instance counts logins on its own.
func openRedis(ctx context.Context, rawURL string, logger *slog.Logger) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SHOP_REDIS_URL: %w", err)
	}
	opts.DialTimeout = time.Second
	opts.DialerRetries = 1
	opts.ReadTimeout = 500 * time.Millisecond
	opts.WriteTimeout = 500 * time.Millisecond
	opts.MaxRetries = 1
	// Callers' deadlines reach the socket: the limiter's calls are bounded
	// by their own short deadline (throttle.CallTimeout), not only by the
	// read and write timeouts.
	opts.ContextTimeoutEnabled = true
	rl := &redisLog{logger: logger}
	redis.SetLogger(rl)
	rdb := redis.NewClient(opts)

	rl.quiet.Store(true) // the warning below says it all, once
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = rdb.Ping(pingCtx).Err()
	cancel()
	rl.quiet.Store(false)
	if err != nil {
		logger.Warn("Redis does not answer; starting without it until it does", "addr", opts.Addr, "err", err.Error())
	}
	return rdb, nil
}

// redisLog writes go-redis' messages as warnings in the JSON log.
type redisLog struct {
	logger *slog.Logger
	quiet  atomic.Bool // drop messages while set
}

func (l *redisLog) Printf(ctx context.Context, format string, v ...any) {
	if l.quiet.Load() {
		return
	}
	l.logger.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

// remoteHealth checks that the API the web role talks to is up, through the
// /healthz beside its /graphql.
func remoteHealth(graphqlURL string) func(context.Context) error {
	u, err := url.Parse(graphqlURL)
	if err != nil {
		return func(context.Context) error { return fmt.Errorf("SHOP_GRAPHQL_URL: %w", err) }
	}
	u.Path, u.RawQuery = "/healthz", ""
	health := u.String()
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("API: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("API health: status %d", resp.StatusCode)
		}
		return nil
	}
}
