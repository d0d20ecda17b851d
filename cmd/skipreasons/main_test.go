package main

import (
	"os"
	"strings"
	"testing"
)

// testdata/go-test.json is go test -json's output for a module with a
// package whose test fails (with a passing and a failing subtest) and one
// skips, a package whose only subtest skips, one that does not build, and
// one without tests.
func TestSummary(t *testing.T) {
	f, err := os.Open("testdata/go-test.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	s := newSummary(&out)
	if err := s.read(f); err != nil {
		t.Fatal(err)
	}
	s.report()
	got := out.String()

	for _, want := range []string{
		// What go test without -v prints: the failure, nested as go test nests it.
		"from TestMain\n--- FAIL: TestFail (",
		"    a_test.go:7: before failing\n    --- FAIL: TestFail/bad (",
		"        a_test.go:9: sub fails\nFAIL\nFAIL\ttsmod/a\t",
		"ok  \ttsmod/b\t",
		"c/c_test.go:5:33: undefined: undefined\n",
		"FAIL\ttsmod/c [build failed]\n",
		"?   \ttsmod/d\t[no test files]\n",
		// Then the skips, by reason, and the counts.
		"\n2 tests skipped:\n",
		"  1 × no server: skipped\n      in tsmod/a (1)\n",
		"  1 × db missing\n      in tsmod/b (1)\n",
		"tests: 3 passed, 2 failed, 2 skipped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q; it is:\n%s", want, got)
		}
	}
	// What go test without -v hides.
	for _, hidden := range []string{"quiet when passing", "sub passes", "=== RUN", "--- PASS", "--- SKIP", "\nPASS\n"} {
		if strings.Contains(got, hidden) {
			t.Errorf("output shows %q; it is:\n%s", hidden, got)
		}
	}
}

func TestNoSkipsNoSkipList(t *testing.T) {
	var out strings.Builder
	s := newSummary(&out)
	if err := s.read(strings.NewReader(`{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}
{"Action":"pass","Package":"p"}
not json, passed on
`)); err != nil {
		t.Fatal(err)
	}
	s.report()
	if want := "ok  \tp\t0.1s\nnot json, passed on\ntests: 1 passed, 0 failed, 0 skipped\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}
