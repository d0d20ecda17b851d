package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"

	"shopkeeper/audit"
	"shopkeeper/requestid"
)

func TestLogWritesOneShape(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	ctx := requestid.NewContext(context.Background(), "req-1")
	audit.Log(ctx, log, "login.failure", "192.0.2.7", slog.String("email", "ada@example.com"))

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %q", err, buf.String())
	}
	want := map[string]any{"level": "INFO", "msg": "audit", "event": "login.failure",
		"client_ip": "192.0.2.7", "request_id": "req-1", "email": "ada@example.com"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	if len(line) != len(want)+1 { // and time
		t.Errorf("line = %v, want only %v and time", line, want)
	}
	if keys := keysInOrder(t, buf.Bytes()); !slices.Equal(keys, []string{"time", "level", "msg", "event", "client_ip", "request_id", "email"}) {
		t.Errorf("keys in order = %v", keys)
	}
}

// keysInOrder are the keys of one JSON object in the order they appear.
func keysInOrder(t *testing.T, line []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
