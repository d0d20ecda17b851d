package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"shopkeeper/internal/serverproc"
)

// scaleoutTable measures logins and the dashboard on two instances that
// share one PostgreSQL database and one Redis, the load split evenly
// between them, beside one of them taking the whole load. Sessions live in
// Redis (-session-store redis) and both instances have the same session
// keys, so the cookie a login got on one is good on the other.
func scaleoutTable(ctx context.Context, cfg config, tmp, bin string) (*table, error) {
	t := &table{
		title: fmt.Sprintf("One and two instances sharing PostgreSQL and Redis (sessions in Redis, the same -session-keys): %d cores, %s per phase, %d connections (%d for logins)",
			runtime.NumCPU(), cfg.phase, cfg.conns, cfg.loginConns),
		columns: []string{"measure", "one instance", "two instances, load split evenly", "two ÷ one", "target", ""},
	}
	db, drop, err := newDatabase(ctx, cfg.postgres)
	if err != nil {
		t.note("not measured: " + err.Error())
		return t, nil
	}
	defer cleanup("dropping the benchmark database", drop)
	prefix, clean, err := newRedisPrefix(ctx, cfg.redis)
	if err != nil {
		t.note("not measured: " + err.Error())
		return t, nil
	}
	defer cleanup("deleting the benchmark's Redis keys", clean)

	shared := []string{"-database-url", db, "-redis-url", cfg.redis, "-redis-prefix", prefix,
		"-session-store", "redis", "-session-keys", randomHex(24)}
	fmt.Fprintln(os.Stderr, "scaleout: starting two instances on PostgreSQL and Redis")
	a, err := startShop(bin, tmp, "scaleout-a", shared...)
	if err != nil {
		return nil, err
	}
	defer stopAll(a)
	b, err := startShop(bin, tmp, "scaleout-b", shared...)
	if err != nil {
		return nil, err
	}
	defer stopAll(b)
	o, err := prepareOwner(ctx, a.URL, "scaleout@example.com", 10)
	if err != nil {
		return nil, err
	}
	if err := o.checkDashboard(b.URL); err != nil {
		return nil, fmt.Errorf("instance B with the cookie from A: %w", err)
	}

	home := func(p *serverproc.Process) request { return getRequest(p.URL+"/", o.cookie) }
	login := func(p *serverproc.Process) request { return loginRequest(p.URL, o.email, o.password) }
	both := []*serverproc.Process{a, b}
	fmt.Fprintln(os.Stderr, "scaleout: GET / on one instance, then on two")
	oneHome := measure(both, cfg.warm(), cfg.phase, func(d time.Duration) result { return loadPage(ctx, d, cfg.conns, home(a)) })
	twoHome := measure(both, cfg.warm(), cfg.phase, func(d time.Duration) result { return loadPage(ctx, d, cfg.conns, alternate(home(a), home(b))) })
	fmt.Fprintf(os.Stderr, "scaleout: POST /login with %d connections on one instance, then on two\n", cfg.loginConns)
	oneLogin := measure(both, cfg.warm(), cfg.phase, func(d time.Duration) result { return load(ctx, d, cfg.loginConns, login(a)) })
	twoLogin := measure(both, cfg.warm(), cfg.phase, func(d time.Duration) result { return load(ctx, d, cfg.loginConns, alternate(login(a), login(b))) })

	t.row("POST /login logins/s", f1(oneLogin.okRate()), f1(twoLogin.okRate()), ratio(twoLogin.okRate(), oneLogin.okRate()))
	t.row("  server CPU a login", ms(oneLogin.cpuPerOK()), ms(twoLogin.cpuPerOK()), ratio(twoLogin.cpuPerOK().Seconds(), oneLogin.cpuPerOK().Seconds()), "≤ 1.50", verdict(twoLogin.cpuPerOK() <= oneLogin.cpuPerOK()*3/2))
	t.row("  logins p99", ms(oneLogin.p(0.99)), ms(twoLogin.p(0.99)))
	t.row("  overflow answered (429/503)", fmt.Sprint(oneLogin.overflow), fmt.Sprint(twoLogin.overflow))
	t.row("GET / logged in, 10 stores, requests/s", f0(oneHome.rps()), f0(twoHome.rps()), ratio(twoHome.rps(), oneHome.rps()))
	t.row("  server CPU a page", us(oneHome.cpuPerOK()), us(twoHome.cpuPerOK()), ratio(twoHome.cpuPerOK().Seconds(), oneHome.cpuPerOK().Seconds()), "≤ 1.50", verdict(twoHome.cpuPerOK() <= oneHome.cpuPerOK()*3/2))
	t.row("  GET / p50", ms(oneHome.p(0.5)), ms(twoHome.p(0.5)))
	t.row("  GET / p99", ms(oneHome.p(0.99)), ms(twoHome.p(0.99)))
	t.note(fmt.Sprintf("one %d-core machine runs both instances, PostgreSQL, Redis and the load: two instances share the cores one had, so this shows what splitting costs, not a speed-up", runtime.NumCPU()))
	if n := oneHome.failed + twoHome.failed + oneLogin.failed + twoLogin.failed; n > 0 {
		t.note(fmt.Sprintf("%d requests failed or answered unexpectedly (statuses: GET / %v and %v, logins %v and %v; dashboard answers that set a cookie count as failed)",
			n, oneHome.statuses, twoHome.statuses, oneLogin.statuses, twoLogin.statuses))
	}
	return t, nil
}
