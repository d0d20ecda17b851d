// Command skipreasons prints which tests were skipped and why, grouped by
// the reason they gave, then a count of tests passed, failed and skipped.
// make test runs it after gotestsum, as its --post-run-command, over the go
// test -json events gotestsum saved (--jsonfile, named to this command by
// GOTESTSUM_JSONFILE). gotestsum lists skipped tests one by one, each with
// its output; the PostgreSQL and Redis suites skip dozens of tests for two
// reasons, which one line each says better.
//
// It exits 0 whatever the tests did: gotestsum exits with go test's code.
//
//	go tool gotestsum --hide-summary=skipped --jsonfile FILE --post-run-command 'go run ./cmd/skipreasons' -- ./...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if err := run(os.Getenv("GOTESTSUM_JSONFILE"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "skipreasons:", err)
		os.Exit(1)
	}
}

func run(jsonFile string, out io.Writer) error {
	if jsonFile == "" {
		return fmt.Errorf("GOTESTSUM_JSONFILE is not set; run me as gotestsum's --post-run-command with --jsonfile")
	}
	f, err := os.Open(jsonFile)
	if err != nil {
		return err
	}
	defer f.Close()
	s := newSummary()
	if err := s.read(f); err != nil {
		return fmt.Errorf("reading %s: %w", jsonFile, err)
	}
	s.report(out)
	return nil
}

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type summary struct {
	output  map[string][]string // a running test's output, by "package TestName"
	skipped map[string][]string // "package TestName" by reason
	counts  map[string]int      // tests by outcome: pass, fail, skip
}

func newSummary() *summary {
	return &summary{output: map[string][]string{}, skipped: map[string][]string{}, counts: map[string]int{}}
}

// read consumes go test -json's events; lines that are not events (a
// build's output) are ignored, gotestsum has shown them.
func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		id := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			s.output[id] = append(s.output[id], e.Output)
		case "pass", "fail", "skip":
			s.counts[e.Action]++
			if e.Action == "skip" {
				reason := skipReason(s.output[id])
				s.skipped[reason] = append(s.skipped[reason], id)
			}
			delete(s.output, id)
		}
	}
	return sc.Err()
}

// fileLine is the "name_test.go:12: " go test puts before a logged line.
var fileLine = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

// skipReason is the first line a skipped test logged: what it passed to
// t.Skip.
func skipReason(output []string) string {
	for _, text := range output {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "=== ") || strings.HasPrefix(text, "--- SKIP") {
			continue
		}
		return fileLine.ReplaceAllString(text, "")
	}
	return "(no reason given)"
}

// report prints the skipped tests grouped by reason, the most common
// first, and the counts.
func (s *summary) report(out io.Writer) {
	if n := s.counts["skip"]; n > 0 {
		fmt.Fprintf(out, "\n%d %s skipped:\n", n, plural(n, "test", "tests"))
		reasons := make([]string, 0, len(s.skipped))
		for r := range s.skipped {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool {
			if a, b := len(s.skipped[reasons[i]]), len(s.skipped[reasons[j]]); a != b {
				return a > b
			}
			return reasons[i] < reasons[j]
		})
		for _, r := range reasons {
			fmt.Fprintf(out, "  %d × %s\n      in %s\n", len(s.skipped[r]), r, packages(s.skipped[r]))
		}
	}
	fmt.Fprintf(out, "tests: %d passed, %d failed, %d skipped\n", s.counts["pass"], s.counts["fail"], s.counts["skip"])
}

// packages names the packages of tests ("package TestName"), with how many
// tests each, in order.
func packages(tests []string) string {
	count := map[string]int{}
	var order []string
	for _, t := range tests {
		pkg, _, _ := strings.Cut(t, " ")
		if count[pkg] == 0 {
			order = append(order, pkg)
		}
		count[pkg]++
	}
	sort.Strings(order)
	parts := make([]string, len(order))
	for i, pkg := range order {
		parts[i] = fmt.Sprintf("%s (%d)", pkg, count[pkg])
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
