// Command testsummary runs go test and prints what go test prints (failing
// tests' output, one "ok" or "FAIL" line a package), then which tests were
// skipped and why, and a count of tests passed, failed and skipped. Without
// -v, go test hides skips, and the PostgreSQL and Redis suites skip when no
// server is configured. It exits with go test's exit code.
//
//	go run ./cmd/testsummary -race -count=1 ./...   # what make test runs
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	s := newSummary(os.Stdout)
	if err := s.read(stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary: reading go test's output:", err)
	}
	err = cmd.Wait()
	s.report()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		os.Exit(exit.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "testsummary: go test:", err)
		os.Exit(1)
	}
}

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// line is one piece of output, and the test that wrote it ("" for the
// package: TestMain, the final ok/FAIL line).
type line struct{ test, text string }

type summary struct {
	out      io.Writer
	lines    map[string][]line          // by package, until it ends
	failed   map[string]map[string]bool // tests that failed, by package
	skipped  map[string][]string        // "package TestName" by reason
	counts   map[string]int             // tests by outcome: pass, fail, skip
	finished map[string]map[string]bool // tests that ended, by package
}

func newSummary(out io.Writer) *summary {
	return &summary{
		out: out, lines: map[string][]line{}, failed: map[string]map[string]bool{},
		skipped: map[string][]string{}, counts: map[string]int{}, finished: map[string]map[string]bool{},
	}
}

// read consumes go test -json's output until it ends, printing each
// package's part when the package is done.
func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(s.out, sc.Text()) // not an event: pass it on
			continue
		}
		s.event(e)
	}
	return sc.Err()
}

func (s *summary) event(e event) {
	switch {
	case e.Action == "build-output":
		fmt.Fprint(s.out, e.Output) // compiler errors, as go test prints them
	case e.Action == "output":
		s.lines[e.Package] = append(s.lines[e.Package], line{e.Test, e.Output})
	case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		s.counts[e.Action]++
		mark(s.finished, e.Package, e.Test)
		switch e.Action {
		case "fail":
			mark(s.failed, e.Package, e.Test)
		case "skip":
			reason := s.skipReason(e.Package, e.Test)
			s.skipped[reason] = append(s.skipped[reason], e.Package+" "+e.Test)
		}
	case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		s.printPackage(e.Package, e.Action == "fail")
	}
}

func mark(m map[string]map[string]bool, pkg, test string) {
	if m[pkg] == nil {
		m[pkg] = map[string]bool{}
	}
	m[pkg][test] = true
}

// printPackage prints what go test without -v would: for a package that
// passed, its "ok" line (or "no test files"); for one that failed, its own
// output and that of the tests that failed or never ended, each test's
// "--- FAIL" line first and its subtests indented beneath it.
func (s *summary) printPackage(pkg string, failed bool) {
	lines := s.lines[pkg]
	delete(s.lines, pkg)
	if !failed {
		for _, l := range lines {
			if l.test == "" && (strings.HasPrefix(l.text, "ok ") || strings.HasPrefix(l.text, "?   ")) {
				fmt.Fprint(s.out, l.text)
			}
		}
		return
	}
	byTest := map[string][]string{}
	var tests []string // in the order they first wrote
	for _, l := range lines {
		if l.test != "" {
			if _, seen := byTest[l.test]; !seen {
				tests = append(tests, l.test)
			}
			byTest[l.test] = append(byTest[l.test], l.text)
		}
	}
	children := map[string][]string{}
	for _, t := range tests {
		children[parent(t, byTest)] = append(children[parent(t, byTest)], t)
	}
	shown := map[string]bool{}
	for _, l := range lines {
		switch {
		case l.test == "" && l.text != "PASS\n":
			fmt.Fprint(s.out, l.text)
		case l.test != "" && !shown[l.test] && parent(l.test, byTest) == "":
			shown[l.test] = true
			s.printTest(pkg, l.test, byTest, children, "")
		}
	}
}

// printTest prints a test's output if it failed or never ended, then its
// subtests', indented one level further.
func (s *summary) printTest(pkg, test string, byTest, children map[string][]string, indent string) {
	if !s.failed[pkg][test] && s.finished[pkg][test] {
		return
	}
	var result string
	var logs []string
	for _, text := range byTest[test] {
		trimmed := strings.TrimLeft(text, " ")
		switch {
		case strings.HasPrefix(trimmed, "--- "):
			result = trimmed
		case !strings.HasPrefix(trimmed, "=== "):
			logs = append(logs, text)
		}
	}
	if result != "" { // a test that never ended has none
		fmt.Fprint(s.out, indent+result)
	}
	for _, text := range logs {
		fmt.Fprint(s.out, indent+text)
	}
	for _, sub := range children[test] {
		s.printTest(pkg, sub, byTest, children, indent+"    ")
	}
}

// parent is the test that ran test as a subtest, or "".
func parent(test string, tests map[string][]string) string {
	for i := strings.LastIndexByte(test, '/'); i > 0; i = strings.LastIndexByte(test[:i], '/') {
		if _, ok := tests[test[:i]]; ok {
			return test[:i]
		}
	}
	return ""
}

// fileLine is the "name_test.go:12: " go test puts before a logged line.
var fileLine = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

// skipReason is the first line the skipped test logged: what it passed to
// t.Skip.
func (s *summary) skipReason(pkg, test string) string {
	for _, l := range s.lines[pkg] {
		if l.test != test {
			continue
		}
		text := strings.TrimSpace(l.text)
		if text == "" || strings.HasPrefix(text, "=== ") || strings.HasPrefix(text, "--- SKIP") {
			continue
		}
		return fileLine.ReplaceAllString(text, "")
	}
	return "(no reason given)"
}

// report prints the skipped tests grouped by reason, and the counts.
func (s *summary) report() {
	for pkg := range s.lines { // packages that never ended (a build failure)
		s.printPackage(pkg, true)
	}
	if n := s.counts["skip"]; n > 0 {
		fmt.Fprintf(s.out, "\n%d %s skipped:\n", n, plural(n, "test", "tests"))
		reasons := make([]string, 0, len(s.skipped))
		for r := range s.skipped {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool { return len(s.skipped[reasons[i]]) > len(s.skipped[reasons[j]]) })
		for _, r := range reasons {
			fmt.Fprintf(s.out, "  %d × %s\n      in %s\n", len(s.skipped[r]), r, packages(s.skipped[r]))
		}
	}
	fmt.Fprintf(s.out, "tests: %d passed, %d failed, %d skipped\n", s.counts["pass"], s.counts["fail"], s.counts["skip"])
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
