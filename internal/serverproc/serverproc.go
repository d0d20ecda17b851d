// Package serverproc runs a server binary as a child process for the suites
// and tools that drive the real thing (e2e, scaleout, bench, bench/abuse):
// build it, start it on a free loopback port, wait until it answers, stop it
// with SIGTERM (then SIGKILL), and read its CPU time and memory from /proc.
package serverproc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles the package pkg (e.g. "shopkeeper/cmd/shopkeeper") to
// dir/name with the go command of the toolchain running this program, and
// returns the binary's path. The compiler's messages go to os.Stderr.
func Build(dir, pkg, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command(goTool(), "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	return out, nil
}

// goTool is the go command of the running toolchain when it can be found,
// so the binary is built by the same Go as its tests.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// FreeAddr returns a loopback address with a port nothing listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Environ is this process's environment less the variables whose names
// start with one of prefixes (e.g. "SHOP_"), so a developer's shell cannot
// change what a suite tests.
func Environ(prefixes ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !hasAnyPrefix(name, prefixes) {
			env = append(env, kv)
		}
	}
	return env
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Options says how to start a server.
type Options struct {
	// Args follow "-addr ADDR", which Start always passes first.
	Args []string
	// Env is the whole environment; nil means this process's.
	Env []string
	// LogFile receives the server's stdout and stderr; empty = discarded.
	LogFile string
	// Ready is the path that must answer 200 before Start returns;
	// default /healthz.
	Ready string
	// Wait bounds the wait for Ready; default 20s.
	Wait time.Duration
}

// Process is a running server.
type Process struct {
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT

	cmd     *exec.Cmd
	logFile string
	done    chan struct{} // closed when the process has exited
	waitErr error         // its exit status, once done is closed
}

// ErrKilled is what Stop returns when the server had to be killed.
var ErrKilled = errors.New("did not exit within the grace period after SIGTERM, so was killed")

// Start runs bin with "-addr ADDR" on a free loopback port, then opts.Args,
// and waits until opts.Ready answers 200. A server that exits or does not
// answer in time is stopped, and the error says so (with the end of its
// log, if it has one).
func Start(bin string, opts Options) (*Process, error) {
	if opts.Ready == "" {
		opts.Ready = "/healthz"
	}
	if opts.Wait == 0 {
		opts.Wait = 20 * time.Second
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"-addr", addr}, opts.Args...)...)
	cmd.Env = opts.Env
	if opts.LogFile != "" {
		f, err := os.Create(opts.LogFile)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the child has its own descriptor
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	p := &Process{URL: "http://" + addr, Addr: addr, cmd: cmd, logFile: opts.LogFile, done: make(chan struct{})}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()

	ctx, cancel := context.WithTimeout(context.Background(), opts.Wait)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := WaitReady(ctx, p.URL+opts.Ready); err != nil {
		if p.Exited() {
			err = fmt.Errorf("%s exited during start-up: %s", filepath.Base(bin), p.ExitStatus())
		}
		p.Kill()
		return nil, fmt.Errorf("%w%s", err, p.logTail())
	}
	return p, nil
}

// WaitReady polls url until it answers 200 or ctx ends.
func WaitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 (last: %v)", url, last)
		case <-time.After(2 * time.Millisecond): // fine enough for bench's start-up time
		}
	}
}

// Stop sends SIGTERM and waits up to grace for the process to exit, then
// kills it. It returns nil after a clean exit 0, ErrKilled when it had to
// kill, and the exit status otherwise. Stopping an exited process returns
// how it exited.
func (p *Process) Stop(grace time.Duration) error {
	if !p.Exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			p.Kill()
			return ErrKilled
		}
	}
	return p.waitErr
}

// Kill ends the process at once, as a crash or kill -9 would, and waits
// for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitStatus describes how the process exited, e.g. "exit status 0".
func (p *Process) ExitStatus() string {
	if !p.Exited() {
		return "running"
	}
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

// Log is what the process has written to its log file so far.
func (p *Process) Log() string {
	if p.logFile == "" {
		return ""
	}
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}

// logTail is the end of the log, to append to an error.
func (p *Process) logTail() string {
	log := p.Log()
	if log == "" {
		return ""
	}
	const most = 4000
	if len(log) > most {
		log = "…" + log[len(log)-most:]
	}
	return "; its log:\n" + log
}

// RSS and PeakRSS are the resident set size now and at its highest (VmRSS
// and VmHWM in /proc/PID/status), in bytes; -1 when unknown.
func (p *Process) RSS() int64     { return p.status("VmRSS:") }
func (p *Process) PeakRSS() int64 { return p.status("VmHWM:") }

func (p *Process) status(field string) int64 {
	if p.Exited() {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
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

// CPUSeconds is the process's user + system CPU time so far (utime and
// stime in /proc/PID/stat); 0 when unknown.
func (p *Process) CPUSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
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
	return (utime + stime) / clockTicks()
}

// clockTicks is the unit of utime and stime in /proc/PID/stat.
var clockTicks = sync.OnceValue(func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return float64(n)
		}
	}
	return 100
})
