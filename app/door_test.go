package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"shopkeeper/internal/testkit"
)

// door is the whole app served by Run on a loopback port, as the binary
// serves it, for the tests that attack it from outside.
type door struct {
	base string // http://127.0.0.1:port
	logs *testkit.Buffer
}

// startDoor runs the app with env (SHOP_ADDR and SHOP_DATA_DIR are filled
// in unless env sets them) and waits until /healthz answers. The app is
// stopped, and its return checked, when the test ends.
func startDoor(t *testing.T, env map[string]string) *door {
	t.Helper()
	all := map[string]string{"SHOP_ADDR": freeLoopback(t), "SHOP_DATA_DIR": t.TempDir()}
	for k, v := range env {
		all[k] = v
	}
	cfg := config(t, all)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, logs) }()
	d := &door{base: "http://" + cfg.Addr, logs: logs}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after the test", err)
			}
		case <-time.After(25 * time.Second):
			t.Error("Run did not return within 25 s of its context ending")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(d.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before it served", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer within 10 s: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gqlAnswer is a /graphql answer as a client reads it.
type gqlAnswer struct {
	Status int
	Header http.Header
	Size   int // bytes of the body
	Data   json.RawMessage
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	Extensions map[string]any
}

// graphql posts query (and vars, which may be nil) to /graphql with secret
// as the bearer token ("" for none), accepting application/json.
func (d *door) graphql(t *testing.T, secret, query string, vars map[string]any) gqlAnswer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, d.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	a := gqlAnswer{Status: resp.StatusCode, Header: resp.Header, Size: len(raw)}
	var env struct {
		Data       json.RawMessage `json:"data"`
		Errors     json.RawMessage `json:"errors"`
		Extensions map[string]any  `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("answer %d is not JSON (%v): %.300s", resp.StatusCode, err, raw)
	}
	a.Data, a.Extensions = env.Data, env.Extensions
	if len(env.Errors) > 0 {
		if err := json.Unmarshal(env.Errors, &a.Errors); err != nil {
			t.Fatalf("errors: %v", err)
		}
	}
	return a
}

// signUp registers an owner through /graphql and logs in, returning the
// bearer secret.
func (d *door) signUp(t *testing.T, email, password string) string {
	t.Helper()
	a := d.graphql(t, "", `mutation($e: String!, $p: String!) { registerOwner(name: "Owner", email: $e, password: $p) { _id } }`,
		map[string]any{"e": email, "p": password})
	if len(a.Errors) > 0 {
		t.Fatalf("registerOwner: %+v", a.Errors)
	}
	return d.login(t, email, password)
}

// login logs in through /graphql and returns the bearer secret.
func (d *door) login(t *testing.T, email, password string) string {
	t.Helper()
	a := d.graphql(t, "", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { secret } }`,
		map[string]any{"e": email, "p": password})
	var data struct {
		Login struct{ Secret string }
	}
	if err := json.Unmarshal(a.Data, &data); err != nil || data.Login.Secret == "" {
		t.Fatalf("login: %s %+v", a.Data, a.Errors)
	}
	return data.Login.Secret
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDoorServes: the harness itself reaches a running app.
func TestDoorServes(t *testing.T) {
	d := startDoor(t, nil)
	secret := d.signUp(t, "door@example.com", "long enough password")
	a := d.graphql(t, secret, `{ countStores }`, nil)
	if a.Status != http.StatusOK || string(a.Data) != `{"countStores":0}` {
		t.Fatalf("countStores: %d %s %+v", a.Status, a.Data, a.Errors)
	}
}
