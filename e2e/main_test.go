// Package e2e drives the real shopkeeper binary with headless Chromium: the
// journeys users take with JavaScript on (htmx) and off (plain form posts),
// accessibility checks with axe-core, and the finish users notice (titles,
// spinners, narrow screens). It also makes the README's screenshots.
//
// TestMain builds the binary, starts it on a free loopback port with a fresh
// data directory, and starts one browser that every test shares; each test
// gets its own browser context (cookies and storage) and tab.
package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	chromiumPath = flag.String("chromium", envOr("SHOPKEEPER_CHROMIUM", "/usr/bin/chromium"),
		"Chromium binary the suite drives (env SHOPKEEPER_CHROMIUM)")
	artifactsDir = flag.String("artifacts", "artifacts",
		"where a failing test leaves a screenshot and the page's HTML")
	screenshotsDir = flag.String("screenshots", "",
		"when set, TestScreenshots writes the README's screenshots here")
)

// suite is what TestMain sets up for every test.
var suite struct {
	baseURL string          // e.g. http://127.0.0.1:41234
	host    string          // e.g. 127.0.0.1:41234
	browser context.Context // the shared browser; tabs are its children
}

const installHint = `Chromium is needed for the end-to-end tests and was not found at %s.
Install it with:
    sudo apt-get update && sudo apt-get install -y chromium
or point -chromium (or SHOPKEEPER_CHROMIUM) at a Chromium or Chrome binary.
`

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	if _, err := exec.LookPath(*chromiumPath); err != nil {
		fmt.Fprintf(os.Stderr, installHint, *chromiumPath)
		return 1
	}
	tmp, err := os.MkdirTemp("", "shopkeeper-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	server, err := startServer(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	browser, stopBrowser, err := startBrowser(filepath.Join(tmp, "profile"))
	if err != nil {
		server.stop()
		fmt.Fprintln(os.Stderr, "e2e: starting Chromium:", err)
		return 1
	}
	suite.browser = browser

	code := m.Run()

	stopBrowser()
	if err := server.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	if code != 0 {
		server.dumpLog()
	}
	return code
}

type server struct {
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

// startServer builds the binary and runs it on a free loopback port.
func startServer(tmp string) (*server, error) {
	bin := filepath.Join(tmp, "shopkeeper")
	build := exec.Command(goTool(), "build", "-o", bin, "shopkeeper/cmd/shopkeeper")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the binary: %v\n%s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// Every journey signs up from the same loopback address, well past the
	// per-address sign-up limit; the limits have their own handler tests.
	cmd := exec.Command(bin, "-addr", addr, "-data-dir", filepath.Join(tmp, "data"), "-rate-limits", "off")
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the binary: %w", err)
	}
	s := &server{cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logFile.Close() }()

	suite.host = addr
	suite.baseURL = "http://" + addr
	if err := waitHealthy(suite.baseURL+"/healthz", s.done); err != nil {
		s.stop()
		s.dumpLog()
		return nil, err
	}
	return s, nil
}

// stop sends SIGTERM and expects a clean exit 0 within a few seconds.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("the server did not exit cleanly on SIGTERM: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("the server did not stop within 10s of SIGTERM")
	}
}

func (s *server) dumpLog() {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	const max = 20000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	fmt.Fprintf(os.Stderr, "--- server log (last %d bytes) ---\n%s--- end of server log ---\n", len(b), b)
}

func waitHealthy(url string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited during start-up: %v", err)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within 20s", url)
}

// startBrowser starts the one headless Chromium the tests share. The flags
// keep it from talking to anything but the app: no background networking,
// component updates, sync or QUIC.
func startBrowser(profile string) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(*chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,AutofillServerCommunication"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout here, it would end the browser
		cancel()
		cancelAlloc()
		return nil, nil, err
	}
	return ctx, func() { cancel(); cancelAlloc() }, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// goTool is the go command that runs these tests, so the binary is built by
// the same toolchain.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

// cleanEnv is the environment without SHOP_* settings, so a developer's
// shell cannot change what the suite tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHOP_") {
			env = append(env, kv)
		}
	}
	return env
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
