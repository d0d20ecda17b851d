package serverproc_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"shopkeeper/internal/serverproc"
)

// childEnv makes this test binary act as the server under test, as
// SERVERPROC_CHILD says: "serve" answers /healthz and exits 0 on SIGTERM,
// "stubborn" ignores SIGTERM, "crash" exits 3 at once.
const childEnv = "SERVERPROC_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		child(mode)
		return
	}
	os.Exit(m.Run())
}

func child(mode string) {
	fs := flag.NewFlagSet("child", flag.ExitOnError)
	addr := fs.String("addr", "", "")
	_ = fs.Parse(os.Args[1:])
	fmt.Println("child starting in mode", mode)
	if mode == "crash" {
		os.Exit(3)
	}
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.ListenAndServe() }()
	if mode == "stubborn" {
		// Ignoring SIGTERM must not be followed by signal.Notify for it,
		// which would start delivering it again.
		signal.Ignore(syscall.SIGTERM)
		select {}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	_ = srv.Close()
}

func start(t *testing.T, mode string) (*serverproc.Process, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return serverproc.Start(self, serverproc.Options{
		Env:     append(serverproc.Environ(childEnv), childEnv+"="+mode),
		LogFile: filepath.Join(t.TempDir(), "log"),
		Wait:    5 * time.Second,
	})
}

func TestStartWaitsAndStopDrains(t *testing.T) {
	p, err := start(t, "serve")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(p.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: status %d", resp.StatusCode)
	}
	if !strings.HasPrefix(p.Addr, "127.0.0.1:") || p.URL != "http://"+p.Addr {
		t.Errorf("addr %q, url %q", p.Addr, p.URL)
	}
	if rss, peak := p.RSS(), p.PeakRSS(); rss <= 0 || peak < rss {
		t.Errorf("RSS %d, peak %d", rss, peak)
	}
	if cpu := p.CPUSeconds(); cpu < 0 || cpu > 60 {
		t.Errorf("CPU seconds %v", cpu)
	}
	if !strings.Contains(p.Log(), "mode serve") {
		t.Errorf("log = %q", p.Log())
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop = %v, want a clean exit", err)
	}
	if !p.Exited() || p.ExitStatus() != "exit status 0" || p.RSS() != -1 {
		t.Errorf("after Stop: exited %v, %s, RSS %d", p.Exited(), p.ExitStatus(), p.RSS())
	}
}

func TestStopKillsWhatIgnoresSIGTERM(t *testing.T) {
	p, err := start(t, "stubborn")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(200 * time.Millisecond); !errors.Is(err, serverproc.ErrKilled) {
		t.Errorf("Stop = %v, want ErrKilled", err)
	}
	if !p.Exited() {
		t.Error("still running after Stop")
	}
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	begun := time.Now()
	_, err := start(t, "crash")
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "mode crash") {
		t.Errorf("err = %v, want the exit status and the log", err)
	}
	if time.Since(begun) > 4*time.Second {
		t.Errorf("took %s to notice the exit", time.Since(begun))
	}
}
