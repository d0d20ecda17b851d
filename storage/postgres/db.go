// Package postgres is the PostgreSQL backend of storage.DB, for running
// several Shopkeeper instances over one database. It uses pgx through a
// connection pool and has the same semantics as storage/sqlite: the
// conformance suite in store/storagetest runs against both.
//
// Connection settings come from the URL, including pgxpool's pool_*
// parameters (pool_max_conns, pool_health_check_period, …); where the URL
// is silent, Open picks the defaults below.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"shopkeeper/storage"
)

// Pool defaults, used when the URL does not set them.
const (
	// Every instance holds up to this many connections, so the server's
	// max_connections (default 100) must cover instances × defaultMaxConns.
	defaultMaxConns = 10
	// Idle connections are checked this often, so a restarted server or a
	// failover is noticed between requests rather than by one.
	defaultHealthCheckPeriod = 15 * time.Second
	// Connections are replaced after this long (plus up to the jitter), so
	// they spread over new replicas or a moved DNS name.
	defaultMaxConnLifetime       = 30 * time.Minute
	defaultMaxConnLifetimeJitter = 5 * time.Minute
	defaultMaxConnIdleTime       = 5 * time.Minute
	// A server that does not answer is reported unavailable this soon,
	// rather than after the operating system gives up on TCP.
	defaultConnectTimeout = 5 * time.Second
)

// DB is a storage.DB backed by a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
}

var _ storage.DB = (*DB)(nil)

// Open connects to the database at databaseURL (postgres://… or key=value
// form) and brings its schema up to date. Instances opening the same
// database at once take turns migrating.
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	if databaseURL == "" {
		return nil, errors.New("postgres: empty database URL")
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	setDefaults(cfg, databaseURL)
	if err := migrateDB(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("open pool", err)
	}
	return &DB{pool: pool}, nil
}

// setDefaults applies the defaults above to what the URL left unset.
// pgxpool fills in its own defaults while parsing, so whether the URL set
// a parameter is read from the URL itself.
func setDefaults(cfg *pgxpool.Config, databaseURL string) {
	set := func(param string) bool { return strings.Contains(databaseURL, param+"=") }
	if !set("pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if !set("pool_health_check_period") {
		cfg.HealthCheckPeriod = defaultHealthCheckPeriod
	}
	if !set("pool_max_conn_lifetime") {
		cfg.MaxConnLifetime = defaultMaxConnLifetime
	}
	if !set("pool_max_conn_lifetime_jitter") {
		cfg.MaxConnLifetimeJitter = defaultMaxConnLifetimeJitter
	}
	if !set("pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = defaultMaxConnIdleTime
	}
	if !set("connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		// Names the connections in pg_stat_activity.
		cfg.ConnConfig.RuntimeParams["application_name"] = "shopkeeper"
	}
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close waits for connections in use to be released, then closes them all.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// PoolStats reports the connection pool.
func (db *DB) PoolStats() []storage.PoolStats {
	s := db.pool.Stat()
	return []storage.PoolStats{{
		Name: "postgres", Open: int(s.TotalConns()), InUse: int(s.AcquiredConns()), MaxOpen: int(s.MaxConns()),
		WaitCount: s.EmptyAcquireCount(), WaitDuration: s.EmptyAcquireWaitTime(),
	}}
}

// inTx runs fn in a transaction and commits it if fn succeeds. fn's errors
// come back as they are; failing to begin or commit is wrapped as op, so a
// database that cannot be reached is storage.ErrUnavailable here too
// (pgx.BeginFunc would hand those errors back bare).
func (db *DB) inTx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op once committed
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(op, err)
	}
	return nil
}
