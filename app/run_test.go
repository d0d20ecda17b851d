package app

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// config is the configuration from env alone, as the binary would read it.
func config(t *testing.T, env map[string]string) Config {
	t.Helper()
	c, err := ParseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStartUpNamesTheDataDir: a data dir the app cannot write is refused
// with its path and the reason, not SQLite's "unable to open database file".
func TestStartUpNamesTheDataDir(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(tmp, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, dir, cause string
		role             string
	}{
		{"a file in its place", file, "not a directory", "all"},
		{"under a file", filepath.Join(file, "data"), "not a directory", "all"},
		{"a file in its place, API only", file, "not a directory", "api"},
		{"read-only", readOnly, "permission denied", "all"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.cause == "permission denied" && os.Geteuid() == 0 {
				runAsNobody(t) // root may write anywhere
				return
			}
			cfg := config(t, map[string]string{"SHOP_ADDR": "127.0.0.1:0", "SHOP_DATA_DIR": c.dir, "SHOP_ROLE": c.role})
			err := Run(context.Background(), cfg, io.Discard)
			if err == nil {
				t.Fatal("started with an unusable data dir")
			}
			want := "data dir " + c.dir + " (SHOP_DATA_DIR): " + c.cause
			if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "(14)") {
				t.Errorf("err = %q, want one containing %q", err, want)
			}
		})
	}
}

// TestStartUpRefusesATakenPortFirst: the address is bound before anything
// touches the data dir, so a second instance on a taken port leaves no
// database behind.
func TestStartUpRefusesATakenPortFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	cfg := config(t, map[string]string{"SHOP_ADDR": taken.Addr().String(), "SHOP_DATA_DIR": dataDir})
	err = Run(context.Background(), cfg, io.Discard)
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("err = %v, want one naming %s", err, taken.Addr())
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("a failed start left %s in the data dir", e.Name())
	}
}

// TestStartUpWarnsOfAnUnreachableRedis: Redis may come up later, so the app
// starts, but says at once that it cannot reach it.
func TestStartUpWarnsOfAnUnreachableRedis(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redisAddr := closed.Addr().String()
	closed.Close() // nothing listens there now
	cfg := config(t, map[string]string{
		"SHOP_ADDR": "127.0.0.1:0", "SHOP_DATA_DIR": t.TempDir(),
		"SHOP_REDIS_URL": "redis://:secret-password@" + redisAddr + "/0",
	})
	logs := newLogFile(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, logs) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.text(t), `"msg":"listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("not listening after 20s; log:\n%s", logs.text(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
	var warnings []string
	for line := range strings.Lines(logs.text(t)) {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(strings.ToLower(line), "redis") {
			warnings = append(warnings, line)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], redisAddr) {
		t.Errorf("want one warning naming %s; log:\n%s", redisAddr, logs.text(t))
	}
	if strings.Contains(logs.text(t), "secret-password") {
		t.Error("the Redis password reached the log")
	}
}

// runAsNobody runs t again in a copy of this test binary as user nobody,
// for a check that root would pass.
func runAsNobody(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "shopkeeper-as-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "app.test")
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(t.Name()), "/", "$/^") + "$"
	cmd := exec.Command(bin, "-test.run", pattern, "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as user nobody: %v\n%s", err, out)
	}
}

// logFile is a log Run may write while the test reads it.
type logFile struct{ *os.File }

func newLogFile(t *testing.T) logFile {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return logFile{f}
}

func (l logFile) text(t *testing.T) string {
	b, err := os.ReadFile(l.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
