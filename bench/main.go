// Command bench measures Shopkeeper on this machine and prints its tables,
// each figure beside the reference it is judged against, all from one run:
// the main table, the dashboard as an owner's stores grow (SQLite and
// PostgreSQL), and one against two instances sharing PostgreSQL and Redis.
// It builds and starts the real binary (and a bare net/http server as the
// ceiling) as separate processes on loopback and drives them from here.
//
//	go run ./bench            # or: make bench
//	go run ./bench -tables stores -stores 10,100 -phase 1s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shopkeeper/internal/serverproc"
)

func main() {
	var cfg config
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each load phase of the first table runs")
	flag.IntVar(&cfg.conns, "conns", 16, "concurrent connections for page loads")
	flag.IntVar(&cfg.loginConns, "login-conns", 64, "concurrent connections for logins")
	flag.DurationVar(&cfg.phase, "phase", 3*time.Second, "how long each load phase of the stores and scale-out tables runs")
	stores := flag.String("stores", "10,100,1000,10000", "how many stores the owner has at each dashboard phase of the stores table, ascending")
	tables := flag.String("tables", "main,stores,scaleout", "which tables to measure and print: main, stores (the dashboard as stores grow, SQLite and PostgreSQL), scaleout (one and two instances on PostgreSQL and Redis)")
	flag.StringVar(&cfg.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server whose role may create databases: the benchmark creates its own and drops it; empty leaves the PostgreSQL lines out")
	flag.StringVar(&cfg.redis, "redis", "redis://127.0.0.1:6379/0",
		"Redis server for the scale-out table: keys under a prefix of their own, deleted after; empty leaves the table out")
	flag.Parse()
	err := cfg.parse(*stores, *tables)
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, cfg)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags ask for.
type config struct {
	duration          time.Duration // a phase of the first table
	conns, loginConns int
	phase             time.Duration // a phase of the stores and scale-out tables
	stores            []int
	tables            []string
	postgres, redis   string
}

// warm is how long the stores and scale-out tables load a page before each
// phase, without counting it.
func (c config) warm() time.Duration { return c.phase / 4 }

func (c *config) parse(stores, tables string) error {
	for f := range strings.SplitSeq(stores, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || (len(c.stores) > 0 && n <= c.stores[len(c.stores)-1]) {
			return fmt.Errorf("-stores %q: want store counts in ascending order", stores)
		}
		c.stores = append(c.stores, n)
	}
	for f := range strings.SplitSeq(tables, ",") {
		if f = strings.TrimSpace(f); !slices.Contains([]string{"main", "stores", "scaleout"}, f) {
			return fmt.Errorf("-tables: unknown table %q", f)
		}
		c.tables = append(c.tables, f)
	}
	return nil
}

func run(ctx context.Context, cfg config) error {
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
	for i, name := range cfg.tables {
		var t *table
		switch name {
		case "main":
			t, err = mainTable(ctx, cfg, tmp, shopBin)
		case "stores":
			t, err = storesTable(ctx, cfg, tmp, shopBin)
		case "scaleout":
			t, err = scaleoutTable(ctx, cfg, tmp, shopBin)
		}
		if err != nil {
			return fmt.Errorf("%s table: %w", name, err)
		}
		if i > 0 {
			fmt.Println()
		}
		t.print(os.Stdout)
	}
	return nil
}

// mainTable measures the pages, logins, page weight, start-up and memory of
// one instance on SQLite, each beside its reference.
func mainTable(ctx context.Context, cfg config, tmp, shopBin string) (*table, error) {
	duration, conns, loginConns := cfg.duration, cfg.conns, cfg.loginConns
	bareBin, err := serverproc.Build(tmp, "shopkeeper/bench/bare", "bare")
	if err != nil {
		return nil, err
	}

	var t table
	fmt.Fprintln(os.Stderr, "timing one argon2id hash")
	hash := hashTime(ctx)
	bound := float64(runtime.NumCPU()) / hash.Seconds()
	parallel := parallelHashRate(ctx, 2*time.Second)

	fmt.Fprintln(os.Stderr, "starting shopkeeper")
	begun := time.Now()
	shop, err := startShop(shopBin, tmp, "data")
	if err != nil {
		return nil, err
	}
	startup := time.Since(begun)
	defer shop.Stop(10 * time.Second)
	time.Sleep(time.Second) // let start-up garbage be collected
	idle := shop.RSS()

	owner, err := prepareOwner(ctx, shop.URL, "bench@example.com", 10)
	if err != nil {
		return nil, err
	}
	loginPage, err := fetchBody(shop.URL + "/login")
	if err != nil {
		return nil, err
	}
	pageFile := filepath.Join(tmp, "login.html")
	if err := os.WriteFile(pageFile, loginPage, 0o600); err != nil {
		return nil, err
	}
	bare, err := serverproc.Start(bareBin, serverproc.Options{Args: []string{"-file", pageFile}, Ready: "/"})
	if err != nil {
		return nil, err
	}
	defer bare.Stop(10 * time.Second)

	fmt.Fprintln(os.Stderr, "load: bare handler, GET /login, GET / (logged in)")
	// Each phase also counts its server's own CPU time: on a machine whose
	// cores the load generator shares, requests/s flatters every ratio,
	// and CPU a request does not.
	one := func(p *serverproc.Process) []*serverproc.Process { return []*serverproc.Process{p} }
	bareRes := measure(one(bare), cfg.warm(), duration, func(d time.Duration) result { return load(ctx, d, conns, getRequest(bare.URL+"/login", nil)) })
	loginRes := measure(one(shop), cfg.warm(), duration, func(d time.Duration) result { return load(ctx, d, conns, getRequest(shop.URL+"/login", nil)) })
	homeRes := measure(one(shop), cfg.warm(), duration, func(d time.Duration) result { return loadPage(ctx, d, conns, getRequest(shop.URL+"/", owner.cookie)) })
	bareCPU, loginCPU := bareRes.cpuPerOK(), loginRes.cpuPerOK()

	weight, err := pageWeight(shop.URL + "/login")
	if err != nil {
		return nil, err
	}

	fmt.Fprintf(os.Stderr, "load: POST /login with %d connections\n", loginConns)
	logins := load(ctx, duration, loginConns, loginRequest(shop.URL, owner.email, owner.password))
	peak := shop.PeakRSS()

	t.title = fmt.Sprintf("Shopkeeper benchmark: %d cores, %s per phase, %d connections (%d for logins), %s",
		runtime.NumCPU(), duration, conns, loginConns, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	t.add("GET /login requests/s", f0(loginRes.rps()), "bare net/http, same bytes: "+f0(bareRes.rps()), ratio(loginRes.rps(), bareRes.rps()), "≥ 0.80", loginRes.rps() >= 0.8*bareRes.rps())
	t.add("GET /login server CPU a request", usec(loginCPU), "bare: "+usec(bareCPU), ratio(bareCPU.Seconds(), loginCPU.Seconds()), "≥ 0.80", loginCPU > 0 && bareCPU >= loginCPU*8/10)
	t.add("GET /login p99", ms(loginRes.p(0.99)), "bare: "+ms(bareRes.p(0.99)), "", "", true)
	t.add("GET / logged in, 10 stores, requests/s", f0(homeRes.rps()), "GET /login: "+f0(loginRes.rps()), ratio(homeRes.rps(), loginRes.rps()), "≥ 0.25", homeRes.rps() >= 0.25*loginRes.rps())
	t.add("GET / logged in p99", ms(homeRes.p(0.99)), "", "", "< 10 ms", homeRes.p(0.99) < 10*time.Millisecond)
	t.add("GET / logged in server CPU a page", usec(homeRes.cpuPerOK()), "GET /login: "+usec(loginCPU), "", "", true)
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
	return &t, nil
}
