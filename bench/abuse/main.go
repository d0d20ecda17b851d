// Command abuse runs a fixed set of GraphQL abuse attacks against two builds
// of Shopkeeper, the one before the API hardening and the working tree, and
// prints one markdown table: each attack's outcome, the server CPU it cost,
// its wall time and the server's peak memory, before beside after.
//
// Every attack gets a fresh server (own temporary data dir, SQLite, rate
// limits on as by default) on a free loopback port; the program reads the
// server's CPU and memory from /proc. See docs/abuse.md.
//
//	go run ./bench/abuse            # or: make abuse
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	before := flag.String("before", "5fa07ba", "git revision built as the \"before\" server")
	timeout := flag.Duration("timeout", 60*time.Second, "client timeout of one request")
	only := flag.String("only", "", "comma-separated attack numbers to run (default all)")
	redisURL := flag.String("redis", "redis://127.0.0.1:6379/0", "Redis server for the attacks on the shared limiter")
	keep := flag.Bool("keep", false, "keep the temporary directory (binaries, data dirs, server logs)")
	flag.Parse()
	if err := run(*before, *redisURL, *timeout, *only, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "abuse:", err)
		os.Exit(1)
	}
}

// measure is what one attack did to one server.
type measure struct {
	outcome string
	cpu     float64       // server CPU seconds (user + system) during the attack
	wall    time.Duration // of the attack, setup excluded
	hwm     int64         // peak RSS (VmHWM) at the end, bytes; -1 unknown
}

func run(beforeRev, redisURL string, timeout time.Duration, only string, keep bool) error {
	selected, err := pick(only)
	if err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "shopkeeper-abuse-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	// Each attack's "before" is the revision it was written against: the
	// first round's attacks the -before flag's, the second round's roundTwo.
	befores := map[string]string{} // revision → binary
	var hashes []string
	for _, i := range selected {
		rev := cmp.Or(attacks[i].since, beforeRev)
		if _, ok := befores[rev]; ok {
			continue
		}
		hash, err := gitOutput(root, "rev-parse", "--short", rev+"^{commit}")
		if err != nil {
			return fmt.Errorf("revision %q: %w", rev, err)
		}
		fmt.Fprintf(os.Stderr, "building before (%s) in %s\n", hash, tmp)
		bin, err := buildRevision(root, rev, tmp, "before-"+hash)
		if err != nil {
			return err
		}
		befores[rev] = bin
		hashes = append(hashes, hash)
	}
	fmt.Fprintf(os.Stderr, "building after (working tree) in %s\n", tmp)
	afterBin, err := buildWorkingTree(root, tmp, "after")
	if err != nil {
		return err
	}
	afterDesc := describeWorkingTree(root)

	start := time.Now()
	var rows [][2]measure
	for _, i := range selected {
		a := attacks[i]
		var pair [2]measure
		for j, bin := range []string{befores[cmp.Or(a.since, beforeRev)], afterBin} {
			label := [2]string{"before", "after"}[j]
			fmt.Fprintf(os.Stderr, "%s: %s ... ", a.name, label)
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", label, i+1))
			pair[j] = attackOnce(bin, dir, a, settings(a.env, redisURL, fmt.Sprintf("shopkeeper-abuse-%d-%s-%d:", os.Getpid(), label, i+1)), timeout)
			fmt.Fprintf(os.Stderr, "%.1f s wall, %.2f s CPU: %s\n", pair[j].wall.Seconds(), pair[j].cpu, pair[j].outcome)
		}
		rows = append(rows, pair)
	}

	fmt.Printf("Shopkeeper GraphQL abuse: before = %s, after = %s; %d cores, request timeout %s, %s; attacks ran in %s\n\n",
		strings.Join(hashes, " (attacks 1–8) and "), afterDesc, runtime.NumCPU(), secs(timeout), time.Now().UTC().Format("2006-01-02 15:04 MST"),
		time.Since(start).Round(time.Second))
	printTable(os.Stdout, selected, rows)
	return nil
}

// attackOnce starts a fresh server from bin, runs a against it, measures
// and stops it.
func attackOnce(bin, dir string, a attack, env []string, timeout time.Duration) measure {
	s, err := startServer(bin, dir, env, timeout)
	if err != nil {
		return measure{outcome: "server did not start: " + err.Error(), hwm: -1}
	}
	s.begin()
	outcome := a.run(s)
	s.end()
	m := measure{outcome: outcome, cpu: s.cpu, wall: s.wall, hwm: s.peakRSS()}
	if s.exited() {
		m.outcome += "; server exited during the attack: " + s.exitStatus()
	}
	if !s.stop() {
		m.outcome += "; SIGTERM did not drain within 5 s"
	}
	return m
}

// settings fills in an attack's env: {{redis}} and {{prefix}}.
func settings(env []string, redisURL, prefix string) []string {
	r := strings.NewReplacer("{{redis}}", redisURL, "{{prefix}}", prefix)
	out := make([]string, len(env))
	for i, kv := range env {
		out[i] = r.Replace(kv)
	}
	return out
}

// pick turns "-only 1,3" into attack indexes.
func pick(only string) ([]int, error) {
	var out []int
	if only == "" {
		for i := range attacks {
			out = append(out, i)
		}
		return out, nil
	}
	for f := range strings.SplitSeq(only, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > len(attacks) {
			return nil, fmt.Errorf("-only: %q is not an attack number 1-%d", f, len(attacks))
		}
		if !slices.Contains(out, n-1) {
			out = append(out, n-1)
		}
	}
	return out, nil
}
