package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/go-test.json is go test -json's output for a module with a
// package whose test fails (with a passing and a failing subtest) and one
// skips, a package whose only subtest skips, one that does not build, and
// one without tests.
func TestSkipsByReasonThenCounts(t *testing.T) {
	var out strings.Builder
	if err := run("testdata/go-test.json", &out); err != nil {
		t.Fatal(err)
	}
	want := "\n2 tests skipped:\n" +
		"  1 × db missing\n      in tsmod/b (1)\n" +
		"  1 × no server: skipped\n      in tsmod/a (1)\n" +
		"tests: 3 passed, 2 failed, 2 skipped\n"
	if out.String() != want {
		t.Errorf("output =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestOneLinePerReason(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go-test.json")
	events := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
not json, ignored
{"Action":"output","Package":"p","Test":"TestRedis","Output":"    redis_test.go:12: SHOP_TEST_REDIS_URL is not set\n"}
{"Action":"output","Package":"p","Test":"TestRedis","Output":"--- SKIP: TestRedis (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestRedis"}
{"Action":"output","Package":"q","Test":"TestRedis2","Output":"    x_test.go:3: SHOP_TEST_REDIS_URL is not set\n"}
{"Action":"skip","Package":"q","Test":"TestRedis2"}
{"Action":"output","Package":"q","Test":"TestRedis3","Output":"    x_test.go:9: SHOP_TEST_REDIS_URL is not set\n"}
{"Action":"skip","Package":"q","Test":"TestRedis3"}
{"Action":"skip","Package":"q","Test":"TestSilent"}
{"Action":"pass","Package":"p"}
`
	if err := os.WriteFile(path, []byte(events), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(path, &out); err != nil {
		t.Fatal(err)
	}
	want := "\n4 tests skipped:\n" +
		"  3 × SHOP_TEST_REDIS_URL is not set\n      in p (1), q (2)\n" +
		"  1 × (no reason given)\n      in q (1)\n" +
		"tests: 1 passed, 0 failed, 4 skipped\n"
	if out.String() != want {
		t.Errorf("output =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestNoSkipsOnlyCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go-test.json")
	if err := os.WriteFile(path, []byte(`{"Action":"pass","Package":"p","Test":"TestA"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(path, &out); err != nil {
		t.Fatal(err)
	}
	if want := "tests: 1 passed, 0 failed, 0 skipped\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestWithoutTheJSONFileItSaysHow(t *testing.T) {
	var out strings.Builder
	err := run("", &out)
	if err == nil || !strings.Contains(err.Error(), "--jsonfile") {
		t.Errorf("err = %v, want one naming --jsonfile", err)
	}
	if out.Len() != 0 {
		t.Errorf("output = %q, want none", out.String())
	}
}
