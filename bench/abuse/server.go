package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one Shopkeeper process started for one attack, with the
// measurement window the attack runs in.
type server struct {
	cmd     *exec.Cmd
	url     string
	client  *http.Client
	timeout time.Duration // per request
	done    chan struct{} // closed when the process has exited
	waitErr error

	t0    time.Time
	cpu0  float64
	ended bool
	cpu   float64       // CPU seconds between begin and end
	wall  time.Duration // between begin and end
}

// startServer starts bin on a free loopback port with a fresh data dir under
// dir (SQLite, default settings, so rate limits on) and waits for /healthz.
// Its log goes to dir/server.log.
func startServer(bin, dir string, timeout time.Duration) (*server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(bin, "-addr", addr, "-data-dir", filepath.Join(dir, "data"))
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{
		cmd: cmd, url: "http://" + addr, timeout: timeout, done: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{
			DisableCompression:  true, // count the bytes as sent
			MaxIdleConnsPerHost: 4,
		}},
	}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()
	if err := s.waitHealthy(20 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// serverEnv is this process's environment without the settings that would
// change what is measured (SHOP_RATE_LIMITS=off, a GOGC, …).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SHOP_") || strings.HasPrefix(kv, "GOGC=") ||
			strings.HasPrefix(kv, "GOMEMLIMIT=") || strings.HasPrefix(kv, "GOMAXPROCS=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) waitHealthy(limit time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("exited before answering /healthz: %s (server.log is kept with -keep)", s.exitStatus())
		}
		resp, err := c.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("/healthz did not answer 200 within %s", limit)
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

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *server) exitStatus() string {
	if s.waitErr == nil {
		return "exit status 0"
	}
	return s.waitErr.Error()
}

// stop sends SIGTERM and reports whether the server exited within 5 s;
// if not, it is killed.
func (s *server) stop() (drained bool) {
	s.client.CloseIdleConnections()
	if s.exited() {
		return true
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return true
	case <-time.After(5 * time.Second):
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	return false
}

// clockTicks is the unit of utime and stime in /proc/PID/stat.
var clockTicks = func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return float64(n)
		}
	}
	return 100
}()

// cpuSeconds is the server's user + system CPU time so far.
func (s *server) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// rss and peakRSS are VmRSS and VmHWM from /proc/PID/status, in bytes; -1
// when unknown.
func (s *server) rss() int64     { return s.status("VmRSS:") }
func (s *server) peakRSS() int64 { return s.status("VmHWM:") }

func (s *server) status(field string) int64 {
	if s.exited() {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return -1
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}
