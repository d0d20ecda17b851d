package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"shopkeeper/internal/serverproc"
)

// randomHex is n random bytes in hex, for names no other run uses.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newDatabase creates an empty database (shopkeeper_bench_…) on the
// PostgreSQL server at server, whose role must be allowed to create
// databases, and returns its URL and a func that drops it.
func newDatabase(ctx context.Context, server string) (dbURL string, drop func() error, err error) {
	if server == "" {
		return "", nil, errors.New("-postgres is empty")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-postgres must be a postgres:// URL, got %q", server)
	}
	name := "shopkeeper_bench_" + randomHex(8)
	if err := pgAdmin(ctx, server, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop = func() error {
		// Its own deadline: ctx may have ended. FORCE ends the connections
		// a server that was killed left open.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return pgAdmin(ctx, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// pgAdmin runs one statement on the server's own database.
func pgAdmin(ctx context.Context, server, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("PostgreSQL at -postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("PostgreSQL: %s: %w", sql, err)
	}
	return nil
}

// newRedisPrefix checks that the Redis server at server answers and
// returns a key prefix no other run uses, and a func that deletes every
// key under it.
func newRedisPrefix(ctx context.Context, server string) (prefix string, clean func() error, err error) {
	if server == "" {
		return "", nil, errors.New("-redis is empty")
	}
	opts, err := redis.ParseURL(server)
	if err != nil {
		return "", nil, fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return "", nil, fmt.Errorf("Redis at -redis: %w", err)
	}
	prefix = "shopkeeper-bench:" + randomHex(8) + ":"
	clean = func() error {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil || len(keys) == 0 {
			return err
		}
		return rdb.Del(ctx, keys...).Err()
	}
	return prefix, clean, nil
}

// serverEnv is the environment the servers run in: this one without the
// SHOP_ settings a developer's shell may hold (the flags the benchmark
// passes say everything) and without GOMAXPROCS, so they use every core.
func serverEnv() []string { return serverproc.Environ("SHOP_", "GOMAXPROCS") }

// startShop starts the binary with its data dir under tmp/name and args.
// Rate limits are off: every benchmark login comes from one address for
// one account. Logs are dropped.
func startShop(bin, tmp, name string, args ...string) (*serverproc.Process, error) {
	return serverproc.Start(bin, serverproc.Options{
		Args: append([]string{"-data-dir", filepath.Join(tmp, name), "-rate-limits", "off"}, args...),
		Env:  serverEnv(),
	})
}

// stopAll stops each process, for a defer that runs before the database
// they use is dropped.
func stopAll(procs ...*serverproc.Process) {
	for _, p := range procs {
		_ = p.Stop(10 * time.Second)
	}
}

// cleanup runs f, for a defer, and says on stderr what it left behind.
func cleanup(what string, f func() error) {
	if err := f(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", what, err)
	}
}
