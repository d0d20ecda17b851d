package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"shopkeeper/internal/serverproc"
)

// backend is one instance the stores table measures, and what it saw.
type backend struct {
	name   string
	proc   *serverproc.Process
	owner  *owner
	seeded time.Duration // adding the stores, all sizes together
	pages  []phaseCPU    // one per size
}

// storesTable measures the logged-in dashboard as one owner's stores grow
// through cfg.stores, on SQLite and, when -postgres answers, on PostgreSQL,
// each on its own instance. Between phases the owner gets more stores
// through the GraphQL API; at each size both instances are measured one
// right after the other.
func storesTable(ctx context.Context, cfg config, tmp, bin string) (*table, error) {
	t := &table{title: fmt.Sprintf("Logged-in dashboard (GET /) as one owner's stores grow: %d cores, %s per phase, %d connections; the page lists the first %d stores and links to the next %d",
		runtime.NumCPU(), cfg.phase, cfg.conns, dashboardPage, dashboardPage)}
	// The owner grows past the default store limit (SHOP_MAX_STORES).
	maxStores := "-max-stores=" + strconv.Itoa(max(1, cfg.stores[len(cfg.stores)-1]))
	fmt.Fprintln(os.Stderr, "stores: starting shopkeeper on SQLite")
	sqlite, err := startShop(bin, tmp, "stores-sqlite", maxStores)
	if err != nil {
		return nil, err
	}
	defer stopAll(sqlite)
	backends := []*backend{{name: "SQLite", proc: sqlite}}

	if db, drop, err := newDatabase(ctx, cfg.postgres); err != nil {
		t.note("no PostgreSQL lines: " + err.Error())
	} else {
		defer cleanup("dropping the benchmark database", drop)
		fmt.Fprintln(os.Stderr, "stores: starting shopkeeper on PostgreSQL")
		pg, err := startShop(bin, tmp, "stores-postgres", maxStores, "-database-url", db)
		if err != nil {
			return nil, err
		}
		defer stopAll(pg)
		backends = append(backends, &backend{name: "PostgreSQL", proc: pg})
	}

	for _, n := range cfg.stores {
		for _, b := range backends {
			fmt.Fprintf(os.Stderr, "stores: %s owner with %s stores\n", b.name, count(n))
			if err := b.grow(ctx, n); err != nil {
				return nil, fmt.Errorf("%s, %s stores: %w", b.name, count(n), err)
			}
		}
		for _, b := range backends {
			page := getRequest(b.proc.URL+"/", b.owner.cookie)
			b.pages = append(b.pages, measure([]*serverproc.Process{b.proc}, cfg.warm(), cfg.phase, func(d time.Duration) result { return loadPage(ctx, d, cfg.conns, page) }))
		}
	}

	t.columns = []string{"stores owned"}
	for _, b := range backends {
		t.columns = append(t.columns, b.name+" requests/s", "p50", "p99", "CPU a page")
	}
	if len(backends) == 2 {
		t.columns = append(t.columns, backends[1].name+" ÷ "+backends[0].name)
	}
	t.columns = append(t.columns, "target", "")
	for i, n := range cfg.stores {
		cells := []string{count(n)}
		for _, b := range backends {
			r := b.pages[i]
			cells = append(cells, f0(r.rps()), ms(r.p(0.5)), ms(r.p(0.99)), us(r.cpuPerOK()))
		}
		if len(backends) == 2 {
			cells = append(cells, ratio(backends[1].pages[i].rps(), backends[0].pages[i].rps()))
		}
		t.row(cells...)
	}
	flatnessRow(t, cfg.stores, backends)

	var seeded []string
	for _, b := range backends {
		seeded = append(seeded, fmt.Sprintf("%s %.1f s", b.name, b.seeded.Seconds()))
		if n := failures(b.pages); n > 0 {
			t.note(fmt.Sprintf("%s: %d dashboard answers failed, were not 200, or set a cookie", b.name, n))
		}
	}
	t.note(fmt.Sprintf("adding %s stores through the API, %d createStore fields a request on %d connections, took %s",
		count(cfg.stores[len(cfg.stores)-1]), storesPerRequest, seedWorkers, strings.Join(seeded, ", ")))
	return t, nil
}

// grow gives the backend's owner n stores, signing one up the first time,
// and checks the dashboard shows the first page of them.
func (b *backend) grow(ctx context.Context, n int) error {
	begun := time.Now()
	defer func() { b.seeded += time.Since(begun) }()
	if b.owner == nil {
		var err error
		b.owner, err = prepareOwner(ctx, b.proc.URL, "growth@example.com", n)
		return err
	}
	if err := b.owner.grow(ctx, n); err != nil {
		return err
	}
	return b.owner.checkDashboard(b.proc.URL)
}

// flatnessRow adds the largest size's figures over those of the first size
// whose page is full: from there on, every page shows the same number of
// stores, so a flat cost shows as ratios near 1. The target is on the
// server's CPU time a page, which the neighbours on a shared machine move
// far less than requests/s; a page whose work grew with the stores (a
// count, a scan) would be several times over it.
func flatnessRow(t *table, sizes []int, backends []*backend) {
	ref, last := -1, len(sizes)-1
	for i, n := range sizes {
		if n >= dashboardPage {
			ref = i
			break
		}
	}
	if ref < 0 || ref == last {
		return
	}
	cells := []string{count(sizes[last]) + " ÷ " + count(sizes[ref])}
	met := true
	for _, b := range backends {
		from, to := b.pages[ref], b.pages[last]
		cells = append(cells, ratio(to.rps(), from.rps()), ratio(to.p(0.5).Seconds(), from.p(0.5).Seconds()),
			ratio(to.p(0.99).Seconds(), from.p(0.99).Seconds()), ratio(to.cpuPerOK().Seconds(), from.cpuPerOK().Seconds()))
		met = met && to.cpuPerOK() <= from.cpuPerOK()*5/4
	}
	if len(backends) == 2 {
		cells = append(cells, "")
	}
	t.row(append(cells, "CPU a page ≤ 1.25", verdict(met))...)
}

func failures(rs []phaseCPU) int {
	n := 0
	for _, r := range rs {
		n += r.failed
	}
	return n
}
