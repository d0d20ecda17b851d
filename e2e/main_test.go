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
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shopkeeper/internal/serverproc"
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
	dataDir string          // the binary's -data-dir; mails go to its outbox/
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
		_ = server.Stop(10 * time.Second)
		fmt.Fprintln(os.Stderr, "e2e: starting Chromium:", err)
		return 1
	}
	suite.browser = browser

	code := m.Run()

	stopBrowser()
	if err := server.Stop(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the server did not exit cleanly on SIGTERM:", err)
		code = 1
	}
	if code != 0 {
		dumpLog(server)
	}
	return code
}

// startServer builds the binary and runs it on a free loopback port with a
// fresh data dir, its log in tmp/server.log.
func startServer(tmp string) (*serverproc.Process, error) {
	suite.dataDir = filepath.Join(tmp, "data")
	bin, err := serverproc.Build(tmp, "shopkeeper/cmd/shopkeeper", "shopkeeper")
	if err != nil {
		return nil, err
	}
	// Every journey signs up from the same loopback address, well past the
	// per-address sign-up limit; the limits have their own handler tests.
	// SHOP_* settings of a developer's shell must not change what is tested.
	server, err := serverproc.Start(bin, serverproc.Options{
		Args:    []string{"-data-dir", suite.dataDir, "-rate-limits", "off"},
		Env:     serverproc.Environ("SHOP_"),
		LogFile: filepath.Join(tmp, "server.log"),
	})
	if err != nil {
		return nil, err
	}
	suite.host = server.Addr
	suite.baseURL = server.URL
	return server, nil
}

// dumpLog prints the end of the server's log, for a failed run.
func dumpLog(server *serverproc.Process) {
	b := server.Log()
	const max = 20000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	fmt.Fprintf(os.Stderr, "--- server log (last %d bytes) ---\n%s--- end of server log ---\n", len(b), b)
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

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
