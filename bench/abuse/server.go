package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shopkeeper/internal/serverproc"
)

// server is one Shopkeeper process started for one attack, with the
// measurement window the attack runs in.
type server struct {
	p       *serverproc.Process
	url     string
	logFile string
	client  *http.Client
	timeout time.Duration // per request

	t0    time.Time
	cpu0  float64
	ended bool
	cpu   float64       // CPU seconds between begin and end
	wall  time.Duration // between begin and end
}

// startServer starts bin on a free loopback port with a fresh data dir under
// dir (SQLite, default settings, so rate limits on) and waits for /healthz.
// env adds settings (KEY=value) an attack needs. Its log goes to
// dir/server.log. The environment drops the settings that
// would change what is measured (SHOP_RATE_LIMITS=off, a GOGC, …).
func startServer(bin, dir string, env []string, timeout time.Duration) (*server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p, err := serverproc.Start(bin, serverproc.Options{
		Args:    []string{"-data-dir", filepath.Join(dir, "data")},
		Env:     append(serverproc.Environ("SHOP_", "GOGC", "GOMEMLIMIT", "GOMAXPROCS"), env...),
		LogFile: filepath.Join(dir, "server.log"),
	})
	if err != nil {
		// One line for the table; the log stays in server.log.
		reason, _, _ := strings.Cut(err.Error(), "; its log:")
		return nil, fmt.Errorf("%s (server.log is kept with -keep)", reason)
	}
	return &server{
		p: p, url: p.URL, timeout: timeout, logFile: filepath.Join(dir, "server.log"),
		client: &http.Client{Transport: &http.Transport{
			DisableCompression:  true, // count the bytes as sent
			MaxIdleConnsPerHost: 4,
		}},
	}, nil
}

// begin (re)starts the measurement window; attacks call it once their setup
// is done. end closes it; the harness calls it if the attack did not.
func (s *server) begin() {
	s.t0, s.cpu0, s.ended = time.Now(), s.cpuSeconds(), false
}

func (s *server) end() {
	if s.ended {
		return
	}
	s.ended = true
	s.wall = time.Since(s.t0)
	s.cpu = s.cpuSeconds() - s.cpu0
}

// stop sends SIGTERM and reports whether the server exited within 5 s;
// if not, it is killed.
func (s *server) stop() (drained bool) {
	s.client.CloseIdleConnections()
	return !errors.Is(s.p.Stop(5*time.Second), serverproc.ErrKilled)
}

func (s *server) exited() bool        { return s.p.Exited() }
func (s *server) exitStatus() string  { return s.p.ExitStatus() }
func (s *server) cpuSeconds() float64 { return s.p.CPUSeconds() }
func (s *server) rss() int64          { return s.p.RSS() }
func (s *server) peakRSS() int64      { return s.p.PeakRSS() }
