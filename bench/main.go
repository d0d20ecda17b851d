// Command bench measures Shopkeeper on this machine and prints one table,
// each figure beside the reference it is judged against, all from one run.
// It builds and starts the real binary (and a bare net/http server as the
// ceiling) as separate processes on loopback and drives them from here.
//
//	go run ./bench            # or: make bench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"shopkeeper/internal/serverproc"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long each load phase runs")
	conns := flag.Int("conns", 16, "concurrent connections for page loads")
	loginConns := flag.Int("login-conns", 64, "concurrent connections for logins")
	flag.Parse()
	if err := run(*duration, *conns, *loginConns); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conns, loginConns int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "shopkeeper-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(os.Stderr, "building binaries in %s\n", tmp)
	shopBin, err := serverproc.Build(tmp, "shopkeeper/cmd/shopkeeper", "shopkeeper")
	if err != nil {
		return err
	}
	bareBin, err := serverproc.Build(tmp, "shopkeeper/bench/bare", "bare")
	if err != nil {
		return err
	}

	var t table
	fmt.Fprintln(os.Stderr, "timing one argon2id hash")
	hash := hashTime(ctx)
	bound := float64(runtime.NumCPU()) / hash.Seconds()
	parallel := parallelHashRate(ctx, 2*time.Second)

	// Rate limits are off: every benchmark login comes from one address for
	// one account. Logs are dropped.
	fmt.Fprintln(os.Stderr, "starting shopkeeper")
	begun := time.Now()
	shop, err := serverproc.Start(shopBin, serverproc.Options{
		Args: []string{"-data-dir", filepath.Join(tmp, "data"), "-rate-limits", "off"},
		Env:  append(os.Environ(), "GOMAXPROCS="),
	})
	if err != nil {
		return err
	}
	startup := time.Since(begun)
	defer shop.Stop(10 * time.Second)
	time.Sleep(time.Second) // let start-up garbage be collected
	idle := shop.RSS()

	owner, err := prepareOwner(ctx, shop.URL, "bench@example.com", 10)
	if err != nil {
		return err
	}
	loginPage, err := fetchBody(shop.URL + "/login")
	if err != nil {
		return err
	}
	pageFile := filepath.Join(tmp, "login.html")
	if err := os.WriteFile(pageFile, loginPage, 0o600); err != nil {
		return err
	}
	bare, err := serverproc.Start(bareBin, serverproc.Options{Args: []string{"-file", pageFile}, Ready: "/"})
	if err != nil {
		return err
	}
	defer bare.Stop(10 * time.Second)

	fmt.Fprintln(os.Stderr, "load: bare handler, GET /login, GET / (logged in)")
	bareRes := load(ctx, duration, conns, getRequest(bare.URL+"/login", nil))
	loginRes := load(ctx, duration, conns, getRequest(shop.URL+"/login", nil))
	homeRes := loadPage(ctx, duration, conns, getRequest(shop.URL+"/", owner.cookie))

	weight, err := pageWeight(shop.URL + "/login")
	if err != nil {
		return err
	}

	fmt.Fprintf(os.Stderr, "load: POST /login with %d connections\n", loginConns)
	logins := load(ctx, duration, loginConns, loginRequest(shop.URL, owner.email, owner.password))
	peak := shop.PeakRSS()

	t.title = fmt.Sprintf("Shopkeeper benchmark: %d cores, %s per phase, %d connections (%d for logins), %s",
		runtime.NumCPU(), duration, conns, loginConns, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	t.add("GET /login requests/s", f0(loginRes.rps()), "bare net/http, same bytes: "+f0(bareRes.rps()), ratio(loginRes.rps(), bareRes.rps()), "≥ 0.80", loginRes.rps() >= 0.8*bareRes.rps())
	t.add("GET /login p99", ms(loginRes.p(0.99)), "bare: "+ms(bareRes.p(0.99)), "", "", true)
	t.add("GET / logged in, 10 stores, requests/s", f0(homeRes.rps()), "GET /login: "+f0(loginRes.rps()), ratio(homeRes.rps(), loginRes.rps()), "≥ 0.25", homeRes.rps() >= 0.25*loginRes.rps())
	t.add("GET / logged in p99", ms(homeRes.p(0.99)), "", "", "< 20 ms", homeRes.p(0.99) < 20*time.Millisecond)
	t.add("POST /login logins/s", f1(logins.okRate()), fmt.Sprintf("argon2id bound %s (%d cores ÷ %s a hash)", f1(bound), runtime.NumCPU(), ms(hash)), ratio(logins.okRate(), bound), "≥ 0.85", logins.okRate() >= 0.85*bound)
	t.add("  argon2id alone, one hash per core", f1(parallel)+" hashes/s", "", ratio(parallel, bound)+" of the bound", "", true)
	t.add("  overflow answered (429/503)", fmt.Sprintf("%d, p99 %s", logins.overflow, ms(logins.overflowP99())), "", "", "fast, bounded", logins.overflowP99() < 5*time.Second)
	t.add("  logins p99", ms(logins.p(0.99)), "", "", "", true)
	t.add("/login page weight, compressed", kb(weight.total()), weight.String(), "", "≤ 20 KB", weight.total() <= 20*1000)
	t.add("start-up to first /healthz 200", ms(startup), "", "", "≤ 300 ms", startup <= 300*time.Millisecond)
	t.add("idle RSS", mib(idle), "", "", "≤ 30 MiB", idle <= 30<<20)
	t.add(fmt.Sprintf("peak RSS, %d concurrent logins", loginConns), mib(peak), "", "", "≤ 200 MiB", peak <= 200<<20)
	if n := loginRes.failed + homeRes.failed + bareRes.failed + logins.failed; n > 0 {
		t.note(fmt.Sprintf("%d requests failed or answered unexpectedly (statuses: login %v, home %v, logins %v)", n, loginRes.statuses, homeRes.statuses, logins.statuses))
	}
	if homeRes.setCookie > 0 {
		t.note(fmt.Sprintf("%d dashboard answers set a cookie (counted as failed): a browser's second visit gets none", homeRes.setCookie))
	}
	t.print(os.Stdout)
	return nil
}
