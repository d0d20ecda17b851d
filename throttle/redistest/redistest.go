// Package redistest connects tests to the Redis server named by
// SHOP_TEST_REDIS_URL. Without it, tests skip with a loud message, except
// under CI, where a missing server is a failure.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// EnvVar names the Redis server for tests.
const EnvVar = "SHOP_TEST_REDIS_URL"

// URL returns the test server's URL, or skips (fails under CI) without one.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the Redis tests (e.g. redis://127.0.0.1:6379/0)", EnvVar)
		}
		t.Skipf("%s is not set: Redis tests skipped; set it to a server such as redis://127.0.0.1:6379/0", EnvVar)
	}
	return u
}

// Client returns a client for the test server, closed when the test ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer: %v", opts.Addr, err)
	}
	return c
}

// Prefix returns a key prefix no other test uses.
func Prefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "shopkeeper-test:" + hex.EncodeToString(b) + ":"
}
