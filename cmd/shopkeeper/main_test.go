package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"shopkeeper/internal/serverproc"
	"shopkeeper/storage/postgres/pgtest"
)

// TestRunServesAndDrains starts the whole app through run, as main does,
// waits for /healthz, then cancels (what SIGTERM does) and expects a clean
// return while a slow request still finishes.
func TestRunServesAndDrains(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRunServesAndDrains(t, "") })
	t.Run("postgres", func(t *testing.T) { testRunServesAndDrains(t, pgtest.NewDatabase(t)) })
}

func testRunServesAndDrains(t *testing.T, databaseURL string) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"SHOP_DATA_DIR": t.TempDir(), "SHOP_ADDR": addr, "SHOP_DATABASE_URL": databaseURL}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, io.Discard, io.Discard) }()

	base := "http://" + addr
	waitHealthy(t, base)
	for _, path := range []string{"/healthz", "/readyz", "/login"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Post(base+"/graphql", "application/json",
		strings.NewReader(`{"query":"mutation { registerOwner(name: \"A\", email: \"a@example.com\", password: \"long enough\") { _id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"_id"`) {
		t.Errorf("registerOwner through the running binary: %s", body)
	}

	// A request still arriving when the stop comes is served, not cut off.
	pr, pw := io.Pipe()
	inflight := make(chan string, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", pr)
		if err != nil {
			inflight <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	fmt.Fprint(pw, `{"query":"mutation { login(email: \"a@example.com\", `)
	time.Sleep(200 * time.Millisecond) // the request is in flight
	cancel()
	time.Sleep(200 * time.Millisecond) // shutdown has begun
	fmt.Fprint(pw, `password: \"long enough\") { secret } }"}`)
	pw.Close()
	if got := <-inflight; !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"secret"`) {
		t.Errorf("in-flight request during shutdown: %s", got)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown, want nil", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	err := run(context.Background(), []string{"-token-ttl", "forever"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "token-ttl") {
		t.Fatalf("err = %v, want one naming -token-ttl", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := serverproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := serverproc.WaitReady(ctx, base+"/healthz"); err != nil {
		t.Fatal(err)
	}
}

func TestRunRejectsUnknownDatabase(t *testing.T) {
	env := map[string]string{"SHOP_DATA_DIR": t.TempDir(), "SHOP_ADDR": freeAddr(t), "SHOP_DATABASE_URL": "mysql://root@localhost/shop"}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("err = %v, want one saying which URLs work", err)
	}
}

// TestIntrospectionSwitch: SHOP_GRAPHQL_INTROSPECTION=off reaches the API.
func TestIntrospectionSwitch(t *testing.T) {
	for setting, want := range map[string]string{"on": `"queryType":{"name":"Query"}`, "off": "introspection is disabled"} {
		t.Run(setting, func(t *testing.T) {
			addr := freeAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			env := map[string]string{"SHOP_DATA_DIR": t.TempDir(), "SHOP_ADDR": addr, "SHOP_GRAPHQL_INTROSPECTION": setting}
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, io.Discard, io.Discard) }()
			defer func() { cancel(); <-done }()
			waitHealthy(t, "http://"+addr)
			resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ __schema { queryType { name } } }"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), want) {
				t.Fatalf("introspection %s: %s", setting, body)
			}
		})
	}
}
